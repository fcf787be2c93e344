"""The retention decision: whom to call first, ranked by expected margin at risk."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay
from crmlib._validation import check_real, format_examples
from crmlib.exceptions import DataError, ParameterError

__all__ = ["CallList", "CallListRanks", "call_list", "call_list_ranks"]


@dataclass(frozen=True, repr=False)
class CallList(SummaryDisplay):
    """A ranked call list with its break-even cut-off.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per customer, best call first, indexed by ``rank`` (1 = call first):
        ``customer`` (the keyed pseudonym, never the raw id), the extra columns passed,
        ``clv``, ``risk``, ``value_at_risk`` (= clv × risk), ``expected_saved``
        (= save_rate × value_at_risk), ``net_value`` (expected_saved − contact_cost) and
        ``call`` (True above the cut-off).
    contact_cost, save_rate : float
    threshold : float
        The cut-off on ``value_at_risk``: ``contact_cost / save_rate``.
    """

    _html_table = "top"
    _html_lines = 2
    _html_float = "{:,.2f}"

    table: pd.DataFrame
    contact_cost: float
    save_rate: float
    threshold: float

    @property
    def n_calls(self) -> int:
        """Customers above the cut-off (worth a call)."""
        return int(self.table["call"].sum())

    @property
    def calls(self) -> pd.DataFrame:
        """The rows above the cut-off."""
        return self.table[self.table["call"]]

    @property
    def expected_saved(self) -> float:
        """Total expected saved margin of the customers above the cut-off."""
        return float(self.calls["expected_saved"].sum())

    @property
    def net_value(self) -> float:
        """Expected saved margin minus the cost of the calls, over the customers above the cut-off."""
        return float(self.calls["net_value"].sum())

    @property
    def value_at_risk(self) -> float:
        """Total value at risk of every customer in the list (called or not)."""
        return float(self.table["value_at_risk"].sum())

    @property
    def top(self) -> pd.DataFrame:
        return self.table.head(10)

    def summary(self) -> str:
        return (
            f"Call list: {self.n_calls:,} of {len(self.table):,} customers are worth a call "
            f"(value at risk above {self.threshold:,.2f} = contact cost {self.contact_cost:,.2f} / "
            f"save rate {self.save_rate:.0%}).\n"
            f"Expected saved margin {self.expected_saved:,.0f}, net of call costs "
            f"{self.net_value:,.0f}; total value at risk {self.value_at_risk:,.0f}."
        )

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def call_list(
    clv: pd.Series, risk: pd.Series, *, contact_cost: float, save_rate: float,
    columns: pd.DataFrame | None = None, key: str | bytes | None = None,
) -> CallList:
    """Rank customers by expected margin at risk and mark those worth a retention call.

    ``value_at_risk = clv × risk``: the margin a customer is expected to bring (``clv``,
    e.g. :func:`customer_lifetime_value`) weighted by the probability that they are going
    quiet (``risk``, e.g. :meth:`BGNBD.probability_no_purchase` over the churn window). A call
    costs ``contact_cost`` and keeps the customer's value at risk with probability
    ``save_rate``, so it pays while ``save_rate × value_at_risk > contact_cost``, i.e. above
    the cut-off ``value_at_risk > contact_cost / save_rate``. Customers are ranked by value at
    risk (highest first; ties by CLV, then pseudonym, so the order is reproducible).

    Customer ids are replaced by keyed pseudonyms (:func:`crmlib.privacy.pseudonymize` with
    ``key``), and the contact columns of :data:`crmlib.privacy.CONTACT_COLUMNS` are dropped
    from ``columns``, so the table can be shown as it is.

    Parameters
    ----------
    clv, risk : pandas.Series
        Indexed by customer id, same customers; ``risk`` in [0, 1], ``clv`` >= 0.
    contact_cost : float >= 0
        Cost of one call (same currency as ``clv``).
    save_rate : float in (0, 1]
        Share of called customers whose value at risk the call keeps.
    columns : DataFrame, optional
        Extra columns to show (e.g. tier and points), indexed by customer id; missing
        customers get NaN.
    key : str or bytes, optional
        Pseudonym key (default: ``$CRMLIB_PSEUDONYM_KEY``, else the public teaching key).

    Returns
    -------
    CallList

    Examples
    --------
    >>> import pandas as pd
    >>> clv = pd.Series({"C1": 400.0, "C2": 100.0, "C3": 900.0})
    >>> risk = pd.Series({"C1": 0.5, "C2": 0.9, "C3": 0.01})
    >>> cl = call_list(clv, risk, contact_cost=10.0, save_rate=0.2, key="demo")
    >>> cl.table[["clv", "value_at_risk", "call"]]
             clv  value_at_risk   call
    rank
    1      400.0          200.0   True
    2      100.0           90.0   True
    3      900.0            9.0  False
    >>> cl.threshold, cl.n_calls, round(cl.expected_saved, 2)
    (50.0, 2, 58.0)
    """
    where = "call_list"
    from crmlib.privacy import CONTACT_COLUMNS, pseudonymize

    contact_cost = check_real(contact_cost, "contact_cost", where=where, low=0)
    save_rate = check_real(save_rate, "save_rate", where=where, low=0, high=1, low_inclusive=False)
    for name, s in (("clv", clv), ("risk", risk)):
        if not isinstance(s, pd.Series):
            raise ParameterError(
                f"The {name!r} parameter of {where} must be a pandas Series indexed by customer. "
                f"Got a {type(s).__name__}."
            )
    if not clv.index.equals(risk.index):
        only = clv.index.symmetric_difference(risk.index)
        if len(only) or len(clv) != len(risk):
            raise DataError(
                f"{where}: clv and risk must hold the same customers; {len(only)} are in only one "
                f"of them (e.g. {format_examples(only)}). Compute both on the same summary."
            )
        risk = risk.reindex(clv.index)
    c = clv.to_numpy("float64")
    p = risk.to_numpy("float64")
    if not np.all(np.isfinite(c)) or (c < 0).any():
        raise DataError(f"{where}: clv must be finite and >= 0; "
                        f"{int((~np.isfinite(c) | (c < 0)).sum())} values are not.")
    if not np.all(np.isfinite(p)) or ((p < 0) | (p > 1)).any():
        raise DataError(f"{where}: risk must be a probability in [0, 1]; "
                        f"{int((~np.isfinite(p) | (p < 0) | (p > 1)).sum())} values are not.")
    table = pd.DataFrame({"customer": pseudonymize(clv.index.to_series(), key=key).to_numpy()})
    if columns is not None:
        if not isinstance(columns, pd.DataFrame):
            raise ParameterError(
                f"The 'columns' parameter of {where} must be a DataFrame indexed by customer or "
                f"None. Got a {type(columns).__name__}."
            )
        drop = {n.lower() for n in CONTACT_COLUMNS}
        keep = [col for col in columns.columns if str(col).lower() not in drop]
        extra = columns[keep].reindex(clv.index)
        for col in keep:
            table[col] = extra[col].to_numpy()
    table["clv"] = c
    table["risk"] = p
    table["value_at_risk"] = c * p
    table["expected_saved"] = save_rate * table["value_at_risk"]
    table["net_value"] = table["expected_saved"] - contact_cost
    threshold = contact_cost / save_rate
    table["call"] = table["value_at_risk"] > threshold
    table = table.sort_values(["value_at_risk", "clv", "customer"], ascending=[False, False, True],
                              kind="mergesort")
    table.index = pd.RangeIndex(1, len(table) + 1, name="rank")
    return CallList(table=table, contact_cost=contact_cost, save_rate=save_rate,
                    threshold=float(threshold))


# =============================================================================================
# how sure is the order of the list?
# =============================================================================================
@dataclass(frozen=True, repr=False)
class CallListRanks(SummaryDisplay):
    """The call list's ranks and cut-off under the uncertainty of the fitted models.

    Attributes
    ----------
    table : pandas.DataFrame
        The customers in the order of the point call list (indexed by its ``rank``):
        ``customer`` (pseudonym), ``value_at_risk`` and its interval ``var_low``,
        ``var_high``, the rank's interval ``rank_low``, ``rank_high``, and ``p_call``, the
        share of draws in which the customer is above the cut-off.
    n_calls : pandas.Series
        Calls above the cut-off: ``point``, ``low``, ``high`` over the draws.
    threshold : float
    n_draws : int
    alpha : float
    """

    _html_table = "top"
    _html_lines = 2
    _html_float = "{:,.2f}"

    table: pd.DataFrame
    n_calls: pd.Series
    threshold: float
    n_draws: int
    alpha: float

    @property
    def top(self) -> pd.DataFrame:
        return self.table.head(10)

    @property
    def sure(self) -> int:
        """Customers above the cut-off in at least ``1 - alpha / 2`` of the draws."""
        return int((self.table["p_call"] >= 1 - self.alpha / 2).sum())

    @property
    def unsure(self) -> int:
        """Customers whose side of the cut-off changes between draws (neither sure nor never)."""
        p = self.table["p_call"]
        return int(((p > self.alpha / 2) & (p < 1 - self.alpha / 2)).sum())

    def summary(self) -> str:
        c = self.n_calls
        return (
            f"Calls above the cut-off {self.threshold:,.2f}: {c['point']:,.0f} "
            f"({100 * (1 - self.alpha):g}% interval {c['low']:,.0f} to {c['high']:,.0f}; "
            f"{self.n_draws} parameter draws).\n"
            f"{self.sure:,} customers are above it in almost every draw; {self.unsure:,} are on "
            f"either side depending on the draw (the margin of the list)."
        )

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def call_list_ranks(
    model, gamma_gamma, X: pd.DataFrame, *, churn_window: float, contact_cost: float,
    save_rate: float, n_draws: int = 100, alpha: float = 0.1, random_state: int | None = 0,
    key: str | bytes | None = None, **clv_options,
) -> CallListRanks:
    """How sure is the call list? Ranks and the cut-off redrawn from the models' uncertainty.

    The point list is :func:`call_list` of ``customer_lifetime_value(model, gamma_gamma, X,
    **clv_options)`` and ``model.probability_no_purchase(X, churn_window)``. Then ``n_draws``
    parameter vectors of both models are drawn (the parametric bootstrap of
    :func:`clv_interval`), and for each the value at risk, every customer's rank and the
    customers above the cut-off ``contact_cost / save_rate`` are recomputed. A customer with a
    wide rank interval, or a ``p_call`` between 0 and 1, is one whose place in the list the
    data do not settle: calling in list order is still right on average, but the order among
    them is a coin toss and the last calls are the least certain.

    Parameters
    ----------
    model : BGNBD, MBGNBD or ParetoNBD
    gamma_gamma : GammaGamma
    X : pandas.DataFrame
        ``frequency``, ``recency``, ``T``, ``monetary_value`` per customer.
    churn_window : float
        Weeks (time units) of the risk, as in ``probability_no_purchase``.
    contact_cost, save_rate : float
        As in :func:`call_list`.
    n_draws : int >= 10, default 100
    alpha : float, default 0.1
        The intervals are ``alpha / 2`` and ``1 - alpha / 2`` quantiles.
    random_state : int, optional
    key : str or bytes, optional
        Pseudonym key, as in :func:`call_list`.
    **clv_options
        ``horizon``, ``margin``, ``discount_rate``, ``periods_per_year``.

    Returns
    -------
    CallListRanks

    Examples
    --------
    >>> import numpy as np
    >>> from crmlib.value import BGNBD, GammaGamma
    >>> sim = BGNBD.simulate((0.5, 4.0, 0.8, 2.5), T=np.full(1500, 30.0), seed=3)
    >>> spend = np.random.default_rng(3).gamma(4.0, 12.0, len(sim))
    >>> sim["monetary_value"] = np.where(sim["frequency"] > 0, spend, 0.0)
    >>> bg, gg = BGNBD().fit(sim), GammaGamma().fit(sim)
    >>> ranks = call_list_ranks(bg, gg, sim, churn_window=26, contact_cost=1.0, save_rate=0.2,
    ...                         n_draws=20, horizon=26, key="demo")
    >>> ranks.table.columns.tolist()
    ['customer', 'value_at_risk', 'var_low', 'var_high', 'rank_low', 'rank_high', 'p_call']
    """
    from crmlib._validation import check_int
    from crmlib.privacy import pseudonymize
    from crmlib.value._clv import _clv_plan, _given_alive_sums, _Pairs, customer_lifetime_value
    from crmlib.value._diagnostics import _draw_models
    from crmlib.value._inputs import _purchase_params, _rfm_arrays

    where = "call_list_ranks"
    n_draws = check_int(n_draws, "n_draws", where=where, low=10)
    alpha = check_real(alpha, "alpha", where=where, low=0, high=1, low_inclusive=False)
    _purchase_params(model, where)
    clv = customer_lifetime_value(model, gamma_gamma, X, **clv_options)
    risk = model.probability_no_purchase(X, churn_window)
    point = call_list(clv, risk, contact_cost=contact_cost, save_rate=save_rate, key=key)
    rng = np.random.default_rng(random_state)
    pairs = zip(_draw_models(model, n_draws, rng, where), _draw_models(gamma_gamma, n_draws, rng, where),
                strict=True)
    n = len(X)
    plan = _clv_plan(where, **clv_options)
    x, t_x, T = _rfm_arrays(X, where)
    xs, ms = gamma_gamma._spend_inputs(X, where)
    groups = _Pairs(x, T)
    values = np.empty((n_draws, n))
    with np.errstate(all="ignore"):
        for j, (m, g) in enumerate(pairs):
            p = m.params_.to_numpy("float64")
            discounted, _ = _given_alive_sums(m, p, groups, plan, where)
            clv_j = (plan.margin * gamma_gamma._spend(g.params_.to_numpy("float64"), xs, ms)
                     * np.asarray(m._alive(p, x, t_x, T), "float64") * discounted[groups.inverse])
            values[j] = clv_j * np.asarray(m.probability_no_purchase(X, churn_window), "float64")
    if not np.all(np.isfinite(values)):
        raise DataError(f"{where}: {int((~np.isfinite(values).all(axis=1)).sum())} parameter draws "
                        f"gave a non-finite value at risk. Check the fits' summary().")
    ranks = np.empty((n_draws, n), dtype="int64")
    order = np.argsort(-values, axis=1, kind="stable")
    np.put_along_axis(ranks, order, np.arange(1, n + 1)[None, :].repeat(n_draws, 0), axis=1)
    threshold = point.threshold
    called = values > threshold
    lo, hi = alpha / 2, 1 - alpha / 2
    stats = pd.DataFrame({
        "var_low": np.quantile(values, lo, axis=0), "var_high": np.quantile(values, hi, axis=0),
        "rank_low": np.quantile(ranks, lo, axis=0, method="lower"),
        "rank_high": np.quantile(ranks, hi, axis=0, method="higher"),
        "p_call": called.mean(axis=0),
    }, index=pseudonymize(X.index.to_series(), key=key).to_numpy())
    table = point.table[["customer", "value_at_risk"]].join(stats, on="customer")
    table = table.astype({"rank_low": "int64", "rank_high": "int64"})
    counts = called.sum(axis=1)
    n_calls = pd.Series({"point": float(point.n_calls), "low": float(np.quantile(counts, lo)),
                         "high": float(np.quantile(counts, hi))}, name="calls")
    return CallListRanks(table=table, n_calls=n_calls, threshold=float(threshold),
                         n_draws=n_draws, alpha=float(alpha))
