"""Next-best offers from association rules, a popularity baseline, and their hit rate at k."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from crmlib._validation import check_choice, check_columns, check_int, format_examples
from crmlib.basket._rules import Rules
from crmlib.exceptions import ParameterError

__all__ = ["next_best_offers", "offer_hit_rates", "offer_plan", "popularity_offers"]

_OUT = ["customer", "rank", "item", "score", "source"]


def _history(history: pd.DataFrame, customer: str, item: str, where: str) -> pd.DataFrame:
    if not isinstance(history, pd.DataFrame):
        raise ParameterError(f"{where}: 'history' must be a DataFrame of ({customer}, {item}) purchases.")
    check_columns(list(history.columns), [customer, item], where=where,
                  hint="Pass customer= and item= with your column names.")
    return history[[customer, item]].drop_duplicates()


def popularity_offers(history: pd.DataFrame, customers, *, k: int = 3, customer: str = "customer_id",
                      item: str = "item") -> pd.DataFrame:
    """The ``k`` items bought by most customers in ``history`` that each customer has not bought.

    A customer with no history gets the ``k`` most popular items.

    Returns
    -------
    pandas.DataFrame
        ``customer``, ``rank`` (1..k), ``item``, ``score`` (share of customers who bought the
        item) and ``source`` (``"popularity"``).
    """
    where = "popularity_offers"
    k = check_int(k, "k", where=where, low=1)
    h = _history(history, customer, item, where)
    pop = h[item].value_counts(sort=False) / max(h[customer].nunique(), 1)
    pop = pop.iloc[np.lexsort((pop.index.astype(str), -pop.to_numpy()))]
    top = list(pop.index[: k + 50])
    owned = h.groupby(customer, observed=True)[item].agg(set).to_dict()
    rows = []
    for c in pd.unique(pd.Series(list(customers), dtype=object)):
        have = owned.get(c, set())
        picks = [x for x in top if x not in have][:k]
        if len(picks) < k:  # rare: the customer owns most of the top items
            picks = [x for x in pop.index if x not in have][:k]
        rows.extend((c, r + 1, x, float(pop[x]), "popularity") for r, x in enumerate(picks))
    return pd.DataFrame(rows, columns=_OUT)


def next_best_offers(rules: Rules, history: pd.DataFrame, customers=None, *, k: int = 3,
                     by: str = "confidence", customer: str = "customer_id", item: str = "item") -> pd.DataFrame:
    """The ``k`` best offers per customer from single-consequent rules, over their history.

    A rule applies to a customer when every item of its antecedent is in the customer's
    history (all their past purchases, as one set) and its consequent is not; an item's score is
    the largest ``by`` (confidence or lift) of the rules that offer it. Items already bought are
    never offered. When fewer than ``k`` rules apply — in particular for a customer with no
    history — the remaining places are filled with the most popular items they have not bought
    (:func:`popularity_offers`), marked ``source="popularity"``.

    Parameters
    ----------
    rules : Rules
        With ``consequents="single"``.
    history : pandas.DataFrame
        Past purchases, one row per (customer, item) (repeats are fine).
    customers : sequence, optional
        Customers to score (default: those of ``history``); ones without history get popular items.
    k : int
    by : {"confidence", "lift"}

    Returns
    -------
    pandas.DataFrame
        ``customer``, ``rank``, ``item``, ``score`` and ``source`` (``"rule"`` or ``"popularity"``).

    Examples
    --------
    >>> from crmlib.basket import association_rules, baskets_from_lists, frequent_itemsets
    >>> b = baskets_from_lists([["a", "b"], ["a", "b"], ["a", "c"], ["c"]])
    >>> r = association_rules(frequent_itemsets(b, 0.25), min_confidence=0.5)
    >>> h = pd.DataFrame({"customer_id": ["u"], "item": ["b"]})
    >>> next_best_offers(r, h, ["u", "new"], k=1)[["customer", "item", "source"]].values.tolist()
    [['u', 'a', 'rule'], ['new', 'b', 'popularity']]
    """
    where = "next_best_offers"
    if not isinstance(rules, Rules) or rules.consequents != "single":
        raise ParameterError(f"{where}: 'rules' must be the Rules of association_rules with "
                             "consequents='single'.")
    k = check_int(k, "k", where=where, low=1)
    check_choice(by, "by", ["confidence", "lift"], where=where)
    h = _history(history, customer, item, where)
    custs = pd.unique(h[customer]) if customers is None else pd.unique(pd.Series(list(customers), dtype=object))
    t = rules.table
    universe = pd.Index(pd.unique(pd.concat([h[item].astype(object), t["consequent"].astype(object),
                                             pd.Series([x for a in t["antecedent"] for x in a], dtype=object)])))
    cidx = pd.Index(custs)
    hh = h[h[customer].isin(cidx)]
    H = sp.csr_matrix((np.ones(len(hh)), (cidx.get_indexer(hh[customer]), universe.get_indexer(hh[item]))),
                      shape=(len(cidx), len(universe)))
    rows = []
    if len(t):
        a_rows = np.repeat(np.arange(len(t)), [len(a) for a in t["antecedent"]])
        a_cols = universe.get_indexer([x for a in t["antecedent"] for x in a])
        A = sp.csr_matrix((np.ones(len(a_rows)), (a_rows, a_cols)), shape=(len(t), len(universe)))
        M = (H @ A.T).tocoo()
        need = np.array([len(a) for a in t["antecedent"]], dtype=np.float64)
        ok = M.data >= need[M.col] - 0.5
        cand = pd.DataFrame({"c": M.row[ok], "i": universe.get_indexer(t["consequent"].to_numpy())[M.col[ok]],
                             "score": t[by].to_numpy()[M.col[ok]]})
        owned = np.asarray(H[cand["c"].to_numpy(), cand["i"].to_numpy()]).ravel() > 0
        cand = cand[~owned].groupby(["c", "i"], sort=False)["score"].max().reset_index()
        cand["name"] = universe[cand["i"]].astype(str)
        cand = cand.sort_values(["c", "score", "name"], ascending=[True, False, True], kind="stable")
        cand["rank"] = cand.groupby("c").cumcount() + 1
        cand = cand[cand["rank"] <= k]
        rows.append(pd.DataFrame({"customer": cidx[cand["c"]], "rank": cand["rank"].to_numpy(),
                                  "item": universe[cand["i"]], "score": cand["score"].to_numpy(),
                                  "source": "rule"}))
    got = pd.concat(rows) if rows else pd.DataFrame(columns=_OUT)
    n_got = got.groupby("customer").size().reindex(cidx, fill_value=0)
    short = cidx[n_got.to_numpy() < k]
    if len(short):
        if len(h) == 0:
            raise ParameterError(f"{where}: 'history' is empty; there is nothing to rank popular items by.")
        offered = got[got["customer"].isin(short)][["customer", "item"]].rename(columns={"customer": customer, "item": item})
        pop = _fill(h, offered, short, k, customer, item)
        pop["rank"] = pop["rank"] + n_got.reindex(pop["customer"]).to_numpy()
        pop = pop[pop["rank"] <= k]
        # the popularity score is a share of customers, not comparable with a rule's score
        got = pd.concat([got, pop])
    order = pd.Series(np.arange(len(cidx)), index=cidx)
    got = got.assign(_o=order.reindex(got["customer"]).to_numpy())
    got = got.sort_values(["_o", "rank"], kind="stable").drop(columns="_o")
    return got.reset_index(drop=True).astype({"rank": np.int64, "score": np.float64})


def _fill(h, offered, short, k, customer, item):
    """Popularity offers for ``short`` customers, skipping what they own or were offered."""
    pop = h[item].value_counts(sort=False) / max(h[customer].nunique(), 1)
    pop = pop.iloc[np.lexsort((pop.index.astype(str), -pop.to_numpy()))]
    taken = pd.concat([h, offered]).groupby(customer, observed=True)[item].agg(set).to_dict()
    rows = []
    for c in short:
        have = taken.get(c, set())
        picks = [x for x in pop.index if x not in have][:k]
        rows.extend((c, r + 1, x, float(pop[x]), "popularity") for r, x in enumerate(picks))
    return pd.DataFrame(rows, columns=_OUT)


def offer_hit_rates(offers: dict[str, pd.DataFrame], future: pd.DataFrame, history: pd.DataFrame, *,
                    k: int, customer: str = "customer_id", item: str = "item") -> pd.DataFrame:
    """Hit rate at ``k`` of several offer lists on the purchases after a time split.

    A customer is evaluated when they bought, after the split, at least one item absent from
    their history (the only purchases an offer of new items can hit); a hit is one of their top
    ``k`` offers among those new items. ``se`` is the binomial standard error; ``diff_se`` the
    standard error of each list's difference from the first list (paired over the same
    customers).

    Returns
    -------
    pandas.DataFrame
        Index: the keys of ``offers``; columns ``customers``, ``hits``, ``hit_rate``, ``se``,
        ``diff``, ``diff_se``.
    """
    where = "offer_hit_rates"
    k = check_int(k, "k", where=where, low=1)
    f = _history(future, customer, item, where)
    h = _history(history, customer, item, where)
    new = f.merge(h, how="left", indicator=True)
    new = new[new["_merge"] == "left_only"][[customer, item]]
    evaluated = pd.Index(pd.unique(new[customer]))
    key = set(zip(new[customer], new[item]))
    hits = {}
    for name, o in offers.items():
        top = o[(o["rank"] <= k) & o["customer"].isin(evaluated)]
        hit = {c for c, x in zip(top["customer"], top["item"]) if (c, x) in key}
        hits[name] = np.isin(evaluated, list(hit)) if len(evaluated) else np.zeros(0, bool)
    n = len(evaluated)
    first = next(iter(hits.values())) if hits else None
    rows = {}
    for name, v in hits.items():
        p = float(v.mean()) if n else float("nan")
        d = v.astype(float) - first.astype(float)
        rows[name] = {"customers": n, "hits": int(v.sum()), "hit_rate": p,
                      "se": float(np.sqrt(p * (1 - p) / n)) if n else float("nan"),
                      "diff": float(d.mean()) if n else float("nan"),
                      "diff_se": float(d.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")}
    return pd.DataFrame(rows).T.astype({"customers": np.int64, "hits": np.int64})


def offer_plan(offers: pd.DataFrame, margin: pd.Series, *, base_rate: pd.Series | None = None,
               top: int | None = 10) -> pd.DataFrame:
    """The decision table of a list of offers: per offered item, whom, how many, what margin.

    Parameters
    ----------
    offers : pandas.DataFrame
        From :func:`next_best_offers` (``score`` read as the chance the customer buys the item:
        a rule's confidence; for a popularity offer, the share of customers who bought it).
    margin : pandas.Series
        Gross margin of one purchase of each item (e.g. the mean line margin), by item.
    base_rate : pandas.Series, optional
        Share of all customers who bought each item: with it, ``lift`` = ``mean_score`` over
        the base rate (how much likelier the targeted customers are to buy it than anyone).
    top : int, optional
        Keep the items with the largest expected margin.

    Returns
    -------
    pandas.DataFrame
        Index: item; ``customers`` (offered it), ``from_rules`` (share of those offers that a
        rule made), ``mean_score``, ``lift`` (with ``base_rate``), ``expected_buyers`` (sum of the scores), ``margin_per_purchase``
        and ``expected_margin`` (buyers x margin), largest first.
    """
    where = "offer_plan"
    check_columns(list(offers.columns), ["customer", "item", "score", "source"], where=where)
    g = offers.assign(rule=offers["source"].eq("rule")).groupby("item", sort=False)
    out = pd.DataFrame({"customers": g.size(), "from_rules": g["rule"].mean(), "mean_score": g["score"].mean(),
                        "expected_buyers": g["score"].sum()})
    missing = out.index.difference(margin.index)
    if len(missing):
        raise ParameterError(f"{where}: 'margin' has no value for {len(missing)} offered items (e.g. "
                             f"{format_examples(missing)}); pass the margin of every item.")
    if base_rate is not None:
        out.insert(3, "lift", out["mean_score"] / base_rate.reindex(out.index).to_numpy(dtype=np.float64))
    out["margin_per_purchase"] = margin.reindex(out.index).to_numpy(dtype=np.float64)
    out["expected_margin"] = out["expected_buyers"] * out["margin_per_purchase"]
    out = out.sort_values("expected_margin", ascending=False, kind="stable")
    out.index.name = "item"
    return out.head(top) if top is not None else out
