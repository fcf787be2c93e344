"""Exercises and quiz of lesson 04 (pricing).

Solvers use the lesson's defaults on the default data: the weekly ``price_panel``, the
controlled elasticity of :func:`crmlib.pricing.fit_elasticity` with its defaults (competitor
price, feature, display, trend, seasonality, festival weeks, region fixed effects, errors
clustered by week), the whole company (all regions) unless an exercise names a region.
"""

from __future__ import annotations

from typing import Any

from crmlib.exercises._display import QuizQuestion
from crmlib.exercises._exercise import Exercise
from crmlib.exercises._kinds import Number

__all__ = ["EXERCISES", "QUIZ"]


def _no_competitor_elasticity(data: Any, *, category: str = "baby") -> float:
    import crmlib.pricing as pr

    fit = pr.fit_elasticity(data.price_panel, log_controls=())
    return float(fit.elasticities.loc[category, "elasticity"])


def _markup_ratio(data: Any, *, category: str = "apparel") -> float:
    import crmlib.pricing as pr

    e = float(pr.fit_elasticity(data.price_panel).elasticities.loc[category, "elasticity"])
    return float(pr.markup_price(e, 1.0))


def _price_index(data: Any, *, category: str = "electronics", region: str = "West") -> float:
    import crmlib.pricing as pr

    panel = data.price_panel
    part = panel[(panel["category"] == category) & (panel["region"] == region)]
    return float(pr.price_index(part, by=None, weight_col="units").loc["all", "price_index"])


def _naive_bias(data: Any, *, category: str = "electronics") -> float:
    import crmlib.pricing as pr

    table = pr.compare_elasticities(pr.naive_elasticity(data.price_panel),
                                    pr.fit_elasticity(data.price_panel))
    return float(table.loc[category, "naive_minus_controlled"])


def _psm_lower(data: Any) -> float:
    import crmlib.pricing as pr

    return float(pr.van_westendorp(data.pricing_survey, invalid="drop").acceptable_range[0])


def _conjoint_wtp(data: Any, *, attribute: str = "delivery", level: Any = "same_day") -> float:
    import crmlib.pricing as pr

    fit = pr.fit_conjoint(data.conjoint, attributes=["brand", "delivery", "warranty_years"],
                          base={"brand": "Our retailer"})
    return float(fit.wtp.loc[(attribute, level), "wtp"])


_FIT = "import crmlib.pricing as pr\npanel = data.price_panel\n"

EXERCISES = (
    Exercise(
        id="04.1",
        title="Elasticity of baby products without the competitor price",
        prompt=(
            "Refit the controlled model of section 3 without the competitor price "
            "(`log_controls=()`, every other control kept). What is the own-price elasticity "
            "of the `baby` category? Give it with 3 decimals, then say why it moves in the "
            "direction it does (competitor prices follow the same supplier costs as ours)."
        ),
        kind=Number("the elasticity, a negative number", atol=0.0005, decimals=3,
                    close_hint="check that only the competitor price was left out and that "
                               "the fit covers all regions"),
        hints=("`pr.fit_elasticity(panel, log_controls=())` and the row `baby` of its "
               "`elasticities`.",),
        solution=(
            "Our price and the competitors' move together (both follow supplier costs), and "
            "a higher competitor price raises our demand. Leaving it out lets our own price "
            "take part of that positive effect, so the elasticity moves towards zero — "
            "another omitted-variable bias, smaller than the one of the naive fit."
        ),
        code=_FIT + "fit = pr.fit_elasticity(panel, log_controls=())\n"
                    "answer = round(fit.elasticities.loc['baby', 'elasticity'], 3)\n",
        solver=_no_competitor_elasticity,
        params={"category": "baby"},
        tolerance="Rounded to 3 decimal places: 0.0005 (the fit is deterministic).",
    ),
    Exercise(
        id="04.2",
        title="The markup rule for apparel",
        prompt=(
            "With the controlled elasticity of `apparel` from section 3, what price does the "
            "markup rule recommend, as a multiple of unit cost (price / cost)? Give it with 3 "
            "decimals. What gross margin (price - cost) / price does it imply?"
        ),
        kind=Number("the optimal price as a multiple of unit cost (e.g. 1.5)", atol=0.0005,
                    decimals=3, close_hint="the rule is e / (1 + e) with the controlled, "
                                           "not the naive, elasticity"),
        hints=("`pr.markup_price(e, 1.0)` gives the price for a unit cost of 1.",),
        solution=(
            "The markup rule is p / c = e / (1 + e); the implied margin (p - c) / p is -1 / e, "
            "the Lerner index. A more elastic category gets a smaller markup."
        ),
        code=_FIT + "e = pr.fit_elasticity(panel).elasticities.loc['apparel', 'elasticity']\n"
                    "answer = round(pr.markup_price(e, 1.0), 3)\n",
        solver=_markup_ratio,
        params={"category": "apparel"},
        tolerance="Rounded to 3 decimal places: 0.0005 (the fit is deterministic).",
    ),
    Exercise(
        id="04.3",
        title="Price index of electronics in the West",
        prompt=(
            "What is the units-weighted competitor price index (parity = 100) of `electronics` "
            "in region `West` over the whole panel? Give it with 1 decimal. Are we cheaper or "
            "dearer than the competitors there?"
        ),
        kind=Number("the price index, parity = 100", atol=0.05, decimals=1,
                    close_hint="weight by units and keep only electronics in the West"),
        hints=("Filter the panel, then `pr.price_index(part, by=None, weight_col='units')`.",),
        solution=(
            "The index is 100 x the units-weighted sum of our prices over the same sum of the "
            "competitors' prices; below 100 we are cheaper on what customers actually buy."
        ),
        code=_FIT + "part = panel[(panel['category'] == 'electronics') & (panel['region'] == 'West')]\n"
                    "answer = round(pr.price_index(part, by=None, weight_col='units')"
                    ".loc['all', 'price_index'], 1)\n",
        solver=_price_index,
        params={"category": "electronics", "region": "West"},
        tolerance="Rounded to 1 decimal place: 0.05.",
    ),
    Exercise(
        id="04.4",
        title="The size of the omitted-variable trap for electronics",
        prompt=(
            "By how much does the naive fit (log units on log price, nothing else) differ from "
            "the controlled fit for `electronics`? Give naive minus controlled with 3 "
            "decimals. Which omitted variables push it that way?"
        ),
        kind=Number("naive minus controlled elasticity", atol=0.0005, decimals=3,
                    close_hint="subtract the controlled elasticity from the naive one"),
        hints=("`pr.compare_elasticities(pr.naive_elasticity(panel), pr.fit_elasticity(panel))`"
               " has a column `naive_minus_controlled`.",),
        solution=(
            "Prices are cut in promotion and festival weeks, when demand is high anyway, and "
            "regions with higher prices differ in size: the naive slope mixes these demand "
            "drivers with the price effect."
        ),
        code=_FIT + "table = pr.compare_elasticities(pr.naive_elasticity(panel), pr.fit_elasticity(panel))\n"
                    "answer = round(table.loc['electronics', 'naive_minus_controlled'], 3)\n",
        solver=_naive_bias,
        params={"category": "electronics"},
        tolerance="Rounded to 3 decimal places: 0.0005 (the fits are deterministic).",
    ),
    Exercise(
        id="04.5",
        title="An inelastic product line",
        prompt=(
            "Grocery demand is inelastic in the fit of section 3. Why does the markup rule give "
            "no price for it, what does the decision table do instead, and what would you "
            "check before raising grocery prices?"
        ),
        kind=None,
        hints=("Write profit as a function of price when -1 < e < 0: what happens to revenue "
               "and to cost as the price rises?",),
        solution=(
            "With -1 < e < 0 a higher price raises revenue while units (and so cost) fall: "
            "profit rises without bound in the model, so there is no interior optimum. The "
            "decision table raises the price by one step (the maximum change) and asks for a "
            "re-estimate. Before that: the observed price range (beyond it the constant "
            "elasticity is an extrapolation), the competitor price index (a traffic category "
            "may be kept cheap on purpose), and long-run effects on store visits."
        ),
    ),
    Exercise(
        id="04.6",
        title="The lower end of the acceptable price range",
        prompt=(
            "From the Van Westendorp answers of the `pricing_survey` table (all regions, the "
            "inconsistent respondents set aside with `invalid='drop'`), what is the lower end "
            "of the acceptable price range, in yuan? Give it with 2 decimals. Which two curves "
            "cross there, and what does a price below it tell customers?"
        ),
        kind=Number("the price in yuan", atol=0.005, decimals=2,
                    close_hint="set the inconsistent respondents aside and use all regions"),
        hints=("`pr.van_westendorp(data.pricing_survey, invalid='drop').acceptable_range`",),
        solution=(
            "The lower end is the point of marginal cheapness (PMC), where 'too cheap' crosses "
            "'not cheap': below it more respondents find the price suspiciously low than find "
            "it a bargain, a signal of doubtful quality."
        ),
        code="import crmlib.pricing as pr\n"
             "psm = pr.van_westendorp(data.pricing_survey, invalid='drop')\n"
             "answer = round(psm.acceptable_range[0], 2)\n",
        solver=_psm_lower,
        tolerance="Rounded to 2 decimal places: 0.005 (the meter is deterministic).",
    ),
    Exercise(
        id="04.7",
        title="What same-day delivery is worth",
        prompt=(
            "Fit the conjoint model of section 6 (attributes brand, delivery and "
            "warranty_years, base brand 'Our retailer'). What is the willingness to pay for "
            "same-day over standard delivery, in yuan? Give it with 1 decimal, and say whether "
            "a ¥60 delivery surcharge would lose customers on average."
        ),
        kind=Number("the willingness to pay in yuan", atol=0.05, decimals=1,
                    close_hint="WTP = part-worth / (minus the price coefficient), against "
                               "standard delivery"),
        hints=("`pr.fit_conjoint(...).wtp.loc[('delivery', 'same_day'), 'wtp']`",),
        solution=(
            "WTP is the part-worth of same-day delivery divided by minus the price coefficient. "
            "A surcharge below it leaves the average respondent better off with same-day "
            "delivery; its delta-method interval shows how sure we are of that."
        ),
        code="import crmlib.pricing as pr\n"
             "fit = pr.fit_conjoint(data.conjoint, attributes=['brand', 'delivery', 'warranty_years'],\n"
             "                      base={'brand': 'Our retailer'})\n"
             "answer = round(fit.wtp.loc[('delivery', 'same_day'), 'wtp'], 1)\n",
        solver=_conjoint_wtp,
        params={"attribute": "delivery", "level": "same_day"},
        tolerance="Rounded to 1 decimal place: 0.05 (the fit is deterministic).",
    ),
)


QUIZ = (
    QuizQuestion(
        key="q1",
        text="Why is the naive elasticity (log units on log price only) biased?",
        choices=(("a", "log-log models are always biased"),
                 ("b", "prices move with other demand drivers (promotions, festivals, regions, "
                       "competitor prices) that the naive fit leaves out"),
                 ("c", "the standard errors are not clustered"),
                 ("d", "units are rounded to integers")),
        salt="4f1c9e2a7b3d5061",
        digest="8ef3f06a4766234951ee2032340a560c199aa9badb6c5db9b316c72a7068ee51",
        hint="What else changes in the weeks when our price is low?",
    ),
    QuizQuestion(
        key="q2",
        text="Under constant elasticity e = -3, the profit-maximising price is",
        choices=(("a", "1.5 x unit cost"), ("b", "3 x unit cost"),
                 ("c", "unit cost + 3"), ("d", "there is none")),
        salt="b82d06e4f9a1c357",
        digest="06823a6bc6d1b720bd4a5a27046333c935f813124d76440c8c1837abb86d3a9e",
        hint="p / c = e / (1 + e).",
    ),
    QuizQuestion(
        key="q3",
        text="In Van Westendorp's price sensitivity meter, the optimal price point (OPP) is "
             "where",
        choices=(("a", "'cheap' crosses 'expensive'"),
                 ("b", "'too cheap' crosses 'too expensive'"),
                 ("c", "revenue is highest"),
                 ("d", "half of the respondents would buy")),
        salt="e03a7c5b1d9f2846",
        digest="3340599d2e7c6221230ad38c2ae37d8da60ea34e15cc4e7d37adce0aaecb73f9",
        hint="The OPP balances the two extreme questions.",
    ),
)
