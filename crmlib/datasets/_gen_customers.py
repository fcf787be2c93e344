"""The customer side of the teaching business: customers, products, orders, campaigns, leads.

:func:`make_customer_tables` simulates the tables from one random generator and returns them
with the truth they were generated from.  The truth is what the lessons recover:

- four latent segments (``SEGMENTS``) with their own demographics, psychographics, channel
  habits, promotion use, BG/NBD purchase/dropout parameters and Gamma-Gamma spend parameters;
- a purchase process that is *exactly* BG/NBD in continuous time, measured in weeks: a customer
  is acquired with a first purchase, then buys at Poisson rate ``lambda_i`` per week while alive
  and drops out for good after each repeat purchase with probability ``p_i``;
- net order values that are *exactly* Gamma-Gamma;
- randomised campaigns with a known, segment-dependent uplift, and B2B leads converting by a
  known logistic model.

Everything is vectorised with numpy (no loop over customers or orders), so ``n_customers`` in
the millions is fine with ``with_lines=False``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from crmlib._validation import check_int
from crmlib.datasets._constants import CATEGORIES, REGIONS, SALES_CHANNELS
from crmlib.exceptions import ParameterError

__all__ = [
    "CAMPAIGNS",
    "DESCRIPTIONS",
    "SCHEMAS",
    "SEGMENTS",
    "family_stage",
    "make_customer_tables",
]

DAYS_PER_WEEK = 7.0

# ---------------------------------------------------------------------------------------------
# Levels
# ---------------------------------------------------------------------------------------------
AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
_AGE_BREAKS = np.array([25, 35, 45, 55, 65])
INCOME_BANDS = ("under_5k", "5k_10k", "10k_20k", "20k_40k", "40k_plus")
FAMILY_STAGES = (
    "young_single",
    "young_couple",
    "full_nest_1",
    "full_nest_2",
    "empty_nest",
    "solitary_survivor",
)
MARITAL = ("single", "married", "divorced", "widowed")
CREDIT_RATINGS = ("A", "B", "C", "D")
LIFECYCLE = ("introduction", "growth", "maturity", "decline")
COMPANY_SIZES = ("1-9", "10-49", "50-249", "250+")
AUTHORITY = ("none", "influencer", "decision_maker")
INDUSTRIES = ("retail", "hospitality", "office_services", "education", "healthcare", "manufacturing")
LEAD_SOURCES = ("web_form", "trade_show", "referral", "cold_call", "partner")
#: Age (years) from which a household counts as "older" in the family life cycle.
FAMILY_AGE_CUT = 40
#: Channels a private customer chooses among (b2b accounts order through "b2b" only).
_RETAIL_CHANNELS = SALES_CHANNELS[:4]
STORES_PER_REGION = 4

# ---------------------------------------------------------------------------------------------
# The latent segments: the truth the lessons recover
# ---------------------------------------------------------------------------------------------
#: Latent segments.  ``bgnbd``: lambda ~ Gamma(r, rate alpha) purchases per WEEK,
#: p ~ Beta(a, b).  ``gamma_gamma``: nu ~ Gamma(q, rate gamma), order value ~ Gamma(p, rate nu),
#: so a customer's mean net order value is p / nu and the segment mean is p * gamma / (q - 1).
SEGMENTS: dict[str, dict] = {
    "bargain_hunters": {
        "share": 0.27,
        "description": "Price-driven, frequent small baskets, heavy promotion users, marketplace/app.",
        "bgnbd": {"r": 1.5, "alpha": 9.0, "a": 0.9, "b": 5.0},
        "gamma_gamma": {"p": 4.0, "q": 12.0, "gamma": 330.0},
        "age_mean": 36.0, "age_sd": 11.0, "female_share": 0.55, "p_married": 0.45,
        "children_mean": 0.8, "income_shift": -0.6, "tier_probs": (0.15, 0.25, 0.35, 0.25),
        "psycho_mean": {"price_consciousness": 5.9, "innovativeness": 3.6, "brand_loyalty": 2.6},
        "b2b_share": 0.02, "loyalty_member": 0.45, "email_opt_in": 0.70,
        "promo_prob": 0.55,
        "channel_logits": {"store": 0.0, "web": 0.3, "app": 0.6, "marketplace": 1.0},
    },
    "loyal_families": {
        "share": 0.25,
        "description": "Households with children, regular store-led grocery and baby shopping, loyal.",
        "bgnbd": {"r": 2.4, "alpha": 11.0, "a": 0.7, "b": 11.0},
        "gamma_gamma": {"p": 5.0, "q": 14.0, "gamma": 620.0},
        "age_mean": 38.0, "age_sd": 7.0, "female_share": 0.62, "p_married": 0.85,
        "children_mean": 1.7, "income_shift": 0.0, "tier_probs": (0.15, 0.30, 0.35, 0.20),
        "psycho_mean": {"price_consciousness": 4.4, "innovativeness": 3.2, "brand_loyalty": 5.6},
        "b2b_share": 0.01, "loyalty_member": 0.80, "email_opt_in": 0.75,
        "promo_prob": 0.30,
        "channel_logits": {"store": 0.9, "web": 0.2, "app": 0.3, "marketplace": -0.4},
    },
    "premium_professionals": {
        "share": 0.20,
        "description": "High-income urban professionals, larger baskets, web/app, early adopters.",
        "bgnbd": {"r": 1.6, "alpha": 12.0, "a": 0.6, "b": 8.0},
        "gamma_gamma": {"p": 3.0, "q": 16.0, "gamma": 3000.0},
        "age_mean": 41.0, "age_sd": 9.0, "female_share": 0.45, "p_married": 0.55,
        "children_mean": 0.5, "income_shift": 1.2, "tier_probs": (0.50, 0.30, 0.15, 0.05),
        "psycho_mean": {"price_consciousness": 2.6, "innovativeness": 5.6, "brand_loyalty": 4.4},
        "b2b_share": 0.08, "loyalty_member": 0.55, "email_opt_in": 0.55,
        "promo_prob": 0.10,
        "channel_logits": {"store": 0.1, "web": 0.9, "app": 0.7, "marketplace": -0.6},
    },
    "occasional_shoppers": {
        "share": 0.28,
        "description": "Infrequent, low-commitment buyers; many buy once and never return.",
        "bgnbd": {"r": 0.2, "alpha": 10.0, "a": 1.3, "b": 2.6},
        "gamma_gamma": {"p": 3.0, "q": 8.0, "gamma": 350.0},
        "age_mean": 44.0, "age_sd": 15.0, "female_share": 0.48, "p_married": 0.50,
        "children_mean": 0.5, "income_shift": -0.2, "tier_probs": (0.15, 0.25, 0.30, 0.30),
        "psycho_mean": {"price_consciousness": 4.2, "innovativeness": 4.0, "brand_loyalty": 3.0},
        "b2b_share": 0.01, "loyalty_member": 0.20, "email_opt_in": 0.45,
        "promo_prob": 0.20,
        "channel_logits": {"store": 0.5, "web": 0.0, "app": -0.3, "marketplace": 0.5},
    },
}
SEGMENT_NAMES = tuple(SEGMENTS)
PSYCHO_COLS = ("price_consciousness", "innovativeness", "brand_loyalty")
PSYCHO_SD = 1.3
#: Per 10 years of age above 40, added to the channel logits (older -> store, younger -> app).
CHANNEL_AGE_SLOPE = {"store": 0.35, "web": 0.0, "app": -0.45, "marketplace": -0.15}
#: Standard deviation of each customer's personal deviation from the channel logits.
CHANNEL_NOISE_SD = 0.6
#: Share of the acquisition window: the acquisition time is start + Beta(1, 2) * (end - start).
ACQUISITION_BETA = (1.0, 2.0)
CANCEL_RATE = 0.02
DISCOUNT_LEVELS = (0.05, 0.10, 0.15, 0.20, 0.30)
DISCOUNT_PROBS = (0.20, 0.35, 0.20, 0.15, 0.10)
REGION_PROBS = (0.18, 0.27, 0.25, 0.16, 0.14)

# ---------------------------------------------------------------------------------------------
# Products and baskets
# ---------------------------------------------------------------------------------------------
#: per category: number of products, unit-cost range (log-uniform, CNY), markup on cost,
#: extra units per line ~ Poisson(extra_units), probability that a line is (partly) returned.
PRODUCT_SPEC: dict[str, dict] = {
    "grocery": {"n": 50, "cost": (2.0, 120.0), "markup": 0.25, "extra_units": 1.0, "return_prob": 0.01},
    "personal_care": {"n": 35, "cost": (6.0, 250.0), "markup": 0.45, "extra_units": 0.6, "return_prob": 0.02},
    "home": {"n": 35, "cost": (10.0, 1500.0), "markup": 0.60, "extra_units": 0.3, "return_prob": 0.04},
    "electronics": {"n": 25, "cost": (40.0, 6000.0), "markup": 0.20, "extra_units": 0.05, "return_prob": 0.06},
    "apparel": {"n": 35, "cost": (15.0, 800.0), "markup": 0.90, "extra_units": 0.4, "return_prob": 0.12},
    "baby": {"n": 20, "cost": (8.0, 600.0), "markup": 0.40, "extra_units": 0.8, "return_prob": 0.03},
}
_NOUNS = {
    "grocery": ("Rice", "Noodles", "Cooking Oil", "Tea", "Snacks", "Soy Sauce", "Milk", "Coffee"),
    "personal_care": ("Shampoo", "Toothpaste", "Face Cream", "Body Wash", "Sunscreen", "Razor"),
    "home": ("Towel Set", "Cookware", "Storage Box", "Bedding", "Lamp", "Cleaner", "Rice Cooker"),
    "electronics": ("Earbuds", "Power Bank", "Smart Watch", "Tablet", "Speaker", "Router", "Phone"),
    "apparel": ("T-Shirt", "Jeans", "Jacket", "Sneakers", "Dress", "Sweater", "Socks"),
    "baby": ("Diapers", "Formula", "Wipes", "Stroller", "Baby Bottle", "Onesie"),
}
_NATIONAL_BRANDS = {
    "grocery": ("Golden Grain", "Jade Spring", "Harvest Star"),
    "personal_care": ("Lotus Pure", "Fresh Peak"),
    "home": ("Nest & Co", "Bright Home"),
    "electronics": ("Voltix", "Skyline Tech", "Nova"),
    "apparel": ("Urban Thread", "Silk Road"),
    "baby": ("Little Panda", "Tiny Steps"),
}
OWN_LABEL = "Everyday Value"
OWN_LABEL_SHARE = 0.3
#: 1 + Poisson(EXTRA_LINES) lines per order (capped at MAX_LINES).
EXTRA_LINES = 0.6
MAX_LINES = 8
#: Category mix of order lines by family stage (rows sum to 1), before the segment multiplier.
CATEGORY_MIX: dict[str, tuple[float, ...]] = {
    "young_single": (0.30, 0.15, 0.10, 0.20, 0.25, 0.00),
    "young_couple": (0.30, 0.15, 0.18, 0.15, 0.20, 0.02),
    "full_nest_1": (0.28, 0.10, 0.12, 0.08, 0.10, 0.32),
    "full_nest_2": (0.36, 0.12, 0.15, 0.10, 0.20, 0.07),
    "empty_nest": (0.40, 0.15, 0.20, 0.10, 0.13, 0.02),
    "solitary_survivor": (0.45, 0.20, 0.15, 0.05, 0.15, 0.00),
}
#: Multiplies the family-stage mix, then rows are renormalised.
CATEGORY_SEGMENT_MULT: dict[str, tuple[float, ...]] = {
    "bargain_hunters": (1.4, 1.0, 0.8, 0.6, 0.9, 1.0),
    "loyal_families": (1.2, 1.1, 1.0, 0.8, 0.9, 1.2),
    "premium_professionals": (0.7, 1.1, 1.2, 1.6, 1.4, 1.0),
    "occasional_shoppers": (1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
}

# ---------------------------------------------------------------------------------------------
# Campaigns and leads
# ---------------------------------------------------------------------------------------------
CAMPAIGN_WINDOW_DAYS = 30
#: ``uplift_if_opened``: share of the alive customers who would not have bought in the window
#: anyway that the offer converts, when they open the message.  ``offer``: kind and size of the
#: cost of a redeemed offer (``pct`` of the order, or a ``fixed`` CNY amount).
CAMPAIGNS: dict[str, dict] = {
    "CMP01": {
        "name": "Spring 10% off coupon e-mail", "channel": "email", "send_date": "2024-03-04",
        "treatment_share": 0.5, "deliver_prob": 0.97,
        "open_prob": {"bargain_hunters": 0.40, "loyal_families": 0.45, "premium_professionals": 0.30, "occasional_shoppers": 0.25},
        "click_prob": 0.30,
        "uplift_if_opened": {"bargain_hunters": 0.50, "loyal_families": 0.25, "premium_professionals": 0.05, "occasional_shoppers": 0.20},
        "message_cost": 0.05, "offer": {"kind": "pct", "value": 0.10},
    },
    "CMP02": {
        "name": "Free-shipping SMS", "channel": "sms", "send_date": "2024-09-02",
        "treatment_share": 0.8, "deliver_prob": 0.99,
        "open_prob": {"bargain_hunters": 0.60, "loyal_families": 0.65, "premium_professionals": 0.50, "occasional_shoppers": 0.50},
        "click_prob": 0.15,
        "uplift_if_opened": {"bargain_hunters": 0.30, "loyal_families": 0.15, "premium_professionals": 0.08, "occasional_shoppers": 0.18},
        "message_cost": 0.08, "offer": {"kind": "fixed", "value": 8.0},
    },
    "CMP03": {
        "name": "Loyalty double-points app push", "channel": "app_push", "send_date": "2025-04-07",
        "treatment_share": 0.5, "deliver_prob": 0.90,
        "open_prob": {"bargain_hunters": 0.30, "loyal_families": 0.40, "premium_professionals": 0.35, "occasional_shoppers": 0.15},
        "click_prob": 0.35,
        "uplift_if_opened": {"bargain_hunters": 0.10, "loyal_families": 0.40, "premium_professionals": 0.20, "occasional_shoppers": 0.0},
        "message_cost": 0.01, "offer": {"kind": "pct", "value": 0.05},
    },
    "CMP04": {
        "name": "Autumn win-back 15% e-mail", "channel": "email", "send_date": "2025-10-06",
        "treatment_share": 0.5, "deliver_prob": 0.97,
        "open_prob": {"bargain_hunters": 0.35, "loyal_families": 0.40, "premium_professionals": 0.30, "occasional_shoppers": 0.25},
        "click_prob": 0.25,
        "uplift_if_opened": {"bargain_hunters": 0.45, "loyal_families": 0.15, "premium_professionals": 0.0, "occasional_shoppers": 0.30},
        "message_cost": 0.05, "offer": {"kind": "pct", "value": 0.15},
    },
}
MAX_CAMPAIGN_CUSTOMERS = 8_000

N_LEADS = 2_000
#: logit P(converted) = intercept + log_budget * ln(budget in CNY thousand) + need * need
#: + authority[level] + credit_rating[level]  (reference levels "none" and "A" are 0).
LEAD_LOGIT: dict[str, object] = {
    "intercept": -6.0,
    "log_budget": 0.9,
    "need": 0.35,
    "authority": {"none": 0.0, "influencer": 0.6, "decision_maker": 1.3},
    "credit_rating": {"A": 0.0, "B": -0.3, "C": -0.8, "D": -1.5},
}
_LEAD_SIZE_LOG_BUDGET = {"1-9": math.log(30.0), "10-49": math.log(80.0), "50-249": math.log(200.0), "250+": math.log(500.0)}

# ---------------------------------------------------------------------------------------------
# Schemas and descriptions
# ---------------------------------------------------------------------------------------------
SCHEMAS: dict[str, dict[str, object]] = {
    "customers": {
        "customer_id": "id",
        "signup_date": "date",
        "acquisition_channel": "category",
        "region": "category",
        "city_tier": "int",
        "home_store_id": "category",
        "gender": "category",
        "age": "int",
        "age_band": AGE_BANDS,
        "income_band": INCOME_BANDS,
        "marital_status": "category",
        "n_children": "int",
        "family_stage": FAMILY_STAGES,
        "price_consciousness": "int",
        "innovativeness": "int",
        "brand_loyalty": "int",
        "loyalty_member": "bool",
        "email_opt_in": "bool",
        "account_type": "category",
        "credit_rating": "category",
        "name": "str",
        "email": "str",
        "phone": "str",
    },
    "products": {
        "product_id": "id",
        "name": "str",
        "category": "category",
        "brand": "category",
        "own_label": "bool",
        "unit_cost": "float",
        "list_price": "float",
        "launch_date": "date",
        "lifecycle_stage": LIFECYCLE,
    },
    "orders": {
        "order_id": "id",
        "customer_id": "id",
        "order_date": "date",
        "channel": "category",
        "region": "category",
        "store_id": "category",
        "promotion": "bool",
        "discount_rate": "float",
        "gross_amount": "float",
        "discount_amount": "float",
        "net_amount": "float",
        "status": "category",
    },
    "order_lines": {
        "order_id": "id",
        "line_no": "int",
        "product_id": "id",
        "quantity": "int",
        "list_price": "float",
        "unit_price": "float",
        "line_amount": "float",
        "returned_qty": "int",
    },
    "campaigns": {
        "campaign_id": "id",
        "channel": "category",
        "send_date": "date",
        "customer_id": "id",
        "group": ("control", "treatment"),
        "delivered": "bool",
        "opened": "bool",
        "clicked": "bool",
        "converted": "bool",
        "revenue": "float",
        "cost": "float",
    },
    "leads": {
        "lead_id": "id",
        "created_date": "date",
        "region": "category",
        "industry": "category",
        "company_size": COMPANY_SIZES,
        "budget": "float",
        "authority": AUTHORITY,
        "need": "int",
        "credit_rating": CREDIT_RATINGS,
        "source": "category",
        "converted": "bool",
        "deal_value": "float",
    },
    "truth_customers": {
        "customer_id": "id",
        "segment": "category",
        "purchase_rate": "float",
        "dropout_prob": "float",
        "alive_at_end": "bool",
        "dropout_date": "date",
        "mean_order_value": "float",
        "expected_purchases_52w": "float",
        "expected_value_52w": "float",
    },
}

DESCRIPTIONS: dict[str, dict[str, str]] = {
    "customers": {
        "_table": "One row per customer of the retailer (private shoppers and a few business "
        "accounts). Demographics, psychographics, consent flags and synthetic PII for "
        "segmentation, targeting and the privacy lesson.",
        "customer_id": "Customer key, 'C' + 7 digits (e.g. C0000001).",
        "signup_date": "Date of the customer's first purchase (= acquisition); every customer has a "
        "completed order on this day.",
        "acquisition_channel": "Channel of the first purchase: store, web, app, marketplace or b2b.",
        "region": "Home region: North, East, South, Central, West.",
        "city_tier": "City tier of the home city, 1 (largest cities) to 4.",
        "home_store_id": "Store the customer visits for store orders, e.g. 'ST-EA-02' (4 stores per region).",
        "gender": "female or male.",
        "age": "Age in years (18-85) at the end of the data window.",
        "age_band": "Ordered age band: 18-24 < 25-34 < 35-44 < 45-54 < 55-64 < 65+.",
        "income_band": "Ordered monthly household income band, CNY: under_5k < 5k_10k < 10k_20k < "
        "20k_40k < 40k_plus.",
        "marital_status": "single, married, divorced or widowed.",
        "n_children": "Number of children living at home (0-4).",
        "family_stage": "Family life-cycle stage (ordered), derived from age, marital status and "
        "children: with children -> full_nest_1 (age < 40) or full_nest_2 (age >= 40); no children "
        "and age < 40 -> young_couple (married) or young_single; no children and age >= 40 -> "
        "empty_nest (married) or solitary_survivor.",
        "price_consciousness": "Survey score 1 (not at all) to 7 (very) price conscious.",
        "innovativeness": "Survey score 1-7: likes to try new products first.",
        "brand_loyalty": "Survey score 1-7: sticks to the brands and shops it knows.",
        "loyalty_member": "True if the customer joined the loyalty programme.",
        "email_opt_in": "True if the customer agreed to marketing e-mail.",
        "account_type": "private or business (business accounts buy through the b2b desk only).",
        "credit_rating": "Credit rating of business accounts, A (best) to D; 'n/a' for private customers.",
        "name": "Synthetic name in pinyin, family name first (fictional; for the privacy lesson).",
        "email": "Synthetic e-mail address at example.com / example.cn (reserved, undeliverable domains).",
        "phone": "Synthetic phone number '+86 100 xxxx xxxx' (100 is not a real Chinese prefix).",
    },
    "products": {
        "_table": "One row per product in the assortment: category, brand, cost and cost-plus list "
        "price, for pricing, margin and basket lessons.",
        "product_id": "Product key, 'P' + 4 digits.",
        "name": "Product name: brand and product type.",
        "category": "grocery, personal_care, home, electronics, apparel or baby.",
        "brand": "Brand; 'Everyday Value' is the retailer's own label, the rest are national brands.",
        "own_label": "True for the retailer's own label.",
        "unit_cost": "Purchase cost per unit, CNY.",
        "list_price": "Shelf price per unit, CNY = round(unit_cost x (1 + category markup), 2); "
        "markups in ground_truth.json under products.markup_by_category.",
        "launch_date": "Date the product was launched (may precede the order history).",
        "lifecycle_stage": "Ordered stage at the end of the window from the product's age: "
        "introduction (< 0.5 years) < growth (< 2 years) < maturity (< 6 years) < decline.",
    },
    "orders": {
        "_table": "One row per order (completed or cancelled). Completed orders follow a BG/NBD "
        "purchase process and Gamma-Gamma net values exactly; about 2% extra cancelled orders are "
        "added on top and are not purchases. Campaign-driven purchases live in the campaigns table "
        "only, not here.",
        "order_id": "Order key, 'O' + 8 digits (more only past 99,999,999 orders), increasing with the order date.",
        "customer_id": "Customer key (customers.customer_id).",
        "order_date": "Day the order was placed, between 2023-01-02 and 2025-12-28.",
        "channel": "Sales channel: store, web, app, marketplace or b2b.",
        "region": "Region of the store or of the delivery address (the customer's region).",
        "store_id": "Store of a store order (e.g. 'ST-EA-02'); 'online' for every other channel.",
        "promotion": "True if the order used a promotion.",
        "discount_rate": "Promotion discount as a share of gross_amount (0 without promotion; "
        "0.05, 0.10, 0.15, 0.20 or 0.30 with one).",
        "gross_amount": "Value at list prices before discount, CNY = net_amount / (1 - discount_rate), "
        "rounded to cents.",
        "discount_amount": "gross_amount - net_amount, CNY.",
        "net_amount": "Amount paid, CNY (the Gamma-Gamma spend of completed orders).",
        "status": "completed or cancelled. A cancelled order shares its day with one of the "
        "customer's completed orders (failed payment, changed basket).",
    },
    "order_lines": {
        "_table": "One row per product line of an order (1-8 lines, about 1.6 on average); the line "
        "amounts of an order sum to its net_amount to the cent. For basket and category analysis.",
        "order_id": "Order key (orders.order_id).",
        "line_no": "Line number within the order, 1, 2, ...",
        "product_id": "Product key (products.product_id).",
        "quantity": "Units bought (>= 1).",
        "list_price": "The product's list price per unit, CNY.",
        "unit_price": "Average price paid per unit, CNY = line_amount / quantity (not rounded to "
        "cents). Close to list_price x (1 - discount_rate); the rest is a basket-level adjustment "
        "that makes the lines add up to the order's net_amount.",
        "line_amount": "Amount paid for the line, CNY (2 decimals).",
        "returned_qty": "Units later returned (0 <= returned_qty <= quantity; 0 on cancelled "
        "orders). Returns do not change the order amounts.",
    },
    "campaigns": {
        "_table": "One row per customer targeted by a randomised campaign (treatment or control). "
        "Outcomes are simulated for a 30-day window from the send date and live in this table only "
        "(they are not added to orders). For A/B testing and uplift modelling.",
        "campaign_id": "Campaign key: CMP01 spring 10%-off coupon e-mail, CMP02 free-shipping SMS, "
        "CMP03 loyalty double-points app push, CMP04 autumn win-back 15%-off e-mail (names and "
        "offers in ground_truth.json under campaigns).",
        "channel": "Message channel: email, sms or app_push.",
        "send_date": "Day the messages were sent (a Monday).",
        "customer_id": "Customer key; customers acquired before send_date were eligible and a random "
        "sample of at most 8,000 of them was drawn.",
        "group": "Randomised group: control (no message) or treatment.",
        "delivered": "Message delivered (always False for control).",
        "opened": "Message opened (False when not delivered and for control).",
        "clicked": "Link clicked (False when not opened and for control).",
        "converted": "True if the customer bought within 30 days of send_date.",
        "revenue": "Net revenue of the customer's purchase in the 30-day window, CNY (0 if not converted).",
        "cost": "Message cost plus the cost of a redeemed offer, CNY (0 for control).",
    },
    "leads": {
        "_table": "One row per B2B sales lead (BANT-style qualification) with its outcome, for lead "
        "scoring. Conversion follows a known logistic model (ground_truth.json: leads).",
        "lead_id": "Lead key, 'L' + 5 digits.",
        "created_date": "Day the lead was created.",
        "region": "Region of the prospect.",
        "industry": "Industry of the prospect: retail, hospitality, office_services, education, "
        "healthcare, manufacturing.",
        "company_size": "Ordered number of employees: 1-9 < 10-49 < 50-249 < 250+.",
        "budget": "Stated annual purchasing budget, CNY thousand.",
        "authority": "Ordered role of the contact: none < influencer < decision_maker.",
        "need": "Assessed need, 1 (low) to 5 (urgent).",
        "credit_rating": "Ordered credit rating of the prospect: A (best) < B < C < D.",
        "source": "Where the lead came from: web_form, trade_show, referral, cold_call, partner.",
        "converted": "True if the lead became a customer.",
        "deal_value": "First-year deal value, CNY thousand (0 if not converted).",
    },
    "truth_customers": {
        "_table": "The hidden truth per customer (same order as customers): latent segment and the "
        "parameters the purchase history was simulated from. Never a model feature; lessons use it "
        "to check their estimates.",
        "customer_id": "Customer key (customers.customer_id).",
        "segment": "Latent segment: bargain_hunters, loyal_families, premium_professionals, "
        "occasional_shoppers.",
        "purchase_rate": "lambda: repeat purchases per WEEK while alive.",
        "dropout_prob": "p: probability of dropping out for good right after each repeat purchase.",
        "alive_at_end": "True if the customer had not dropped out by 2025-12-28.",
        "dropout_date": "Day of the repeat purchase after which the customer dropped out; empty "
        "(missing) when alive_at_end.",
        "mean_order_value": "The customer's expected net order value p/nu of the Gamma-Gamma model, CNY.",
        "expected_purchases_52w": "Expected purchases in the 52 weeks after the end of the window "
        "given the true state: (1 - exp(-lambda p 52)) / p if alive, else 0.",
        "expected_value_52w": "expected_purchases_52w x mean_order_value, CNY (undiscounted).",
    },
}

_FAMILY_NAMES = (
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou",
    "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Gao", "Luo",
)
_GIVEN_FEMALE = ("Fang", "Jing", "Li", "Min", "Na", "Xiu", "Yan", "Ying", "Hui", "Lan", "Mei", "Xia")
_GIVEN_MALE = ("Wei", "Qiang", "Lei", "Jun", "Yong", "Jie", "Tao", "Ming", "Chao", "Hao", "Bo", "Gang")


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
def _ids(prefix: str, n: int, width: int) -> pd.Series:
    """``prefix`` + zero-padded 1..n as a string Series (fast, via pyarrow)."""
    digits = pc.utf8_lpad(pa.array(np.arange(1, n + 1, dtype=np.int64)).cast(pa.string()), width, "0")
    return pd.Series(pd.arrays.ArrowStringArray(pc.binary_join_element_wise(prefix, digits, "")))


def _take(values: pd.Series, idx: np.ndarray) -> pd.Series:
    return values.take(idx).reset_index(drop=True)


def _cat(codes: np.ndarray, levels: tuple[str, ...]) -> pd.Categorical:
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int32), categories=list(levels))


def _dates(start: pd.Timestamp, days: np.ndarray) -> np.ndarray:
    base = np.datetime64(start.date(), "D")
    return (base + np.asarray(days, dtype=np.int64).astype("timedelta64[D]")).astype("datetime64[us]")


def _pick(rng: np.random.Generator, cum: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """Draw one category per row from cumulative probabilities ``cum`` (rows x k), row-wise.

    ``rows`` selects which row of ``cum`` each draw uses (default: one draw per row).
    """
    n = len(cum) if rows is None else len(rows)
    u = rng.random(n)
    out = np.zeros(n, dtype=np.int8)
    for j in range(cum.shape[1] - 1):
        col = cum[:, j] if rows is None else cum[rows, j]
        out += u >= col
    return out


def _family_stage_code(age: np.ndarray, married: np.ndarray, n_children: np.ndarray) -> np.ndarray:
    young = age < FAMILY_AGE_CUT
    code = np.where(
        n_children > 0,
        np.where(young, 2, 3),
        np.where(young, np.where(married, 1, 0), np.where(married, 4, 5)),
    )
    return code.astype(np.int8)


def family_stage(age, marital_status, n_children) -> np.ndarray:
    """Family life-cycle stage from age, marital status and number of children at home.

    With children: ``full_nest_1`` below age 40, ``full_nest_2`` from 40.  Without children:
    below 40 ``young_couple`` (married) or ``young_single``; from 40 ``empty_nest`` (married)
    or ``solitary_survivor`` (single, divorced or widowed).

    Parameters
    ----------
    age, marital_status, n_children : array-like
        Age in years, marital status (``"married"`` or another status) and children at home.

    Returns
    -------
    numpy.ndarray of str

    Examples
    --------
    >>> family_stage([25, 33, 45, 70, 50], ["single", "married", "married", "widowed", "married"],
    ...              [0, 0, 2, 0, 0]).tolist()
    ['young_single', 'young_couple', 'full_nest_2', 'solitary_survivor', 'empty_nest']
    """
    code = _family_stage_code(np.asarray(age), np.asarray(marital_status) == "married", np.asarray(n_children))
    return np.asarray(FAMILY_STAGES, dtype=object)[code].astype(str)


def _check_inputs(rng, n_customers, start, end):
    where = "make_customer_tables"
    if not isinstance(rng, np.random.Generator):
        raise ParameterError(
            f"The 'rng' parameter of {where} must be a numpy.random.Generator. Got "
            f"{type(rng).__name__} instead. Pass np.random.default_rng(seed)."
        )
    n_customers = check_int(n_customers, "n_customers", where=where, low=1, high=9_999_999)
    try:
        start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    except (TypeError, ValueError):
        raise ParameterError(
            f"The 'start' and 'end' parameters of {where} must be dates. Got {start!r} and "
            f"{end!r}. Pass e.g. start='2023-01-02', end='2025-12-28'."
        ) from None
    if (end - start).days < 60:
        raise ParameterError(
            f"The 'end' parameter of {where} must be at least 60 days after 'start'. Got "
            f"start={start.date()}, end={end.date()}. Pass a longer window."
        )
    return n_customers, start, end


# ---------------------------------------------------------------------------------------------
# Customers
# ---------------------------------------------------------------------------------------------
def _segment_array(key: str, seg: np.ndarray, sub: str | None = None) -> np.ndarray:
    vals = [SEGMENTS[s][key] if sub is None else SEGMENTS[s][key][sub] for s in SEGMENT_NAMES]
    return np.asarray(vals, dtype=float)[seg]


def _simulate_customers(rng, n, horizon_weeks):
    """Segments, latent BG/NBD and Gamma-Gamma parameters, acquisition times, attributes."""
    shares = np.array([SEGMENTS[s]["share"] for s in SEGMENT_NAMES])
    seg = rng.choice(len(SEGMENT_NAMES), size=n, p=shares / shares.sum()).astype(np.int8)

    lam = rng.gamma(_segment_array("bgnbd", seg, "r"), 1.0 / _segment_array("bgnbd", seg, "alpha"))
    pdrop = rng.beta(_segment_array("bgnbd", seg, "a"), _segment_array("bgnbd", seg, "b"))
    nu = rng.gamma(_segment_array("gamma_gamma", seg, "q"), 1.0 / _segment_array("gamma_gamma", seg, "gamma"))
    gg_p = _segment_array("gamma_gamma", seg, "p")
    t0 = rng.beta(*ACQUISITION_BETA, size=n) * horizon_weeks

    # demographics
    age = np.clip(np.rint(rng.normal(_segment_array("age_mean", seg), _segment_array("age_sd", seg))), 18, 85).astype(np.int64)
    female = rng.random(n) < _segment_array("female_share", seg)
    # marriage more likely from the late twenties; some older singles are widowed or divorced
    p_married = np.clip(_segment_array("p_married", seg) * (1 / (1 + np.exp(-(age - 28) / 3.0))), 0, 0.97)
    married = rng.random(n) < p_married
    u = rng.random(n)
    p_widow = np.clip((age - 55) / 60.0, 0, 0.5)
    p_div = np.where(age >= 30, 0.25, 0.05)
    marital = np.where(married, 1, np.where(u < p_widow, 3, np.where(u < p_widow + p_div, 2, 0)))
    # children at home: likely for married adults aged ~28-55, rarer otherwise
    kid_window = np.exp(-0.5 * ((age - 40) / 9.0) ** 2)
    mean_kids = _segment_array("children_mean", seg) * kid_window * np.where(married, 1.0, 0.3)
    has_kids = rng.random(n) < 1 - np.exp(-1.6 * mean_kids)
    n_children = np.where(has_kids, 1 + np.minimum(rng.poisson(0.45 * mean_kids), 3), 0).astype(np.int64)
    income_latent = _segment_array("income_shift", seg) + 0.02 * (np.minimum(age, 60) - 40) + rng.normal(0, 0.8, n)
    income = np.searchsorted(np.array([-1.2, -0.35, 0.45, 1.3]), income_latent).astype(np.int8)
    tier_cum = np.cumsum(np.array([SEGMENTS[s]["tier_probs"] for s in SEGMENT_NAMES]), axis=1)
    city_tier = (_pick(rng, tier_cum, seg) + 1).astype(np.int64)
    region = rng.choice(len(REGIONS), size=n, p=np.asarray(REGION_PROBS)).astype(np.int8)
    psycho = {
        col: np.clip(np.rint(rng.normal(_segment_array("psycho_mean", seg, col), PSYCHO_SD)), 1, 7).astype(np.int64)
        for col in PSYCHO_COLS
    }
    loyalty = rng.random(n) < _segment_array("loyalty_member", seg)
    email_opt = rng.random(n) < _segment_array("email_opt_in", seg)
    b2b = rng.random(n) < _segment_array("b2b_share", seg)
    credit = np.where(b2b, rng.choice(4, size=n, p=[0.3, 0.4, 0.2, 0.1]), 4)

    # customer-level channel mix (retail customers): softmax of segment + age + personal noise
    logits = np.empty((n, len(_RETAIL_CHANNELS)))
    for j, ch in enumerate(_RETAIL_CHANNELS):
        logits[:, j] = (
            _segment_array("channel_logits", seg, ch)
            + CHANNEL_AGE_SLOPE[ch] * (age - 40) / 10.0
            + rng.normal(0, CHANNEL_NOISE_SD, n)
        )
    mix = np.exp(logits - logits.max(axis=1, keepdims=True))
    mix /= mix.sum(axis=1, keepdims=True)
    chan_cum = np.cumsum(mix, axis=1)

    stage_code = _family_stage_code(age, marital == 1, n_children)
    home_store = rng.integers(0, STORES_PER_REGION, size=n).astype(np.int8)
    given_idx = rng.integers(0, len(_GIVEN_FEMALE), size=n)
    family_idx = rng.integers(0, len(_FAMILY_NAMES), size=n)
    domain_cn = rng.random(n) < 0.6
    return {
        "seg": seg, "lam": lam, "pdrop": pdrop, "nu": nu, "gg_p": gg_p, "t0": t0, "age": age,
        "female": female, "marital": marital, "n_children": n_children, "income": income,
        "city_tier": city_tier, "region": region, "psycho": psycho, "loyalty": loyalty,
        "email_opt": email_opt, "b2b": b2b, "credit": credit, "chan_cum": chan_cum,
        "stage_code": stage_code, "home_store": home_store, "given_idx": given_idx,
        "family_idx": family_idx, "domain_cn": domain_cn,
    }


def _simulate_purchases(rng, c, horizon_weeks):
    """Exact BG/NBD repeat purchases in continuous time; returns per-purchase arrays.

    Given the Poisson count N in the customer's window T and the geometric index K of the repeat
    purchase after which the customer drops out, the observed repeats are min(N, K).  When
    N >= K the dropout time is the K-th of N uniform order statistics on (0, T), i.e.
    T * Beta(K, N - K + 1), and the first K - 1 purchases are uniform on (0, that time).
    """
    lam, pdrop, t0 = c["lam"], c["pdrop"], c["t0"]
    window = horizon_weeks - t0
    k = rng.geometric(pdrop)
    n_events = rng.poisson(lam * window)
    dropped = n_events >= k
    x = np.where(dropped, k, n_events).astype(np.int64)
    tau = np.full(len(lam), np.inf)
    if dropped.any():
        kd, nd = k[dropped], n_events[dropped]
        tau[dropped] = window[dropped] * rng.beta(kd, nd - kd + 1)
    bound = np.where(dropped, tau, window)
    cust = np.repeat(np.arange(len(lam), dtype=np.int64), x)
    rel = rng.random(len(cust)) * bound[cust]
    ends = np.cumsum(x) - 1
    last = ends[dropped]
    rel[last] = tau[dropped]
    return {"x": x, "dropped": dropped, "tau_abs": t0 + tau, "cust": cust, "t_abs": t0[cust] + rel}


def _order_values(rng, c, cust):
    value = rng.gamma(c["gg_p"][cust], 1.0 / c["nu"][cust])
    return np.maximum(np.round(value * 100.0), 1.0).astype(np.int64)  # cents


def _make_orders(rng, c, purchases, start, horizon_days):
    n = len(c["seg"])
    last_day = horizon_days - 1
    # completed orders: first purchase at acquisition + repeat purchases
    cust = np.concatenate([np.arange(n, dtype=np.int64), purchases["cust"]])
    t = np.concatenate([c["t0"], purchases["t_abs"]])
    first = np.zeros(len(cust), dtype=bool)
    first[:n] = True
    day = np.minimum(np.floor(t * DAYS_PER_WEEK), last_day).astype(np.int64)
    # cancelled extras: same day as a random ~2% of completed orders, placed just before them
    twin = np.flatnonzero(rng.random(len(cust)) < CANCEL_RATE)
    cust = np.concatenate([cust, cust[twin]])
    t = np.concatenate([t, t[twin] - 1e-9])
    day = np.concatenate([day, day[twin]])
    cancelled = np.zeros(len(cust), dtype=bool)
    cancelled[len(cust) - len(twin):] = True
    first = np.concatenate([first, np.zeros(len(twin), dtype=bool)])

    order = np.lexsort((t, day))
    cust, day, cancelled, first = cust[order], day[order], cancelled[order], first[order]
    m = len(cust)
    seg = c["seg"][cust]

    net_cents = _order_values(rng, c, cust)
    # channel: b2b accounts always b2b; others from their personal mix
    chan = _pick(rng, c["chan_cum"], cust)
    chan = np.where(c["b2b"][cust], SALES_CHANNELS.index("b2b"), chan).astype(np.int8)
    # acquisition channel = channel of the first (completed) order
    acq = np.empty(n, dtype=np.int8)
    acq[cust[first]] = chan[first]

    promo_p = np.array([SEGMENTS[s]["promo_prob"] for s in SEGMENT_NAMES])[seg]
    promo = rng.random(m) < promo_p
    level = rng.choice(len(DISCOUNT_LEVELS), size=m, p=np.asarray(DISCOUNT_PROBS))
    disc = np.where(promo, np.asarray(DISCOUNT_LEVELS)[level], 0.0)
    gross_cents = np.rint(net_cents / (1.0 - disc)).astype(np.int64)
    region = c["region"][cust]
    store_codes = region.astype(np.int64) * STORES_PER_REGION + c["home_store"][cust]
    store = np.where(chan == 0, store_codes + 1, 0)
    return {
        "cust": cust, "day": day, "cancelled": cancelled, "net_cents": net_cents,
        "gross_cents": gross_cents, "disc": disc, "promo": promo, "chan": chan,
        "region": region, "store": store, "acq": acq,
    }


def _store_levels():
    levels = ["online"]
    for r in REGIONS:
        levels += [f"ST-{r[:2].upper()}-{k + 1:02d}" for k in range(STORES_PER_REGION)]
    return tuple(levels)


# ---------------------------------------------------------------------------------------------
# Products and lines
# ---------------------------------------------------------------------------------------------
def _make_products(rng, end):
    rows = []
    for cat, spec in PRODUCT_SPEC.items():
        k = spec["n"]
        lo, hi = np.log(spec["cost"][0]), np.log(spec["cost"][1])
        cost = np.round(np.exp(rng.uniform(lo, hi, k)), 2)
        own = rng.random(k) < OWN_LABEL_SHARE
        national = rng.choice(_NATIONAL_BRANDS[cat], size=k)
        noun = rng.choice(_NOUNS[cat], size=k)
        launch_days = rng.integers(30, 10 * 365, size=k)
        list_price = np.round(cost * (1 + spec["markup"]), 2)
        for i in range(k):
            brand = OWN_LABEL if own[i] else str(national[i])
            rows.append({
                "name": f"{brand} {noun[i]}", "category": cat, "brand": brand, "own_label": bool(own[i]),
                "unit_cost": float(cost[i]), "list_price": float(list_price[i]),
                "launch_date": end - pd.Timedelta(days=int(launch_days[i])),
            })
    prod = pd.DataFrame(rows)
    prod.insert(0, "product_id", _ids("P", len(prod), 4))
    age_years = (end - prod["launch_date"]).dt.days / 365.25
    stage = np.searchsorted(np.array([0.5, 2.0, 6.0]), age_years.to_numpy(), side="right")
    prod["lifecycle_stage"] = pd.Categorical.from_codes(stage, categories=list(LIFECYCLE), ordered=True)
    prod["launch_date"] = prod["launch_date"].astype("datetime64[us]")
    prod["name"] = prod["name"].astype("string")
    return prod


def _category_cum():
    """Cumulative category probabilities per (segment, family stage), shape (4 * 6, 6)."""
    rows = []
    for s in SEGMENT_NAMES:
        for st in FAMILY_STAGES:
            w = np.asarray(CATEGORY_MIX[st]) * np.asarray(CATEGORY_SEGMENT_MULT[s])
            rows.append(w / w.sum())
    return np.cumsum(np.array(rows), axis=1), np.array(rows)


def _make_lines(rng, c, o, products):
    m = len(o["cust"])
    n_lines = 1 + np.minimum(rng.poisson(EXTRA_LINES, m), MAX_LINES - 1)
    n_lines = np.minimum(n_lines, o["net_cents"]).astype(np.int64)  # at least one cent per line
    order_idx = np.repeat(np.arange(m, dtype=np.int64), n_lines)
    starts = np.cumsum(n_lines) - n_lines
    line_no = np.arange(len(order_idx)) - starts[order_idx] + 1
    # split the net amount (cents) into lines: 1 cent each + Dirichlet(1) shares of the rest
    w = rng.exponential(1.0, len(order_idx))
    w /= np.bincount(order_idx, weights=w, minlength=m)[order_idx]
    spare = (o["net_cents"] - n_lines)[order_idx]
    cents = 1 + np.floor(w * spare).astype(np.int64)
    short = o["net_cents"] - np.bincount(order_idx, weights=cents, minlength=m).astype(np.int64)
    last = starts + n_lines - 1
    cents[last] += short

    cust = o["cust"][order_idx]
    cum, _ = _category_cum()
    cell = c["seg"][cust].astype(np.int64) * len(FAMILY_STAGES) + c["stage_code"][cust]
    cat = _pick(rng, cum, cell)
    disc = o["disc"][order_idx]
    price = products["list_price"].to_numpy()
    pcat = products["category"].astype("string").to_numpy()
    product = np.empty(len(order_idx), dtype=np.int64)
    extra = np.array([PRODUCT_SPEC[k]["extra_units"] for k in CATEGORIES])
    q_target = 1 + rng.poisson(extra[cat])
    target = np.log(cents / 100.0 / (1.0 - disc) / q_target) + rng.normal(0, 0.15, len(cat))
    for j, name in enumerate(CATEGORIES):
        ids = np.flatnonzero(pcat == name)
        order_p = ids[np.argsort(price[ids])]
        logp = np.log(price[order_p])
        sel = cat == j
        pos = np.clip(np.searchsorted(logp, target[sel]), 1, len(logp) - 1)
        nearer_left = (target[sel] - logp[pos - 1]) < (logp[pos] - target[sel])
        product[sel] = order_p[pos - nearer_left]
    lp = price[product]
    qty = np.maximum(1, np.rint(cents / 100.0 / ((1.0 - disc) * lp))).astype(np.int64)
    ret_p = np.array([PRODUCT_SPEC[k]["return_prob"] for k in CATEGORIES])[cat]
    returned = (rng.random(len(cat)) < ret_p) & ~o["cancelled"][order_idx]
    ret_qty = np.where(returned, 1 + rng.binomial(qty - 1, 0.3), 0)
    return {
        "order_idx": order_idx, "line_no": line_no, "product": product, "qty": qty, "lp": lp,
        "cents": cents, "ret_qty": ret_qty,
    }


# ---------------------------------------------------------------------------------------------
# Campaigns and leads
# ---------------------------------------------------------------------------------------------
def _make_campaigns(rng, c, purchases, cust_ids, start, max_customers):
    frames, truth = [], {}
    window_weeks = CAMPAIGN_WINDOW_DAYS / DAYS_PER_WEEK
    for cid, spec in CAMPAIGNS.items():
        send = pd.Timestamp(spec["send_date"])
        t_send = (send - start).days / DAYS_PER_WEEK
        eligible = np.flatnonzero(np.floor(c["t0"] * DAYS_PER_WEEK) < (send - start).days)
        k = min(max_customers, len(eligible))
        idx = np.sort(rng.choice(eligible, size=k, replace=False)) if k else eligible[:0]
        n_treat = int(round(spec["treatment_share"] * k))
        treat = np.zeros(k, dtype=bool)
        treat[rng.permutation(k)[:n_treat]] = True
        seg = c["seg"][idx]
        alive = purchases["tau_abs"][idx] > t_send
        p0 = np.where(alive, 1.0 - np.exp(-c["lam"][idx] * window_weeks), 0.0)
        open_p = np.array([spec["open_prob"][s] for s in SEGMENT_NAMES])[seg]
        lift = np.array([spec["uplift_if_opened"][s] for s in SEGMENT_NAMES])[seg]
        delivered = treat & (rng.random(k) < spec["deliver_prob"])
        opened = delivered & (rng.random(k) < open_p)
        clicked = opened & (rng.random(k) < spec["click_prob"])
        p1_opened = p0 + alive * lift * (1.0 - p0)
        converted = rng.random(k) < np.where(opened, p1_opened, p0)
        value = rng.gamma(c["gg_p"][idx], 1.0 / c["nu"][idx])
        redeemed = converted & opened
        offer = spec["offer"]
        if offer["kind"] == "pct":
            value = np.where(redeemed, value * (1.0 - offer["value"]), value)
            offer_cost = np.where(redeemed, value / (1.0 - offer["value"]) * offer["value"], 0.0)
        else:
            offer_cost = np.where(redeemed, offer["value"], 0.0)
        revenue = np.where(converted, np.maximum(np.round(value, 2), 0.01), 0.0)
        cost = np.round(np.where(treat, spec["message_cost"], 0.0) + offer_cost, 2)
        frames.append(pd.DataFrame({
            "campaign_id": pd.Series([cid] * k, dtype="string"),
            "channel": pd.Categorical([spec["channel"]] * k),
            "send_date": np.full(k, np.datetime64(send.date(), "D")).astype("datetime64[us]"),
            "customer_id": _take(cust_ids, idx),
            "group": pd.Categorical.from_codes(treat.astype(np.int8), categories=["control", "treatment"], ordered=True),
            "delivered": delivered, "opened": opened, "clicked": clicked, "converted": converted,
            "revenue": revenue, "cost": cost,
        }))
        # exact expected effect of assignment (intention to treat) per targeted customer
        ite = spec["deliver_prob"] * open_p * alive * lift * (1.0 - p0)
        by_seg = {s: float(ite[seg == j].mean()) if (seg == j).any() else 0.0 for j, s in enumerate(SEGMENT_NAMES)}
        truth[cid] = {
            "name": spec["name"], "channel": spec["channel"], "send_date": spec["send_date"],
            "window_days": CAMPAIGN_WINDOW_DAYS, "n_customers": int(k), "n_treatment": n_treat,
            "treatment_share": spec["treatment_share"], "deliver_prob": spec["deliver_prob"],
            "open_prob_by_segment": dict(spec["open_prob"]), "click_prob_if_opened": spec["click_prob"],
            "uplift_if_opened_by_segment": dict(spec["uplift_if_opened"]),
            "expected_uplift_by_segment": by_seg,
            "expected_uplift": float(ite.mean()) if k else 0.0,
            "baseline_rate": float(p0.mean()) if k else 0.0,
            "share_alive_at_send": float(alive.mean()) if k else 0.0,
            "message_cost": spec["message_cost"], "offer": dict(offer),
        }
    frame = pd.concat(frames, ignore_index=True)
    frame["channel"] = frame["channel"].astype("string").astype("category")
    truth["_model"] = (
        "Eligible: acquired before send_date; a random sample of at most "
        f"{max_customers} per campaign, completely randomised to treatment/control. Baseline "
        "P0 = 1 - exp(-lambda * 30/7) if the customer is alive (BG/NBD) at send_date, else 0. "
        "A treated customer who opens converts with P0 + alive * uplift_if_opened * (1 - P0). "
        "expected_uplift = mean over the targeted customers of deliver_prob * open_prob * alive "
        "* uplift_if_opened * (1 - P0) (the intention-to-treat effect the A/B test estimates). "
        "Revenue ~ Gamma-Gamma order value, net of a percentage offer when redeemed (converted "
        "and opened). Campaign purchases are not added to orders."
    )
    return frame, truth


def _make_leads(rng, start, end, n_leads=N_LEADS):
    span = (end - start).days + 1
    size = rng.choice(len(COMPANY_SIZES), size=n_leads, p=[0.35, 0.35, 0.2, 0.1])
    log_budget = np.array([_LEAD_SIZE_LOG_BUDGET[s] for s in COMPANY_SIZES])[size] + rng.normal(0, 0.7, n_leads)
    budget = np.round(np.exp(log_budget), 1)
    budget = np.maximum(budget, 1.0)
    authority = rng.choice(3, size=n_leads, p=[0.3, 0.4, 0.3])
    need = rng.integers(1, 6, size=n_leads)
    credit = rng.choice(4, size=n_leads, p=[0.3, 0.35, 0.25, 0.1])
    coef = LEAD_LOGIT
    eta = (
        coef["intercept"] + coef["log_budget"] * np.log(budget) + coef["need"] * need
        + np.array(list(coef["authority"].values()))[authority]
        + np.array(list(coef["credit_rating"].values()))[credit]
    )
    prob = 1.0 / (1.0 + np.exp(-eta))
    converted = rng.random(n_leads) < prob
    deal = np.where(converted, np.round(budget * rng.uniform(0.5, 1.1, n_leads), 1), 0.0)
    days = np.sort(rng.integers(0, span, size=n_leads))
    frame = pd.DataFrame({
        "lead_id": _ids("L", n_leads, 5),
        "created_date": _dates(start, days),
        "region": _cat(rng.choice(len(REGIONS), size=n_leads, p=np.asarray(REGION_PROBS)), REGIONS),
        "industry": _cat(rng.integers(0, len(INDUSTRIES), n_leads), INDUSTRIES),
        "company_size": pd.Categorical.from_codes(size, categories=list(COMPANY_SIZES), ordered=True),
        "budget": budget,
        "authority": pd.Categorical.from_codes(authority, categories=list(AUTHORITY), ordered=True),
        "need": need.astype(np.int64),
        "credit_rating": pd.Categorical.from_codes(credit, categories=list(CREDIT_RATINGS), ordered=True),
        "source": _cat(rng.choice(len(LEAD_SOURCES), size=n_leads, p=[0.35, 0.15, 0.2, 0.15, 0.15]), LEAD_SOURCES),
        "converted": converted,
        "deal_value": deal,
    })
    truth = {
        "n_leads": n_leads,
        "logit": {k: (dict(v) if isinstance(v, dict) else v) for k, v in coef.items()},
        "model": "logit P(converted) = intercept + log_budget * ln(budget) + need * need + "
        "authority[authority] + credit_rating[credit_rating]; budget in CNY thousand; reference "
        "levels authority='none', credit_rating='A'.",
        "base_rate": float(prob.mean()),
        "realised_rate": float(converted.mean()),
        "deal_value": "budget x Uniform(0.5, 1.1) for converted leads, else 0.",
    }
    return frame, truth


# ---------------------------------------------------------------------------------------------
# The entry point
# ---------------------------------------------------------------------------------------------
def make_customer_tables(
    rng: np.random.Generator,
    *,
    n_customers: int,
    start: pd.Timestamp,
    end: pd.Timestamp,
    with_lines: bool = True,
    max_campaign_customers: int = MAX_CAMPAIGN_CUSTOMERS,
) -> tuple[dict[str, pd.DataFrame], dict]:
    """Simulate the customer-side tables and return them with their ground truth.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness; the same generator state gives identical frames.
    n_customers : int
        Number of customers (12,000 in the default data).  Orders grow with it (about 9.5 per
        customer); campaigns and leads do not.
    start, end : pandas.Timestamp
        First and last day of the order history (both included).
    with_lines : bool, default True
        Also build ``order_lines`` (skip it for big benchmark runs).
    max_campaign_customers : int, default 8,000
        Largest number of eligible customers sampled into each campaign.

    Returns
    -------
    tables : dict of str to pandas.DataFrame
        ``customers``, ``products``, ``orders``, ``order_lines`` (when ``with_lines``),
        ``campaigns``, ``leads``, ``truth_customers``; columns as in :data:`SCHEMAS`.
    truth : dict
        Plain-Python truth: ``time_unit``, ``segments``, ``population``, ``orders``,
        ``products``, ``category_mix``, ``campaigns``, ``leads``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> tables, truth = make_customer_tables(np.random.default_rng(1), n_customers=300,
    ...     start=pd.Timestamp("2023-01-02"), end=pd.Timestamp("2025-12-28"), with_lines=False)
    >>> sorted(tables)
    ['campaigns', 'customers', 'leads', 'orders', 'products', 'truth_customers']
    >>> len(tables["customers"]), truth["time_unit"]
    (300, 'week')
    >>> bool((tables["orders"]["order_date"] >= pd.Timestamp("2023-01-02")).all())
    True
    """
    n, start, end = _check_inputs(rng, n_customers, start, end)
    max_campaign_customers = check_int(
        max_campaign_customers, "max_campaign_customers", where="make_customer_tables", low=0
    )
    horizon_days = (end - start).days + 1
    horizon_weeks = horizon_days / DAYS_PER_WEEK

    c = _simulate_customers(rng, n, horizon_weeks)
    purchases = _simulate_purchases(rng, c, horizon_weeks)
    o = _make_orders(rng, c, purchases, start, horizon_days)
    products = _make_products(rng, end)

    cust_ids = _ids("C", n, 7)
    stage = c["stage_code"]
    age = c["age"]
    given = np.where(c["female"], np.asarray(_GIVEN_FEMALE)[c["given_idx"]], np.asarray(_GIVEN_MALE)[c["given_idx"]])
    family = np.asarray(_FAMILY_NAMES)[c["family_idx"]]
    number = np.arange(1, n + 1)
    name = pa.array(family, pa.string())
    name = pc.binary_join_element_wise(name, pa.array(given, pa.string()), " ")
    num_str = pa.array(number).cast(pa.string())
    local = pc.binary_join_element_wise(
        pc.utf8_lower(pa.array(given, pa.string())), pc.utf8_lower(pa.array(family, pa.string())), "."
    )
    domain = pa.array(np.where(c["domain_cn"], "@example.cn", "@example.com"), pa.string())
    email = pc.binary_join_element_wise(local, num_str, domain, "")
    phone = pc.binary_join_element_wise(
        "+86 100",
        pc.utf8_lpad(pa.array(number // 10000).cast(pa.string()), 4, "0"),
        pc.utf8_lpad(pa.array(number % 10000).cast(pa.string()), 4, "0"),
        " ",
    )
    stores = _store_levels()
    home_store = c["region"].astype(np.int64) * STORES_PER_REGION + c["home_store"] + 1
    customers = pd.DataFrame({
        "customer_id": cust_ids,
        "signup_date": _dates(start, np.floor(c["t0"] * DAYS_PER_WEEK)),
        "acquisition_channel": _cat(o["acq"], SALES_CHANNELS),
        "region": _cat(c["region"], REGIONS),
        "city_tier": c["city_tier"],
        "home_store_id": _cat(home_store, stores),
        "gender": _cat((~c["female"]).astype(int), ("female", "male")),
        "age": age,
        "age_band": pd.Categorical.from_codes(np.searchsorted(_AGE_BREAKS, age, side="right"), categories=list(AGE_BANDS), ordered=True),
        "income_band": pd.Categorical.from_codes(c["income"], categories=list(INCOME_BANDS), ordered=True),
        "marital_status": _cat(c["marital"], MARITAL),
        "n_children": c["n_children"],
        "family_stage": pd.Categorical.from_codes(stage, categories=list(FAMILY_STAGES), ordered=True),
        **{col: c["psycho"][col] for col in PSYCHO_COLS},
        "loyalty_member": c["loyalty"],
        "email_opt_in": c["email_opt"],
        "account_type": _cat(c["b2b"].astype(int), ("private", "business")),
        "credit_rating": _cat(c["credit"], (*CREDIT_RATINGS, "n/a")),
        "name": pd.Series(pd.arrays.ArrowStringArray(name)),
        "email": pd.Series(pd.arrays.ArrowStringArray(email)),
        "phone": pd.Series(pd.arrays.ArrowStringArray(phone)),
    })

    m = len(o["cust"])
    gross = o["gross_cents"] / 100.0
    net = o["net_cents"] / 100.0
    orders = pd.DataFrame({
        "order_id": _ids("O", m, max(8, len(str(m)))),
        "customer_id": _take(cust_ids, o["cust"]),
        "order_date": _dates(start, o["day"]),
        "channel": _cat(o["chan"], SALES_CHANNELS),
        "region": _cat(o["region"], REGIONS),
        "store_id": _cat(o["store"], stores),
        "promotion": o["promo"],
        "discount_rate": o["disc"],
        "gross_amount": gross,
        "discount_amount": (o["gross_cents"] - o["net_cents"]) / 100.0,
        "net_amount": net,
        "status": _cat(o["cancelled"].astype(int), ("completed", "cancelled")),
    })
    tables = {"customers": customers, "products": products, "orders": orders}

    if with_lines:
        li = _make_lines(rng, c, o, products)
        tables["order_lines"] = pd.DataFrame({
            "order_id": _take(orders["order_id"], li["order_idx"]),
            "line_no": li["line_no"].astype(np.int64),
            "product_id": _take(products["product_id"], li["product"]),
            "quantity": li["qty"],
            "list_price": li["lp"],
            "unit_price": np.round(li["cents"] / 100.0 / li["qty"], 4),
            "line_amount": li["cents"] / 100.0,
            "returned_qty": li["ret_qty"].astype(np.int64),
        })

    campaigns, truth_campaigns = _make_campaigns(rng, c, purchases, cust_ids, start, max_campaign_customers)
    leads, truth_leads = _make_leads(rng, start, end)
    tables["campaigns"] = campaigns
    tables["leads"] = leads

    lam, pdrop = c["lam"], c["pdrop"]
    alive = ~purchases["dropped"]
    mov = c["gg_p"] / c["nu"]
    exp52 = np.where(alive, -np.expm1(-lam * pdrop * 52.0) / pdrop, 0.0)
    drop_day = np.where(alive, 0, np.floor(np.minimum(purchases["tau_abs"], horizon_weeks) * DAYS_PER_WEEK)).astype(np.int64)
    drop_day = np.minimum(drop_day, horizon_days - 1)
    drop_dates = pd.Series(_dates(start, drop_day)).where(~alive)
    tables["truth_customers"] = pd.DataFrame({
        "customer_id": cust_ids,
        "segment": _cat(c["seg"], SEGMENT_NAMES),
        "purchase_rate": lam,
        "dropout_prob": pdrop,
        "alive_at_end": alive,
        "dropout_date": drop_dates,
        "mean_order_value": mov,
        "expected_purchases_52w": exp52,
        "expected_value_52w": exp52 * mov,
    })
    tables = {k: tables[k] for k in SCHEMAS if k in tables}

    truth = _truth(c, o, purchases, products, truth_campaigns, truth_leads, horizon_weeks)
    return tables, truth


def _truth(c, o, purchases, products, truth_campaigns, truth_leads, horizon_weeks) -> dict:
    segments = {}
    demo_keys = ("age_mean", "age_sd", "female_share", "p_married", "children_mean", "income_shift",
                 "tier_probs", "psycho_mean", "b2b_share", "loyalty_member", "email_opt_in")
    for j, (s, spec) in enumerate(SEGMENTS.items()):
        gg = spec["gamma_gamma"]
        segments[s] = {
            "share": spec["share"],
            "realised_share": float((c["seg"] == j).mean()),
            "description": spec["description"],
            "bgnbd": dict(spec["bgnbd"]),
            "gamma_gamma": dict(gg),
            "mean_order_value": gg["p"] * gg["gamma"] / (gg["q"] - 1),
            "demographics": {k: (list(spec[k]) if isinstance(spec[k], tuple) else spec[k]) for k in demo_keys},
            "psycho_sd": PSYCHO_SD,
        }
    completed = ~o["cancelled"]
    alive = ~purchases["dropped"]
    mov = c["gg_p"] / c["nu"]
    _, mix = _category_cum()
    return {
        "time_unit": "week",
        "segments": segments,
        "acquisition": {
            "rule": "acquisition time = start + Beta(1, 2) x window (density falls linearly to 0 at "
            "end); the first purchase happens at acquisition; signup_date is its day.",
            "beta": list(ACQUISITION_BETA),
        },
        "purchase_process": (
            "Exact BG/NBD in continuous time (weeks): repeat purchases ~ Poisson(lambda) while alive; "
            "after each repeat purchase the customer drops out with probability p (never right after "
            "the first purchase). Order date = floor of the continuous time to the day; purchases "
            "after end are not observed. Net value of each completed order ~ Gamma(p, rate nu), "
            "rounded to cents (min 0.01); nu ~ Gamma(q, rate gamma)."
        ),
        "population": {
            "n_customers": int(len(c["seg"])),
            "mean_purchase_rate": float(c["lam"].mean()),
            "mean_dropout_prob": float(c["pdrop"].mean()),
            "share_alive_at_end": float(alive.mean()),
            "mean_order_value": float(mov.mean()),
            "mean_completed_orders_per_customer": float(completed.sum() / len(c["seg"])),
            "share_one_time_buyers": float((purchases["x"] == 0).mean()),
            "n_completed_orders": int(completed.sum()),
            "n_cancelled_orders": int(o["cancelled"].sum()),
        },
        "orders": {
            "cancel_rate": CANCEL_RATE,
            "cancel_rule": "Each completed order gets, with probability cancel_rate, an extra "
            "cancelled order on the same day (same customer, own channel/promotion, own Gamma-Gamma "
            "value). Cancelled orders are not purchases.",
            "promo_prob_by_segment": {s: SEGMENTS[s]["promo_prob"] for s in SEGMENT_NAMES},
            "discount_levels": list(DISCOUNT_LEVELS),
            "discount_level_probs": list(DISCOUNT_PROBS),
            "gross_rule": "gross_amount = round(net_amount / (1 - discount_rate), 2)",
            "channel_mix": {
                "rule": "business accounts: always b2b. Private customers: softmax over store, web, "
                "app, marketplace of segment logit + age_slope x (age - 40) / 10 + Normal(0, "
                "noise_sd) per customer and channel; each order draws its channel from the "
                "customer's mix; acquisition_channel is the channel of the first order.",
                "segment_logits": {s: dict(SEGMENTS[s]["channel_logits"]) for s in SEGMENT_NAMES},
                "age_slope_per_10y": dict(CHANNEL_AGE_SLOPE),
                "noise_sd": CHANNEL_NOISE_SD,
                "b2b_share_by_segment": {s: SEGMENTS[s]["b2b_share"] for s in SEGMENT_NAMES},
                "realised_share": {
                    ch: float((o["chan"][completed] == k).mean()) for k, ch in enumerate(SALES_CHANNELS)
                },
            },
            "store_rule": "store orders are placed at the customer's home store; region is the customer's.",
        },
        "products": {
            "markup_by_category": {k: v["markup"] for k, v in PRODUCT_SPEC.items()},
            "price_rule": "list_price = round(unit_cost x (1 + markup), 2)",
            "cost_range_by_category": {k: list(v["cost"]) for k, v in PRODUCT_SPEC.items()},
            "return_prob_by_category": {k: v["return_prob"] for k, v in PRODUCT_SPEC.items()},
            "lines_per_order": f"1 + min(Poisson({EXTRA_LINES}), {MAX_LINES - 1})",
            "n_products": int(len(products)),
        },
        "category_mix": {
            "categories": list(CATEGORIES),
            "by_family_stage": {k: list(v) for k, v in CATEGORY_MIX.items()},
            "segment_multiplier": {k: list(v) for k, v in CATEGORY_SEGMENT_MULT.items()},
            "rule": "P(category of a line) = by_family_stage[stage] x segment_multiplier[segment], "
            "renormalised; the product within the category is the one priced nearest the line's "
            "amount per unit (with noise).",
            "by_segment_and_stage": {
                f"{s}|{st}": mix[i * len(FAMILY_STAGES) + k].tolist()
                for i, s in enumerate(SEGMENT_NAMES)
                for k, st in enumerate(FAMILY_STAGES)
            },
        },
        "campaigns": truth_campaigns,
        "leads": truth_leads,
    }
