"""Exercises and quiz of lesson 05 (promotion evaluation).

Solvers use the lesson's defaults on the default data: the campaigns of all regions, the
analysis frame of :func:`crmlib.promotion.campaign_units` (90 pre-send days), two-sided
``alpha = 0.05`` and power 0.8, the store panel read on log sales.
"""

from __future__ import annotations

from typing import Any

from crmlib.exercises._display import QuizQuestion
from crmlib.exercises._exercise import Exercise
from crmlib.exercises._kinds import Number

__all__ = ["EXERCISES", "QUIZ"]


def _mde(data: Any, *, campaign: str = "CMP03") -> float:
    import crmlib.promotion as pm

    rows = data.campaigns[data.campaigns["campaign_id"] == campaign]
    control = rows[rows["group"] == "control"]
    n_t = int((rows["group"] == "treatment").sum())
    return 100 * float(pm.minimum_detectable_effect(len(control), n_t,
                                                    baseline=float(control["converted"].mean())))


def _did_percent(data: Any, *, region_out: str = "South") -> float:
    import crmlib.promotion as pm

    panel = data.store_weekly_sales
    part = panel[panel["region"] != region_out]
    res = pm.diff_in_diff(part, "sales", unit="store_id", treated="promoted", post="post", log=True)
    return 100 * res.percent


def _peeking(data: Any, *, looks: int = 10) -> float:
    import crmlib.promotion as pm

    return 100 * float(pm.peeking_false_positive_rate(looks))


def _member_uplift(data: Any, *, campaign: str = "CMP04") -> float:
    import crmlib.promotion as pm

    u = pm.campaign_units(data.campaigns, data.customers, data.orders, campaign)
    table = pm.uplift_by_segment(u, "converted", treatment="treated", segment="loyalty_member")
    return 100 * float(table.loc[True, "uplift"])


_DATA = "import crmlib.promotion as pm\n"

EXERCISES = (
    Exercise(
        id="05.1",
        title="The effect CMP03 could have detected",
        prompt=(
            "CMP03 (the double-points app push) found no significant uplift. What was the "
            "minimum detectable effect of its test, in percentage points of conversion, for "
            "its arm sizes, the control's conversion rate, a two-sided level of 0.05 and 80% "
            "power? Give it with 2 decimals. Would you call the campaign a failure?"
        ),
        kind=Number("the minimum detectable effect in percentage points (e.g. 2.5)", atol=0.005,
                    decimals=2, close_hint="use the control arm's conversion rate as the "
                                           "baseline and both arms' sizes"),
        hints=("`pm.minimum_detectable_effect(n_control, n_treatment, baseline=...)` gives a "
               "share; multiply by 100.",),
        solution=(
            "The test could detect only effects of about the size computed; the true uplift of "
            "a double-points push may well be smaller. 'Not significant' here means 'too small "
            "a test for an effect this size', not 'no effect': retest with more customers, "
            "or accept that the effect is below what matters."
        ),
        code=_DATA + "rows = data.campaigns[data.campaigns['campaign_id'] == 'CMP03']\n"
                     "control = rows[rows['group'] == 'control']\n"
                     "n_t = int((rows['group'] == 'treatment').sum())\n"
                     "answer = round(100 * pm.minimum_detectable_effect(len(control), n_t, "
                     "baseline=control['converted'].mean()), 2)\n",
        solver=_mde,
        params={"campaign": "CMP03"},
        tolerance="Rounded to 2 decimal places: 0.005 (the formula is deterministic).",
    ),
    Exercise(
        id="05.2",
        title="The store promotion without the South",
        prompt=(
            "Leave the South's stores out of the store panel and estimate the promotion's "
            "effect again by difference-in-differences on log sales (store means before and "
            "after). What is the effect in percent? Give it with 2 decimals, and say what a "
            "much smaller number would have told you about the South."
        ),
        kind=Number("the effect on sales in percent (e.g. 4.25)", atol=0.005, decimals=2,
                    close_hint="log=True, and give exp(effect) - 1 in percent"),
        hints=("`pm.diff_in_diff(part, 'sales', unit='store_id', treated='promoted', "
               "post='post', log=True).percent`",),
        solution=(
            "The estimate rests on East's stores alone for the treated group. A clearly "
            "different number would mean the effect differs by region (the South's stores "
            "responded differently), which a single average hides."
        ),
        code=_DATA + "panel = data.store_weekly_sales\n"
                     "part = panel[panel['region'] != 'South']\n"
                     "res = pm.diff_in_diff(part, 'sales', unit='store_id', treated='promoted', "
                     "post='post', log=True)\n"
                     "answer = round(100 * res.percent, 2)\n",
        solver=_did_percent,
        params={"region_out": "South"},
        tolerance="Rounded to 2 decimal places: 0.005 (the estimate is deterministic).",
    ),
    Exercise(
        id="05.3",
        title="Ten looks at an A/A test",
        prompt=(
            "With the default simulation of section 4 (seed 0), how often is an A/A test "
            "(no effect) declared significant at the 0.05 level when it is checked at 10 "
            "equally spaced looks with the fixed boundary? Give the rate in percent with 1 "
            "decimal."
        ),
        kind=Number("the false positive rate in percent (e.g. 12.3)", atol=0.05, decimals=1,
                    close_hint="10 looks, alpha 0.05, the default simulations and seed"),
        hints=("`pm.peeking_false_positive_rate(10)` gives a share.",),
        solution=(
            "Every look is one more chance for a random walk to cross 1.96: with ten looks "
            "the error is several times the nominal five per cent. Group-sequential "
            "boundaries spend the five per cent over the looks instead."
        ),
        code=_DATA + "answer = round(100 * pm.peeking_false_positive_rate(10), 1)\n",
        solver=_peeking,
        params={"looks": 10},
        tolerance="Rounded to 1 decimal place: 0.05 (the simulation is seeded).",
    ),
    Exercise(
        id="05.4",
        title="Does the win-back e-mail work on loyalty members?",
        prompt=(
            "For CMP04 (the autumn win-back e-mail), what is the uplift in conversion among "
            "the loyalty-programme members (`loyalty_member` true), in percentage points? "
            "Give it with 2 decimals, and compare it with the non-members'."
        ),
        kind=Number("the uplift in percentage points (e.g. 3.10)", atol=0.005, decimals=2,
                    close_hint="compare treated and control within the members only"),
        hints=("`pm.uplift_by_segment(units, 'converted', treatment='treated', "
               "segment='loyalty_member')` on `pm.campaign_units(...)` for CMP04.",),
        solution=(
            "Read the two rows with their intervals: if they overlap widely the test cannot "
            "tell the groups apart, whatever the point estimates say."
        ),
        code=_DATA + "u = pm.campaign_units(data.campaigns, data.customers, data.orders, 'CMP04')\n"
                     "table = pm.uplift_by_segment(u, 'converted', treatment='treated', "
                     "segment='loyalty_member')\n"
                     "answer = round(100 * table.loc[True, 'uplift'], 2)\n",
        solver=_member_uplift,
        params={"campaign": "CMP04"},
        tolerance="Rounded to 2 decimal places: 0.005 (the counts are exact).",
    ),
    Exercise(
        id="05.5",
        title="Spend among purchasers",
        prompt=(
            "A colleague reports that the coupon e-mail did not raise spend, because purchasers "
            "in both arms spent about the same per order. What is wrong with the comparison, "
            "and what would you report instead?"
        ),
        kind=None,
        hints=("Who is a purchaser in the treated arm who would not be one in the control?",),
        solution=(
            "Purchasing is an outcome of the treatment, so purchasers-only groups are no longer "
            "randomised: the treated purchasers include marginal buyers the offer pulled in, "
            "who tend to spend less. Report spend per targeted customer (which is conversion "
            "rate x spend per purchaser), compared between the randomised arms."
        ),
    ),
)

QUIZ = (
    QuizQuestion(
        key="q1",
        text="A sample-ratio mismatch means",
        choices=(("a", "the treatment worked better than planned"),
                 ("b", "the test needs a Bonferroni correction"),
                 ("c", "the arms' sizes differ from the planned split more than chance allows, "
                       "so randomisation or logging is broken"),
                 ("d", "the control group was too small")),
        salt="59a9df640612e662",
        digest="887a69db53dc50a03da9328020e37d6a4461453df55e6070707a4e752f7d4b39",
        hint="It is checked before any difference is read.",
    ),
    QuizQuestion(
        key="q2",
        text="An A/A test checked at five equally spaced looks with the fixed 1.96 boundary "
             "declares a winner in",
        choices=(("a", "5% of tests"),
                 ("b", "about 14%: each extra look is another chance to cross the boundary"),
                 ("c", "half of the tests"),
                 ("d", "no test, since there is no effect")),
        salt="702ef4d18caf031e",
        digest="52210163c0167b90513ac91eb6fed343ce05e83fbc158f6ce9490cba1f89f6f9",
        hint="Run pm.peeking_false_positive_rate(5).",
    ),
    QuizQuestion(
        key="q3",
        text="On a Qini plot, the diagonal is",
        choices=(("a", "random targeting: the straight line from nothing to the whole "
                       "campaign's incremental outcome"),
                 ("b", "the best possible model"),
                 ("c", "the control group's conversions"),
                 ("d", "the break-even line of the contact cost")),
        salt="61ea9687d8f53dd7",
        digest="be68ccbe363714555c76a453ee52426de42ccf9a1e262ab322d7ad48526d26a7",
        hint="What does targeting a share s at random earn, on average?",
    ),
)
