"""Data for the workbook: the default teaching business, real public data sets, user files.

- :func:`load_default` / :func:`generate` — the fictional omnichannel retailer and its truth.
- :func:`health_check` — the customer database's health check (lesson 00's decision table).
- :func:`read_transactions` — map, parse and validate a user's order log, with a row
  reconciliation (rows read = rows kept + rows set aside, per reason).
- ``load_cdnow``, ``load_hillstrom``, ``load_orange_juice``, ``load_paidsearch``,
  ``load_amusement_park``, ``load_ta_feng``, ``load_groceries``, ``load_donations`` — the real data sets of ``../shared/data`` (or ``CRMLIB_DATA_HOME``).
"""

from crmlib.datasets._constants import AS_OF, CATEGORIES, DEFAULT_SEED, END, MEDIA_CHANNELS, REGIONS, SALES_CHANNELS, START
from crmlib.datasets._generator import (
    SCHEMAS,
    TABLES,
    DefaultData,
    data_dictionary,
    default_data_dir,
    generate,
    load_default,
    load_truth,
    truth_frame,
    write_default,
)
from crmlib.datasets._gen_marketing import simulate_lift_tests, simulate_media
from crmlib.datasets._messy import MESSY_COLUMNS, messy_export
from crmlib.datasets._health import HEALTH_RULES, HealthCheck, health_check
from crmlib.datasets._loaders import Reconciliation, TransactionData, read_transactions
from crmlib.datasets._real import (
    SOURCES,
    data_home,
    load_amusement_park,
    load_cdnow,
    load_donations,
    load_groceries,
    load_hillstrom,
    load_orange_juice,
    load_paidsearch,
    load_ta_feng,
)

__all__ = [
    "HEALTH_RULES",
    "HealthCheck",
    "health_check",
    "MEDIA_CHANNELS",
    "MESSY_COLUMNS",
    "REGIONS",
    "SALES_CHANNELS",
    "SOURCES",
    "AS_OF",
    "CATEGORIES",
    "DEFAULT_SEED",
    "END",
    "SCHEMAS",
    "START",
    "TABLES",
    "DefaultData",
    "Reconciliation",
    "TransactionData",
    "data_dictionary",
    "data_home",
    "default_data_dir",
    "generate",
    "load_amusement_park",
    "load_cdnow",
    "load_groceries",
    "load_default",
    "load_donations",
    "load_hillstrom",
    "load_orange_juice",
    "load_paidsearch",
    "load_ta_feng",
    "load_truth",
    "messy_export",
    "read_transactions",
    "simulate_lift_tests",
    "simulate_media",
    "truth_frame",
    "write_default",
]
