"""Fixed facts of the teaching business shared by every part of the generator."""

from __future__ import annotations

import pandas as pd

#: Seed of the committed default data set in ``data/``.
DEFAULT_SEED = 20261124

#: First and last day of the order history (three years); the default as-of date is END.
START = pd.Timestamp("2023-01-02")  # a Monday, so weekly tables start on a week boundary
END = pd.Timestamp("2025-12-28")  # a Sunday: 156 full weeks
AS_OF = END

#: Number of customers at scale=1.
N_CUSTOMERS = 12_000

REGIONS = ("North", "East", "South", "Central", "West")
SALES_CHANNELS = ("store", "web", "app", "marketplace", "b2b")
CATEGORIES = ("grocery", "personal_care", "home", "electronics", "apparel", "baby")
MEDIA_CHANNELS = ("tv", "search", "social", "display", "email")
