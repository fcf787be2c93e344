"""Placeholder replaced during development."""
Reconciliation = TransactionData = read_transactions = None
