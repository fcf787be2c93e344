"""Placeholder replaced during development."""
SCHEMAS: dict = {}
DESCRIPTIONS: dict = {}
