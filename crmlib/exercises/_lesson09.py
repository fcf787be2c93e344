"""Exercises and quiz of lesson 09 (the marketing plan).

Solvers use the lesson's defaults on the default data: completed orders, the plan for 2026
made on the last week of 2025 (as of 2025-12-28), 90% model ranges.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Any

from crmlib.exercises._display import QuizQuestion
from crmlib.exercises._exercise import Exercise
from crmlib.exercises._kinds import Number

__all__ = ["EXERCISES", "QUIZ"]

_AS_OF = "2025-12-28"


def _region_revenue(data: Any, *, region: str = "East", as_of: str = _AS_OF) -> float:
    import crmlib.plan as pl

    orders = data.orders[data.orders["region"] == region]
    return pl.revenue_outlook(orders, as_of=as_of).baseline / 1e6


def _retention(data: Any, *, as_of: str = _AS_OF) -> float:
    import crmlib.plan as pl

    return 100 * pl.retention_outlook(data.orders, as_of=as_of).baseline


def _p_miss(data: Any, *, ci: float = 0.9) -> float:
    return 100 * NormalDist().cdf(NormalDist().inv_cdf((1 + ci) / 2))


_DATA = "import crmlib.plan as pl\n"

EXERCISES = (
    Exercise(
        id="09.1",
        title="The East's revenue baseline",
        prompt=(
            "What was the completed revenue of the East region's orders over the 52 weeks to "
            "28 December 2025 — the baseline of its 2026 revenue target — in millions of yuan? "
            "Give it with 2 decimals."
        ),
        kind=Number("the revenue in millions of yuan (e.g. 2.35)", atol=0.005, decimals=2,
                    close_hint="completed orders of the East only, the 52 weeks up to 2025-12-28"),
        hints=("`pl.revenue_outlook(orders_of_the_east, as_of='2025-12-28').baseline` is in yuan.",),
        solution=(
            "The baseline is what the region sold in the last year; its target adds what the "
            "forecast expects, so the two together show whether the plan asks for growth or "
            "holds a decline."
        ),
        code=_DATA + "east = data.orders[data.orders['region'] == 'East']\n"
                     "answer = round(pl.revenue_outlook(east, as_of='2025-12-28').baseline / 1e6, 2)\n",
        solver=_region_revenue,
        params={"region": "East", "as_of": _AS_OF},
        tolerance="Rounded to 2 decimal places: 0.005 (a sum of recorded amounts).",
    ),
    Exercise(
        id="09.2",
        title="How many of 2024's buyers came back?",
        prompt=(
            "Of the customers who bought in the 52 weeks before 2024-12-29, what share bought "
            "again in the 52 weeks after (to 2025-12-28)? Give it in percent with 1 decimal: it "
            "is the baseline of the 2026 retention target."
        ),
        kind=Number("the share in percent (e.g. 61.2)", atol=0.05, decimals=1,
                    close_hint="buyers of the earlier year who also bought in the later one, over the earlier year's buyers"),
        hints=("`pl.retention_outlook(data.orders, as_of='2025-12-28').baseline` is a share.",),
        solution=(
            "This is what happened, not a model: the 2026 target sets the model's expectation "
            "beside it, and the 2025 plan's dashboard shows how far the model's expectation for "
            "2025 was from this number."
        ),
        code=_DATA + "answer = round(100 * pl.retention_outlook(data.orders, as_of='2025-12-28').baseline, 1)\n",
        solver=_retention,
        params={"as_of": _AS_OF},
        tolerance="Rounded to 1 decimal place: 0.05 (counts of customers).",
    ),
    Exercise(
        id="09.3",
        title="A stretch target's risk",
        prompt=(
            "A target is set at the optimistic end of its model's 90% range. Reading the range "
            "as the central interval of a normal outcome, how likely is the target to be "
            "missed? Give the probability in percent with 1 decimal."
        ),
        kind=Number("the probability in percent (e.g. 50.0)", atol=0.05, decimals=1,
                    close_hint="the upper end of a central 90% interval leaves how much above it?"),
        hints=("`pl.risk_register` computes it; or think of the tails of a central 90% interval.",),
        solution=(
            "The optimistic end of a central 90% interval is exceeded 5% of the time, so the "
            "target is missed 95% of the time: a stretch target at that end is a near-certain "
            "miss, and a dashboard (and incentive) built on it would be red most of the year."
        ),
        code="from statistics import NormalDist\n"
             "answer = round(100 * NormalDist().cdf(NormalDist().inv_cdf(0.95)), 1)\n",
        solver=_p_miss,
        params={"ci": 0.9},
        tolerance="Rounded to 1 decimal place: 0.05 (a closed form).",
    ),
    Exercise(
        id="09.4",
        title="Reading a red dashboard",
        prompt=(
            "Run the plan with year = 2025. Which targets end red, and what would you change in "
            "the way the 2026 plan sets its targets and ranges?"
        ),
        kind=None,
        hints=("Compare each red KPI's actual value with the model's range: was the range too narrow?",),
        solution=(
            "A target at the model's expectation that ends beyond the pessimistic end means the "
            "range left something out: the parameters' uncertainty, a change in the customer "
            "base (fewer new customers, an ageing base), or a trend the forecast extrapolated. "
            "Widen the ranges (bootstrap the models, backtest the forecast) and keep the target "
            "at the expectation until the owners trust the models."
        ),
    ),
)

QUIZ = (
    QuizQuestion(
        key="q1",
        text="In a SMART target, 'achievable' is checked here by",
        choices=(("a", "asking the owner whether they agree"),
                 ("b", "the target lying inside the range the lesson's model expects"),
                 ("c", "a target 10% above last year"),
                 ("d", "the budget being large enough")),
        salt="4c2a91e07d3b5f68",
        digest="39e38bc480d90b261b3128c202fe7b6657d0d382164c75721d37fc3bcbe712c1",
        hint="What does plan_targets refuse?",
    ),
    QuizQuestion(
        key="q2",
        text="An amber status on the dashboard means",
        choices=(("a", "the KPI is beyond the pessimistic end of its range"),
                 ("b", "there is no data yet"),
                 ("c", "the target is met"),
                 ("d", "the KPI is short of its target but within the model's range: watch it")),
        salt="e85f0b2c19a7d463",
        digest="0290664126be0725e42bf0e8bca541c5f498cdcd86987ca8ab2efb9735d63f85",
        hint="Between the green threshold and the red one.",
    ),
    QuizQuestion(
        key="q3",
        text="A target set at the model's central expectation is missed",
        choices=(("a", "about half the time"),
                 ("b", "almost never"),
                 ("c", "5% of the time"),
                 ("d", "only if the model is wrong")),
        salt="91d3f6a4e20c8b57",
        digest="bade76962af82cc384427300dcb0918783a7caa805b18cf5ef96d393de4939c9",
        hint="The expectation is the middle of the outcome's distribution.",
    ),
)
