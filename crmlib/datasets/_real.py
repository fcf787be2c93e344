"""Placeholder replaced during development."""
data_home = load_amusement_park = load_cdnow = load_hillstrom = load_orange_juice = load_paidsearch = None
