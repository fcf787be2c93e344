"""Exercises and quiz of lesson 01 (market analysis).

Solvers use the lesson's defaults on the default data: the yearly ``market`` table (sizes and
brand revenues by region), the ``competitors`` table and the customer and order tables.
"""

from __future__ import annotations

from typing import Any

from crmlib.exercises._display import QuizQuestion
from crmlib.exercises._exercise import Exercise
from crmlib.exercises._kinds import Number

__all__ = ["EXERCISES", "QUIZ"]


def _cagr(data: Any, *, region: str = "South") -> float:
    import crmlib.market as mk

    return float(mk.market_growth(data.market).table.loc[region, "cagr"])


def _hhi(data: Any, *, region: str = "East") -> float:
    import crmlib.market as mk

    shares = mk.market_shares(data.market)
    last = shares[(shares["region"] == region) & (shares["year"] == shares["year"].max())]
    return float(mk.hhi(last["share"]))


def _cramers_v(data: Any, *, factor: str = "age_band", category: str = "electronics") -> float:
    import crmlib.market as mk

    buys = mk.customer_categories(data.orders, data.order_lines, data.products)
    res = mk.association_tests(data.customers, buys, factors=factor, categories=[category])
    return float(res.table["cramers_v"].iloc[0])


_MK = "import crmlib.market as mk\n"

EXERCISES = (
    Exercise(
        id="01.1",
        title="The growth of the South market",
        prompt=(
            "What is the compound annual growth rate (CAGR) of the South market over the years "
            "of the `market` table? Give it as a fraction with 4 decimals (0.0123 for 1.23% a "
            "year) and state the period it covers."
        ),
        kind=Number("the CAGR as a fraction", atol=0.00005, decimals=4,
                    close_hint="a CAGR is per year: (last / first) ** (1 / years) - 1"),
        hints=("`mk.market_growth(data.market).table` has one row per region.",),
        solution=(
            "CAGR = (size in the last year / size in the first year) ** (1 / number of years) "
            "- 1; with three yearly sizes the period is two years, which the table states."
        ),
        code=_MK + "answer = round(mk.market_growth(data.market).table.loc['South', 'cagr'], 4)\n",
        solver=_cagr,
        params={"region": "South"},
        tolerance="Rounded to 4 decimal places: 0.00005 (the computation is exact).",
    ),
    Exercise(
        id="01.2",
        title="How concentrated is the East market?",
        prompt=(
            "Compute the Herfindahl-Hirschman index (HHI, 0-10,000 scale) of the East market in "
            "the last year, from the brands' revenue shares. Give it to 1 decimal. Is the "
            "market unconcentrated, moderately or highly concentrated on the thresholds of "
            "section 2?"
        ),
        kind=Number("the HHI on the 0-10,000 scale", atol=0.05, decimals=1, close_rel=0.02,
                    close_hint="use shares in per cent (0-100) before squaring, not fractions"),
        hints=("`mk.market_shares(data.market)`, keep East and the last year, then "
               "`mk.hhi(last['share'])`.",),
        solution=(
            "HHI = sum of the squared shares in per cent. Above 1,800 (the thresholds used in "
            "the lesson) a market counts as highly concentrated: a few large rivals, so share "
            "is won from them, not from a fringe."
        ),
        code=_MK + "shares = mk.market_shares(data.market)\n"
                   "last = shares[(shares['region'] == 'East') & "
                   "(shares['year'] == shares['year'].max())]\n"
                   "answer = round(mk.hhi(last['share']), 1)\n",
        solver=_hhi,
        params={"region": "East"},
        tolerance="Rounded to 1 decimal place: 0.05 (the computation is exact).",
    ),
    Exercise(
        id="01.3",
        title="Does age tell who buys electronics?",
        prompt=(
            "Test the association of `age_band` with buying `electronics` (bought at least once "
            "or not), as section 5 does. What is Cramér's V? Give it with 3 decimals and say in "
            "one sentence, for a manager, whether age is a useful targeting variable for "
            "electronics."
        ),
        kind=Number("Cramér's V, between 0 and 1", atol=0.0005, decimals=3,
                    close_hint="the outcome is bought / not bought per customer, from completed "
                               "orders"),
        hints=("`mk.association_tests(data.customers, buys, factors='age_band', "
               "categories=['electronics'])` with `buys = mk.customer_categories(...)`.",),
        solution=(
            "V near 0.1 is a small association and 0.3 a medium one: age shifts the share who "
            "buy electronics by a few points, so it helps to rank a list but does not define a "
            "target group on its own."
        ),
        code=_MK + "buys = mk.customer_categories(data.orders, data.order_lines, data.products)\n"
                   "res = mk.association_tests(data.customers, buys, factors='age_band', "
                   "categories=['electronics'])\n"
                   "answer = round(res.table['cramers_v'].iloc[0], 3)\n",
        solver=_cramers_v,
        params={"factor": "age_band", "category": "electronics"},
        tolerance="Rounded to 3 decimal places: 0.0005 (the test is deterministic).",
    ),
    Exercise(
        id="01.4",
        title="Change the ranking rule",
        prompt=(
            "The decision of section 9 ranks region x segment cells by size, growth, headroom "
            "and competitive intensity with equal weights. A finance director says only size "
            "matters. Rerun `mk.rank_opportunities` with `weights={'size': 1}` (the others 0): "
            "which cell moves most, and what does the director's rule ignore?"
        ),
        kind=None,
        hints=("Compare the `rank` columns of the two tables; look at the fast-growing small "
               "region.",),
        solution=(
            "A size-only rule ranks the big, slow markets first and drops the small, fast ones "
            "(West grows about twice as fast as the company's markets on average): it values "
            "today's volume and ignores where volume will be, how much share is left to win "
            "and how strong the leading rival is."
        ),
    ),
)

QUIZ = (
    QuizQuestion(
        key="q1",
        text="What is the Herfindahl-Hirschman index (HHI)?",
        choices=(("a", "the share of the largest firm times 100"),
                 ("b", "the sum of the squared market shares, in per cent"),
                 ("c", "the share of the four largest firms"),
                 ("d", "the growth of the market per year")),
        salt="01q1a7c3e9d1",
        digest="5ec4868229c7df0f36ac211f825546362fb49c75696248e4706e036320219e81",
        hint="It gives large firms more weight than their share alone.",
    ),
    QuizQuestion(
        key="q2",
        text="Section 5 runs many chi-square tests at once. How should their p-values be read?",
        choices=(("a", "the test with the smallest p-value is always the most important"),
                 ("b", "every test with p < 0.05 is a finding"),
                 ("c", "with many tests some small p-values arise by chance, so the p-values "
                       "are adjusted (Holm) before reading them"),
                 ("d", "chi-square tests need normal data")),
        salt="01q2a7c3e9d1",
        digest="55c5955be68b9296c256646df386c9c47936031383776d0d158a5d37eb3dd19e",
        hint="Twenty tests of nothing at 5% give about one false finding.",
    ),
    QuizQuestion(
        key="q3",
        text="A forecast's MASE is below 1. Better than which benchmark?",
        choices=(("a", "the seasonal-naive forecast: the same week one season earlier"),
                 ("b", "the mean of the whole history"),
                 ("c", "the last observed value"),
                 ("d", "a straight-line trend")),
        salt="01q3a7c3e9d1",
        digest="0d54a0bb7b201f173e0936ac30616ff5e808144d1eaf3821d4fe8941c7ee6906",
        hint="MASE divides by the in-sample error of a forecast that repeats last season.",
    ),
)
