"""Market, pricing, media, journey and survey tables of the default teaching data.

The orchestrator (:mod:`crmlib.datasets._generator`) calls :func:`make_marketing_tables` with
its own random stream, types the frames with :data:`SCHEMAS`, writes them to ``data/`` and
merges the returned truth into ``ground_truth.json`` under the keys ``"pricing"``,
``"media"``, ``"journeys"``, ``"satisfaction"`` and ``"market"``.

Every table is simulated from an explicit model whose parameters are returned as the truth,
so the lessons can put their estimates beside the values the simulation really used:

- ``price_panel`` — log-log demand per week x region x category with own and cross price
  elasticities, feature/display lifts, trend, annual seasonality and shopping festivals.
- ``media_spend`` and ``weekly_sales`` — a marketing-mix process: geometric adstock, Hill
  saturation and a linear baseline with seasonality, festivals and two controls.
- ``journeys`` — touchpoint paths drawn from a first-order absorbing Markov chain; the truth
  holds each channel's exact removal effect.
- ``survey`` — Likert items from correlated latent drivers, CSAT, NPS, complaints with service
  recovery and 90-day repurchase.
- ``market`` and ``competitors`` — regional market sizes with known CAGRs, brand shares with
  known trends, and a competitor benchmark.

Time runs in weeks that start on Monday.  ``week_index`` is the number of whole weeks since
``start`` (0 for the first week); seasonal terms use a 52-week period.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from crmlib._validation import check_columns, format_examples
from crmlib.datasets._constants import CATEGORIES, MEDIA_CHANNELS, REGIONS
from crmlib.exceptions import DataError, ParameterError

__all__ = ["DESCRIPTIONS", "SCHEMAS", "make_marketing_tables", "simulate_lift_tests", "simulate_media"]

# --------------------------------------------------------------------------------------------
# Fixed facts and parameters
# --------------------------------------------------------------------------------------------

#: Period of the annual Fourier terms, in weeks.
PERIOD_WEEKS = 52
#: Shopping festivals and holidays modelled in the price panel and in weekly sales.
EVENTS = ("chinese_new_year", "mid_year_618", "national_day", "singles_day")
EVENT_LEVELS = ("none", *EVENTS)
#: Chinese New Year's Day (first day of the first lunar month).
_CNY_DATES = {
    2020: "2020-01-25", 2021: "2021-02-12", 2022: "2022-02-01", 2023: "2023-01-22",
    2024: "2024-02-10", 2025: "2025-01-29", 2026: "2026-02-17", 2027: "2027-02-06",
    2028: "2028-01-26", 2029: "2029-02-13", 2030: "2030-02-03",
}

# ---- pricing ---------------------------------------------------------------------------------
# Per category: unit cost (yuan, national reference), regular-price markup over cost, own and
# cross price elasticity, base weekly units per region at reference prices, log-units trend per
# year, feature and display lifts (log units), weekly promotion probability, competitor price
# ratio, Fourier coefficients (sin1, cos1, sin2, cos2) and festival effects (log units, in the
# order of EVENTS).
_CATEGORY_PARAMS: dict[str, dict[str, object]] = {
    "grocery": dict(cost=18.0, markup=1.35, own=-0.8, cross=0.3, units=12_000, trend=0.02,
                    feature=0.12, display=0.08, promo=0.20, comp=0.97,
                    fourier=(0.03, 0.06, -0.02, 0.03), events=(0.45, 0.05, 0.10, 0.08)),
    "personal_care": dict(cost=26.0, markup=1.70, own=-1.4, cross=0.5, units=4_000, trend=0.04,
                          feature=0.18, display=0.10, promo=0.18, comp=0.98,
                          fourier=(0.05, 0.02, 0.03, -0.02), events=(0.20, 0.15, 0.08, 0.35)),
    "home": dict(cost=65.0, markup=1.90, own=-1.9, cross=0.6, units=1_500, trend=0.01,
                 feature=0.20, display=0.12, promo=0.15, comp=0.96,
                 fourier=(0.08, -0.04, 0.02, 0.03), events=(0.15, 0.15, 0.20, 0.30)),
    "electronics": dict(cost=680.0, markup=1.18, own=-2.9, cross=0.9, units=350, trend=-0.03,
                        feature=0.25, display=0.10, promo=0.12, comp=0.97,
                        fourier=(-0.04, 0.10, 0.05, 0.04), events=(0.25, 0.35, 0.15, 0.60)),
    "apparel": dict(cost=80.0, markup=2.20, own=-2.4, cross=0.7, units=1_200, trend=0.03,
                    feature=0.22, display=0.15, promo=0.22, comp=0.95,
                    fourier=(-0.10, 0.12, 0.06, -0.05), events=(0.35, 0.20, 0.12, 0.45)),
    "baby": dict(cost=55.0, markup=1.60, own=-1.2, cross=0.4, units=900, trend=0.06,
                 feature=0.15, display=0.08, promo=0.16, comp=0.99,
                 fourier=(0.02, 0.03, -0.01, 0.01), events=(0.10, 0.15, 0.05, 0.30)),
}
# Per region: relative market size (demand level), cost factor and price premium (regional
# pricing: the same basket costs more in East and West).
_REGION_PARAMS: dict[str, dict[str, float]] = {
    "North": dict(size=0.90, cost=1.00, premium=1.00),
    "East": dict(size=1.40, cost=1.03, premium=1.06),
    "South": dict(size=1.20, cost=0.98, premium=0.99),
    "Central": dict(size=0.80, cost=0.96, premium=0.95),
    "West": dict(size=0.60, cost=1.04, premium=1.03),
}
_PRICE_NOISE_SD = 0.10  # sd of the log-units error
_INTERCEPT_SD = 0.10  # sd of the region x category level deviations
_COST_AR = (0.90, 0.02)  # AR(1) coefficient and innovation sd of the category cost shock
_COMP_AR = (0.85, 0.025)  # the same for the competitor's regular price (per region x category)
_COMP_CHAIN_PROMO = (0.15, 0.12)  # weekly probability and depth of a competitor chain-wide promo

# ---- media -----------------------------------------------------------------------------------
# decay: geometric adstock carry-over; half_saturation: Hill K in adstocked spend (yuan);
# shape: Hill exponent; roi: the ROI the betas are calibrated to; cpm: yuan per 1000
# impressions; ctr: clicks per impression (TV clicks are not measured).
_MEDIA_PARAMS: dict[str, dict[str, float]] = {
    "tv": dict(decay=0.70, half_saturation=1_200_000.0, shape=1.5, roi=0.9, cpm=40.0, ctr=0.0),
    "search": dict(decay=0.15, half_saturation=400_000.0, shape=1.0, roi=3.2, cpm=30.0, ctr=0.035),
    "social": dict(decay=0.35, half_saturation=300_000.0, shape=1.2, roi=1.6, cpm=25.0, ctr=0.008),
    "display": dict(decay=0.25, half_saturation=50_000.0, shape=1.0, roi=0.7, cpm=12.0, ctr=0.0015),
    "email": dict(decay=0.10, half_saturation=40_000.0, shape=1.0, roi=9.0, cpm=6.0, ctr=0.012),
}
_BASELINE = dict(
    level=9_500_000.0,  # yuan per week at week_index 0
    trend_per_week=12_000.0,
    fourier=(350_000.0, 550_000.0, -200_000.0, 150_000.0),  # sin1, cos1, sin2, cos2
    events=(1_200_000.0, 1_500_000.0, 600_000.0, 2_500_000.0),  # in the order of EVENTS
    price_index=-9_000_000.0,  # yuan per unit of (avg_price_index - 1)
    competitor_promo=-400_000.0,
)
_SALES_NOISE_SD = 150_000.0
_AOV = (185.0, 0.03)  # average order value (yuan) and its weekly log-normal sd

# ---- journeys --------------------------------------------------------------------------------
JOURNEY_CHANNELS = ("search", "social", "display", "email", "direct", "referral", "marketplace_ad")
_N_JOURNEYS = 15_000
_START_PROBS = (0.26, 0.20, 0.16, 0.09, 0.12, 0.06, 0.11)
# Per channel: P(conversion), P(null) and the relative weights of the next channel.
_JOURNEY_ROWS: dict[str, tuple[float, float, tuple[float, ...]]] = {
    "search": (0.14, 0.26, (0.30, 0.05, 0.10, 0.10, 0.30, 0.05, 0.10)),
    "social": (0.04, 0.32, (0.35, 0.20, 0.10, 0.05, 0.15, 0.10, 0.05)),
    "display": (0.02, 0.36, (0.45, 0.10, 0.15, 0.05, 0.15, 0.03, 0.07)),
    "email": (0.12, 0.28, (0.15, 0.05, 0.05, 0.15, 0.45, 0.05, 0.10)),
    "direct": (0.22, 0.30, (0.30, 0.10, 0.05, 0.15, 0.25, 0.05, 0.10)),
    "referral": (0.12, 0.30, (0.30, 0.15, 0.05, 0.10, 0.30, 0.05, 0.05)),
    "marketplace_ad": (0.09, 0.32, (0.25, 0.05, 0.05, 0.05, 0.20, 0.05, 0.35)),
}
_CONVERSION_VALUE = (260.0, 0.55)  # mean order value (yuan) and log-normal sd
_JOURNEY_GAP_DAYS = 2.0  # mean of the exponential gap between touches (floored to days)

# ---- survey ----------------------------------------------------------------------------------
_N_SURVEY = 3_000
DRIVERS = ("quality", "value", "service", "delivery", "digital")
# Per driver: weight on overall satisfaction (points on the 1-10 scale per latent sd) and its
# items as (intercept, loading, noise sd) on the continuous 1-5 response scale.
_DRIVER_WEIGHTS = (0.90, 0.70, 0.50, 0.30, 0.15)
_ITEMS: dict[str, tuple[tuple[float, float, float], ...]] = {
    "quality": ((3.7, 0.85, 0.60), (3.6, 0.80, 0.65), (3.8, 0.75, 0.70)),
    "value": ((3.2, 0.85, 0.60), (3.3, 0.80, 0.65), (3.1, 0.90, 0.60)),
    "service": ((3.7, 0.80, 0.60), (3.6, 0.85, 0.65), (3.8, 0.75, 0.70)),
    "delivery": ((3.5, 0.85, 0.55), (3.4, 0.80, 0.65)),
    "digital": ((3.4, 0.80, 0.60), (3.5, 0.85, 0.60)),
}
_DRIVER_CORR = np.array(
    [
        [1.00, 0.45, 0.30, 0.20, 0.25],
        [0.45, 1.00, 0.25, 0.20, 0.20],
        [0.30, 0.25, 1.00, 0.40, 0.30],
        [0.20, 0.20, 0.40, 1.00, 0.35],
        [0.25, 0.20, 0.30, 0.35, 1.00],
    ]
)
_OVERALL = dict(intercept=7.0, noise_sd=0.9)  # CSAT 1-10
_OVERALL_CENTRE = 7.0  # overall_satisfaction is centred here in the NPS / repurchase models
_COMPLAINT = dict(intercept=-2.2, quality=-0.3, service=-0.7, delivery=-0.8)  # logit
COMPLAINT_TYPES = ("delivery_delay", "product_defect", "staff_attitude", "website_app", "billing")
_COMPLAINT_TYPE_DRIVER = ("delivery", "quality", "service", "digital", "value")
_COMPLAINT_TYPE_BASE = (0.3, 0.0, -0.3, -0.2, -0.6)
_COMPLAINT_TYPE_SLOPE = -1.0  # multiplies the related driver's latent score
_RESOLVED_PROB = (0.70, 0.75, 0.50, 0.60, 0.80)  # per complaint type
_NPS = dict(intercept=8.0, overall=0.9, unresolved=-2.5, resolved=-0.8, noise_sd=1.1)
_INTENT = dict(intercept=3.6, overall=0.4, unresolved=-0.9, resolved=-0.3, noise_sd=0.7)
_REPURCHASE = dict(intercept=-0.2, overall=0.45, unresolved=-1.2, resolved=-0.4)  # logit
_MISSING_RATE = 0.01
_LINK = (
    "intercept + overall*(overall_satisfaction - 7) + unresolved*[complaint not resolved] "
    "+ resolved*[complaint resolved]"
)
_SURVEY_CHANNELS = ("online", "phone", "in_store")
_SURVEY_CHANNEL_PROBS = (0.60, 0.15, 0.25)

# Segment profiles recognised from the latent segment's name (first keyword that matches);
# any other name gets the neutral profile.  value: multiplier of journey conversion values;
# satisfaction: shift of overall satisfaction (points on the 1-10 scale).
_SEGMENT_HINTS = (
    ("premium", 1.45, -0.25),
    ("professional", 1.45, -0.25),
    ("loyal", 1.15, 0.40),
    ("bargain", 0.70, -0.15),
    ("price", 0.70, -0.15),
    ("occasional", 0.90, -0.10),
)

# ---- market ----------------------------------------------------------------------------------
BRANDS = ("Our retailer", "Redwood Mart", "Bluebird Online", "Harbor Club", "Lotus Lane")
_MARKET_SIZE = {"North": 4200.0, "East": 7800.0, "South": 6100.0, "Central": 3600.0, "West": 2400.0}
_CAGR = {"North": 0.025, "East": 0.045, "South": 0.060, "Central": 0.080, "West": 0.110}
_SHARE_BASE = (0.16, 0.30, 0.27, 0.12, 0.15)  # national starting shares (softmax base)
_SHARE_TREND = (0.10, -0.08, 0.12, 0.02, -0.10)  # change of the share logit per year
_SHARE_REGION_SD = 0.25
_COMPETITORS = (
    # brand, positioning, price_index, quality, service, assortment, digital, stores
    ("Our retailer", "Omnichannel mid-market retailer: stores, app, web and a marketplace shop",
     100.0, 7.2, 7.0, 7.5, 7.4, 420),
    ("Redwood Mart", "Discount hypermarket chain: lowest prices, wide grocery range, basic service",
     92.0, 6.0, 5.5, 8.0, 5.0, 610),
    ("Bluebird Online", "Pure-play e-commerce platform: huge assortment, fast delivery, no stores",
     96.0, 6.5, 6.0, 9.0, 9.2, 0),
    ("Harbor Club", "Membership warehouse club: premium bulk packs, high quality, few large stores",
     108.0, 8.5, 7.8, 5.5, 6.5, 85),
    ("Lotus Lane", "Neighbourhood convenience chain: small baskets, many locations, higher prices",
     104.0, 6.2, 7.5, 4.0, 6.0, 1350),
)

# --------------------------------------------------------------------------------------------
# Schemas and descriptions
# --------------------------------------------------------------------------------------------

_ITEM_COLUMNS = tuple(f"q_{d}_{i + 1}" for d in DRIVERS for i in range(len(_ITEMS[d])))

SCHEMAS: dict[str, dict[str, object]] = {
    "price_panel": {
        "week": "date", "region": "category", "category": "category", "event": "category",
        "regular_price": "float", "promo_depth": "float", "price": "float", "unit_cost": "float",
        "competitor_price": "float", "feature": "bool", "display": "bool", "units": "int",
        "revenue": "int",
    },
    "media_spend": {
        "week": "date", "channel": "category", "spend": "int", "impressions": "int", "clicks": "int",
    },
    "weekly_sales": {
        "week": "date", "revenue": "int", "orders": "int", "avg_price_index": "float",
        "competitor_promo": "bool", "holiday": "bool", "event": "category",
    },
    "journeys": {
        "journey_id": "id", "customer_id": "id", "step": "int", "touch_date": "date",
        "channel": "category", "converted": "bool", "conversion_value": "float",
    },
    "survey": {
        "response_id": "id", "customer_id": "id", "survey_date": "date", "channel": "category",
        **{col: "float" for col in _ITEM_COLUMNS},
        "overall_satisfaction": "int", "nps": "int", "repurchase_intent": "int",
        "complaint": "bool", "complaint_type": "category", "complaint_resolved": "bool",
        "repurchased_90d": "bool",
    },
    "market": {
        "year": "int", "region": "category", "brand": "category", "market_size": "float",
        "revenue": "float", "share": "float",
    },
    "competitors": {
        "brand": "str", "positioning": "str", "price_index": "float", "quality_score": "float",
        "service_score": "float", "assortment_score": "float", "digital_score": "float",
        "store_count": "int",
    },
}

_ITEM_TEXT = {
    "q_quality_1": "products work as described",
    "q_quality_2": "products are durable",
    "q_quality_3": "fresh and well-made own-label goods",
    "q_value_1": "prices are fair",
    "q_value_2": "promotions are worth it",
    "q_value_3": "good value for money overall",
    "q_service_1": "staff are helpful",
    "q_service_2": "questions are answered quickly",
    "q_service_3": "returns are easy",
    "q_delivery_1": "orders arrive on time",
    "q_delivery_2": "orders arrive complete and undamaged",
    "q_digital_1": "the app and website are easy to use",
    "q_digital_2": "online payment and tracking work well",
}

DESCRIPTIONS: dict[str, dict[str, str]] = {
    "price_panel": {
        "_table": (
            "One row per week x region x category of the tracked assortment (156 x 5 x 6). "
            "For price-elasticity, optimal-markup, regional-pricing and promotion (feature/display) "
            "analysis: log(units) follows a known log-log demand model (see ground_truth 'pricing')."
        ),
        "week": "Monday that starts the week (YYYY-MM-DD).",
        "region": f"Sales region, one of {list(REGIONS)}.",
        "category": f"Product category, one of {list(CATEGORIES)}.",
        "event": (f"Festival in this week, one of {list(EVENT_LEVELS)} (the week that contains "
                  "Chinese New Year's Day, 18 June, 1 October or 11 November)."),
        "regular_price": "Regular (non-promoted) shelf price, yuan per unit; follows unit cost and regional price level.",
        "promo_depth": "Average temporary discount off the regular price this week, 0 (none) to 0.40.",
        "price": "Average shelf price actually charged, yuan per unit = regular_price x (1 - promo_depth), to the cent.",
        "unit_cost": "Unit cost of goods, yuan per unit (moves with supplier cost shocks).",
        "competitor_price": ("Share-weighted average shelf price of the same category at competing "
                             "retailers in the region, yuan per unit."),
        "feature": "True when the category was in the weekly flyer / featured in ads (0/1 in the CSV).",
        "display": "True when the category had an in-store end-cap or homepage display (0/1 in the CSV).",
        "units": "Units sold in the week (count).",
        "revenue": "Sales revenue, yuan = units x price rounded to whole yuan.",
    },
    "media_spend": {
        "_table": (
            "One row per week x media channel (156 x 5). The inputs of the marketing-mix model: "
            "TV is bought in flights, search is always on, social bursts before festivals, email is cheap."
        ),
        "week": "Monday that starts the week (YYYY-MM-DD).",
        "channel": f"Media channel, one of {list(MEDIA_CHANNELS)}.",
        "spend": "Media spend in the week, whole yuan (0 = channel dark).",
        "impressions": "Impressions served (for email: e-mails delivered); count.",
        "clicks": "Clicks on the ads or e-mails; count (0 for tv: not measurable).",
    },
    "weekly_sales": {
        "_table": (
            "One row per week (156): total company revenue, the KPI of the marketing-mix model, with "
            "its controls. revenue = baseline + sum of channel contributions + noise (see ground_truth 'media')."
        ),
        "week": "Monday that starts the week (YYYY-MM-DD).",
        "revenue": "Total revenue of the business in the week, whole yuan.",
        "orders": "Number of orders in the week (revenue / average order value, which varies a little week to week).",
        "avg_price_index": ("Fixed-weight price index of the price panel: revenue-share-weighted average of "
                            "price / (its 156-week mean) over region x category; 1 = average price level."),
        "competitor_promo": "True when a competitor ran a chain-wide promotion this week (0/1 in the CSV).",
        "holiday": "True in a festival week (event is not 'none'); 0/1 in the CSV.",
        "event": f"Festival in this week, one of {list(EVENT_LEVELS)}.",
    },
    "journeys": {
        "_table": (
            "One row per touchpoint of a customer journey (about 15,000 journeys, 2-3 touches on "
            "average). For channel attribution: paths follow a known first-order Markov chain "
            "(see ground_truth 'journeys'). converted and conversion_value are journey-level and "
            "repeated on every row of the journey; take them from one row per journey."
        ),
        "journey_id": "Journey identifier, 'J' + 7 digits, numbered in order of the first touch.",
        "customer_id": "Customer who made the journey (customers.customer_id); journeys start after the customer's signup.",
        "step": "Position of the touch in the journey, 1..n.",
        "touch_date": "Date of the touch (YYYY-MM-DD); non-decreasing within a journey.",
        "channel": f"Touchpoint channel, one of {list(JOURNEY_CHANNELS)}.",
        "converted": "True when the journey ended in a purchase (journey-level; 0/1 in the CSV).",
        "conversion_value": "Value of the purchase that ended the journey, yuan; 0 when not converted (journey-level).",
    },
    "survey": {
        "_table": (
            "One row per respondent of the customer satisfaction survey (about 3,000 customers). "
            "For scale reliability, driver analysis, NPS, complaint handling and satisfaction-to-"
            "repurchase links (see ground_truth 'satisfaction'). Item answers are missing "
            "(empty in the CSV) about 1% of the time, completely at random."
        ),
        "response_id": "Response identifier, 'S' + 6 digits.",
        "customer_id": "Respondent (customers.customer_id); each customer answers at most once.",
        "survey_date": "Date of the answer (YYYY-MM-DD); after signup and at least 90 days before the data end.",
        "channel": f"Survey mode, one of {list(_SURVEY_CHANNELS)}.",
        **{
            col: (f"Likert item of the {col.split('_')[1]} driver: '{text}', 1 = strongly disagree "
                  "... 5 = strongly agree; empty when not answered.")
            for col, text in _ITEM_TEXT.items()
        },
        "overall_satisfaction": "Overall satisfaction (CSAT), 1 = very dissatisfied ... 10 = very satisfied.",
        "nps": "Likelihood to recommend, 0-10 (promoters 9-10, passives 7-8, detractors 0-6).",
        "repurchase_intent": "Intention to buy again, 1 = certainly not ... 5 = certainly.",
        "complaint": "True when the respondent complained in the last 6 months (0/1 in the CSV).",
        "complaint_type": f"Type of the complaint, one of {list(COMPLAINT_TYPES)}, or 'none' without a complaint.",
        "complaint_resolved": "True when the complaint was resolved to the customer's satisfaction; False without a complaint.",
        "repurchased_90d": ("True when the respondent bought again within 90 days after the survey "
                            "(simulated from the survey model, not derived from the orders table)."),
    },
    "market": {
        "_table": (
            "One row per year x region x brand (3 x 5 x 5): the regional retail market of the tracked "
            "categories, which these five brands cover completely. For market-size growth (CAGR), "
            "market share, share trends and concentration (HHI)."
        ),
        "year": "Calendar year.",
        "region": f"Region, one of {list(REGIONS)}.",
        "brand": f"Retailer, one of {list(BRANDS)} ('Our retailer' is the business of this data set).",
        "market_size": "Size of the region's market in the year, million yuan (same on the five brand rows).",
        "revenue": "Brand's revenue in the region and year, million yuan = share x market_size, to 0.01 (10,000 yuan).",
        "share": "Brand's revenue share of the region's market, 0-1; sums to 1 within a region and year.",
    },
    "competitors": {
        "_table": (
            "One row per brand (5): a competitor benchmark for positioning maps. Scores are the mean "
            "ratings of a (simulated) customer perception study."
        ),
        "brand": f"Retailer, one of {list(BRANDS)}.",
        "positioning": "One-line description of the brand's positioning.",
        "price_index": "Price level of a comparable basket, Our retailer = 100.",
        "quality_score": "Perceived product quality, 1-10.",
        "service_score": "Perceived service, 1-10.",
        "assortment_score": "Perceived breadth of assortment, 1-10.",
        "digital_score": "Perceived digital experience (app, web, delivery tracking), 1-10.",
        "store_count": "Number of physical stores nationally (0 = online only).",
    },
}


# --------------------------------------------------------------------------------------------
# Small numerical helpers (used by the generator and by the tests)
# --------------------------------------------------------------------------------------------


def _geometric_adstock(spend: np.ndarray, decay: float) -> np.ndarray:
    """Geometric adstock ``a[t] = spend[t] + decay * a[t-1]`` with ``a[-1] = 0``.

    >>> _geometric_adstock(np.array([100.0, 0.0, 0.0]), 0.5).tolist()
    [100.0, 50.0, 25.0]
    """
    x = np.asarray(spend, dtype=float)
    out = np.empty_like(x)
    carry = 0.0
    for t, value in enumerate(x):
        carry = value + decay * carry
        out[t] = carry
    return out


def _hill(x: np.ndarray | float, half_saturation: float, shape: float) -> np.ndarray:
    """Hill saturation ``x**s / (x**s + K**s)``: 0 at 0, 1/2 at ``K``, towards 1.

    >>> float(_hill(40.0, 40.0, 2.0))
    0.5
    """
    x = np.asarray(x, dtype=float)
    xs = np.power(x, shape)
    return xs / (xs + half_saturation**shape)


def _hill_derivative(x: float, half_saturation: float, shape: float) -> float:
    """Derivative of :func:`_hill` with respect to ``x`` (``x > 0``).

    >>> _hill_derivative(1.0, 1.0, 1.0)
    0.25
    """
    ks = half_saturation**shape
    return float(shape * ks * x ** (shape - 1) / (x**shape + ks) ** 2)


def _absorbing_parts(
    start: np.ndarray, transitions: np.ndarray, removed: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start vector, transient block Q and absorbing block R (conversion, null) of the chain.

    ``transitions`` has one row per channel and columns ``channels + [conversion, null]``.
    With ``removed`` set, that channel's traffic (its start mass and every transition into it)
    is sent to null, which is the removal of the channel in Markov attribution.
    """
    n = len(start)
    pi = np.asarray(start, dtype=float).copy()
    q = np.asarray(transitions, dtype=float)[:, :n].copy()
    r = np.asarray(transitions, dtype=float)[:, n:].copy()
    if removed is not None:
        r[:, 1] += q[:, removed]
        q[:, removed] = 0.0
        q[removed, :] = 0.0
        r[removed, :] = (0.0, 1.0)
        pi[removed] = 0.0
    return pi, q, r


def _conversion_probability(start: np.ndarray, transitions: np.ndarray, removed: int | None = None) -> float:
    """Probability that a journey ends in conversion, from the fundamental matrix.

    >>> start = np.array([1.0, 0.0])
    >>> trans = np.array([[0.0, 0.5, 0.0, 0.5], [0.0, 0.0, 0.4, 0.6]])  # A -> B -> conversion
    >>> round(_conversion_probability(start, trans), 6)
    0.2
    >>> _conversion_probability(start, trans, removed=1)
    0.0
    """
    pi, q, r = _absorbing_parts(start, transitions, removed)
    fundamental = np.linalg.inv(np.eye(len(pi)) - q)
    return float(pi @ fundamental @ r[:, 0])


def _expected_touches(start: np.ndarray, transitions: np.ndarray) -> float:
    """Expected number of touchpoints per journey (visits to transient states)."""
    pi, q, _ = _absorbing_parts(start, transitions)
    return float(pi @ np.linalg.inv(np.eye(len(pi)) - q) @ np.ones(len(pi)))


def _removal_effects(start: np.ndarray, transitions: np.ndarray) -> np.ndarray:
    """Removal effect of every channel: ``1 - P(conv | channel removed) / P(conv)``.

    >>> start = np.array([1.0, 0.0])
    >>> trans = np.array([[0.0, 0.5, 0.1, 0.4], [0.0, 0.0, 0.4, 0.6]])
    >>> _removal_effects(start, trans).round(4).tolist()
    [1.0, 0.6667]
    """
    base = _conversion_probability(start, transitions)
    return np.array(
        [1.0 - _conversion_probability(start, transitions, removed=k) / base for k in range(len(start))]
    )


def _cronbach_alpha_theory(loadings: np.ndarray, noise_sd: np.ndarray) -> float:
    """Cronbach's alpha of a one-factor scale with unit-variance factor (continuous responses).

    >>> round(_cronbach_alpha_theory(np.array([1.0, 1.0]), np.array([1.0, 1.0])), 4)
    0.6667
    """
    lam = np.asarray(loadings, dtype=float)
    theta2 = np.asarray(noise_sd, dtype=float) ** 2
    k = len(lam)
    item_var = lam**2 + theta2
    total_var = lam.sum() ** 2 + theta2.sum()
    return float(k / (k - 1) * (1.0 - item_var.sum() / total_var))


def _cronbach_alpha_sample(items: np.ndarray) -> float | None:
    """Cronbach's alpha of the complete rows of an ``(n, k)`` item matrix (None if undefined).

    >>> round(_cronbach_alpha_sample(np.array([[1, 2], [2, 3], [4, 4], [np.nan, 1]])), 4)
    0.9474
    """
    x = np.asarray(items, dtype=float)
    x = x[~np.isnan(x).any(axis=1)]
    k = x.shape[1]
    if len(x) < 3:
        return None
    total_var = x.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return None
    return float(k / (k - 1) * (1.0 - x.var(axis=0, ddof=1).sum() / total_var))


def _segment_profile(name: str) -> tuple[float, float]:
    """(conversion-value multiplier, satisfaction shift) recognised from a segment name.

    >>> _segment_profile("premium_professionals")
    (1.45, -0.25)
    >>> _segment_profile("segment_7")
    (1.0, 0.0)
    """
    lowered = str(name).lower()
    for keyword, value, shift in _SEGMENT_HINTS:
        if keyword in lowered:
            return value, shift
    return 1.0, 0.0


def _ar1(rng: np.random.Generator, shape: tuple[int, ...], phi: float, sd: float) -> np.ndarray:
    """Stationary AR(1) paths along axis 0."""
    out = np.empty(shape)
    out[0] = rng.normal(0.0, sd / math.sqrt(1 - phi**2), shape[1:])
    for t in range(1, shape[0]):
        out[t] = phi * out[t - 1] + rng.normal(0.0, sd, shape[1:])
    return out


def _fourier(week_index: np.ndarray) -> np.ndarray:
    """Columns sin1, cos1, sin2, cos2 of the annual (52-week) cycle."""
    angle = 2 * np.pi * np.asarray(week_index, dtype=float) / PERIOD_WEEKS
    return np.column_stack([np.sin(angle), np.cos(angle), np.sin(2 * angle), np.cos(2 * angle)])


def _week_events(weeks: pd.DatetimeIndex) -> np.ndarray:
    """Festival label of every week ("none" when there is none)."""
    labels = np.full(len(weeks), "none", dtype=object)
    position = {w: i for i, w in enumerate(weeks)}
    for year in sorted({w.year for w in weeks} | {weeks[-1].year + 1}):
        dates = {
            "chinese_new_year": _CNY_DATES.get(year),
            "mid_year_618": f"{year}-06-18",
            "national_day": f"{year}-10-01",
            "singles_day": f"{year}-11-11",
        }
        for event, day in dates.items():
            if day is None:
                continue
            d = pd.Timestamp(day)
            monday = d - pd.Timedelta(days=d.weekday())
            if monday in position:
                labels[position[monday]] = event
    return labels


def _exact6(values: np.ndarray) -> np.ndarray:
    """Round floats to what a ``%.6g`` CSV keeps, so tables equal their written files."""
    x = np.asarray(values, dtype=float)
    return np.array([float(f"{v:.6g}") if np.isfinite(v) else v for v in x.tolist()], dtype=float)


def _plain(obj: object) -> object:
    """Convert numpy scalars and arrays in a nested structure to plain Python types."""
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | np.ndarray):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.bool_ | bool):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating | float):
        return float(obj)
    return obj


# --------------------------------------------------------------------------------------------
# Table generators
# --------------------------------------------------------------------------------------------


def _price_panel(
    rng: np.random.Generator, weeks: pd.DatetimeIndex, events: np.ndarray, chain_promo: np.ndarray
) -> tuple[pd.DataFrame, dict]:
    n_w, n_r, n_c = len(weeks), len(REGIONS), len(CATEGORIES)
    cp = [_CATEGORY_PARAMS[c] for c in CATEGORIES]
    rp = [_REGION_PARAMS[r] for r in REGIONS]
    cost0 = np.array([p["cost"] for p in cp])
    markup = np.array([p["markup"] for p in cp])
    own = np.array([p["own"] for p in cp])
    cross = np.array([p["cross"] for p in cp])
    comp_ratio = np.array([p["comp"] for p in cp])
    region_cost = np.array([p["cost"] for p in rp])
    premium = np.array([p["premium"] for p in rp])
    size = np.array([p["size"] for p in rp])

    # Supply side: cost shocks (common to a category), regional cost levels, small local noise.
    cost_shock = _ar1(rng, (n_w, n_c), *_COST_AR)
    cost = cost0 * region_cost[:, None] * np.exp(cost_shock[:, None, :] + rng.normal(0, 0.01, (n_w, n_r, n_c)))
    unit_cost = np.round(cost, 2)
    # Regular price: cost-plus with regional price premium and small exogenous pricing noise.
    regular = np.round(unit_cost * markup * premium[:, None] * np.exp(rng.normal(0, 0.02, (n_w, n_r, n_c))), 2)
    # Promotions: random, twice as likely in festival weeks.
    is_event = events != "none"
    p_promo = np.array([p["promo"] for p in cp])[None, None, :] * np.where(is_event, 2.0, 1.0)[:, None, None]
    promo = rng.random((n_w, n_r, n_c)) < p_promo
    depth = np.where(promo, np.round(rng.uniform(0.05, 0.40, (n_w, n_r, n_c)), 2), 0.0)
    price = np.round(regular * (1 - depth), 2)
    feature = rng.random((n_w, n_r, n_c)) < np.where(promo, 0.70, 0.05)
    display = rng.random((n_w, n_r, n_c)) < np.where(promo, 0.50, 0.10)
    # Competitors: own regular-price shocks, own random promotions and chain-wide promotions.
    ref_price = cost0 * markup
    comp_region = premium[:, None] * np.exp(rng.normal(0, 0.02, (n_r, n_c)))
    comp_shock = _ar1(rng, (n_w, n_r, n_c), *_COMP_AR)
    comp_promo = rng.random((n_w, n_r, n_c)) < 0.08
    comp_depth = np.where(comp_promo, rng.uniform(0.05, 0.30, (n_w, n_r, n_c)), 0.0)
    chain_depth = _COMP_CHAIN_PROMO[1] * chain_promo[:, None, None]
    comp_price = np.round(
        ref_price * comp_ratio * comp_region * np.exp(comp_shock) * (1 - comp_depth) * (1 - chain_depth), 2
    )

    # Demand.
    week_index = np.arange(n_w)
    fourier = _fourier(week_index)  # (n_w, 4)
    fourier_coef = np.array([p["fourier"] for p in cp])  # (n_c, 4)
    event_coef = np.array([p["events"] for p in cp])  # (n_c, 4)
    event_dummies = np.column_stack([events == e for e in EVENTS]).astype(float)  # (n_w, 4)
    trend = np.array([p["trend"] for p in cp])
    ref_comp = ref_price * comp_ratio
    deviation = rng.normal(0, _INTERCEPT_SD, (n_r, n_c))
    intercept = (
        np.log(np.array([p["units"] for p in cp])[None, :] * size[:, None])
        + deviation
        - own * np.log(ref_price)
        - cross * np.log(ref_comp)
    )  # (n_r, n_c)
    log_units = (
        intercept[None]
        + own * np.log(price)
        + cross * np.log(comp_price)
        + np.array([p["feature"] for p in cp]) * feature
        + np.array([p["display"] for p in cp]) * display
        + (trend * week_index[:, None] / PERIOD_WEEKS)[:, None, :]
        + (fourier @ fourier_coef.T)[:, None, :]
        + (event_dummies @ event_coef.T)[:, None, :]
        + rng.normal(0, _PRICE_NOISE_SD, (n_w, n_r, n_c))
    )
    units = np.maximum(1, np.rint(np.exp(log_units))).astype(np.int64)
    revenue = np.rint(units * price).astype(np.int64)

    idx_w, idx_r, idx_c = (a.ravel() for a in np.meshgrid(np.arange(n_w), np.arange(n_r), np.arange(n_c), indexing="ij"))
    frame = pd.DataFrame(
        {
            "week": weeks[idx_w],
            "region": np.array(REGIONS)[idx_r],
            "category": np.array(CATEGORIES)[idx_c],
            "event": events[idx_w].astype(str),
            "regular_price": _exact6(regular.ravel()),
            "promo_depth": _exact6(depth.ravel()),
            "price": _exact6(price.ravel()),
            "unit_cost": _exact6(unit_cost.ravel()),
            "competitor_price": _exact6(comp_price.ravel()),
            "feature": feature.ravel(),
            "display": display.ravel(),
            "units": units.ravel(),
            "revenue": revenue.ravel(),
        }
    )
    truth_categories = {}
    for k, c in enumerate(CATEGORIES):
        e = own[k]
        truth_categories[c] = {
            "own_elasticity": e,
            "cross_elasticity": cross[k],
            "feature_lift": cp[k]["feature"],
            "display_lift": cp[k]["display"],
            "trend_per_year": trend[k],
            "fourier": dict(zip(("sin1", "cos1", "sin2", "cos2"), fourier_coef[k], strict=True)),
            "events": dict(zip(EVENTS, event_coef[k], strict=True)),
            "intercept": {r: intercept[j, k] for j, r in enumerate(REGIONS)},
            "reference_unit_cost": cost0[k],
            "markup": markup[k],
            "promo_probability": cp[k]["promo"],
            "optimal_price_to_cost": (e / (1 + e)) if e < -1 else None,
        }
    truth = {
        "model": (
            "log(units) = intercept[region][category] + own_elasticity*log(price) + "
            "cross_elasticity*log(competitor_price) + feature_lift*feature + display_lift*display + "
            "trend_per_year*week_index/52 + fourier.sin1*sin(2*pi*week_index/52) + fourier.cos1*cos(...) "
            "+ fourier.sin2*sin(4*pi*week_index/52) + fourier.cos2*cos(...) + events[event] + "
            "N(0, noise_sd^2); units rounded to integers (at least 1)"
        ),
        "week_index": "whole weeks since the first week (0..155)",
        "noise_sd": _PRICE_NOISE_SD,
        "categories": truth_categories,
        "regions": {r: {"price_premium": premium[j], "cost_factor": region_cost[j], "demand_size": size[j]}
                    for j, r in enumerate(REGIONS)},
        "price_formation": (
            "unit_cost = reference_unit_cost * cost_factor[region] * exp(AR(1) category cost shock "
            "+ N(0, 0.01^2)); regular_price = unit_cost * markup * price_premium[region] * exp(N(0, 0.02^2)); "
            "price = regular_price * (1 - promo_depth). Promotions are random (probability doubled "
            "in festival weeks); promo_depth acts only through price, with no extra lift."
        ),
        "optimal_price_to_cost_note": (
            "Lerner rule for constant elasticity e < -1: optimal price / unit cost = e / (1 + e); "
            "None for inelastic categories (no interior optimum)."
        ),
        "competitor_chain_promo_depth": _COMP_CHAIN_PROMO[1],
    }
    return frame, truth


def _media_spend(rng: np.random.Generator, weeks: pd.DatetimeIndex, events: np.ndarray) -> pd.DataFrame:
    n_w = len(weeks)
    is_event = events != "none"
    spend = {}
    # TV: flights of 3-8 weeks on, 2-9 weeks off.
    tv = np.zeros(n_w)
    t, on = 0, bool(rng.random() < 0.5)
    while t < n_w:
        length = int(rng.integers(3, 9) if on else rng.integers(2, 10))
        if on:
            tv[t : t + length] = 650_000 * np.exp(rng.normal(0, 0.2, len(tv[t : t + length])))
        t += length
        on = not on
    spend["tv"] = tv
    # Search: always on; quarterly budget changes, festival boosts, weekly bid changes.
    quarter = np.arange(n_w) // 13
    budget = np.exp(rng.normal(0, 0.30, quarter.max() + 1))[quarter]
    spend["search"] = 230_000 * budget * np.where(is_event, 1.3, 1.0) * np.exp(rng.normal(0, 0.30, n_w))
    # Social: noisy base with bursts over the two weeks up to each shopping festival.
    burst = np.zeros(n_w, dtype=bool)
    for i in np.flatnonzero(np.isin(events, ("chinese_new_year", "mid_year_618", "singles_day"))):
        burst[max(0, i - 1) : i + 1] = True
    spend["social"] = 110_000 * np.exp(rng.normal(0, 0.45, n_w)) * np.where(burst, 2.5, 1.0)
    # Display: campaigns in 4-week blocks, a fifth of the blocks dark.
    block = np.arange(n_w) // 4
    dark = (rng.random(block.max() + 1) < 0.2)[block]
    spend["display"] = np.where(dark, 0.0, 140_000 * np.exp(rng.normal(0, 0.50, n_w)))
    # Email: small; no campaign in some weeks, more sends in festival weeks.
    quiet = rng.random(n_w) < 0.15
    spend["email"] = np.where(quiet, 0.0, 16_000 * np.exp(rng.normal(0, 0.50, n_w)) * np.where(is_event, 1.8, 1.0))

    rows = []
    for ch in MEDIA_CHANNELS:
        p = _MEDIA_PARAMS[ch]
        x = np.rint(spend[ch]).astype(np.int64)
        cpm = p["cpm"] * np.exp(rng.normal(0, 0.10, n_w)) * np.where(is_event, 1.3, 1.0)
        impressions = np.rint(x / cpm * 1000).astype(np.int64)
        ctr = p["ctr"] * np.exp(rng.normal(0, 0.10, n_w))
        clicks = rng.binomial(impressions, np.clip(ctr, 0, 1)).astype(np.int64)
        rows.append(pd.DataFrame({"week": weeks, "channel": ch, "spend": x, "impressions": impressions, "clicks": clicks}))
    frame = pd.concat(rows, ignore_index=True)
    return frame.sort_values(["week", "channel"], key=_channel_order, kind="stable").reset_index(drop=True)


def _channel_order(s: pd.Series) -> pd.Series:
    if s.name == "channel":
        return s.map({c: i for i, c in enumerate(MEDIA_CHANNELS)})
    return s


def _weekly_baseline(week_index: np.ndarray, events: np.ndarray, price_index: np.ndarray,
                     chain_promo: np.ndarray) -> np.ndarray:
    """The weekly revenue without media: level, trend, season, festivals, prices, competitors."""
    b = _BASELINE
    event_dummies = np.column_stack([events == e for e in EVENTS]).astype(float)
    return (
        b["level"]
        + b["trend_per_week"] * week_index
        + _fourier(week_index) @ np.array(b["fourier"])
        + event_dummies @ np.array(b["events"])
        + b["price_index"] * (price_index - 1)
        + b["competitor_promo"] * chain_promo
    )


def _weekly_sales(
    rng: np.random.Generator,
    weeks: pd.DatetimeIndex,
    events: np.ndarray,
    chain_promo: np.ndarray,
    media: pd.DataFrame,
    panel: pd.DataFrame,
) -> tuple[pd.DataFrame, dict]:
    n_w = len(weeks)
    week_index = np.arange(n_w)
    # Fixed-weight price index of the panel.
    key = panel["region"].astype(str) + "|" + panel["category"].astype(str)
    price = panel["price"].to_numpy()
    mean_price = panel.groupby(key)["price"].transform("mean").to_numpy()
    weight = panel.groupby(key)["revenue"].transform("sum").to_numpy() / panel["revenue"].sum() * n_w
    pos = ((panel["week"] - weeks[0]).dt.days // 7).to_numpy()
    numerator = np.bincount(pos, weights=weight * price / mean_price, minlength=n_w)
    price_index = np.round(numerator / np.bincount(pos, weights=weight, minlength=n_w), 4)

    b = _BASELINE
    baseline = _weekly_baseline(week_index, events, price_index, chain_promo)
    channels = {}
    contributions = np.zeros(n_w)
    for ch in MEDIA_CHANNELS:
        p = _MEDIA_PARAMS[ch]
        x = media.loc[media["channel"] == ch, "spend"].to_numpy(dtype=float)
        adstock = _geometric_adstock(x, p["decay"])
        saturation = _hill(adstock, p["half_saturation"], p["shape"])
        beta = p["roi"] * x.sum() / saturation.sum()
        contribution = beta * saturation
        contributions += contribution
        avg = x.mean()
        steady = avg / (1 - p["decay"])
        channels[ch] = {
            "decay": p["decay"],
            "half_saturation": p["half_saturation"],
            "shape": p["shape"],
            "beta": beta,
            "total_spend": x.sum(),
            "average_weekly_spend": avg,
            "incremental_revenue": contribution.sum(),
            "roi": contribution.sum() / x.sum(),
            "mroi_at_average_spend": beta * _hill_derivative(steady, p["half_saturation"], p["shape"]) / (1 - p["decay"]),
            "saturation_at_average_spend": float(_hill(steady, p["half_saturation"], p["shape"])),
            "weekly_contribution": contribution,
        }
    noise = rng.normal(0, _SALES_NOISE_SD, n_w)
    revenue = np.rint(baseline + contributions + noise).astype(np.int64)
    aov = _AOV[0] * np.exp(rng.normal(0, _AOV[1], n_w))
    orders = np.rint(revenue / aov).astype(np.int64)
    frame = pd.DataFrame(
        {
            "week": weeks,
            "revenue": revenue,
            "orders": orders,
            "avg_price_index": _exact6(price_index),
            "competitor_promo": chain_promo.astype(bool),
            "holiday": events != "none",
            "event": events.astype(str),
        }
    )
    total_revenue = float(revenue.sum())
    for ch in channels:
        channels[ch]["share_of_revenue"] = channels[ch]["incremental_revenue"] / total_revenue
    truth = {
        "model": (
            "revenue = baseline + sum_c beta_c * hill(adstock_c) + N(0, noise_sd^2), rounded to yuan; "
            "adstock_c[t] = spend_c[t] + decay_c * adstock_c[t-1] (adstock before the first week = 0); "
            "hill(a) = a^shape / (a^shape + half_saturation^shape); baseline = level + "
            "trend_per_week*week_index + fourier (52-week period: sin1, cos1, sin2, cos2) + "
            "events[event] + price_index*(avg_price_index - 1) + competitor_promo*competitor_promo"
        ),
        "roi_definition": "incremental_revenue / total_spend over the 156 weeks",
        "mroi_definition": (
            "extra revenue per extra yuan of weekly spend held constant at average_weekly_spend, "
            "in steady state: beta * hill'(avg / (1 - decay)) / (1 - decay)"
        ),
        "channels": channels,
        "baseline": {
            "level": b["level"],
            "trend_per_week": b["trend_per_week"],
            "fourier": dict(zip(("sin1", "cos1", "sin2", "cos2"), b["fourier"], strict=True)),
            "events": dict(zip(EVENTS, b["events"], strict=True)),
            "price_index": b["price_index"],
            "competitor_promo": b["competitor_promo"],
        },
        "weekly_baseline": baseline,
        "noise_sd": _SALES_NOISE_SD,
        "average_order_value": _AOV[0],
        "total_revenue": total_revenue,
        "media_share_of_revenue": float(contributions.sum() / total_revenue),
    }
    return frame, truth


def _journey_matrix() -> tuple[np.ndarray, np.ndarray]:
    """Start vector and the (channels) x (channels + conversion + null) transition matrix."""
    start = np.array(_START_PROBS, dtype=float)
    rows = []
    for ch in JOURNEY_CHANNELS:
        conv, null, weights = _JOURNEY_ROWS[ch]
        w = np.array(weights, dtype=float)
        rows.append(np.concatenate([(1 - conv - null) * w / w.sum(), [conv, null]]))
    return start, np.array(rows)


def _journeys(
    rng: np.random.Generator, eligible: pd.DataFrame, start_day: pd.Timestamp, end_day: pd.Timestamp
) -> tuple[pd.DataFrame, dict]:
    start, trans = _journey_matrix()
    n_ch = len(JOURNEY_CHANNELS)
    n = _N_JOURNEYS
    cum_start = np.cumsum(start)
    cum_trans = np.cumsum(trans, axis=1)
    state = np.minimum(np.searchsorted(cum_start, rng.random(n), side="right"), n_ch - 1)
    journey, step, channel = [], [], []
    active = np.arange(n)
    outcome = np.full(n, -1)
    k = 1
    while active.size:
        journey.append(active)
        step.append(np.full(active.size, k))
        channel.append(state)
        nxt = np.minimum((rng.random(active.size)[:, None] >= cum_trans[state]).sum(axis=1), n_ch + 1)
        done = nxt >= n_ch
        outcome[active[done]] = nxt[done] - n_ch  # 0 conversion, 1 null
        active, state = active[~done], nxt[~done]
        k += 1
    journey = np.concatenate(journey)
    step = np.concatenate(step)
    channel = np.concatenate(channel)
    order = np.lexsort((step, journey))
    journey, step, channel = journey[order], step[order], channel[order]
    converted = outcome == 0

    # Calendar: exponential gaps between touches; the journey fits between signup and end.
    gaps = np.where(step == 1, 0, np.floor(rng.exponential(_JOURNEY_GAP_DAYS, step.size))).astype(np.int64)
    starts_at = np.flatnonzero(step == 1)
    cum = np.cumsum(gaps)
    offset = cum - np.repeat(cum[starts_at], np.diff(np.append(starts_at, step.size)))
    span = np.zeros(n, dtype=np.int64)
    np.maximum.at(span, journey, offset)
    who = rng.integers(0, len(eligible), n)
    lo = eligible["first_day"].to_numpy()[who]
    hi = (end_day - start_day).days - span
    hi = np.maximum(hi, lo)
    first = lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(np.int64)
    # Number journeys in order of their first touch.
    rank = np.empty(n, dtype=np.int64)
    rank[np.lexsort((np.arange(n), first))] = np.arange(n)
    values = _CONVERSION_VALUE[0] * eligible["value_mult"].to_numpy()[who] * np.exp(
        rng.normal(-0.5 * _CONVERSION_VALUE[1] ** 2, _CONVERSION_VALUE[1], n)
    )
    values = np.where(converted, np.round(values, 2), 0.0)
    frame = pd.DataFrame(
        {
            "journey_id": np.char.add("J", np.char.zfill((rank[journey] + 1).astype(str), 7)),
            "customer_id": eligible["customer_id"].to_numpy()[who][journey],
            "step": step.astype(np.int64),
            "touch_date": start_day + pd.to_timedelta(first[journey] + offset, unit="D"),
            "channel": np.array(JOURNEY_CHANNELS)[channel],
            "converted": converted[journey],
            "conversion_value": _exact6(values[journey]),
        }
    )
    frame = frame.iloc[np.lexsort((frame["step"].to_numpy(), rank[journey]))].reset_index(drop=True)

    p_conv = _conversion_probability(start, trans)
    removal = _removal_effects(start, trans)
    names = list(JOURNEY_CHANNELS)
    targets = [*names, "conversion", "null"]
    segments = sorted(eligible["segment"].astype(str).unique())
    truth = {
        "model": (
            "first-order absorbing Markov chain: the first touch is drawn from start_probabilities, "
            "each touch moves to another channel or is absorbed in 'conversion' or 'null' by "
            "transition_matrix[from][to]; gaps between touches are floor(Exponential(mean 2 days))"
        ),
        "channels": names,
        "start_probabilities": dict(zip(names, start, strict=True)),
        "transition_matrix": {ch: dict(zip(targets, trans[i], strict=True)) for i, ch in enumerate(names)},
        "conversion_probability": p_conv,
        "expected_touches": _expected_touches(start, trans),
        "removal_effects": dict(zip(names, removal, strict=True)),
        "removal_shares": dict(zip(names, removal / removal.sum(), strict=True)),
        "removal_definition": (
            "1 - P(conversion | channel removed) / P(conversion); removing a channel sends its start "
            "mass and every transition into it to null (absorbing-chain algebra, fundamental matrix)"
        ),
        "n_journeys": n,
        "n_converted": int(converted.sum()),
        "conversion_value": {
            "mean": _CONVERSION_VALUE[0],
            "log_sd": _CONVERSION_VALUE[1],
            "segment_multiplier": {s: _segment_profile(s)[0] for s in segments},
            "model": "mean * segment_multiplier * LogNormal(-log_sd^2/2, log_sd), rounded to the cent",
        },
    }
    return frame, truth


def _survey(
    rng: np.random.Generator, eligible: pd.DataFrame, start_day: pd.Timestamp, end_day: pd.Timestamp
) -> tuple[pd.DataFrame, dict]:
    n = min(_N_SURVEY, len(eligible))
    pick = np.sort(rng.choice(len(eligible), size=n, replace=False))
    resp = eligible.iloc[pick].reset_index(drop=True)
    last = (end_day - start_day).days - 90
    lo = resp["first_day"].to_numpy()
    day = lo + np.floor(rng.random(n) * (last - lo + 1)).astype(np.int64)
    mode = rng.choice(len(_SURVEY_CHANNELS), size=n, p=_SURVEY_CHANNEL_PROBS)

    z = rng.multivariate_normal(np.zeros(len(DRIVERS)), _DRIVER_CORR, size=n, method="cholesky")
    cols: dict[str, np.ndarray] = {}
    for d_i, d in enumerate(DRIVERS):
        for j, (mu, lam, sd) in enumerate(_ITEMS[d]):
            raw = mu + lam * z[:, d_i] + rng.normal(0, sd, n)
            cols[f"q_{d}_{j + 1}"] = np.clip(np.rint(raw), 1, 5)
    item_matrix = np.column_stack([cols[c] for c in _ITEM_COLUMNS])
    missing = rng.random(item_matrix.shape) < _MISSING_RATE
    for k, c in enumerate(_ITEM_COLUMNS):
        cols[c] = np.where(missing[:, k], np.nan, cols[c])

    seg_shift = np.array([_segment_profile(s)[1] for s in resp["segment"].astype(str)])
    overall_raw = _OVERALL["intercept"] + z @ np.array(_DRIVER_WEIGHTS) + seg_shift + rng.normal(0, _OVERALL["noise_sd"], n)
    overall = np.clip(np.rint(overall_raw), 1, 10).astype(np.int64)

    di = {d: i for i, d in enumerate(DRIVERS)}
    logit = _COMPLAINT["intercept"] + sum(_COMPLAINT[d] * z[:, di[d]] for d in ("quality", "service", "delivery"))
    complaint = rng.random(n) < 1 / (1 + np.exp(-logit))
    related = z[:, [di[d] for d in _COMPLAINT_TYPE_DRIVER]]
    type_logits = np.array(_COMPLAINT_TYPE_BASE)[None, :] + _COMPLAINT_TYPE_SLOPE * related
    type_p = np.exp(type_logits)
    type_p /= type_p.sum(axis=1, keepdims=True)
    type_idx = (rng.random(n)[:, None] >= np.cumsum(type_p, axis=1)).sum(axis=1).clip(0, len(COMPLAINT_TYPES) - 1)
    complaint_type = np.where(complaint, np.array(COMPLAINT_TYPES)[type_idx], "none")
    resolved = complaint & (rng.random(n) < np.array(_RESOLVED_PROB)[type_idx])
    unresolved = complaint & ~resolved

    centred = overall - _OVERALL_CENTRE

    def link(p: Mapping[str, float]) -> np.ndarray:
        return p["intercept"] + p["overall"] * centred + p["unresolved"] * unresolved + p["resolved"] * resolved

    nps = np.clip(np.rint(link(_NPS) + rng.normal(0, _NPS["noise_sd"], n)), 0, 10).astype(np.int64)
    intent = np.clip(np.rint(link(_INTENT) + rng.normal(0, _INTENT["noise_sd"], n)), 1, 5).astype(np.int64)
    repurchased = rng.random(n) < 1 / (1 + np.exp(-link(_REPURCHASE)))

    frame = pd.DataFrame(
        {
            "response_id": np.char.add("S", np.char.zfill(np.arange(1, n + 1).astype(str), 6)),
            "customer_id": resp["customer_id"].to_numpy(),
            "survey_date": start_day + pd.to_timedelta(day, unit="D"),
            "channel": np.array(_SURVEY_CHANNELS)[mode],
            **cols,
            "overall_satisfaction": overall,
            "nps": nps,
            "repurchase_intent": intent,
            "complaint": complaint,
            "complaint_type": complaint_type.astype(str),
            "complaint_resolved": resolved,
            "repurchased_90d": repurchased,
        }
    )
    # Order by date, then respondent, and number the responses in that order.
    frame = frame.sort_values(["survey_date", "customer_id"], kind="stable").reset_index(drop=True)
    frame["response_id"] = np.char.add("S", np.char.zfill(np.arange(1, n + 1).astype(str), 6))

    # Truth: reliability and what the latent weights imply for item means.
    lam = {d: np.array([it[1] for it in _ITEMS[d]]) for d in DRIVERS}
    theta = {d: np.array([it[2] for it in _ITEMS[d]]) for d in DRIVERS}
    lam_bar = np.array([lam[d].mean() for d in DRIVERS])
    err_var = np.array([np.mean(theta[d] ** 2) / len(theta[d]) for d in DRIVERS])
    w = np.array(_DRIVER_WEIGHTS)
    cov_means = np.outer(lam_bar, lam_bar) * _DRIVER_CORR + np.diag(err_var)
    cov_means_overall = lam_bar * (_DRIVER_CORR @ w)
    pop_ols = np.linalg.solve(cov_means, cov_means_overall)
    segments = sorted(eligible["segment"].astype(str).unique())
    truth = {
        "drivers": list(DRIVERS),
        "driver_correlation": _DRIVER_CORR,
        "driver_weights": dict(zip(DRIVERS, w, strict=True)),
        "driver_weights_note": (
            "points of overall_satisfaction (1-10) per latent standard deviation of each driver"
        ),
        "item_mean_weights_without_error": dict(zip(DRIVERS, w / lam_bar, strict=True)),
        "item_mean_weights_population_ols": dict(zip(DRIVERS, pop_ols, strict=True)),
        "item_mean_weights_note": (
            "w / mean loading is the effect of one item-mean point if items had no error; the "
            "population OLS slopes of the continuous overall score on the continuous item means "
            "include the attenuation by item error (rounding and clipping of items ignored)"
        ),
        "items": {
            f"q_{d}_{i + 1}": {"driver": d, "intercept": mu, "loading": lam_i, "noise_sd": sd}
            for d in DRIVERS
            for i, (mu, lam_i, sd) in enumerate(_ITEMS[d])
        },
        "item_model": (
            "item = clip(round(intercept + loading*latent + N(0, noise_sd^2)), 1, 5); "
            "each answer missing completely at random with missing_rate"
        ),
        "missing_rate": _MISSING_RATE,
        "cronbach_alpha_theory": {d: _cronbach_alpha_theory(lam[d], theta[d]) for d in DRIVERS},
        "cronbach_alpha_simulated": {
            d: _cronbach_alpha_sample(np.column_stack([cols[f"q_{d}_{i + 1}"] for i in range(len(_ITEMS[d]))]))
            for d in DRIVERS
        },
        "cronbach_alpha_note": (
            "theory: continuous responses before rounding; simulated: the generated items, complete rows"
        ),
        "overall": {
            "scale": "1-10",
            "intercept": _OVERALL["intercept"],
            "noise_sd": _OVERALL["noise_sd"],
            "segment_shift": {s: _segment_profile(s)[1] for s in segments},
            "model": "overall = clip(round(intercept + sum_d weight_d*latent_d + segment_shift + N(0, noise_sd^2)), 1, 10)",
        },
        "complaint": {
            "logit": dict(_COMPLAINT),
            "model": (
                "P(complaint) = logistic(intercept + quality*latent_quality + service*latent_service "
                "+ delivery*latent_delivery); type ~ softmax(type_base_logit + type_slope*latent of "
                "type_driver); resolved with resolved_probability[type]"
            ),
            "type_base_logit": dict(zip(COMPLAINT_TYPES, _COMPLAINT_TYPE_BASE, strict=True)),
            "type_driver": dict(zip(COMPLAINT_TYPES, _COMPLAINT_TYPE_DRIVER, strict=True)),
            "type_slope": _COMPLAINT_TYPE_SLOPE,
            "resolved_probability": dict(zip(COMPLAINT_TYPES, _RESOLVED_PROB, strict=True)),
            "rate": float(complaint.mean()),
        },
        "overall_centre": _OVERALL_CENTRE,
        "nps": {**_NPS, "model": f"nps = clip(round({_LINK} + N(0, noise_sd^2)), 0, 10)"},
        "repurchase_intent": {**_INTENT, "model": f"repurchase_intent = clip(round({_LINK} + N(0, noise_sd^2)), 1, 5)"},
        "repurchase_90d": {**_REPURCHASE, "model": f"P(repurchased_90d) = logistic({_LINK})"},
        "mode_effect": "none: the survey channel does not change answers",
        "n_responses": n,
    }
    return frame, truth


def _market(rng: np.random.Generator, years: list[int]) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    base_logit = np.log(np.array(_SHARE_BASE))
    trend = np.array(_SHARE_TREND)
    offsets = rng.normal(0, _SHARE_REGION_SD, (len(REGIONS), len(BRANDS)))
    rows = []
    shares_truth: dict[str, dict[str, dict[str, float]]] = {}
    sizes_truth: dict[str, dict[str, float]] = {}
    hhi: dict[str, dict[str, float]] = {}
    for j, r in enumerate(REGIONS):
        shares_truth[r], sizes_truth[r], hhi[r] = {}, {}, {}
        for y in years:
            size = round(_MARKET_SIZE[r] * (1 + _CAGR[r]) ** (y - years[0]), 1)
            logit = base_logit + offsets[j] + trend * (y - years[0])
            share = np.exp(logit - logit.max())
            share = np.round(share / share.sum(), 6)
            share[0] = round(1.0 - share[1:].sum(), 6)  # sums to 1 exactly at 6 decimals
            sizes_truth[r][str(y)] = size
            shares_truth[r][str(y)] = dict(zip(BRANDS, share, strict=True))
            hhi[r][str(y)] = float(np.sum((100 * share) ** 2))
            for b, s in zip(BRANDS, share, strict=True):
                rows.append({"year": y, "region": r, "brand": b, "market_size": size,
                             "revenue": round(s * size, 2), "share": s})
    frame = pd.DataFrame(rows)
    for col in ("market_size", "revenue", "share"):
        frame[col] = _exact6(frame[col].to_numpy())
    frame["year"] = frame["year"].astype(np.int64)
    comp = pd.DataFrame(
        _COMPETITORS,
        columns=["brand", "positioning", "price_index", "quality_score", "service_score",
                 "assortment_score", "digital_score", "store_count"],
    )
    comp["store_count"] = comp["store_count"].astype(np.int64)
    span = years[-1] - years[0]
    truth = {
        "years": years,
        "brands": list(BRANDS),
        "market_size": sizes_truth,
        "cagr": dict(_CAGR),
        "cagr_note": (
            "market_size[year] = market_size[first year] * (1 + cagr)^(year - first year), "
            "rounded to 0.1 million yuan"
        ),
        "realised_cagr": {r: (sizes_truth[r][str(years[-1])] / sizes_truth[r][str(years[0])]) ** (1 / span) - 1
                          for r in REGIONS} if span else {},
        "shares": shares_truth,
        "share_model": (
            "share = softmax(log(share_base) + share_region_offset + share_trend_per_year*(year - first year)), "
            "rounded to 6 decimals"
        ),
        "share_base": dict(zip(BRANDS, _SHARE_BASE, strict=True)),
        "share_trend_per_year": dict(zip(BRANDS, _SHARE_TREND, strict=True)),
        "share_region_offset": {r: dict(zip(BRANDS, offsets[j], strict=True)) for j, r in enumerate(REGIONS)},
        "hhi": hhi,
        "hhi_note": "sum of squared shares in percent (0-10,000) over the five brands",
        "competitors": {row[0]: {"price_index": row[2], "quality_score": row[3], "service_score": row[4],
                                  "assortment_score": row[5], "digital_score": row[6], "store_count": row[7]}
                        for row in _COMPETITORS},
    }
    return frame, comp, truth


# --------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------


def _check_period(start: object, end: object) -> tuple[pd.Timestamp, pd.Timestamp, pd.DatetimeIndex]:
    where = "make_marketing_tables"
    try:
        s, e = pd.Timestamp(start), pd.Timestamp(end)
    except (TypeError, ValueError):
        raise ParameterError(
            f"The 'start' and 'end' parameters of {where} must be dates. Got {start!r} and {end!r}. "
            "Pass pandas Timestamps such as START and END from crmlib.datasets."
        ) from None
    if s.weekday() != 0:
        raise ParameterError(
            f"The 'start' parameter of {where} must be a Monday (weeks start on Monday). "
            f"Got {s.date()} (a {s.day_name()}). Use the Monday of that week, {(s - pd.Timedelta(days=s.weekday())).date()}."
        )
    days = (e - s).days + 1
    if days < 7 * 60 or days % 7:
        raise ParameterError(
            f"The 'end' parameter of {where} must be a Sunday that closes at least 60 full weeks "
            f"after start. Got end={e.date()} ({days} days after start={s.date()}). "
            "Pass the Sunday that ends the last week, e.g. END from crmlib.datasets."
        )
    weeks = pd.date_range(s, periods=days // 7, freq="7D")
    return s, e, weeks


def _eligible_customers(
    customers: pd.DataFrame, truth_customers: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    where = "make_marketing_tables"
    check_columns(list(customers.columns), ["customer_id", "signup_date"], where=where,
                  hint="Pass the customers table of the customer generator.")
    check_columns(list(truth_customers.columns), ["customer_id", "segment"], where=where,
                  hint="Pass the truth_customers table of the customer generator.")
    if len(customers) == 0:
        raise DataError(f"{where}: customers has no rows; at least one customer is needed. Generate customers first.")
    seg = truth_customers.drop_duplicates("customer_id").set_index("customer_id")["segment"]
    ids = customers["customer_id"].astype(str)
    segment = ids.map(seg.rename(index=str))
    if segment.isna().any():
        bad = ids[segment.isna().to_numpy()]
        raise DataError(
            f"{where}: every customer needs a segment in truth_customers; {len(bad)} customers have "
            f"none (e.g. {format_examples(bad)}). Pass the truth_customers of the same generation run."
        )
    signup = pd.to_datetime(customers["signup_date"])
    first_day = np.maximum((signup - start).dt.days.to_numpy(), 0)
    out = pd.DataFrame(
        {
            "customer_id": ids.to_numpy(),
            "segment": segment.astype(str).to_numpy(),
            "first_day": first_day.astype(np.int64),
            "value_mult": [_segment_profile(s)[0] for s in segment.astype(str)],
        }
    )
    # Customers must have at least 120 days left for journeys and the 90-day repurchase window.
    out = out[out["first_day"] <= (end - start).days - 120].reset_index(drop=True)
    if len(out) == 0:
        raise DataError(
            f"{where}: no customer signed up at least 120 days before end={end.date()} (signup_date "
            f"ranges {signup.min().date()} .. {signup.max().date()}). Journeys and the survey need such customers."
        )
    return out


def make_marketing_tables(
    rng: np.random.Generator,
    *,
    customers: pd.DataFrame,
    truth_customers: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> tuple[dict[str, pd.DataFrame], dict[str, object]]:
    """Simulate the market, pricing, media, journey and survey tables and their truth.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random stream; the result is a deterministic function of its state and the inputs.
    customers : pandas.DataFrame
        At least ``customer_id`` and ``signup_date``; journeys and survey respondents are drawn
        from customers who signed up at least 120 days before ``end``.
    truth_customers : pandas.DataFrame
        ``customer_id`` and latent ``segment`` of every customer.  Segment names containing
        "premium"/"professional", "loyal", "bargain"/"price" or "occasional" get the matching
        conversion-value and satisfaction profile; other names a neutral one.
    start, end : pandas.Timestamp
        First day (a Monday) and last day (a Sunday) of the weekly tables.

    Returns
    -------
    tables : dict of str to pandas.DataFrame
        ``price_panel``, ``media_spend``, ``weekly_sales``, ``journeys``, ``survey``, ``market``
        and ``competitors``, with the columns of :data:`SCHEMAS` in order.
    truth : dict
        Plain Python values under ``pricing``, ``media``, ``journeys``, ``satisfaction`` and
        ``market``: every parameter the simulation used.

    Raises
    ------
    ParameterError
        When ``start`` is not a Monday or ``end`` does not close a whole number of weeks.
    DataError
        When a required column is missing or a customer has no segment.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> customers = pd.DataFrame({"customer_id": ["C0000001", "C0000002"],
    ...                           "signup_date": pd.to_datetime(["2023-02-01", "2024-05-06"])})
    >>> segments = pd.DataFrame({"customer_id": ["C0000001", "C0000002"],
    ...                          "segment": ["loyal_families", "bargain_hunters"]})
    >>> tables, truth = make_marketing_tables(
    ...     np.random.default_rng(1), customers=customers, truth_customers=segments,
    ...     start=pd.Timestamp("2023-01-02"), end=pd.Timestamp("2025-12-28"))
    >>> len(tables["price_panel"]), len(tables["media_spend"]), len(tables["weekly_sales"])
    (4680, 780, 156)
    >>> truth["pricing"]["categories"]["electronics"]["own_elasticity"]
    -2.9
    >>> round(truth["media"]["channels"]["search"]["roi"], 2)
    3.2
    """
    s, e, weeks = _check_period(start, end)
    eligible = _eligible_customers(customers, truth_customers, s, e)
    seeds = rng.integers(0, 2**63 - 1, size=6, dtype=np.int64)
    r_panel, r_media, r_sales, r_journey, r_survey, r_market = (np.random.default_rng(int(x)) for x in seeds)

    events = _week_events(weeks)
    chain_promo = (r_sales.random(len(weeks)) < _COMP_CHAIN_PROMO[0]).astype(float)
    panel, t_pricing = _price_panel(r_panel, weeks, events, chain_promo)
    media = _media_spend(r_media, weeks, events)
    sales, t_media = _weekly_sales(r_sales, weeks, events, chain_promo, media, panel)
    journeys, t_journeys = _journeys(r_journey, eligible, s, e)
    survey, t_survey = _survey(r_survey, eligible, s, e)
    years = list(range(s.year, e.year + 1))
    market, competitors, t_market = _market(r_market, years)

    t_pricing["event_weeks"] = {ev: [str(w.date()) for w in weeks[events == ev]] for ev in EVENTS}
    t_pricing["competitor_promo_weeks"] = [str(w.date()) for w in weeks[chain_promo.astype(bool)]]
    tables = {
        "price_panel": panel,
        "media_spend": media,
        "weekly_sales": sales,
        "journeys": journeys,
        "survey": survey,
        "market": market,
        "competitors": competitors,
    }
    for name, frame in tables.items():
        tables[name] = frame[list(SCHEMAS[name])]
    truth = {
        "pricing": t_pricing,
        "media": t_media,
        "journeys": t_journeys,
        "satisfaction": t_survey,
        "market": t_market,
    }
    return tables, _plain(truth)


def simulate_media(seed: int, sales: pd.DataFrame | None = None, *, noise_sd: float = _SALES_NOISE_SD
                   ) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """A fresh draw of the default data's media process, for recovery studies of a media model.

    The weeks, festivals, price index and competitor promotions are those of ``sales`` (the
    default ``weekly_sales``), so the baseline is the default one; the spend plans (same rules
    as ``media_spend``) and the sales noise are new draws from ``seed``.  The channels keep
    their decay, half-saturation, shape and ROI; each beta is set so the channel's ROI over
    the draw equals its ROI of the default data, as the generator does.

    Returns ``(sales, media, truth)``: the weekly sales with the new ``revenue`` (and
    ``orders`` at the average order value), the long spend table, and a truth dict shaped
    like ``ground_truth["media"]`` (``channels`` and ``weekly_baseline``; ``noise_sd``).

    >>> sales, media, truth = simulate_media(3)
    >>> len(sales), len(media), round(truth["channels"]["search"]["roi"], 6)
    (156, 780, 3.2)
    """
    if sales is None:
        from crmlib.datasets._generator import load_default

        sales = load_default(tables=["weekly_sales"]).weekly_sales
    if not (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0):
        raise ParameterError(f"The 'seed' parameter of simulate_media must be an integer >= 0. Got {seed!r} instead.")
    if not (isinstance(noise_sd, (int, float)) and not isinstance(noise_sd, bool) and np.isfinite(noise_sd)
            and noise_sd >= 0):
        raise ParameterError(
            f"The 'noise_sd' parameter of simulate_media must be a number >= 0 (yuan per week). Got {noise_sd!r} instead.")
    rng = np.random.default_rng(seed)
    r_media, r_noise = (np.random.default_rng(int(x)) for x in rng.integers(0, 2**63 - 1, size=2, dtype=np.int64))
    weeks = pd.DatetimeIndex(pd.to_datetime(sales["week"]))
    events = sales["event"].astype(str).to_numpy()
    baseline = _weekly_baseline(np.arange(len(weeks)), events, sales["avg_price_index"].to_numpy(dtype=float),
                                sales["competitor_promo"].to_numpy(dtype=float))
    media = _media_spend(r_media, weeks, events)
    channels = {}
    contributions = np.zeros(len(weeks))
    for ch in MEDIA_CHANNELS:
        p = _MEDIA_PARAMS[ch]
        x = media.loc[media["channel"] == ch, "spend"].to_numpy(dtype=float)
        saturation = _hill(_geometric_adstock(x, p["decay"]), p["half_saturation"], p["shape"])
        beta = p["roi"] * x.sum() / saturation.sum()
        contribution = beta * saturation
        contributions += contribution
        channels[ch] = {
            "decay": p["decay"], "half_saturation": p["half_saturation"], "shape": p["shape"],
            "beta": float(beta), "roi": float(contribution.sum() / x.sum()),
            "total_spend": float(x.sum()), "incremental_revenue": float(contribution.sum()),
            "weekly_contribution": contribution,
        }
    revenue = np.rint(baseline + contributions + r_noise.normal(0, noise_sd, len(weeks))).astype(np.int64)
    out = sales.copy()
    out["revenue"] = revenue
    out["orders"] = np.rint(revenue / _AOV[0]).astype(np.int64)
    truth = {"channels": channels, "weekly_baseline": baseline, "noise_sd": float(noise_sd)}
    return out, media.reset_index(drop=True), truth


def simulate_lift_tests(truth: Mapping, weeks: pd.Series, channels: tuple[str, ...] | list[str], *,
                        last_weeks: int = 8, rel_se: float = 0.10, seed: int = 0) -> pd.DataFrame:
    """Lift tests a team could have run in the world of ``truth`` (``ground_truth["media"]``).

    Each test measures one channel's incremental revenue over the last ``last_weeks`` weeks
    (a geo hold-out, say): the true contribution over those weeks plus a normal error whose
    SD is ``rel_se`` of it, reported as ``se``.  Columns: ``channel``, ``start``, ``end``,
    ``incremental_revenue``, ``se``, ``true_incremental_revenue``.

    >>> from crmlib.datasets import load_default, load_truth
    >>> w = load_default(tables=["weekly_sales"]).weekly_sales["week"]
    >>> t = simulate_lift_tests(load_truth()["media"], w, ["search"])
    >>> t[["channel", "start", "end"]].astype(str).values.tolist()
    [['search', '2025-11-03', '2025-12-22']]
    """
    w = pd.DatetimeIndex(pd.to_datetime(weeks))
    if not (isinstance(last_weeks, (int, np.integer)) and 1 <= last_weeks <= len(w)):
        raise ParameterError(f"The 'last_weeks' parameter of simulate_lift_tests must be an int in [1, {len(w)}]. "
                             f"Got {last_weeks!r} instead.")
    if not (isinstance(rel_se, (int, float)) and 0 < rel_se < 10):
        raise ParameterError(f"The 'rel_se' parameter of simulate_lift_tests must be a number in (0, 10). Got {rel_se!r}.")
    rng = np.random.default_rng(seed)
    rows = []
    for ch in channels:
        if ch not in truth["channels"]:
            raise ParameterError(f"simulate_lift_tests: channel {ch!r} is not in the truth "
                                 f"(channels: {sorted(truth['channels'])}).")
        contribution = np.asarray(truth["channels"][ch]["weekly_contribution"], dtype=float)
        true = float(contribution[-last_weeks:].sum())
        se = rel_se * true
        rows.append({"channel": ch, "start": w[-last_weeks], "end": w[-1],
                     "incremental_revenue": true + float(rng.normal(0, se)), "se": se,
                     "true_incremental_revenue": true})
    return pd.DataFrame(rows)
