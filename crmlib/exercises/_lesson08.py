"""Exercises and quiz of lesson 08 (cross-selling).

Solvers use the lesson's defaults on the default data: completed orders of all regions, the
order as the basket and the product category as the item, and the relationship funnel with the
lesson's step rules at the end of the data window.
"""

from __future__ import annotations

from typing import Any

from crmlib.exercises._display import QuizQuestion
from crmlib.exercises._exercise import Exercise
from crmlib.exercises._kinds import Number

__all__ = ["EXERCISES", "QUIZ"]


def _category_lines(data: Any):
    done = data.orders[data.orders["status"] == "completed"]
    lines = data.order_lines[data.order_lines["order_id"].isin(done["order_id"])]
    return done, lines.merge(data.products[["product_id", "category"]], on="product_id")


def _pair_support(data: Any, *, a: str = "grocery", b: str = "personal_care") -> float:
    import crmlib.basket as bk

    _, lines = _category_lines(data)
    pairs = bk.pair_lifts(bk.frequent_itemsets(bk.basket_matrix(lines, item="category"), 1e-6, max_len=2))
    key = (a, b) if (a, b) in pairs.index else (b, a)
    return 100 * float(pairs.loc[key, "support"])


def _rule_lift(data: Any, *, antecedent: str = "baby", consequent: str = "apparel") -> float:
    import crmlib.basket as bk

    _, lines = _category_lines(data)
    its = bk.frequent_itemsets(bk.basket_matrix(lines, item="category"), 1e-6, max_len=2)
    t = bk.association_rules(its, min_confidence=0).table
    row = t[(t["antecedent"] == (antecedent,)) & (t["consequent"] == consequent)]
    return float(row["lift"].iloc[0])


def _cross_buyers(data: Any, *, as_of: str = "2025-12-28") -> float:
    import crmlib.basket as bk

    done, lines = _category_lines(data)
    items = lines.merge(done[["order_id", "customer_id"]], on="order_id").rename(columns={"category": "item"})
    funnel = bk.relationship_funnel(done, items, as_of=as_of)
    return 100 * float(funnel.loc["cross_buy", "customers"] / funnel.loc["trial", "customers"])


_DATA = ("import crmlib.basket as bk\n"
         "done = data.orders[data.orders['status'] == 'completed']\n"
         "lines = data.order_lines[data.order_lines['order_id'].isin(done['order_id'])]"
         ".merge(data.products[['product_id', 'category']], on='product_id')\n")

EXERCISES = (
    Exercise(
        id="08.1",
        title="How often grocery and personal care share a basket",
        prompt=(
            "On the completed orders of all regions, with the order as the basket and the "
            "product category as the item, what share of baskets hold both a grocery and a "
            "personal_care line? Give the support in percent with 2 decimals."
        ),
        kind=Number("the support in percent (e.g. 12.34)", atol=0.005, decimals=2,
                    close_hint="support counts baskets holding both, over all baskets (not lines)"),
        hints=("`bk.pair_lifts(bk.frequent_itemsets(bk.basket_matrix(lines, item='category'), "
               "1e-6, max_len=2))` has a `support` column.",),
        solution=(
            "Support is a share of baskets, so an order with two grocery lines and one personal "
            "care line counts once. Most orders have one line, which is why even the two most "
            "common categories share few baskets."
        ),
        code=_DATA + "pairs = bk.pair_lifts(bk.frequent_itemsets(bk.basket_matrix(lines, item='category'), "
                     "1e-6, max_len=2))\n"
                     "answer = round(100 * pairs.loc[('grocery', 'personal_care'), 'support'], 2)\n",
        solver=_pair_support,
        params={"a": "grocery", "b": "personal_care"},
        tolerance="Rounded to 2 decimal places: 0.005 (counting is exact).",
    ),
    Exercise(
        id="08.2",
        title="The lift of baby => apparel",
        prompt=(
            "Same baskets as 08.1. What is the lift of the rule {baby} => {apparel}? Give it "
            "with 3 decimals, and say whether baby buyers are more or less likely than an "
            "average basket to hold apparel."
        ),
        kind=Number("the lift (e.g. 1.234)", atol=0.0005, decimals=3,
                    close_hint="lift is the confidence over the consequent's support"),
        hints=("`bk.association_rules(itemsets, min_confidence=0).table` has `antecedent` "
               "(a tuple) and `consequent` columns.",),
        solution=(
            "A lift below 1: a basket with a baby line holds apparel less often than an average "
            "basket. Families in the full-nest stage spend their few lines on baby goods; the "
            "customers who favour apparel are mostly young singles and couples, who buy no baby "
            "goods at all (ground_truth.json, category_mix)."
        ),
        code=_DATA + "its = bk.frequent_itemsets(bk.basket_matrix(lines, item='category'), 1e-6, max_len=2)\n"
                     "t = bk.association_rules(its, min_confidence=0).table\n"
                     "answer = round(t[(t['antecedent'] == ('baby',)) & (t['consequent'] == 'apparel')]"
                     "['lift'].iloc[0], 3)\n",
        solver=_rule_lift,
        params={"antecedent": "baby", "consequent": "apparel"},
        tolerance="Rounded to 3 decimal places: 0.0005 (counting is exact).",
    ),
    Exercise(
        id="08.3",
        title="How many customers cross-buy",
        prompt=(
            "With the lesson's funnel rules at the end of the data (as_of 2025-12-28) and the "
            "product category as the item, what share of the customers who made a first "
            "purchase (trial) reach the cross-buy step (two or more purchase days and two or "
            "more categories)? Give it in percent with 2 decimals."
        ),
        kind=Number("the share in percent (e.g. 12.34)", atol=0.005, decimals=2,
                    close_hint="cross-buy needs a repeat purchase day as well as two categories"),
        hints=("`bk.relationship_funnel(orders, items, as_of=...)` needs (customer, item) rows "
               "for `items`.",),
        solution=(
            "Nearly every repeat buyer also buys a second category, because each order draws its "
            "lines from the customer's whole category mix: in this business, getting the second "
            "purchase is the hard step, not the second category."
        ),
        code=_DATA + "items = lines.merge(done[['order_id', 'customer_id']], on='order_id')"
                     ".rename(columns={'category': 'item'})\n"
                     "funnel = bk.relationship_funnel(done, items, as_of='2025-12-28')\n"
                     "answer = round(100 * funnel.loc['cross_buy', 'customers'] / "
                     "funnel.loc['trial', 'customers'], 2)\n",
        solver=_cross_buyers,
        params={"as_of": "2025-12-28"},
        tolerance="Rounded to 2 decimal places: 0.005 (counting is exact).",
    ),
    Exercise(
        id="08.4",
        title="Why every category lift is below 1",
        prompt=(
            "Every category pair of the default data has a lift below 1, yet the generator gives "
            "some customers strong tastes for several categories. Explain both facts with the "
            "number of lines per order."
        ),
        kind=None,
        hints=("How many categories can an order with one line hold?",),
        solution=(
            "Two thirds of the orders have a single line, so they can hold one category only: "
            "categories compete for the few lines of a basket, which pushes the pair support "
            "below the product of the supports. The mixture of customers (and of basket sizes) "
            "pulls the other way, and decides the ranking: pairs a segment favours together "
            "(electronics and apparel for premium professionals) have the highest lift. Compare "
            "lifts with each other or with the truth's expected lift, not with 1."
        ),
    ),
    Exercise(
        id="08.5",
        title="From a rule to a campaign",
        prompt=(
            "The decision table expects a number of buyers from each offer's confidence. Why "
            "is that an upper bound on what the offer adds, and how would you measure what it "
            "adds?"
        ),
        kind=None,
        hints=("Would the customers with the antecedent have bought the consequent anyway?",),
        solution=(
            "Confidence says how often customers who bought A also bought B — without any offer. "
            "Many of them would buy B anyway; the offer adds only the difference it makes. Run "
            "the offer as a randomised test (lesson 05): offer it to a random half of the target "
            "customers and compare their purchases of B with the other half's, then target by "
            "the uplift."
        ),
    ),
)

QUIZ = (
    QuizQuestion(
        key="q1",
        text="A rule {bread} => {whole milk} has confidence 0.40 and whole milk is in 25% of baskets. Its lift is",
        choices=(("a", "0.40"), ("b", "1.6"), ("c", "0.10"), ("d", "0.65")),
        salt="5a1c9e07d3b2f846",
        digest="9635986a26abfc8409f44853bfdcf4f819cf9305ce93c0ea97bb7da0d086a835",
        hint="Lift compares the confidence with the consequent's own share of baskets.",
    ),
    QuizQuestion(
        key="q2",
        text="Rules to a best-seller show high confidence because",
        choices=(("a", "the best-seller is in many baskets whatever else is in them"),
                 ("b", "best-sellers are bought together with each other"),
                 ("c", "confidence is symmetric"),
                 ("d", "support is anti-monotone")),
        salt="c47e2b9150da6f13",
        digest="3ba22f5c1eae3af8d7468c9887919c8430998b280f029413837092d685a6e607",
        hint="What is the confidence of a rule whose two sides are independent?",
    ),
    QuizQuestion(
        key="q3",
        text="Single-item consequents (R's arules) and mlxtend's association_rules differ because mlxtend",
        choices=(("a", "counts support differently"),
                 ("b", "also returns rules with several items on the right, so it finds more rules"),
                 ("c", "drops rules with lift below 1"),
                 ("d", "uses customers, not baskets")),
        salt="8e03f6a2d915c7b4",
        digest="944134dd1e74513a63ad794fc6423afaa08ba8a6f1167365a652b3ebc6c19ae8",
        hint="How many ways can an itemset of three items be split into two sides?",
    ),
)
