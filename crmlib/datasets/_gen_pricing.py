"""Pricing-research tables of the default teaching data: a price survey and a conjoint study.

The orchestrator (:mod:`crmlib.datasets._generator`) calls :func:`make_pricing_tables` with a
random stream of its own (the third child of the seed's ``SeedSequence``, so the other tables
do not change when these do), types the frames with :data:`SCHEMAS` and merges the returned
truth into ``ground_truth.json`` under ``"pricing_survey"``, ``"price_ladder"`` and
``"conjoint"``.

The product concept is a smart air purifier (category "home").

- ``pricing_survey`` — Van Westendorp and Newton-Miller-Smith answers of 1,200 respondents.
  Respondent ``i`` of segment ``s`` has a willingness to pay ``W`` ~ log-normal(median_s,
  sigma_s); answer ``k`` is ``W x multiple_k x exp(e_k)`` with independent
  ``e_k ~ N(0, noise_sd)``, rounded to the nearest 10 yuan.  A fixed share of respondents
  (chosen at random, independently of ``W``) swap their *cheap* and *expensive* answers, so
  their four prices are not monotone.  Because answer ``k`` is log-normal given the segment,
  each answer's population distribution is a mixture of log-normals, and the true Van
  Westendorp points solve the crossings of those mixture curves (:func:`psm_truth`).
- ``price_ladder`` — Gabor-Granger answers of the same respondents at 4 random rungs of a
  7-rung ladder: ``buy = 1`` iff ``W >= price``.  A small random share answers "backwards"
  (would buy only at the two dearest rungs asked), so their answers rise with price.
- ``conjoint`` — a choice-based conjoint of a separate panel of 500 respondents, 10 tasks of 3
  alternatives drawn from the full factorial without repeats.  Choices follow a homogeneous
  multinomial logit: utility = dummy-coded part-worths + ``price_coefficient x price`` + a
  Gumbel error.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from crmlib.datasets._constants import REGIONS

__all__ = [
    "CONJOINT_LEVELS",
    "DESCRIPTIONS",
    "SCHEMAS",
    "ladder_truth",
    "make_pricing_tables",
    "mixture_cdf",
    "psm_truth",
]

# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------

PRODUCT = "smart air purifier"
PRODUCT_CATEGORY = "home"
N_SURVEY = 1_200
SEGMENTS = ("budget", "mainstream", "premium")
#: Segment shares, median willingness to pay (yuan) and log-sd of WTP.
_SEGMENT_PARAMS = {
    "budget": dict(share=0.35, median=450.0, sigma=0.25),
    "mainstream": dict(share=0.45, median=600.0, sigma=0.25),
    "premium": dict(share=0.20, median=850.0, sigma=0.25),
}
#: Answer = W x multiple x exp(N(0, NOISE_SD)), one independent draw per answer.
PSM_MULTIPLES = {"too_cheap": 0.5, "cheap": 0.7, "expensive": 1.3, "too_expensive": 1.8}
NOISE_SD = 0.04
ROUND_TO = 10
#: Share of respondents who swap their cheap and expensive answers.
SWAP_SHARE = 0.02
#: Stated intent (1-5) at one's own cheap / expensive price: probabilities of 1..5.
_INTENT_CHEAP = (0.02, 0.05, 0.15, 0.38, 0.40)
_INTENT_EXPENSIVE = (0.15, 0.30, 0.33, 0.17, 0.05)

LADDER = (299, 399, 499, 599, 699, 799, 899)
RUNGS_ASKED = 4
BACKWARD_SHARE = 0.01
LADDER_UNIT_COST = 320.0

N_CONJOINT = 500
N_TASKS = 10
N_ALTERNATIVES = 3
#: Attribute levels in coding order; the first level of each is the base (part-worth 0).
CONJOINT_LEVELS: dict[str, tuple] = {
    "brand": ("Our retailer", "Redwood Mart", "Bluebird Online"),
    "delivery": ("standard", "next_day", "same_day"),
    "warranty_years": (1, 2, 3),
}
CONJOINT_PRICES = (499, 549, 599, 649, 699)
#: Utility per yuan of price.
PRICE_COEFFICIENT = -0.012
_PART_WORTHS: dict[str, dict[object, float]] = {
    "brand": {"Our retailer": 0.0, "Redwood Mart": -0.42, "Bluebird Online": 0.30},
    "delivery": {"standard": 0.0, "next_day": 0.66, "same_day": 1.14},
    "warranty_years": {1: 0.0, 2: 0.54, 3: 0.90},
}

# --------------------------------------------------------------------------------------------
# Schemas and descriptions
# --------------------------------------------------------------------------------------------

SCHEMAS: dict[str, dict[str, object]] = {
    "pricing_survey": {
        "respondent_id": "id", "region": "category", "segment": SEGMENTS,
        "too_cheap": "int", "cheap": "int", "expensive": "int", "too_expensive": "int",
        "intent_cheap": "int", "intent_expensive": "int",
    },
    "price_ladder": {"respondent_id": "id", "price": "int", "buy": "int"},
    "conjoint": {
        "respondent_id": "id", "task": "int", "alternative": "int", "brand": "category",
        "price": "int", "delivery": CONJOINT_LEVELS["delivery"], "warranty_years": "int",
        "chosen": "int",
    },
}

DESCRIPTIONS: dict[str, dict[str, str]] = {
    "pricing_survey": {
        "_table": (
            f"One row per respondent ({N_SURVEY:,}) of a price survey for a new {PRODUCT} "
            f"(category '{PRODUCT_CATEGORY}'). For Van Westendorp's price sensitivity meter and "
            "the Newton-Miller-Smith extension: answers come from a known willingness to pay "
            f"(see ground_truth 'pricing_survey'); about {SWAP_SHARE:.0%} of respondents swapped "
            "their 'cheap' and 'expensive' answers, so their four prices are not in order"
        ),
        "respondent_id": "Respondent identifier, 'R' + 4 digits; the same people answer price_ladder.",
        "region": f"Region of the respondent, one of {list(REGIONS)}.",
        "segment": f"Price segment of the respondent, one of {list(SEGMENTS)} (observed, e.g. from screening questions).",
        "too_cheap": "'At what price would it be so cheap that you would doubt its quality?' Yuan, to the nearest 10.",
        "cheap": "'At what price would it be a bargain?' Yuan, to the nearest 10.",
        "expensive": "'At what price would it start to get expensive, but you would still consider it?' Yuan, to the nearest 10.",
        "too_expensive": "'At what price would it be too expensive to consider?' Yuan, to the nearest 10.",
        "intent_cheap": ("Likelihood of buying at one's own 'cheap' price, 1 = certainly not ... "
                         "5 = certainly (map to probabilities with likert_to_probability)."),
        "intent_expensive": "Likelihood of buying at one's own 'expensive' price, 1 = certainly not ... 5 = certainly.",
    },
    "price_ladder": {
        "_table": (
            "One row per respondent x ladder price asked (Gabor-Granger): each pricing_survey "
            f"respondent was asked {RUNGS_ASKED} random prices of the ladder {list(LADDER)}. "
            f"About {BACKWARD_SHARE:.0%} answered backwards (buy only at the dearer prices), so "
            "their answers rise with price (see ground_truth 'price_ladder')"
        ),
        "respondent_id": "Respondent (pricing_survey.respondent_id).",
        "price": "Ladder price asked, yuan.",
        "buy": "1 when the respondent would buy at this price, else 0.",
    },
    "conjoint": {
        "_table": (
            f"One row per respondent x task x alternative of a choice-based conjoint for the "
            f"{PRODUCT} ({N_CONJOINT} respondents x {N_TASKS} tasks x {N_ALTERNATIVES} "
            "alternatives). For part-worths, willingness to pay and share of preference: choices "
            "follow a known multinomial logit (see ground_truth 'conjoint'). Alternatives are "
            "random draws from the full factorial, never two identical in a task"
        ),
        "respondent_id": ("Conjoint respondent, 'C' + 4 digits: a separate online panel, neither the "
                          "pricing_survey respondents nor customers (customer ids have 7 digits)."),
        "task": f"Choice task, 1..{N_TASKS}.",
        "alternative": f"Position of the alternative on the screen, 1..{N_ALTERNATIVES}.",
        "brand": f"Brand of the product, one of {list(CONJOINT_LEVELS['brand'])}.",
        "price": f"Price shown, yuan, one of {list(CONJOINT_PRICES)}.",
        "delivery": f"Delivery promise, one of {list(CONJOINT_LEVELS['delivery'])}.",
        "warranty_years": f"Warranty, years, one of {list(CONJOINT_LEVELS['warranty_years'])}.",
        "chosen": "1 for the alternative the respondent chose in the task (exactly one per task), else 0.",
    },
}

# --------------------------------------------------------------------------------------------
# The truth from the continuous generating distributions
# --------------------------------------------------------------------------------------------


def _segments() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    shares = np.array([_SEGMENT_PARAMS[s]["share"] for s in SEGMENTS])
    medians = np.array([_SEGMENT_PARAMS[s]["median"] for s in SEGMENTS])
    sigmas = np.array([_SEGMENT_PARAMS[s]["sigma"] for s in SEGMENTS])
    return shares, medians, sigmas


def mixture_cdf(p: float, *, multiple: float = 1.0, noise_sd: float = 0.0, density: bool = False) -> float:
    """P(answer <= p) (or its density) of ``W x multiple x exp(N(0, noise_sd))`` over segments.

    Examples
    --------
    >>> round(mixture_cdf(600.0), 3)  # share of respondents whose WTP is at most 600 yuan
    0.548
    """
    from scipy.stats import norm

    shares, medians, sigmas = _segments()
    scale = np.sqrt(sigmas**2 + noise_sd**2)
    z = (math.log(p) - np.log(medians * multiple)) / scale
    if density:
        return float(np.sum(shares * norm.pdf(z) / (scale * p)))
    return float(np.sum(shares * norm.cdf(z)))


def psm_truth() -> dict[str, dict[str, float]]:
    """The four Van Westendorp points of the population the survey was drawn from.

    Each point solves one crossing (see :mod:`crmlib.pricing._survey`) of the continuous
    curves with :func:`scipy.optimize.brentq`; ``share`` is the common value of both curves
    there and ``slope_gap`` the derivative of their difference (for delta-method errors:
    SE(price) ~ sqrt(share x (1 - share) x 2 / n) / |slope_gap| when the two events are
    nearly disjoint, which they are here).

    Examples
    --------
    >>> points = psm_truth()
    >>> points["PMC"]["price"] < points["OPP"]["price"] < points["PME"]["price"]
    True
    """
    from scipy.optimize import brentq

    m, tau = PSM_MULTIPLES, NOISE_SD

    def F(k: str, p: float) -> float:
        return mixture_cdf(p, multiple=m[k], noise_sd=tau)

    def f(k: str, p: float) -> float:
        return mixture_cdf(p, multiple=m[k], noise_sd=tau, density=True)

    # curve(p) and its derivative: "at least" curves are 1 - F, "at most" curves are F
    curves = {
        "too_cheap": (lambda p: 1 - F("too_cheap", p), lambda p: -f("too_cheap", p)),
        "not_cheap": (lambda p: F("cheap", p), lambda p: f("cheap", p)),
        "cheap": (lambda p: 1 - F("cheap", p), lambda p: -f("cheap", p)),
        "expensive": (lambda p: F("expensive", p), lambda p: f("expensive", p)),
        "too_expensive": (lambda p: F("too_expensive", p), lambda p: f("too_expensive", p)),
        "not_expensive": (lambda p: 1 - F("expensive", p), lambda p: -f("expensive", p)),
    }
    pairs = {"PMC": ("too_cheap", "not_cheap"), "OPP": ("too_cheap", "too_expensive"),
             "IDP": ("cheap", "expensive"), "PME": ("too_expensive", "not_expensive")}
    out = {}
    for name, (a, b) in pairs.items():
        price = brentq(lambda p: curves[a][0](p) - curves[b][0](p), 50.0, 5_000.0, xtol=1e-9)
        out[name] = {"price": price, "curves": f"{a} = {b}", "share": curves[a][0](price),
                     "slope_gap": curves[a][1](price) - curves[b][1](price)}
    return out


def ladder_truth(unit_cost: float = LADDER_UNIT_COST) -> dict[str, object]:
    """True demand P(W >= price) at each rung, and the revenue- and profit-maximising rungs.

    Examples
    --------
    >>> t = ladder_truth()
    >>> t["revenue_price"], t["profit_price"]
    (399, 599)
    """
    demand = {str(p): 1 - mixture_cdf(float(p)) for p in LADDER}
    revenue = {p: p * demand[str(p)] for p in LADDER}
    profit = {p: (p - unit_cost) * demand[str(p)] for p in LADDER}
    return {"ladder": list(LADDER), "demand": demand, "unit_cost": unit_cost,
            "revenue": {str(p): v for p, v in revenue.items()},
            "profit": {str(p): v for p, v in profit.items()},
            "revenue_price": max(revenue, key=revenue.get), "profit_price": max(profit, key=profit.get)}


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------


def _round_to(x: np.ndarray, step: int) -> np.ndarray:
    return (np.floor(x / step + 0.5) * step).astype(np.int64)


def _survey(rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray, dict]:
    n = N_SURVEY
    shares, medians, sigmas = _segments()
    seg = rng.choice(len(SEGMENTS), size=n, p=shares)
    region = rng.choice(len(REGIONS), size=n)
    wtp = medians[seg] * np.exp(sigmas[seg] * rng.standard_normal(n))
    mult = np.array(list(PSM_MULTIPLES.values()))
    answers = wtp[:, None] * mult[None, :] * np.exp(NOISE_SD * rng.standard_normal((n, 4)))
    answers = _round_to(answers, ROUND_TO)
    ids = np.array([f"R{i:04d}" for i in range(1, n + 1)])
    natural = (np.diff(answers, axis=1) < 0).any(axis=1)
    if natural.any():  # pragma: no cover - the noise is far too small for this
        raise RuntimeError("pricing survey: noise produced non-monotone answers; lower NOISE_SD")
    n_swap = int(round(SWAP_SHARE * n))
    swapped = np.sort(rng.choice(n, size=n_swap, replace=False))
    answers[swapped, 1], answers[swapped, 2] = answers[swapped, 2].copy(), answers[swapped, 1].copy()
    intent_c = rng.choice(5, size=n, p=_INTENT_CHEAP) + 1
    intent_e = rng.choice(5, size=n, p=_INTENT_EXPENSIVE) + 1
    frame = pd.DataFrame({
        "respondent_id": ids, "region": np.array(REGIONS)[region], "segment": np.array(SEGMENTS)[seg],
        **{k: answers[:, j] for j, k in enumerate(PSM_MULTIPLES)},
        "intent_cheap": intent_c, "intent_expensive": intent_e,
    })
    points = psm_truth()
    truth = {
        "product": PRODUCT, "category": PRODUCT_CATEGORY, "n_respondents": n,
        "segments": {s: dict(_SEGMENT_PARAMS[s]) for s in SEGMENTS},
        "wtp_model": "W ~ log-normal: log W ~ N(log(median), sigma^2) within the segment",
        "answer_model": "answer_k = W x multiple_k x exp(e_k), e_k ~ N(0, noise_sd) independent, "
                        "then rounded to the nearest round_to yuan",
        "multiples": dict(PSM_MULTIPLES), "noise_sd": NOISE_SD, "round_to": ROUND_TO,
        "rounding_half_width": ROUND_TO / 2,
        "inconsistent": {
            "rule": "cheap and expensive swapped (respondents chosen at random, independently of W)",
            "count": n_swap, "respondent_ids": ids[swapped].tolist(),
        },
        "points": points,
        "points_note": ("true points of the continuous population curves (before rounding); the "
                        "delta-method SE of an estimated point from n respondents is about "
                        "sqrt(2 x share x (1 - share) / n) / |slope_gap|, plus up to "
                        "rounding_half_width from the rounding of answers"),
        "intent_probabilities": {
            "intent_cheap": dict(zip(range(1, 6), _INTENT_CHEAP, strict=True)),
            "intent_expensive": dict(zip(range(1, 6), _INTENT_EXPENSIVE, strict=True)),
            "note": "drawn independently of W: stated intent only, no calibration to purchase is implied",
        },
    }
    return frame, wtp, truth


def _ladder(rng: np.random.Generator, ids: np.ndarray, wtp: np.ndarray) -> tuple[pd.DataFrame, dict]:
    n = len(ids)
    ladder = np.array(LADDER)
    asked = np.sort(np.argsort(rng.random((n, len(LADDER))), axis=1)[:, :RUNGS_ASKED], axis=1)
    price = ladder[asked]
    buy = (wtp[:, None] >= price).astype(np.int64)
    n_back = int(round(BACKWARD_SHARE * n))
    backward = np.sort(rng.choice(n, size=n_back, replace=False))
    buy[backward] = (np.arange(RUNGS_ASKED) >= RUNGS_ASKED // 2).astype(np.int64)
    frame = pd.DataFrame({"respondent_id": np.repeat(ids, RUNGS_ASKED), "price": price.ravel(),
                          "buy": buy.ravel()})
    truth = {
        **ladder_truth(), "rungs_asked": RUNGS_ASKED,
        "answer_model": "buy = 1 iff W >= price (W of pricing_survey's truth)",
        "inconsistent": {
            "rule": (f"answered backwards: buy only at the {RUNGS_ASKED - RUNGS_ASKED // 2} dearest "
                     "of the prices asked (respondents chosen at random, independently of W)"),
            "count": n_back, "respondent_ids": ids[backward].tolist(),
        },
    }
    return frame, truth


def _conjoint(rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    levels = CONJOINT_LEVELS
    grid = pd.MultiIndex.from_product(
        [levels["brand"], CONJOINT_PRICES, levels["delivery"], levels["warranty_years"]],
        names=["brand", "price", "delivery", "warranty_years"],
    ).to_frame(index=False)
    v = (grid["brand"].map(_PART_WORTHS["brand"]) + grid["delivery"].map(_PART_WORTHS["delivery"])
         + grid["warranty_years"].map(_PART_WORTHS["warranty_years"])
         + PRICE_COEFFICIENT * grid["price"]).to_numpy(dtype=float)
    n_sets = N_CONJOINT * N_TASKS
    # three distinct profiles per task: the first three of a random permutation of the grid
    picks = np.argsort(rng.random((n_sets, len(grid))), axis=1)[:, :N_ALTERNATIVES]
    utility = v[picks] + rng.gumbel(size=picks.shape)
    chosen = (utility == utility.max(axis=1, keepdims=True)).astype(np.int64)
    rows = grid.iloc[picks.ravel()].reset_index(drop=True)
    ids = np.array([f"C{i:04d}" for i in range(1, N_CONJOINT + 1)])
    frame = pd.DataFrame({
        "respondent_id": np.repeat(ids, N_TASKS * N_ALTERNATIVES),
        "task": np.tile(np.repeat(np.arange(1, N_TASKS + 1), N_ALTERNATIVES), N_CONJOINT),
        "alternative": np.tile(np.arange(1, N_ALTERNATIVES + 1), n_sets),
        **{c: rows[c].to_numpy() for c in ("brand", "price", "delivery", "warranty_years")},
        "chosen": chosen.ravel(),
    })
    truth = {
        "product": PRODUCT, "n_respondents": N_CONJOINT, "n_tasks": N_TASKS,
        "n_alternatives": N_ALTERNATIVES,
        "model": ("homogeneous multinomial logit: U = part_worth(brand) + part_worth(delivery) + "
                  "part_worth(warranty_years) + price_coefficient x price + Gumbel(0, 1) error"),
        "coding": {"scheme": "dummy coding, base = first level (part-worth 0)",
                   "levels": {a: list(lv) for a, lv in levels.items()},
                   "base": {a: lv[0] for a, lv in levels.items()},
                   "price": "linear, per yuan", "prices": list(CONJOINT_PRICES)},
        "design": "random: each task shows 3 distinct profiles of the full factorial (135 profiles)",
        "part_worths": {a: {str(k): w for k, w in pw.items()} for a, pw in _PART_WORTHS.items()},
        "price_coefficient": PRICE_COEFFICIENT,
        "wtp": {a: {str(k): -w / PRICE_COEFFICIENT for k, w in pw.items() if w != 0}
                for a, pw in _PART_WORTHS.items()},
        "wtp_note": "WTP of a level = -part_worth / price_coefficient, yuan relative to the base level",
    }
    return frame, truth


def make_pricing_tables(rng: np.random.Generator) -> tuple[dict[str, pd.DataFrame], dict[str, object]]:
    """Simulate ``pricing_survey``, ``price_ladder`` and ``conjoint`` and their truth.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random stream; the result is a deterministic function of its state.

    Returns
    -------
    tables : dict of str to pandas.DataFrame
        The three tables with the columns of :data:`SCHEMAS` in order.
    truth : dict
        Under ``pricing_survey``, ``price_ladder`` and ``conjoint``: every parameter used.

    Examples
    --------
    >>> tables, truth = make_pricing_tables(np.random.default_rng(3))
    >>> {k: len(v) for k, v in tables.items()}
    {'pricing_survey': 1200, 'price_ladder': 4800, 'conjoint': 15000}
    >>> round(truth["conjoint"]["wtp"]["delivery"]["same_day"], 6)
    95.0
    """
    seeds = rng.integers(0, 2**63 - 1, size=3, dtype=np.int64)
    r_survey, r_ladder, r_conjoint = (np.random.default_rng(int(x)) for x in seeds)
    survey, wtp, t_survey = _survey(r_survey)
    ladder, t_ladder = _ladder(r_ladder, survey["respondent_id"].to_numpy(), wtp)
    conjoint, t_conjoint = _conjoint(r_conjoint)
    tables = {"pricing_survey": survey, "price_ladder": ladder, "conjoint": conjoint}
    tables = {name: frame[list(SCHEMAS[name])] for name, frame in tables.items()}
    truth = {"pricing_survey": t_survey, "price_ladder": t_ladder, "conjoint": t_conjoint}
    return tables, truth
