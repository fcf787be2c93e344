"""Exercises and quiz of lesson 03 (customer value, retention and churn warning).

Solvers use the lesson's defaults on the default data: end of data 2025-12-28, purchases =
completed orders as the tidy log ``customer_id``, ``order_date``, ``amount``; BG/NBD and
Gamma-Gamma fitted on :func:`crmlib.value.rfm_weeks` of the whole history.
"""

from __future__ import annotations

from typing import Any

from crmlib.exercises._display import QuizQuestion
from crmlib.exercises._exercise import Exercise, transactions
from crmlib.exercises._kinds import Number, Table

__all__ = ["EXERCISES", "QUIZ"]

AS_OF = "2025-12-28"


def _churn_rate(data: Any, *, as_of: str = AS_OF, churn_days: int = 90) -> float:
    import pandas as pd

    import crmlib.value as v

    end = pd.Timestamp(as_of)
    test = v.churn_dataset(transactions(data, as_of), cutoff=end - pd.Timedelta(days=churn_days),
                           churn_days=churn_days, as_of=end)
    return float(test.label.mean())


def _fits(summary: Any) -> tuple[Any, Any]:
    import crmlib.value as v

    return v.BGNBD().fit(summary), v.GammaGamma().fit(summary)


def _total_clv(data: Any, *, as_of: str = AS_OF, margin: float = 0.5, discount_rate: float = 0.2,
               horizon_weeks: int = 52) -> float:
    import crmlib.value as v

    summary = v.rfm_weeks(transactions(data, as_of), as_of=as_of)
    bg, gg = _fits(summary)
    clv = v.customer_lifetime_value(bg, gg, summary, horizon=horizon_weeks, margin=margin,
                                    discount_rate=discount_rate)
    return float(clv.sum())


def _clv_by_channel(data: Any, *, as_of: str = AS_OF, margin: float = 0.3,
                    discount_rate: float = 0.1, horizon_weeks: int = 52) -> Any:
    import pandas as pd

    import crmlib.value as v

    summary = v.rfm_weeks(transactions(data, as_of), as_of=as_of)
    channel = data.customers.set_index("customer_id")["acquisition_channel"].reindex(summary.index)
    out = {}
    for name, group in summary.groupby(channel, observed=True):
        bg, gg = _fits(group)
        out[str(name)] = float(v.customer_lifetime_value(
            bg, gg, group, horizon=horizon_weeks, margin=margin, discount_rate=discount_rate).mean())
    return pd.Series(out)


def _gold_retention(data: Any, *, as_of: str = AS_OF) -> float:
    import pandas as pd

    import crmlib.value as v

    tx = transactions(data, as_of)
    end = pd.Timestamp(as_of)
    mid = end - pd.Timedelta(days=365)
    before = v.loyalty_tiers(tx, start=mid - pd.Timedelta(days=364), end=mid)
    after = v.loyalty_tiers(tx, start=mid + pd.Timedelta(days=1), end=end)
    gold = before.index[before == "gold"]
    return float((after.reindex(gold) == "gold").mean())


def _n_likely_gone(data: Any, *, as_of: str = AS_OF, threshold: float = 0.5) -> int:
    import crmlib.value as v

    summary = v.rfm_weeks(transactions(data, as_of), as_of=as_of)
    bg = v.BGNBD().fit(summary)
    return int((bg.probability_alive(summary) < threshold).sum())


def _n_worth_a_call(data: Any, *, as_of: str = AS_OF, contact_cost: float = 20.0,
                    save_rate: float = 0.25, churn_days: int = 180, margin: float = 0.3,
                    discount_rate: float = 0.1, horizon_weeks: int = 52) -> int:
    import crmlib.value as v

    summary = v.rfm_weeks(transactions(data, as_of), as_of=as_of)
    bg, gg = _fits(summary)
    clv = v.customer_lifetime_value(bg, gg, summary, horizon=horizon_weeks, margin=margin,
                                    discount_rate=discount_rate)
    risk = bg.probability_no_purchase(summary, churn_days / 7)
    return v.call_list(clv, risk, contact_cost=contact_cost, save_rate=save_rate).n_calls


_LOG = (
    "import pandas as pd\n"
    "import crmlib.value as v\n"
    "end = pd.Timestamp('2025-12-28')\n"
    "orders = data.orders[data.orders['status'] == 'completed']\n"
    "tx = orders.rename(columns={'net_amount': 'amount'})[['customer_id', 'order_date', 'amount']]\n"
    "tx = tx[tx['order_date'] <= end]\n"
)

EXERCISES = (
    Exercise(
        id="03.1",
        title="Churn rate with a 90-day churn window",
        prompt=(
            "Re-run section 7 with `churn_days = 90`. What share of the *test* customers "
            "(cutoff 90 days before the end of the data) make no purchase in the next 90 days? "
            "Give a fraction with 3 decimals. Then compare the AUCs of the churn model and of "
            "the BG/NBD baselines for 90 and 365 days."
        ),
        kind=Number("the churn rate as a fraction between 0 and 1", atol=0.0005, decimals=3,
                    close_hint="check the cutoff (end minus churn_days) and that only "
                               "customers with a purchase by the cutoff are counted"),
        hints=(
            "`v.churn_dataset(tx, cutoff=end - pd.Timedelta(days=90), churn_days=90, as_of=end)`"
            " and the mean of its `label`.",
        ),
        solution=(
            "A shorter window makes 'no purchase' more likely, so the churn rate rises; the "
            "label gets noisier (a normal gap between two purchases already counts as churn), "
            "and the AUCs change accordingly."
        ),
        code=(
            _LOG
            + "test = v.churn_dataset(tx, cutoff=end - pd.Timedelta(days=90), churn_days=90, as_of=end)\n"
            "answer = round(test.label.mean(), 3)\n"
        ),
        solver=_churn_rate,
        params={"as_of": AS_OF, "churn_days": 90},
        tolerance="Rounded to 3 decimal places: 0.0005.",
    ),
    Exercise(
        id="03.2",
        title="Total CLV with margin 0.5 and discount rate 0.2",
        prompt=(
            "Set `margin = 0.5` and `discount_rate = 0.2` (horizon 52 weeks). What is the total "
            "CLV of the customer base, in ¥ rounded to the nearest yen? Which customers' CLV "
            "changes most in ¥, and why does the ranking of customers hardly change?"
        ),
        kind=Number("the total CLV in ¥ (not k¥)", atol=0.5, rtol=1e-6, decimals=0,
                    close_hint="check margin=0.5 and discount_rate=0.2, and that the models "
                               "are fitted on the whole history up to the end of the data"),
        hints=(
            "Keep the models of section 6 and change only the CLV call: "
            "`v.customer_lifetime_value(bg, gg, summary, horizon=52, margin=0.5, "
            "discount_rate=0.2)`, summed over customers.",
            "The margin multiplies every customer's CLV by the same factor.",
        ),
        solution=(
            "The margin scales every CLV by 0.5/0.3; the higher discount rate lowers later "
            "weeks a little more. Both act almost proportionally on every customer, so the "
            "largest changes in ¥ are at the top of the ranking and the ranking itself hardly "
            "moves."
        ),
        code=(
            _LOG
            + "summary = v.rfm_weeks(tx, as_of=end)\n"
            "bg = v.BGNBD().fit(summary)\n"
            "gg = v.GammaGamma().fit(summary)\n"
            "clv = v.customer_lifetime_value(bg, gg, summary, horizon=52, margin=0.5, discount_rate=0.2)\n"
            "answer = round(clv.sum())\n"
        ),
        solver=_total_clv,
        params={"as_of": AS_OF, "margin": 0.5, "discount_rate": 0.2, "horizon_weeks": 52},
        tolerance=(
            "Rounded to the nearest ¥: 0.5 ¥, plus a relative 1e-6 for the maximum-likelihood "
            "optimiser's stopping rule on other machines."
        ),
    ),
    Exercise(
        id="03.3",
        title="Mean CLV by acquisition channel",
        prompt=(
            "Fit the BG/NBD and Gamma-Gamma models per acquisition channel "
            "(`customers.acquisition_channel`) instead of per true segment, and compute each "
            "channel's mean CLV with the lesson's defaults (margin 0.3, discount rate 0.1, 52 "
            "weeks). Give a Series indexed by channel, in ¥ with 2 decimals. Which channel "
            "brings the most valuable customers, and which consumer channel?"
        ),
        kind=Table("the mean CLV in ¥ by acquisition channel",
                   Number("the mean CLV in ¥", atol=0.005, rtol=1e-5, decimals=2,
                          close_hint="fit one BG/NBD and one Gamma-Gamma per channel")),
        hints=(
            "`summary.groupby(channel)` and, in the loop, fit both models on the group and "
            "average `customer_lifetime_value` over it.",
            "The channel of each customer: `data.customers.set_index('customer_id')"
            "['acquisition_channel'].loc[summary.index]`.",
        ),
        solution=(
            "Each channel gets its own purchase, dropout and spend parameters. The business "
            "desk's few customers are the most valuable; among consumer channels the app and "
            "the web shop are close, the marketplace far behind."
        ),
        code=(
            _LOG
            + "summary = v.rfm_weeks(tx, as_of=end)\n"
            "channel = data.customers.set_index('customer_id')['acquisition_channel'].loc[summary.index]\n"
            "mean_clv = {}\n"
            "for name, group in summary.groupby(channel, observed=True):\n"
            "    bg, gg = v.BGNBD().fit(group), v.GammaGamma().fit(group)\n"
            "    mean_clv[name] = v.customer_lifetime_value(bg, gg, group, horizon=52, margin=0.3,\n"
            "                                               discount_rate=0.1).mean()\n"
            "answer = pd.Series(mean_clv).round(2)\n"
        ),
        solver=_clv_by_channel,
        params={"as_of": AS_OF, "margin": 0.3, "discount_rate": 0.1, "horizon_weeks": 52},
        tolerance=(
            "Each value rounded to 2 decimals: 0.005 ¥, plus a relative 1e-5 for the "
            "optimiser's stopping rule (a few thousand customers per fit)."
        ),
    ),
    Exercise(
        id="03.4",
        title="The CDNOW holdout chart",
        prompt=(
            "Run the notebook with `dataset = \"cdnow\"` and compare the holdout chart with "
            "figure 4 of Fader, Hardie & Lee (2005). Where do actual and predicted purchases "
            "part, and why?"
        ),
        kind=None,
        hints=(
            "The CDNOW files live outside the repository (../shared/data); without them the "
            "section prints a note.",
            "Look at the groups with many calibration purchases: few customers, noisy means.",
        ),
        solution=(
            "The chart reproduces the paper's: predictions follow the actual holdout purchases "
            "closely for customers with few calibration purchases and wander for the small "
            "groups of frequent buyers, where each mean rests on a handful of customers. This "
            "exercise needs the real data set, so it is not checked automatically."
        ),
    ),
    Exercise(
        id="03.5",
        title="How many gold members stay gold",
        prompt=(
            "With the default tiers, what share of the previous year's gold members are gold "
            "again in the last year? Give a fraction with 3 decimals. Then change the "
            "thresholds so that about 10% of active customers are gold: is gold membership "
            "more or less stable?"
        ),
        kind=Number("the share as a fraction between 0 and 1", atol=0.0005, decimals=3,
                    close_hint="divide by the previous year's gold members, all of them "
                               "(including those inactive in the last year)"),
        hints=(
            "The gold row of `migration.counts`: gold-to-gold over the row total.",
            "`migration.rates` gives the row shares directly.",
        ),
        solution=(
            "The diagonal cell of the gold row over the row's total (`migration.rates` has it "
            "directly). For the second part, lower the gold thresholds step by step until gold "
            "holds about a tenth of the active customers and compare the same share: members "
            "who sit just above a bar are the ones who fall back."
        ),
        code=(
            _LOG
            + "mid = end - pd.Timedelta(days=365)\n"
            "before = v.loyalty_tiers(tx, start=mid - pd.Timedelta(days=364), end=mid)\n"
            "after = v.loyalty_tiers(tx, start=mid + pd.Timedelta(days=1), end=end)\n"
            "migration = v.tier_migration(before, after)\n"
            "answer = round(migration.counts.loc['gold', 'gold'] / migration.counts.loc['gold'].sum(), 3)\n"
        ),
        solver=_gold_retention,
        params={"as_of": AS_OF},
        tolerance="Rounded to 3 decimal places: 0.0005.",
    ),
    Exercise(
        id="03.6",
        title="Customers probably gone",
        prompt=(
            "How many customers have a probability of being alive below 0.5 at the end of the "
            "data (BG/NBD fitted on the whole history, as in section 3)? Compare with the "
            "number the 180-day rule calls inactive."
        ),
        kind=Number("a count of customers", integer=True,
                    close_hint="check which customers you counted: P(alive) strictly below "
                               "0.5, over all customers of the summary"),
        hints=(
            "`(bg.probability_alive(summary) < 0.5).sum()`.",
        ),
        solution=(
            "P(alive) below one half marks the customers the model thinks have more likely "
            "left than not; fewer than the 180-day rule calls inactive, because slow buyers "
            "keep a high P(alive) through long silences."
        ),
        code=(
            _LOG
            + "summary = v.rfm_weeks(tx, as_of=end)\n"
            "bg = v.BGNBD().fit(summary)\n"
            "answer = int((bg.probability_alive(summary) < 0.5).sum())\n"
        ),
        solver=_n_likely_gone,
        params={"as_of": AS_OF, "threshold": 0.5},
        tolerance="A count: exact (the fit is deterministic).",
    ),
    Exercise(
        id="03.7",
        title="Whom to call first, when a call costs more",
        prompt=(
            "Section 9's call list calls while save rate × margin at risk > contact cost. A "
            "phone call from a senior agent costs 20 (instead of the default 10) and keeps 25% "
            "of the customers it reaches (instead of 20%). With the lesson's other defaults "
            "(churn window 180 days, margin 0.3, discount rate 0.1, 52 weeks), how many "
            "customers are worth a call? Then compare the list with a ranking by churn risk "
            "alone and by CLV alone: what does each of them get wrong?"
        ),
        kind=Number("a count of customers", integer=True,
                    close_hint="check both settings: contact_cost=20 and save_rate=0.25, and "
                               "the churn window of 180 days for the risk"),
        hints=(
            "`v.call_list(clv, risk, contact_cost=20, save_rate=0.25).n_calls`, with `clv` and "
            "`risk` as in the summary cell.",
            "The cut-off is contact_cost / save_rate.",
        ),
        solution=(
            "The break-even margin at risk is 20 / 0.25 = 80 instead of 10 / 0.2 = 50, so fewer "
            "customers pass it; the ranking itself does not change, only where the list stops. "
            "Risk alone calls customers of little value; CLV alone calls loyal customers who "
            "would buy anyway. The product still ignores whether a call changes anything — that "
            "needs an uplift experiment (a later lesson)."
        ),
        code=(
            _LOG
            + "summary = v.rfm_weeks(tx, as_of=end)\n"
            "bg, gg = v.BGNBD().fit(summary), v.GammaGamma().fit(summary)\n"
            "clv = v.customer_lifetime_value(bg, gg, summary, horizon=52, margin=0.3, discount_rate=0.1)\n"
            "risk = bg.probability_no_purchase(summary, 180 / 7)\n"
            "answer = v.call_list(clv, risk, contact_cost=20, save_rate=0.25).n_calls\n"
        ),
        solver=_n_worth_a_call,
        params={"as_of": AS_OF, "contact_cost": 20.0, "save_rate": 0.25, "churn_days": 180,
                "margin": 0.3, "discount_rate": 0.1, "horizon_weeks": 52},
        tolerance="A count: exact (the fits are deterministic).",
    ),
)


QUIZ = (
    QuizQuestion(
        key="q1",
        text="In the BG/NBD model, what is P(alive) of a customer with no repeat purchase?",
        choices=(("a", "0"), ("b", "0.5"), ("c", "the mean dropout probability a/(a+b)"),
                 ("d", "1")),
        salt="eb4568028180b6dd",
        digest="a04c8640fd399950898b13cc1073d70148dec627bb9f349fdde0df7db608e87e",
        hint="When can a BG/NBD customer drop out?",
    ),
    QuizQuestion(
        key="q2",
        text="Why is the churn model trained at an earlier cutoff and tested at a later one?",
        choices=(("a", "it is faster to fit"),
                 ("b", "that is how it will be used; a random split lets it learn from the "
                       "future of the customers it is tested on"),
                 ("c", "isotonic calibration needs it"),
                 ("d", "the later period has more churners")),
        salt="226af55d6b980341",
        digest="2dee1f31c6435a4b7e9e773677ea72433e27b84ffcb1a6b844764e52c894a65b",
        hint="Think of the day the model is used: what does it know about the future?",
    ),
    QuizQuestion(
        key="q3",
        text="Which purchases does the Gamma-Gamma model use to fit its parameters?",
        choices=(("a", "every purchase of every customer"),
                 ("b", "the first purchase of every customer"),
                 ("c", "the repeat purchases of repeat customers (the first purchase left out)"),
                 ("d", "the purchases of customers alive at the end")),
        salt="7fb0e171a42caa22",
        digest="7702788cb62bdcde9b6556bfc880a419dede95cc6ca44b3e19503f7f1592d1c5",
        hint="Section 6 counts the customers it excludes, and why.",
    ),
)
