"""Exercises and quiz of lesson 06 (channel optimisation).

Solvers use the lesson's defaults on the default data: completed orders of all regions, the
lesson's channel cost rates, the customer journeys read as a first-order Markov chain, and
the media model with geometric adstock, Hill saturation and the weak priors, no bootstrap.
"""

from __future__ import annotations

from typing import Any

from crmlib.exercises._display import QuizQuestion
from crmlib.exercises._exercise import Exercise
from crmlib.exercises._kinds import Number

__all__ = ["COST_RATES", "EXERCISES", "QUIZ"]

#: The channel cost rates of the lesson's parameters (share of the channel's revenue).
COST_RATES = {"store": 0.18, "web": 0.10, "app": 0.08, "marketplace": 0.14, "b2b": 0.05}


def _contribution_rate(data: Any, *, channel: str = "marketplace") -> float:
    import crmlib.channels as ch

    pnl = ch.channel_pnl(data.orders, data.order_lines, data.products, channel_cost_rates=COST_RATES)
    return 100 * float(pnl.loc[channel, "contribution_rate"])


def _removal(data: Any, *, channel: str = "email", order: int = 1) -> float:
    import crmlib.channels as ch

    return float(ch.markov_attribution(ch.journey_paths(data.journeys), order=order).table.loc[channel, "removal_effect"])


def _last_touch_share(data: Any, *, channel: str = "social") -> float:
    import crmlib.channels as ch

    credit = ch.rule_attribution(ch.journey_paths(data.journeys), rules=["last"])["last"]
    return 100 * float(credit[channel] / credit.sum())


def _tv_roi(data: Any, *, channel: str = "tv") -> float:
    import crmlib.channels as ch

    fit = ch.fit_mmm(data.weekly_sales, data.media_spend, n_boot=0)
    return float(fit.channels.loc[channel, "roi"])


_DATA = "import crmlib.channels as ch\n"

EXERCISES = (
    Exercise(
        id="06.1",
        title="What the marketplace keeps",
        prompt=(
            "With the lesson's channel cost rates (store 0.18, web 0.10, app 0.08, marketplace "
            "0.14, b2b 0.05 of revenue), what share of its revenue does the marketplace channel "
            "keep as contribution, in percent? Give it with 2 decimals, and compare it with the "
            "app's."
        ),
        kind=Number("the contribution rate in percent (e.g. 12.34)", atol=0.005, decimals=2,
                    close_hint="contribution is gross margin minus the channel's cost, over revenue"),
        hints=("`ch.channel_pnl(orders, order_lines, products, channel_cost_rates=...)` has a "
               "`contribution_rate` column (a share).",),
        solution=(
            "The marketplace sells at the lowest prices (section 3) and pays the highest "
            "commission of the online channels, so it keeps the least of each yuan it sells. "
            "That does not make it a channel to close: ask what its customers would buy "
            "elsewhere, and what they cost to acquire."
        ),
        code=_DATA + "rates = {'store': 0.18, 'web': 0.10, 'app': 0.08, 'marketplace': 0.14, 'b2b': 0.05}\n"
                     "pnl = ch.channel_pnl(data.orders, data.order_lines, data.products, "
                     "channel_cost_rates=rates)\n"
                     "answer = round(100 * pnl.loc['marketplace', 'contribution_rate'], 2)\n",
        solver=_contribution_rate,
        params={"channel": "marketplace"},
        tolerance="Rounded to 2 decimal places: 0.005 (the P&L is exact arithmetic).",
    ),
    Exercise(
        id="06.2",
        title="Removing e-mail from the journeys",
        prompt=(
            "Read the customer journeys as a first-order Markov chain. What is e-mail's removal "
            "effect: the share of conversions lost if every journey that reaches e-mail ended "
            "there? Give it as a share with 3 decimals."
        ),
        kind=Number("the removal effect as a share between 0 and 1 (e.g. 0.123)", atol=0.0005,
                    decimals=3, close_hint="order 1, the default outcome (conversions)"),
        hints=("`ch.markov_attribution(ch.journey_paths(data.journeys)).table` has a "
               "`removal_effect` column.",),
        solution=(
            "Removal effects do not add up to one: a conversion that needs both search and "
            "e-mail is lost when either is removed. The shares of the lesson divide each "
            "effect by their sum, to split the credit."
        ),
        code=_DATA + "m = ch.markov_attribution(ch.journey_paths(data.journeys), order=1)\n"
                     "answer = round(m.table.loc['email', 'removal_effect'], 3)\n",
        solver=_removal,
        params={"channel": "email", "order": 1},
        tolerance="Rounded to 3 decimal places: 0.0005 (the chain is solved exactly).",
    ),
    Exercise(
        id="06.3",
        title="Last touch and social media",
        prompt=(
            "What share of the conversions does last-touch attribution give to social media, in "
            "percent? Give it with 2 decimals, and compare it with social's Markov share: what "
            "does last touch miss?"
        ),
        kind=Number("the share of conversions in percent (e.g. 4.20)", atol=0.005, decimals=2,
                    close_hint="last-touch credit of social over all conversions"),
        hints=("`ch.rule_attribution(paths, rules=['last'])['last']` gives conversions per channel.",),
        solution=(
            "Social opens journeys that other channels close: last touch gives it little, the "
            "Markov removal effect (and the truth of the default data) much more. A budget cut "
            "on last-touch numbers would starve the channels that start the journeys."
        ),
        code=_DATA + "credit = ch.rule_attribution(ch.journey_paths(data.journeys), rules=['last'])['last']\n"
                     "answer = round(100 * credit['social'] / credit.sum(), 2)\n",
        solver=_last_touch_share,
        params={"channel": "social"},
        tolerance="Rounded to 2 decimal places: 0.005 (counts are exact).",
    ),
    Exercise(
        id="06.4",
        title="TV's return",
        prompt=(
            "Fit the media model with its defaults and no bootstrap (`n_boot=0`). What is TV's "
            "ROI — modelled incremental revenue per yuan spent over the three years? Give it "
            "with 2 decimals. Is TV worth its money at a gross margin of 0.3?"
        ),
        kind=Number("the ROI in yuan of revenue per yuan (e.g. 1.25)", atol=0.005, decimals=2,
                    close_hint="revenue per yuan, not profit per yuan"),
        hints=("`ch.fit_mmm(data.weekly_sales, data.media_spend, n_boot=0).channels.loc['tv', 'roi']`",),
        solution=(
            "TV returns less than a yuan of revenue per yuan: at a 0.3 gross margin every yuan "
            "of TV loses most of itself. Its long carry-over means a cut shows only weeks later; "
            "a geo test before the cut is the safe way to confirm it."
        ),
        code=_DATA + "fit = ch.fit_mmm(data.weekly_sales, data.media_spend, n_boot=0)\n"
                     "answer = round(fit.channels.loc['tv', 'roi'], 2)\n",
        solver=_tv_roi,
        params={"channel": "tv"},
        tolerance="Rounded to 2 decimal places: 0.005 (the fit is deterministic).",
    ),
    Exercise(
        id="06.5",
        title="What the optimiser's revenue includes",
        prompt=(
            "The optimised budget 'adds revenue' against today's split. Which revenue is that — "
            "and what would make the promise wrong next quarter?"
        ),
        kind=None,
        hints=("Which part of weekly revenue do the response curves describe?",),
        solution=(
            "Only the revenue the media model attributes to the channels, in steady state: the "
            "baseline (trend, season, prices, competitors) is not in it. The promise fails if "
            "the curves are wrong beyond their intervals (few weeks, a channel never varied), "
            "if a channel is moved far outside the spend it was observed at, or if carry-over "
            "means the new split needs weeks to show."
        ),
    ),
)

QUIZ = (
    QuizQuestion(
        key="q1",
        text="A channel's removal effect in a Markov attribution model is",
        choices=(("a", "the share of journeys in which it appears"),
                 ("b", "the share of conversions lost if journeys reaching the channel ended there"),
                 ("c", "the conversions it touched last"),
                 ("d", "its spend over all spend")),
        salt="b8c1e0d54a7f3312",
        digest="61f492fe50d6f53b0f1ccff836b2efabb2ff51675844eec9c9821ed53f80efbb",
        hint="Imagine the channel switched off.",
    ),
    QuizQuestion(
        key="q2",
        text="A geometric adstock with decay 0.7 means",
        choices=(("a", "70% of the spend is wasted"),
                 ("b", "the channel saturates at 70% of its maximum"),
                 ("c", "each week keeps 70% of last week's advertising pressure, so effects last weeks"),
                 ("d", "the ROI falls by 70% a week")),
        salt="3f6a9d21c04be785",
        digest="70d072a5328c65eeaeac1686d3a128917de462c9e88454270b8d4156c3ac5937",
        hint="Follow one week's spend into the weeks after it.",
    ),
    QuizQuestion(
        key="q3",
        text="An optimal budget split across channels equalises",
        choices=(("a", "the channels' average ROAS"),
                 ("b", "the channels' spend"),
                 ("c", "the channels' share of conversions"),
                 ("d", "the marginal return of the last yuan in every channel inside its bounds")),
        salt="0d7e45a9b2c61f38",
        digest="ce1893480029dfca2491b0c46d5f1169fe19af3f1addb147fa295e6717448f1c",
        hint="Moving one yuan from one channel to another gains what?",
    ),
)
