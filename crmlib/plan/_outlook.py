"""What next year looks like if the business carries on: the baselines and model ranges that
the plan's targets are set against.

Each function returns a :class:`Outlook` — the KPI's value over the last year
(``baseline``), the model's expectation for the plan year (``expected``) and its range
(``low``, ``high``), with the model named in ``source``:

- :func:`revenue_outlook` — the order log's completed revenue, forecast 52 weeks ahead
  with :func:`crmlib.market.forecast` (STL + damped trend, lesson 01);
- :func:`retention_outlook` — the share of last year's buyers who buy again within the
  plan year, from the BG/NBD model of lesson 03 (:class:`crmlib.value.BGNBD`);
- :func:`share_outlook` — our share of the market (lesson 01's market table) if the market
  keeps its growth rate and our revenue follows :func:`revenue_outlook`;
- :func:`cross_sell_outlook` — how often lesson 08's next-best offers are bought, against
  offering the best-sellers;
- :func:`nps_outlook` — NPS now and after improving lesson 07's first driver.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from crmlib._validation import check_columns, check_real
from crmlib.exceptions import DataError

__all__ = ["Outlook", "cross_sell_outlook", "nps_outlook", "retention_outlook", "revenue_outlook", "share_outlook"]


@dataclass(frozen=True)
class Outlook:
    """A KPI's last-year value and the model's expectation and range for the plan year."""

    kpi: str
    unit: str
    baseline: float
    expected: float
    low: float
    high: float
    source: str
    note: str = ""

    def as_target(self, *, ambition: float = 0.0, **fields: Any) -> dict:
        """A row for :func:`crmlib.plan.plan_targets`: the target is the expectation moved
        ``ambition`` of the way towards the optimistic end of the range (0: the expectation,
        1: the optimistic end)."""
        check_real(ambition, "ambition", where="Outlook.as_target", low=0, high=1)
        target = self.expected + ambition * (self.high - self.expected)
        return {"kpi": self.kpi, "unit": self.unit, "baseline": self.baseline, "expected": self.expected,
                "target": target, "low": self.low, "high": self.high, "source": self.source, **fields}


def _completed(orders: pd.DataFrame, status_col: str | None) -> pd.DataFrame:
    if status_col is not None and status_col in orders:
        return orders[orders[status_col] == "completed"]
    return orders


def revenue_outlook(orders: pd.DataFrame, *, as_of: Any, date_col: str = "order_date",
                    amount_col: str = "net_amount", status_col: str | None = "status",
                    alpha: float = 0.1) -> Outlook:
    """Completed revenue over the 52 weeks to ``as_of`` and the forecast of the next 52.

    The weekly forecast's ``1 - alpha`` bounds are summed over the year: that treats the
    weeks' errors as perfectly correlated, a wide (conservative) range for the year's total.
    With fewer than three years of weeks the forecast cannot calibrate its interval by
    rolling origin and says so; that note is carried into ``note``.

    Raises
    ------
    DataError
        Fewer than two years of weeks before ``as_of`` (the yearly season needs two cycles).
    """
    from crmlib.market import forecast

    check_columns(orders, [date_col, amount_col], where="revenue_outlook")
    end = pd.Timestamp(as_of)
    done = _completed(orders, status_col)
    done = done[pd.to_datetime(done[date_col]) <= end]
    weekly = done.set_index(pd.to_datetime(done[date_col]))[amount_col].resample("W-SUN").sum()
    weekly = weekly[weekly.index <= end]
    if len(weekly) < 104:
        raise DataError(f"revenue_outlook: {len(weekly)} weeks of orders up to {end.date()}; the forecast needs "
                        "at least 104 (two yearly cycles). Plan a later year or load more history.")
    f = forecast(weekly, horizon=52, alpha=alpha)
    note = "; ".join(["range: the weekly bounds summed (errors taken as perfectly correlated)",
                      *f.attrs.get("notes", ())])
    return Outlook("revenue", "yuan", float(weekly.iloc[-52:].sum()), float(f["mean"].sum()),
                   float(f["lower"].sum()), float(f["upper"].sum()),
                   "01 crmlib.market.forecast (weekly completed revenue, 52 weeks ahead)", note)


def retention_outlook(orders: pd.DataFrame, *, as_of: Any, customer_col: str = "customer_id",
                      date_col: str = "order_date", status_col: str | None = "status",
                      alpha: float = 0.1) -> Outlook:
    """Share of the year's buyers who buy again in the next 52 weeks.

    ``baseline``: of the customers who bought in the 52 weeks before the last year, the
    share who bought in the last year (what happened). ``expected``: of the last year's
    buyers, the mean BG/NBD probability of at least one purchase in the next 52 weeks, with
    the Poisson-binomial normal range of the realised share (parameter uncertainty not
    included: it is small at thousands of customers, see lesson 03).
    """
    from crmlib.value import BGNBD, rfm_weeks

    check_columns(orders, [customer_col, date_col], where="retention_outlook")
    end = pd.Timestamp(as_of)
    done = _completed(orders, status_col)
    when = pd.to_datetime(done[date_col])
    done = done[when <= end]
    when = when[when <= end]
    year = pd.Timedelta(weeks=52)
    last = set(done.loc[when > end - year, customer_col])
    before = set(done.loc[(when > end - 2 * year) & (when <= end - year), customer_col])
    if not before or not last:
        raise DataError(f"retention_outlook: no buyers in one of the two years before {end.date()}; retention "
                        "needs two years of orders.")
    baseline = len(before & last) / len(before)
    summary = rfm_weeks(done.rename(columns={customer_col: "customer_id", date_col: "order_date"}),
                        amount_col=None, as_of=end)
    model = BGNBD().fit(summary)
    buyers = summary.loc[summary.index.isin(list(last))]
    p = 1 - np.asarray(model.probability_no_purchase(buyers, t=52.0), dtype=float)
    mean = float(p.mean())
    sd = math.sqrt(float(np.sum(p * (1 - p)))) / len(p)
    z = NormalDist().inv_cdf(1 - alpha / 2)
    return Outlook("retention", "share of last year's buyers", baseline, mean, max(mean - z * sd, 0.0),
                   min(mean + z * sd, 1.0), "03 crmlib.value.BGNBD (P(at least one purchase in 52 weeks))",
                   "range: sampling of the realised share given the model; parameter uncertainty not included")


def share_outlook(market: pd.DataFrame, revenue: Outlook, *, region: str | None, year: int,
                  brand: str = "Our retailer") -> Outlook:
    """Our market share in the plan year if the market grows at its average rate so far and
    our revenue grows as ``revenue`` expects (its range gives the share's range).

    ``market`` is lesson 01's table (``year, region, brand, market_size, revenue``); the
    last year before ``year`` is the baseline; ``region=None`` sums all regions.
    """
    check_columns(market, ["year", "region", "brand", "market_size", "revenue"], where="share_outlook")
    m = market if region is None else market[market["region"] == region]
    if m.empty:
        raise DataError(f"share_outlook: no market rows for region {region!r} "
                        f"(regions: {sorted(market['region'].unique())}).")
    m = m[m["year"] < year]
    years = sorted(m["year"].unique())
    if len(years) < 2:
        raise DataError(f"share_outlook: market data for {len(years)} year(s) before {year}; the growth rate "
                        "needs at least two.")
    size = m.drop_duplicates(["year", "region"]).groupby("year")["market_size"].sum()
    ours = m[m["brand"] == brand].groupby("year")["revenue"].sum()
    if ours.empty:
        raise DataError(f"share_outlook: brand {brand!r} is not in the market table.")
    last = years[-1]
    growth = (size[last] / size[years[0]]) ** (1 / (last - years[0]))
    base = float(ours[last] / size[last])
    scale = lambda v: base * (v / revenue.baseline) / growth  # noqa: E731
    return Outlook("market share", "share of market revenue", base, scale(revenue.expected), scale(revenue.low),
                   scale(revenue.high),
                   "01 crmlib.market (market size growth) with the revenue outlook",
                   f"market growing {growth - 1:+.1%} a year (its average {years[0]}-{last})")


def cross_sell_outlook(lines: pd.DataFrame, *, as_of: Any, k: int = 3, test_weeks: int = 26,
                       min_support: float = 0.01, customer_col: str = "customer_id",
                       date_col: str = "order_date", item_col: str = "product_id",
                       alpha: float = 0.1) -> Outlook:
    """Hit rate at ``k`` of lesson 08's next-best offers, judged on the last ``test_weeks``.

    The rules are mined on customers' purchase histories before ``as_of - test_weeks``
    (:func:`crmlib.basket.association_rules` on pairs of items bought by the same customer,
    at ``min_support`` of customers) and their top ``k`` new items per customer are scored
    on what customers bought after (:func:`crmlib.basket.offer_hit_rates`). ``baseline`` is
    the hit rate of offering the most popular items instead (an untargeted offer),
    ``expected`` the rules' hit rate and the range its ``1 - alpha`` binomial interval.
    """
    import crmlib.basket as bk

    check_columns(lines, [customer_col, date_col, item_col], where="cross_sell_outlook")
    end = pd.Timestamp(as_of)
    split = end - pd.Timedelta(weeks=test_weeks)
    when = pd.to_datetime(lines[date_col])
    past = lines[when < split].rename(columns={customer_col: "customer_id", item_col: "item"})
    future = lines[(when >= split) & (when <= end)].rename(columns={customer_col: "customer_id", item_col: "item"})
    if past.empty or future.empty:
        raise DataError(f"cross_sell_outlook: no purchases before or after {split.date()} (as_of minus "
                        f"{test_weeks} weeks); the offers need a history and a period to judge them on.")
    history = past[["customer_id", "item"]]
    histories = bk.basket_matrix(history, basket="customer_id", item="item")
    rules = bk.association_rules(bk.frequent_itemsets(histories, min_support, max_len=2), min_confidence=0)
    customers = pd.unique(lines[customer_col])
    hits = bk.offer_hit_rates({"popularity": bk.popularity_offers(history, customers, k=k),
                               "rules": bk.next_best_offers(rules, history, customers, k=k)},
                              future[["customer_id", "item"]], history, k=k)
    z = NormalDist().inv_cdf(1 - alpha / 2)
    r = hits.loc["rules"]
    return Outlook("offer hit rate", f"share of customers buying one of their {k} offers",
                   float(hits.loc["popularity", "hit_rate"]), float(r["hit_rate"]),
                   max(float(r["hit_rate"] - z * r["se"]), 0.0), min(float(r["hit_rate"] + z * r["se"]), 1.0),
                   f"08 crmlib.basket.next_best_offers and offer_hit_rates (the last {test_weeks} weeks)",
                   f"baseline: offering the {k} most popular new items; range: binomial, {int(r['customers']):,} customers")


def nps_outlook(survey: pd.DataFrame, *, as_of: Any, improvement: float = 0.05, scale: tuple[float, float] = (1, 5),
                outcome: str = "overall_satisfaction", nps_col: str = "nps", date_col: str = "survey_date",
                n_boot: int = 40, alpha: float = 0.1, seed: int = 0) -> Outlook:
    """NPS now and after improving lesson 07's first driver by ``improvement`` of its scale.

    The drivers are the item scales of the survey (columns ``q_<driver>_<k>``, averaged per
    respondent); :func:`crmlib.satisfaction.driver_decision` ranks them and gives the
    expected NPS gain of the first one with its bootstrap standard error. ``expected`` is
    today's NPS plus that gain; the range combines the NPS's sampling error and the gain's.
    Respondents after ``as_of`` are left out.
    """
    import crmlib.satisfaction as sat

    check_columns(survey, [outcome, nps_col, date_col], where="nps_outlook")
    check_real(improvement, "improvement", where="nps_outlook", low=0, high=1, low_inclusive=False)
    s = survey[pd.to_datetime(survey[date_col]) <= pd.Timestamp(as_of)].reset_index(drop=True)
    if len(s) < 30:
        raise DataError(f"nps_outlook: {len(s)} respondents up to {pd.Timestamp(as_of).date()}; at least 30 are "
                        "needed for an NPS and its drivers.")
    scales: dict[str, list[str]] = {}
    for c in s.columns:
        parts = str(c).split("_")
        if len(parts) >= 3 and parts[0] == "q":
            scales.setdefault(parts[1], []).append(c)
    if not scales:
        raise DataError("nps_outlook: no item columns named q_<driver>_<k> in the survey; the drivers come from them.")
    frame = s.assign(**{d: s[items].mean(axis=1) for d, items in scales.items()})
    drivers = list(scales)
    kd = sat.key_drivers(frame, outcome, drivers, n_boot=n_boot, alpha=alpha, seed=seed)
    ipm = sat.importance_performance(kd.table["shapley_share"], frame[drivers].mean())
    response = sat.nps_response(frame, n_boot=max(n_boot // 4, 10), seed=seed)
    decision = sat.driver_decision(kd.table, ipm, survey=frame, response=response,
                                   step=improvement * (scale[1] - scale[0]), scale_max=scale[1])
    first = decision.index[0]
    score = sat.nps(frame[nps_col], alpha=alpha)
    gain, gain_se = float(decision.loc[first, "gain_nps"]), float(decision.loc[first, "gain_nps_se"])
    z = NormalDist().inv_cdf(1 - alpha / 2)
    half = z * math.sqrt(score.se ** 2 + gain_se ** 2)
    expected = float(score.nps) + gain
    return Outlook("NPS", "points", float(score.nps), expected, expected - half, expected + half,
                   f"07 crmlib.satisfaction.nps and driver_decision (improve {first} by {improvement:.0%} of its scale)",
                   f"{len(frame):,} respondents; expected gain {gain:+.1f} points (SE {gain_se:.1f}); range: the NPS's "
                   "sampling error and the gain's combined")
