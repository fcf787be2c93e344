"""crmlib — the helper library of the CRM Analytics Workbook.

One package per marketing domain; the lessons in ``notebooks/`` call them. Each domain package
is shaped like :mod:`crmlib.datasets`: an ``__init__`` that is its public face (explicit
``__all__``) over private modules of one subject each.

- :mod:`crmlib.datasets` — the default teaching data (with ground truth), loaders for real
  public data sets and for user files, with row reconciliation.
- :mod:`crmlib.engine` — per-transaction aggregations that run inside the user's engine
  (pandas, Polars, DuckDB or PySpark), including :func:`crmlib.engine.purchase_days`, the one
  definition of a purchase day every domain uses.
- :mod:`crmlib.market` — market size and growth, share and concentration, target-customer
  profile, life cycle, positioning, where to grow, forecast, PEST/SWOT (lesson 01).
- :mod:`crmlib.segmentation` — RFM, ABC grading, lead qualification, clustering, cross-tabs
  (lesson 02).
- :mod:`crmlib.value` — retention, BG/NBD, Gamma-Gamma, CLV, churn warning, loyalty tiers
  (lesson 03).
- :mod:`crmlib.pricing` — cost floor, price elasticity with controls, the markup rule and
  profit curve, Van Westendorp and Gabor-Granger surveys, price index, bundles (lesson 04).
- :mod:`crmlib.promotion` — campaign funnels, A/B tests with CUPED and sequential boundaries,
  difference-in-differences, uplift models and Qini, campaign decisions (lesson 05).
- :mod:`crmlib.channels` — channel P&L, attribution, the marketing-mix model and its recovery
  harness, the budget optimiser (lesson 06).
- :mod:`crmlib.satisfaction` — scale reliability, CSAT and NPS, key drivers, loyalty and
  complaints (lesson 07).
- :mod:`crmlib.basket` — market-basket rules, next-best offers, the relationship funnel
  (lesson 08).
- :mod:`crmlib.plan` — the marketing plan: outlooks, SMART targets, the KPI dashboard,
  incentives and risks, on top of the other domains (lesson 09).
- :mod:`crmlib.reports` and :mod:`crmlib.cli` — papermill report runner, batches, index page;
  ``crmlib.reports.headline`` is light (no papermill) for use inside lessons.
- :mod:`crmlib.plotting` — axes handling and the opt-in house style of every ``plot_*``.
- :mod:`crmlib.exercises` — the self-checks of lesson exercises and quizzes.
- :mod:`crmlib.privacy` — keyed pseudonyms for customer ids, and the scan of text and rendered
  reports for e-mail addresses, phone numbers and customers' names.
- :mod:`crmlib.glossary` — the one table of terms (English and Chinese) behind every glossary.
- The base every module uses: :mod:`crmlib.exceptions` (the exception family),
  ``crmlib._validation`` (argument, date, column and value checks) and ``crmlib._results``
  (summary display and notes of result objects).

Dependencies run one way: domains → engine → base; datasets → base; reports → base.
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
