"""Exercises and quiz of lesson 02 (customer segmentation and grading).

Solvers use the lesson's defaults: analysis date 2025-12-28, RFM with 5 bins, k-means with
``random_state=0`` on the lesson's features (:func:`crmlib.segmentation.customer_features`).
"""

from __future__ import annotations

from typing import Any

from crmlib.exercises._display import QuizQuestion
from crmlib.exercises._exercise import Exercise, purchases
from crmlib.exercises._kinds import Choice, Items, Number, Table

__all__ = ["EXERCISES", "QUIZ"]

AS_OF = "2025-12-28"
_SEGMENTS = ("champions", "loyal", "potential loyalists", "new customers", "need attention",
             "can't lose", "at risk", "hibernating", "lost")


def _rfm(data: Any, as_of: str) -> Any:
    import crmlib.segmentation as seg

    return seg.rfm_table(purchases(data, as_of), as_of=as_of, amount_col="net_amount")


def _segment_counts(rfm: Any, bins: int) -> Any:
    import crmlib.segmentation as seg

    return seg.rfm_segments(seg.rfm_scores(rfm, bins=bins), bins=bins).value_counts()


def _growing_segments(data: Any, *, as_of: str = AS_OF, bins: int = 3, base_bins: int = 5) -> list[str]:
    rfm = _rfm(data, as_of)
    new, old = _segment_counts(rfm, bins), _segment_counts(rfm, base_bins)
    grown = new.sub(old, fill_value=0)
    return [str(name) for name in grown.index[grown > 0]]


def _abc_share(data: Any, *, as_of: str = AS_OF, thresholds: tuple = (0.7, 0.9)) -> float:
    import crmlib.segmentation as seg

    abc = seg.abc_classes(_rfm(data, as_of)["monetary"], thresholds=thresholds)
    return float(abc.classes.loc["A", "customer_share"])


def _features(data: Any, as_of: str) -> Any:
    import crmlib.segmentation as seg

    return seg.customer_features(data.customers, data.orders, as_of=as_of)


def _ari(data: Any, *, as_of: str = AS_OF, k: int = 3, seed: int = 0) -> float:
    from sklearn.metrics import adjusted_rand_score

    import crmlib.segmentation as seg

    X = _features(data, as_of)
    labels = seg.fit_segments(X, k, random_state=seed).labels
    truth = data.truth_customers.set_index("customer_id").loc[X.index, "segment"]
    return float(adjusted_rand_score(truth, labels))


def _champions_cluster(data: Any, *, as_of: str = AS_OF, k: int = 4, seed: int = 0) -> str:
    import crmlib.segmentation as seg

    X = _features(data, as_of)
    labels = seg.fit_segments(X, k, random_state=seed).labels
    scores = seg.rfm_scores(_rfm(data, as_of), bins=5)
    champions = scores.index[seg.rfm_segments(scores, bins=5) == "champions"]
    return str(labels.reindex(champions).value_counts().idxmax())


def _future_by_class(data: Any, *, as_of: str = AS_OF, thresholds: tuple = (0.7, 0.9)) -> Any:
    import crmlib.segmentation as seg

    abc = seg.abc_classes(_rfm(data, as_of)["monetary"], thresholds=thresholds)
    classes = abc.table["abc_class"]
    future = data.truth_customers.set_index("customer_id")["expected_value_52w"].reindex(classes.index)
    by_class = future.groupby(classes, observed=False).sum()
    return by_class / by_class.sum()


def _best_win_back(data: Any, *, as_of: str = AS_OF) -> str:
    import crmlib.segmentation as seg

    buys = purchases(data, as_of)
    segments = seg.rfm_segments(seg.rfm_scores(_rfm(data, as_of), bins=5), bins=5)
    table = seg.segment_decisions(buys, segments, as_of=as_of, margin=0.25, amount_col="net_amount").table
    return str(table.loc[table["action"] == "win back", "margin_per_customer"].idxmax())


_PURCHASES = (
    "import pandas as pd\n"
    "import crmlib.segmentation as seg\n"
    "as_of = '2025-12-28'\n"
    "orders = data.orders\n"
    "purchases = orders[(orders['status'] == 'completed') & (orders['order_date'] <= pd.Timestamp(as_of))]\n"
    "rfm = seg.rfm_table(purchases, as_of=as_of, amount_col='net_amount')\n"
)

EXERCISES = (
    Exercise(
        id="02.1",
        title="RFM segments that grow with 3 score levels",
        prompt=(
            "Score the customers with `bins=3` instead of 5 (name the segments with "
            "`seg.rfm_segments(scores, bins=3)`). Which named segments have *more* customers "
            "than with `bins=5`? Answer with a list of segment names. Then try `bins=10`: "
            "why does nothing change?"
        ),
        kind=Items("the segments with more customers at bins=3 than at bins=5",
                   options=_SEGMENTS),
        hints=(
            "Compare `value_counts()` of the two segment columns; a segment absent at one "
            "setting has 0 customers there.",
            "With 3 levels the scores are put on the 1-5 scale of the grid first, so a score "
            "of 3 counts as 5: the top of the grid gets wider.",
        ),
        solution=(
            "With three levels each score covers a third of the customers and is mapped onto "
            "the grid's 1-5 scale, so the top cells (champions, potential loyalists) and the "
            "cells of high FM with low R (can't lose) widen. With 10 levels the scores map "
            "back onto the same 1-5 grid, so the segments are those of 5 levels."
        ),
        code=(
            _PURCHASES
            + "counts = {b: seg.rfm_segments(seg.rfm_scores(rfm, bins=b), bins=b).value_counts() for b in (3, 5)}\n"
            "change = counts[3].sub(counts[5], fill_value=0)\n"
            "answer = list(change.index[change > 0])\n"
        ),
        solver=_growing_segments,
        params={"as_of": AS_OF, "bins": 3, "base_bins": 5},
        tolerance="A set of names: exact (order, case and punctuation ignored).",
    ),
    Exercise(
        id="02.2",
        title="Share of class A customers with thresholds 0.7/0.9",
        prompt=(
            "Change the ABC thresholds to 0.7 and 0.9. What share of the customers is in class "
            "A now? Give a fraction with 3 decimals. How does it compare with the default "
            "0.8/0.95?"
        ),
        kind=Number("the share of customers as a fraction between 0 and 1", atol=0.0005,
                    decimals=3, close_hint="check the thresholds: (0.7, 0.9), on each "
                                           "customer's total spend"),
        hints=(
            "`seg.abc_classes(rfm['monetary'], thresholds=(0.7, 0.9))`, then the "
            "`customer_share` of class A in `.classes`.",
        ),
        solution=(
            "A smaller share of value closes class A, so fewer customers are needed to reach "
            "it: the share of A customers falls."
        ),
        code=(
            _PURCHASES
            + "abc = seg.abc_classes(rfm['monetary'], thresholds=(0.7, 0.9))\n"
            "answer = round(abc.classes.loc['A', 'customer_share'], 3)\n"
        ),
        solver=_abc_share,
        params={"as_of": AS_OF, "thresholds": (0.7, 0.9)},
        tolerance="Rounded to 3 decimal places: 0.0005.",
    ),
    Exercise(
        id="02.3",
        title="Re-weight the lead points",
        prompt=(
            "Re-weight `LEAD_POINTS` so that budget counts more than need (copy the dict, "
            "change the points, pass `points=` to `seg.lead_score`). Can you raise the AUC "
            "closer to the ceiling set by the true model?"
        ),
        kind=None,
        hints=(
            "`points = copy.deepcopy(seg.LEAD_POINTS)`; raise the budget levels, lower need.",
            "The truth counts budget on a log scale: equal steps per doubling of the budget.",
        ),
        solution=(
            "Any scheme that gives budget more points than need moves the AUC towards the "
            "ceiling, because the true logit moves most with budget (section 4's table). "
            "Points that grow by equal steps per doubling of the budget imitate the true "
            "log-budget term best. The exercise is open: many schemes work, and the lesson's "
            "point is the direction, not one number."
        ),
        code=(
            "import copy\n"
            "import crmlib.segmentation as seg\n"
            "points = copy.deepcopy(seg.LEAD_POINTS)\n"
            "points['budget'] = {level: 2 * pts for level, pts in points['budget'].items()}\n"
            "scored = seg.lead_score(data.leads, points=points)\n"
            "print(seg.lead_score_check(scored, data.leads['converted']))\n"
        ),
    ),
    Exercise(
        id="02.4",
        title="ARI against the truth with k = 3",
        prompt=(
            "Fit k-means with k = 3 (`seg.fit_segments(X, 3, random_state=0)` on the lesson's "
            "features). What is its adjusted Rand index against the true segments, to 3 "
            "decimals? Try k = 6 as well, and compare the stability of both with "
            "`seg.cluster_stability`."
        ),
        kind=Number("the adjusted Rand index, a number between -1 and 1", atol=0.0005,
                    decimals=3, units=(), close_hint="check the features (all groups, as of "
                                                     "2025-12-28) and random_state=0"),
        hints=(
            "`adjusted_rand_score(true_segment, model.labels)` with the true segment of each "
            "customer of X (same order as X's index).",
        ),
        solution=(
            "Three clusters must merge two of the four true segments, so the ARI falls below "
            "the k = 4 value; six clusters split true segments and lower it too. The "
            "stability check tells a different story: it measures whether a partition comes "
            "back on resamples, not whether it is the true one."
        ),
        code=(
            "import crmlib.segmentation as seg\n"
            "from sklearn.metrics import adjusted_rand_score\n"
            "X = seg.customer_features(data.customers, data.orders, as_of='2025-12-28')\n"
            "true_segment = data.truth_customers.set_index('customer_id').loc[X.index, 'segment']\n"
            "model = seg.fit_segments(X, 3, random_state=0)\n"
            "answer = round(adjusted_rand_score(true_segment, model.labels), 3)\n"
        ),
        solver=_ari,
        params={"as_of": AS_OF, "k": 3, "seed": 0},
        tolerance="Rounded to 3 decimal places: 0.0005 (k-means is deterministic for a seed).",
    ),
    Exercise(
        id="02.5",
        title="The cluster that holds most champions",
        prompt=(
            "Cross-tabulate the RFM segments (5 levels) with the k = 4 clusters of section 5 "
            "(`random_state=0`). Which cluster (its number) holds the most champions? Read its "
            "profile: what makes these customers champions?"
        ),
        kind=Choice("the cluster number", options=("0", "1", "2", "3")),
        hints=(
            "`pd.crosstab(scores['segment'], model.labels.reindex(scores.index))` — the "
            "champions row.",
            "Clusters are numbered by size (0 = largest); use the model fitted with k = 4.",
        ),
        solution=(
            "Champions bought recently, often and for much, so look for the cluster whose "
            "z-profile has a purchase frequency well above average (on the default data, the "
            "family cluster: many children, high brand loyalty). A cluster is not a segment "
            "of value, though: it also holds customers of every other RFM segment."
        ),
        code=(
            _PURCHASES
            + "X = seg.customer_features(data.customers, data.orders, as_of=as_of)\n"
            "model = seg.fit_segments(X, 4, random_state=0)\n"
            "scores = seg.rfm_scores(rfm, bins=5)\n"
            "scores['segment'] = seg.rfm_segments(scores, bins=5)\n"
            "table = pd.crosstab(scores['segment'], model.labels.reindex(scores.index))\n"
            "answer = int(table.loc['champions'].idxmax())\n"
        ),
        solver=_champions_cluster,
        params={"as_of": AS_OF, "k": 4, "seed": 0},
        tolerance="A label: exact.",
    ),
    Exercise(
        id="02.6",
        title="The segment of a lapsed big spender",
        prompt=(
            "A customer has R = 1 and F = M = 5 on the 5-level scores: they bought often and "
            "for a lot, but long ago. In which named segment does the grid of "
            "`seg.rfm_segment_rules()` put them, and what should marketing do about it?"
        ),
        kind=Choice("a segment name of the grid", options=_SEGMENTS, salt="1b7b779166f91399",
                    key="02.6",
                    digest="1c29ba0b56f76f92da5d0af88dcc1bb03da851bef8144cee3f9047aac685df99"),
        hints=(
            "FM is the mean of the F and M scores; the first rule whose R and FM ranges hold "
            "wins.",
        ),
        solution=(
            "FM = 5 and R = 1: the first matching rule is the one for high FM with R of 1-2. "
            "These customers were valuable and have gone quiet: win them back personally "
            "before they are lost."
        ),
        code=(
            "import crmlib.segmentation as seg\n"
            "rules = seg.rfm_segment_rules()\n"
            "r, fm = 1, 5.0\n"
            "hit = rules[(rules['R_min'] <= r) & (r <= rules['R_max']) & (rules['FM_min'] <= fm) & (fm <= rules['FM_max'])]\n"
            "answer = hit['segment'].iloc[0]\n"
        ),
        tolerance="A name from the documented grid (not from the data): a salted hash, exact.",
    ),
    Exercise(
        id="02.7",
        title="Future value by ABC class with thresholds 0.7/0.9",
        prompt=(
            "With ABC thresholds 0.7/0.9, what share of the truth's future value "
            "(`expected_value_52w`) does each class hold? Give a Series indexed by class "
            "(A, B, C), each share as a fraction with 3 decimals."
        ),
        kind=Table("the share of future value by ABC class",
                   Number("a share as a fraction between 0 and 1", atol=0.0005, decimals=3,
                          close_hint="check the thresholds (0.7, 0.9) and that you divide by "
                                     "the total over all graded customers")),
        hints=(
            "Group `truth_customers.expected_value_52w` by `abc.table['abc_class']` "
            "(align on customer id), sum, and divide by the total.",
        ),
        solution=(
            "As in section 3, but with the new classes: the classes of the past hold the "
            "future value in roughly the same proportions."
        ),
        code=(
            _PURCHASES
            + "abc = seg.abc_classes(rfm['monetary'], thresholds=(0.7, 0.9))\n"
            "truth = data.truth_customers.set_index('customer_id').loc[abc.table.index]\n"
            "future = truth['expected_value_52w'].groupby(abc.table['abc_class'], observed=False).sum()\n"
            "answer = (future / future.sum()).round(3)\n"
        ),
        solver=_future_by_class,
        params={"as_of": AS_OF, "thresholds": (0.7, 0.9)},
        tolerance="Each share rounded to 3 decimal places: 0.0005.",
    ),
    Exercise(
        id="02.8",
        title="The win-back segment worth the most per customer",
        prompt=(
            "The decision table sends three segments to *win back*. Which of them has the "
            "largest expected margin **per customer** over the next 52 weeks "
            "(`seg.segment_decisions`, the lesson's RFM segments with 5 levels, as of "
            "2025-12-28, all regions)? Does the rule's action fit what that segment is "
            "expected to bring, and what would you do with the other two?"
        ),
        kind=Choice("a segment name", options=_SEGMENTS),
        hints=(
            "`dec = seg.segment_decisions(purchases, scores['segment'], as_of=as_of, margin=0.25, "
            "amount_col='net_amount')`, then the rows of `dec.table` whose `action` is "
            "'win back', column `margin_per_customer`.",
            "The margin does not change the ranking: it multiplies every segment alike.",
        ),
        solution=(
            "Rank the win-back rows of the decision table by `margin_per_customer`. The "
            "segments of long-silent former big spenders are mostly gone (section 2's truth "
            "check: almost none of them are alive), so the model expects little from them; "
            "the slipping middle segment is still alive and worth a timely offer. The rule's "
            "label is a starting point; the expected value decides how much effort each gets."
        ),
        code=(
            _PURCHASES
            + "scores = seg.rfm_scores(rfm, bins=5)\n"
            "segments = seg.rfm_segments(scores, bins=5)\n"
            "dec = seg.segment_decisions(purchases, segments, as_of=as_of, margin=0.25, amount_col='net_amount')\n"
            "win_back = dec.table[dec.table['action'] == 'win back']\n"
            "answer = win_back['margin_per_customer'].idxmax()\n"
        ),
        solver=_best_win_back,
        params={"as_of": AS_OF},
        tolerance="A label: exact (the ranking does not depend on the margin).",
    ),
)


QUIZ = (
    QuizQuestion(
        key="q1",
        text="A cross-tab gives p = 0.42 and Cramér's V = 0.02. What do you conclude?",
        choices=(("a", "the two attributes are strongly linked"),
                 ("b", "there is no evidence that the two attributes are linked"),
                 ("c", "the chi-square test cannot be used"),
                 ("d", "the link is strong but not significant")),
        salt="c25f13385e843e8b",
        digest="cf43fa70e7aec95d27eef4081381d900572ab32fb8c97cbc8d4096caa3fbbbfd",
        hint="A large p-value and a V near 0 — see the region x life-cycle cross-tab.",
    ),
    QuizQuestion(
        key="q2",
        text="ABC class A is…",
        choices=(("a", "the customers who, sorted by value from the top, make the first abc_a "
                       "share of total value"),
                 ("b", "the top 20% of customers, always"),
                 ("c", "the customers with an RFM score of 5 on R, F and M"),
                 ("d", "the business accounts with credit rating A")),
        salt="a4a22bd62fa0e648",
        digest="2368942a4cc8588dd38d721c42bbf39db6600f954f31e053110cc8a94d267da8",
        hint="Read the text above abc_classes in section 3: where does class A end?",
    ),
    QuizQuestion(
        key="q3",
        text="An adjusted Rand index of 0 between the clusters and the true segments means…",
        choices=(("a", "the two partitions are identical"),
                 ("b", "the number of clusters is wrong"),
                 ("c", "the agreement is no better than chance"),
                 ("d", "the clusters are perfectly stable")),
        salt="7ac73567f59e41e1",
        digest="af07fa4f0b7708a28afbfaae85ab31d0debe0fa95b688e1a74313ec0bf967994",
        hint="The ARI is corrected for chance: 1 is identical, 0 is…",
    ),
)
