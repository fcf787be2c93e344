"""crmlib — the helper library of the CRM Analytics Workbook.

One module per marketing domain; the lessons in ``notebooks/`` call them.

- :mod:`crmlib.datasets` — the default teaching data (with ground truth), loaders for real
  public data sets and for user files, with row reconciliation.
- :mod:`crmlib.engine` — per-transaction aggregations (RFM/BG-NBD summary, cohorts, channels)
  that run inside the user's engine: pandas, Polars, DuckDB or PySpark.
- :mod:`crmlib.segmentation` — RFM scores and segments, ABC grading, lead qualification,
  clustering, descriptive segmentation (lesson 02).
- :mod:`crmlib.value` — BG/NBD, Gamma-Gamma, CLV, churn warning, loyalty tiers (lesson 03).
- :mod:`crmlib.reports` and :mod:`crmlib.cli` — papermill report runner, batches, index page.
- :mod:`crmlib.exceptions` — the small exception hierarchy.

Importing crmlib changes no global state (warning filters, rcParams, display options, seeds).
"""

from crmlib.exceptions import (
    ConvergenceError,
    CrmlibError,
    DataError,
    NotFittedError,
    ParameterError,
)

__all__ = [
    "ConvergenceError",
    "CrmlibError",
    "DataError",
    "NotFittedError",
    "ParameterError",
    "__version__",
]

__version__ = "0.1.0"
