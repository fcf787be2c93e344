"""Exercises and quiz of lesson 07 (customer satisfaction).

Solvers use the lesson's defaults on the default data: every respondent of the survey (all
regions), scale scores as the mean of a scale's items, complete rows only, no bootstrap.
"""

from __future__ import annotations

from typing import Any

from crmlib.exercises._display import QuizQuestion
from crmlib.exercises._exercise import Exercise
from crmlib.exercises._kinds import Number

__all__ = ["EXERCISES", "QUIZ", "scales_of"]


def scales_of(survey: Any) -> dict[str, list[str]]:
    """The item columns of each driver scale of the default survey (``q_<driver>_<n>``)."""
    out: dict[str, list[str]] = {}
    for c in survey.columns:
        if c.startswith("q_"):
            out.setdefault(c.split("_")[1], []).append(c)
    return out


def _alpha(data: Any, *, scale: str = "service") -> float:
    import crmlib.satisfaction as sat

    return float(sat.cronbach_alpha(data.survey, scales_of(data.survey)[scale]).alpha)


def _nps_margin(data: Any, *, alpha: float = 0.05) -> float:
    import crmlib.satisfaction as sat

    r = sat.nps(data.survey["nps"], alpha=alpha)
    return float((r.high - r.low) / 2)


def _shapley_share(data: Any, *, driver: str = "delivery") -> float:
    import crmlib.satisfaction as sat

    s = data.survey.copy()
    scales = scales_of(s)
    for d, items in scales.items():
        s[d] = s[items].mean(axis=1)
    kd = sat.key_drivers(s, "overall_satisfaction", list(scales), n_boot=0)
    return 100 * float(kd.table.loc[driver, "shapley_share"])


def _odds_ratio(data: Any, *, outcome: str = "repurchased_90d") -> float:
    import crmlib.satisfaction as sat

    return float(sat.loyalty_model(data.survey, outcome).table.iloc[1]["odds_ratio"])


_DATA = "import crmlib.satisfaction as sat\n"
_SCALES = "scales = {d: [c for c in data.survey.columns if c.startswith(f'q_{d}_')] for d in ['quality', 'value', 'service', 'delivery', 'digital']}\n"

EXERCISES = (
    Exercise(
        id="07.1",
        title="How reliable is the service scale?",
        prompt=(
            "Compute Cronbach's alpha of the three service items (`q_service_1` to `q_service_3`) on "
            "the respondents who answered all three. Give it with 3 decimals. Which item would you "
            "drop to raise it, if any?"
        ),
        kind=Number("alpha, a number below 1 (e.g. 0.812)", atol=0.0005, decimals=3,
                    close_hint="complete rows of the three service items only"),
        hints=("`sat.cronbach_alpha(survey, items)` returns an object with `.alpha`.",),
        solution=(
            "Alpha is about 0.78: reliable enough to compare groups. Dropping any item lowers it "
            "(alpha-if-item-deleted is below alpha for every item), so all three stay."
        ),
        code=_DATA + "items = ['q_service_1', 'q_service_2', 'q_service_3']\n"
                     "answer = round(sat.cronbach_alpha(data.survey, items).alpha, 3)\n",
        solver=_alpha,
        params={"scale": "service"},
        tolerance="Rounded to 3 decimal places: 0.0005 (alpha is exact arithmetic on the answers).",
    ),
    Exercise(
        id="07.2",
        title="The NPS and its margin of error",
        prompt=(
            "What is the margin of error (half-width of the 95% interval) of the survey's NPS, in "
            "points? Give it with 2 decimals. Would a 2-point rise next quarter, on a survey of the "
            "same size, be news?"
        ),
        kind=Number("the half-width in NPS points (e.g. 3.21)", atol=0.005, decimals=2,
                    close_hint="the variance of a difference of two multinomial shares, not of one share"),
        hints=("`sat.nps(survey['nps'])` has `.low` and `.high`; the variance is "
               "(p_P + p_D - (p_P - p_D)^2) / n.",),
        solution=(
            "About 2.9 points at n = 3,000. A 2-point change is inside the noise of one survey, and "
            "the difference of two independent surveys has an even wider interval (about 1.4 times): "
            "it would not be news."
        ),
        code=_DATA + "r = sat.nps(data.survey['nps'])\nanswer = round((r.high - r.low) / 2, 2)\n",
        solver=_nps_margin,
        params={"alpha": 0.05},
        tolerance="Rounded to 2 decimal places: 0.005 (closed form, exact).",
    ),
    Exercise(
        id="07.3",
        title="Delivery's share of the explained variance",
        prompt=(
            "Score each driver as the mean of its items and regress overall satisfaction on the five "
            "scores (complete rows). What share of R² does the Shapley (LMG) decomposition give to "
            "delivery, in percent? Give it with 2 decimals, and compare it with delivery's share of "
            "the standardised coefficients."
        ),
        kind=Number("the share of R² in percent (e.g. 12.34)", atol=0.005, decimals=2,
                    close_hint="the Shapley value over R², on the five scale means"),
        hints=("`sat.key_drivers(frame, 'overall_satisfaction', drivers, n_boot=0).table` has "
               "`shapley_share`.",),
        solution=(
            "About 9%: delivery is the fourth driver. Its Shapley share credits it with part of the "
            "variance it shares with the correlated service scale; the standardised coefficient gives "
            "that shared part to neither."
        ),
        code=_DATA + _SCALES + "s = data.survey.copy()\nfor d, items in scales.items():\n"
                     "    s[d] = s[items].mean(axis=1)\n"
                     "kd = sat.key_drivers(s, 'overall_satisfaction', list(scales), n_boot=0)\n"
                     "answer = round(100 * kd.table.loc['delivery', 'shapley_share'], 2)\n",
        solver=_shapley_share,
        params={"driver": "delivery"},
        tolerance="Rounded to 2 decimal places: 0.005 (the decomposition is exact).",
    ),
    Exercise(
        id="07.4",
        title="Satisfaction and repurchase",
        prompt=(
            "Fit the lesson's logistic model of `repurchased_90d` on overall satisfaction (centred "
            "at 7) with the resolved and unresolved complaint indicators. By what factor does one "
            "more point of satisfaction multiply the odds of buying again? Give the odds ratio with "
            "2 decimals."
        ),
        kind=Number("the odds ratio (e.g. 1.23)", atol=0.005, decimals=2,
                    close_hint="exp of the satisfaction coefficient, with the complaint terms in the model"),
        hints=("`sat.loyalty_model(survey, 'repurchased_90d').table` has an `odds_ratio` column.",),
        solution=(
            "About 1.54: each point multiplies the odds by roughly one and a half — the generator's "
            "0.45 on the log-odds scale, recovered within its standard error."
        ),
        code=_DATA + "lm = sat.loyalty_model(data.survey, 'repurchased_90d')\n"
                     "answer = round(lm.table.iloc[1]['odds_ratio'], 2)\n",
        solver=_odds_ratio,
        params={"outcome": "repurchased_90d"},
        tolerance="Rounded to 2 decimal places: 0.005 (the maximum-likelihood fit is deterministic).",
    ),
    Exercise(
        id="07.5",
        title="Is there a service-recovery paradox?",
        prompt=(
            "Customers whose complaint was resolved recommend the firm less than customers who never "
            "complained. Does that prove that resolving complaints is useless? What comparison would "
            "tell you what resolution is worth?"
        ),
        kind=None,
        hints=("Compare resolved with unresolved complaints, at the same satisfaction score.",),
        solution=(
            "No. Complaints arise where the experience was worse, so complainers start lower; the "
            "paradox (recovered customers above those with no problem) does not hold here. The worth "
            "of resolution is the gap between resolved and unresolved complaints at the same "
            "satisfaction score — about 1.6 NPS-scale points in the default data — and ideally a "
            "randomised change in the complaint process."
        ),
    ),
)

QUIZ = (
    QuizQuestion(
        key="q1",
        text="A scale's Cronbach's alpha rises when",
        choices=(("a", "its items correlate more strongly with each other, or it gets more such items"),
                 ("b", "the answers are more often missing"),
                 ("c", "its items measure different things"),
                 ("d", "the sample is larger")),
        salt="5e2b91c7d40a6f13",
        digest="60756dc4d51ce1565bcae745ffa754f3c77014ef8ec9fd9915e32f9afe800aef",
        hint="Alpha is about the items' shared variance.",
    ),
    QuizQuestion(
        key="q2",
        text="An NPS of +11 from 3,000 answers and +9 from the previous 3,000 shows",
        choices=(("a", "a clear improvement of 2 points"),
                 ("b", "a change well inside the sampling error of two surveys of that size"),
                 ("c", "a fall, because passives grew"),
                 ("d", "nothing, because NPS has no sampling error")),
        salt="a03f7d19c5e8b246",
        digest="e710b9e4bd5b5a1b26a85658ba326b9376fcc5f324f9d2361b35f680223d46bd",
        hint="Each NPS has a margin of error of about 3 points here.",
    ),
    QuizQuestion(
        key="q3",
        text="With correlated drivers, the best guide to their importance is",
        choices=(("a", "the raw regression coefficients"),
                 ("b", "the p-values"),
                 ("c", "a decomposition of R² such as relative weights or Shapley values"),
                 ("d", "the drivers' means")),
        salt="c7194e0b2fd5a863",
        digest="ce591fdc519b87fdc8851a5b2acc85b415fb19ab8c6bd5960ecf1de197a75d70",
        hint="Which method shares the variance that drivers explain together?",
    ),
)
