"""Price elasticity: log-log demand with controls, absorbed fixed effects, clustered errors.

The model, fitted separately in each ``by`` group (e.g. each category)::

    log(units) = a[fixed effect] + e * log(price) + c * log(competitor price)
                 + feature/display lifts + trend + Fourier seasonality + event effects + u

The fixed effects (e.g. one intercept per region) are *absorbed* by the within transformation:
every variable is demeaned inside its fixed-effect group, and the coefficients are those of
the regression with one dummy column per group (Frisch-Waugh-Lovell), found without building
the dummies.  Standard errors are cluster-robust (clusters = weeks by default: shocks common
to all regions in a week) with statsmodels' small-sample correction
``G/(G-1) * (n-1)/(n-K)``, where ``K`` counts the absorbed intercepts, so they equal those of
``statsmodels`` OLS with dummy columns and ``cov_type="cluster"``.

:func:`naive_elasticity` is the regression of log units on log price alone — the textbook
omitted-variable trap when prices move with demand (regional price levels, festival promotions,
competitors' prices that follow the same costs); :func:`compare_elasticities` puts both beside
the truth.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay, critical_value, format_notes
from crmlib._validation import check_frame, check_int, check_real
from crmlib.exceptions import DataError, ParameterError
from crmlib.pricing._checks import as_columns, positive_column

__all__ = ["ElasticityResult", "compare_elasticities", "fit_elasticity", "naive_elasticity"]

_LOG_FIX = ("Weeks with no sales or a missing price have no logarithm: set them aside first "
            "(and say how many), or model units with a count model.")
#: Fewer clusters than this make cluster-robust standard errors unreliable (a note says so).
FEW_CLUSTERS = 30


@dataclass(frozen=True, repr=False)
class ElasticityResult(SummaryDisplay):
    """Own-price elasticities per group from :func:`fit_elasticity`.

    Attributes
    ----------
    elasticities : pandas.DataFrame
        One row per group: ``elasticity``, ``std_error``, (``elasticity_<flag>`` and
        ``std_error_<flag>``: the elasticity when a ``price_interactions`` flag is 1),
        ``n_obs``, ``n_clusters``, ``price_min``, ``price_max`` (the observed price range:
        predictions outside it are extrapolations).
    coefficients : pandas.DataFrame
        Every coefficient: index (group…, ``term``), columns ``estimate``, ``std_error``.
    model : str
        The fitted specification in words.
    notes : tuple of str
        Caveats (few clusters, inelastic groups, no controls).
    """

    _html_table = "elasticities"
    _html_notes = "notes"
    _html_lines = 2

    elasticities: pd.DataFrame
    coefficients: pd.DataFrame
    model: str
    notes: tuple[str, ...] = field(default=())

    def to_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        """The elasticities with ``ci_low`` and ``ci_high`` of a ``1 - alpha`` interval."""
        z = critical_value(alpha, where="ElasticityResult.to_frame")
        out = self.elasticities.copy()
        out.insert(2, "ci_low", out["elasticity"] - z * out["std_error"])
        out.insert(3, "ci_high", out["elasticity"] + z * out["std_error"])
        return out

    def summary(self, alpha: float = 0.05) -> str:
        """Text summary: the model, one line per group with its interval, then notes."""
        table = self.to_frame(alpha)
        lines = [f"Price elasticity: {self.model}",
                 f"{len(table)} group(s); {1 - alpha:.0%} intervals (normal, cluster-robust SE)"]
        for label, row in table.iterrows():
            lines.append(f"  {label}: {row['elasticity']:.3f} (SE {row['std_error']:.3f}; "
                         f"{row['ci_low']:.3f} to {row['ci_high']:.3f}), n = {row['n_obs']:,.0f}")
        return "\n".join(lines + format_notes(self.notes))


def _design(panel: pd.DataFrame, opts: Mapping[str, Any], where: str) -> pd.DataFrame:
    """The regressors of the whole panel, one named column each (no intercept)."""
    lp = np.log(positive_column(panel, opts["price_col"], where=where, what="a log-log model",
                                fix=_LOG_FIX))
    cols: dict[str, np.ndarray] = {"log_price": lp}
    for c in opts["log_controls"]:
        cols[f"log_{c}"] = np.log(positive_column(panel, c, where=where, what="a log control",
                                                  fix="Set such rows aside first."))
    for c in opts["controls"]:
        cols[c] = _numeric(panel, c, where)
    for c in opts["price_interactions"]:
        cols[f"log_price:{c}"] = lp * _numeric(panel, c, where)
    if opts["trend"] or opts["seasonality"]:
        t = _week_index(panel, opts["week_col"], where)
        if opts["trend"]:
            cols["trend"] = t / opts["period"]
        for h in range(1, opts["seasonality"] + 1):
            cols[f"sin{h}"] = np.sin(2 * np.pi * h * t / opts["period"])
            cols[f"cos{h}"] = np.cos(2 * np.pi * h * t / opts["period"])
    if opts["event_col"] is not None:
        cols.update(_event_dummies(panel[opts["event_col"]]))
    return pd.DataFrame(cols, index=panel.index)


def _numeric(panel: pd.DataFrame, col: str, where: str) -> np.ndarray:
    s = panel[col]
    if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
        raise DataError(f"{where}: control {col!r} must be numeric or 0/1; got dtype {s.dtype}. "
                        f"Encode it as numbers (or as dummies) first.")
    x = s.to_numpy(dtype="float64", na_value=np.nan)
    if not np.isfinite(x).all():
        raise DataError(f"{where}: control {col!r} has {int((~np.isfinite(x)).sum())} missing or "
                        f"infinite values. Fill or set those rows aside first.")
    return x


def _week_index(panel: pd.DataFrame, week_col: str | None, where: str) -> np.ndarray:
    if week_col is None:
        raise ParameterError(f"The 'week_col' parameter of {where} is None, but trend or "
                             f"seasonality needs the week. Pass week_col='week' or "
                             f"trend=False, seasonality=0.")
    weeks = pd.to_datetime(panel[week_col])
    if weeks.isna().any():
        raise DataError(f"{where}: column {week_col!r} has {int(weeks.isna().sum())} missing "
                        f"dates. Fill or set those rows aside first.")
    return ((weeks - weeks.min()).dt.days / 7.0).to_numpy(dtype="float64")


def _event_dummies(events: pd.Series) -> dict[str, np.ndarray]:
    """One 0/1 column per level except the most frequent (the reference, e.g. 'none')."""
    counts = events.astype("string").value_counts(sort=False)
    counts = counts.sort_index()
    reference = counts.idxmax()
    values = events.astype("string").to_numpy()
    return {f"event[{lvl}]": (values == lvl).astype("float64")
            for lvl in counts.index if lvl != reference}


def _codes(panel: pd.DataFrame, cols: Sequence[str]) -> np.ndarray:
    if not cols:
        return np.zeros(len(panel), dtype="int64")
    return panel.groupby(list(cols), observed=True, sort=True).ngroup().to_numpy(dtype="int64")


def _group_sums(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Column sums of ``values`` (n x k) within each code, as an (n_groups x k) array."""
    return np.column_stack([np.bincount(codes, weights=values[:, j], minlength=n_groups)
                            for j in range(values.shape[1])])


def _within(values: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, int]:
    """Demean each column inside its fixed-effect group; return it and the number of groups."""
    uniq, codes = np.unique(codes, return_inverse=True)
    counts = np.bincount(codes).astype("float64")
    means = _group_sums(values, codes, len(uniq)) / counts[:, None]
    return values - means[codes], len(uniq)


def _drop_constant(xw: np.ndarray, names: list[str], label: object, where: str, opts) -> list[int]:
    """Indices of the regressors that vary within the fixed effects of this group."""
    keep = []
    for j, name in enumerate(names):
        if np.sum(xw[:, j] ** 2) > 1e-10 * len(xw):
            keep.append(j)
        elif name.startswith("event["):
            continue  # an event that never happens in this group: nothing to estimate
        elif name == "log_price":
            raise DataError(
                f"{where}: column {opts['price_col']!r} has no variation within "
                f"{list(opts['absorb']) or 'the data'} in group {label!r}, so its elasticity "
                f"cannot be estimated. Use a group with price changes, or absorb fewer effects.")
        else:
            raise DataError(
                f"{where}: regressor {name!r} is constant within "
                f"{list(opts['absorb']) or 'the data'} in group {label!r}. Leave it out of the "
                f"controls for this group.")
    return keep


def _ols(xw: np.ndarray, yw: np.ndarray, names: list[str], clusters: np.ndarray | None,
         n_absorbed: int, label: object, where: str) -> tuple[np.ndarray, np.ndarray, int]:
    """OLS on demeaned data: coefficients, covariance (cluster-robust or classical), clusters."""
    q, r = np.linalg.qr(xw)
    diag = np.abs(np.diag(r))
    if diag.min() <= 1e-9 * diag.max():
        bad = names[int(np.argmin(diag))]
        raise DataError(f"{where}: regressor {bad!r} is collinear with the others in group "
                        f"{label!r}. Leave it (or the one it duplicates) out of the controls.")
    beta = np.linalg.solve(r, q.T @ yw)
    rinv = np.linalg.inv(r)
    bread = rinv @ rinv.T
    u = yw - xw @ beta
    n, k = xw.shape
    dof = n - k - n_absorbed
    if dof <= 0:
        raise DataError(f"{where}: group {label!r} has {n} rows for {k + n_absorbed} parameters. "
                        f"Use fewer controls or fixed effects.")
    if clusters is None:
        return beta, bread * (u @ u) / dof, 0
    uniq, codes = np.unique(clusters, return_inverse=True)
    g = len(uniq)
    if g < 2:
        raise DataError(f"{where}: group {label!r} has 1 cluster; cluster-robust standard "
                        f"errors need at least 2. Pass cluster=None or another column.")
    scores = _group_sums(xw * u[:, None], codes, g)
    cov = bread @ (scores.T @ scores) @ bread * (g / (g - 1)) * ((n - 1) / dof)
    return beta, cov, g


def _options(panel: Any, kw: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Validate the arguments of :func:`fit_elasticity`; return them normalised."""
    opts = dict(kw)
    for name in ("by", "log_controls", "controls", "price_interactions", "absorb"):
        opts[name] = as_columns(kw[name], name, where=where)
    for name in ("units_col", "price_col", "week_col", "event_col", "cluster"):
        if kw[name] is not None and not isinstance(kw[name], str):
            raise ParameterError(f"The {name!r} parameter of {where} must be a column name or "
                                 f"None. Got {kw[name]!r} (a {type(kw[name]).__name__}) instead.")
    opts["seasonality"] = check_int(kw["seasonality"], "seasonality", where=where, low=0, high=6)
    opts["period"] = check_real(kw["period"], "period", where=where, low=0, low_inclusive=False)
    if not isinstance(kw["trend"], bool):
        raise ParameterError(f"The 'trend' parameter of {where} must be True or False. "
                             f"Got {kw['trend']!r} instead.")
    needed = [opts["units_col"], opts["price_col"], *opts["by"], *opts["log_controls"],
              *opts["controls"], *opts["price_interactions"], *opts["absorb"]]
    if opts["trend"] or opts["seasonality"]:
        needed.append(opts["week_col"])
    needed += [c for c in (opts["event_col"], opts["cluster"]) if c is not None]
    check_frame(panel, "panel", where=where, columns=[c for c in needed if c is not None])
    if len(panel) == 0:
        raise DataError(f"{where}: the panel has no rows. Pass at least one row per price.")
    return opts


def _describe(opts: Mapping[str, Any]) -> str:
    parts = [f"log({opts['units_col']}) on log({opts['price_col']})"]
    parts += [f"log({c})" for c in opts["log_controls"]] + list(opts["controls"])
    parts += [f"log({opts['price_col']}) x {c}" for c in opts["price_interactions"]]
    if opts["trend"]:
        parts.append("trend")
    if opts["seasonality"]:
        parts.append(f"{opts['seasonality']} Fourier harmonic(s) of period {opts['period']:g}")
    if opts["event_col"]:
        parts.append(f"{opts['event_col']} effects")
    fe = " x ".join(opts["absorb"]) if opts["absorb"] else "one intercept"
    by = " x ".join(opts["by"]) if opts["by"] else "pooled"
    se = f"clustered by {opts['cluster']}" if opts["cluster"] else "classical SE"
    return f"{', '.join(parts)}; fixed effects: {fe} (absorbed); {by}; {se}"


def _fit_one(label: object, idx: np.ndarray, y: np.ndarray, design: pd.DataFrame,
             fe: np.ndarray, clusters: np.ndarray | None, opts, where: str) -> dict[str, Any]:
    names = list(design.columns)
    raw = design.to_numpy()[idx]
    stacked, n_fe = _within(np.column_stack([y[idx], raw]), fe[idx])
    yw, xw = stacked[:, 0], stacked[:, 1:]
    keep = _drop_constant(xw, names, label, where, opts)
    names = [names[j] for j in keep]
    beta, cov, g = _ols(xw[:, keep], yw, names, None if clusters is None else clusters[idx],
                        n_fe, label, where)
    se = np.sqrt(np.diag(cov))
    price = raw[:, 0]
    row: dict[str, Any] = {"elasticity": beta[0], "std_error": se[0]}
    for c in opts["price_interactions"]:
        j = names.index(f"log_price:{c}")
        row[f"elasticity_{c}"] = beta[0] + beta[j]
        row[f"std_error_{c}"] = np.sqrt(cov[0, 0] + cov[j, j] + 2 * cov[0, j])
    row.update(n_obs=len(idx), n_clusters=g, price_min=float(np.exp(price.min())),
               price_max=float(np.exp(price.max())))
    coefs = pd.DataFrame({"estimate": beta, "std_error": se}, index=pd.Index(names, name="term"))
    return {"row": row, "coefs": coefs}


def _groups(panel: pd.DataFrame, by: tuple[str, ...]) -> dict[tuple, np.ndarray]:
    if not by:
        return {("all",): np.arange(len(panel))}
    got = panel.groupby(list(by), observed=True, sort=True).indices
    return {(k if isinstance(k, tuple) else (k,)): np.asarray(v) for k, v in got.items()}


def _notes(table: pd.DataFrame, opts: Mapping[str, Any]) -> tuple[str, ...]:
    notes = []
    if opts["cluster"] and (table["n_clusters"] < FEW_CLUSTERS).any():
        few = int(table["n_clusters"].min())
        notes.append(f"Only {few} clusters of {opts['cluster']!r} in a group: cluster-robust "
                     f"standard errors are unreliable with fewer than about {FEW_CLUSTERS}.")
    inelastic = table.index[table["elasticity"] > -1].tolist()
    if inelastic:
        notes.append(f"Inelastic (elasticity > -1) in {inelastic}: profit rises with price "
                     f"there, so the markup rule has no optimum; re-test at higher prices.")
    if not (opts["log_controls"] or opts["controls"] or opts["absorb"] or opts["seasonality"]
            or opts["trend"] or opts["event_col"]):
        notes.append("No controls: when prices move with demand (regions, festivals, "
                     "competitors' prices), this elasticity carries omitted-variable bias.")
    return tuple(notes)


def fit_elasticity(
    panel: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = "category",
    units_col: str = "units",
    price_col: str = "price",
    log_controls: str | Sequence[str] = ("competitor_price",),
    controls: str | Sequence[str] = ("feature", "display"),
    price_interactions: str | Sequence[str] = (),
    absorb: str | Sequence[str] | None = ("region",),
    week_col: str | None = "week",
    trend: bool = True,
    seasonality: int = 2,
    period: float = 52.0,
    event_col: str | None = "event",
    cluster: str | None = "week",
) -> ElasticityResult:
    """Own-price elasticity per group from a log-log regression with controls.

    In each ``by`` group, ``log(units)`` is regressed on ``log(price)``, the logs of
    ``log_controls`` (a competitor's price: its coefficient is the cross elasticity), the
    ``controls`` (feature, display: their coefficients are log lifts), ``log(price) x flag``
    for each of ``price_interactions`` (the elasticity when the flag is on), a trend per
    ``period`` weeks, ``seasonality`` Fourier harmonics of the week, and one effect per level
    of ``event_col`` (the most frequent level, e.g. ``'none'``, is the reference).  The
    ``absorb`` columns define fixed effects (one intercept per combination) removed by the
    within transformation, exactly as dummy columns would be.

    Parameters
    ----------
    panel : pandas.DataFrame
        One row per unit and period (the default data's ``price_panel``).
    by : str, sequence of str or None
        Fit one model per group (default per ``category``); None pools all rows.
    units_col, price_col : str
        Quantity and price; both must be > 0 (they enter as logarithms).
    log_controls, controls, price_interactions : str or sequence of str
        Controls entered as logs (must be > 0), as they are (numbers or 0/1), and flags
        that shift the price elasticity.
    absorb : str, sequence of str or None
        Fixed effects to absorb (default one per ``region``); None keeps one intercept.
    week_col : str or None
        Dates of the weeks, for ``trend`` and ``seasonality``.
    trend : bool
        Include a linear trend (per ``period`` weeks, i.e. per year by default).
    seasonality : int
        Number of Fourier harmonics (sin and cos pairs) of the week, 0 to 6.
    period : float
        Length of the seasonal cycle in weeks.
    event_col : str or None
        Column of festival/event labels (one effect per level), or None.
    cluster : str or None
        Cluster-robust standard errors by this column (default by ``week``); None gives
        classical OLS standard errors.

    Returns
    -------
    ElasticityResult

    Raises
    ------
    DataError
        Missing columns; non-positive or missing units, prices or log controls; a price with
        no variation inside the fixed effects; a constant or collinear control; one cluster.
    ParameterError
        Malformed arguments.

    See Also
    --------
    naive_elasticity : the same regression without controls (the omitted-variable trap).

    Examples
    --------
    Two regions, one with higher prices *and* higher demand: the true elasticity is -2.

    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> region = np.repeat(["North", "South"], 200)
    >>> level = np.where(region == "South", 0.5, 0.0)
    >>> price = np.exp(level + rng.normal(0, 0.1, 400))
    >>> units = np.exp(4 + 2 * level - 2 * np.log(price) + rng.normal(0, 0.05, 400))
    >>> panel = pd.DataFrame({"region": region, "price": price, "units": units})
    >>> plain = dict(by=None, log_controls=(), controls=(), trend=False, seasonality=0,
    ...              event_col=None, cluster=None)
    >>> fit = fit_elasticity(panel, **plain)
    >>> print(f"{fit.elasticities.loc['all', 'elasticity']:.2f}")
    -1.96
    >>> naive = naive_elasticity(panel, by=None, cluster=None)
    >>> print(f"{naive.elasticities.loc['all', 'elasticity']:.2f}")
    -0.24
    """
    where = "fit_elasticity"
    opts = _options(panel, dict(
        by=by, units_col=units_col, price_col=price_col, log_controls=log_controls,
        controls=controls, price_interactions=price_interactions, absorb=absorb,
        week_col=week_col, trend=trend, seasonality=seasonality, period=period,
        event_col=event_col, cluster=cluster), where)
    y = np.log(positive_column(panel, opts["units_col"], where=where, what="a log-log model",
                               fix=_LOG_FIX))
    design = _design(panel, opts, where)
    fe = _codes(panel, opts["absorb"])
    clusters = _codes(panel, [opts["cluster"]]) if opts["cluster"] else None
    rows, coefs = {}, {}
    for label, idx in _groups(panel, opts["by"]).items():
        shown = label[0] if len(label) == 1 else label
        fit = _fit_one(shown, idx, y, design, fe, clusters, opts, where)
        rows[label], coefs[label] = fit["row"], fit["coefs"]
    names = list(opts["by"]) or ["group"]
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index = pd.MultiIndex.from_tuples(list(rows), names=names) if len(names) > 1 \
        else pd.Index([k[0] for k in rows], name=names[0])
    table[["n_obs", "n_clusters"]] = table[["n_obs", "n_clusters"]].astype("int64")
    coef = pd.concat({k if len(k) > 1 else k[0]: v for k, v in coefs.items()}, names=names)
    return ElasticityResult(elasticities=table, coefficients=coef, model=_describe(opts),
                            notes=_notes(table, opts))


def naive_elasticity(
    panel: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = "category",
    units_col: str = "units",
    price_col: str = "price",
    cluster: str | None = "week",
) -> ElasticityResult:
    """The naive elasticity: log units on log price with no controls and one intercept.

    This is the regression many tutorials stop at.  When prices move with demand — a region
    with higher prices and more customers, promotions timed for festivals, competitors whose
    prices follow the same costs — its slope mixes the price effect with those demand
    drivers (omitted-variable bias).  Compare it with :func:`fit_elasticity` through
    :func:`compare_elasticities`.

    Parameters
    ----------
    panel : pandas.DataFrame
        As for :func:`fit_elasticity`.
    by, units_col, price_col, cluster
        As for :func:`fit_elasticity`.

    Returns
    -------
    ElasticityResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> p = np.array([1.0, 2.0, 4.0, 8.0])
    >>> res = naive_elasticity(pd.DataFrame({"price": p, "units": 100 * p ** -1.5}),
    ...                        by=None, cluster=None)
    >>> print(f"{res.elasticities.loc['all', 'elasticity']:.6f}")
    -1.500000
    """
    return fit_elasticity(panel, by=by, units_col=units_col, price_col=price_col,
                          log_controls=(), controls=(), price_interactions=(), absorb=None,
                          trend=False, seasonality=0, event_col=None, cluster=cluster,
                          week_col=None)


def compare_elasticities(
    naive: ElasticityResult,
    controlled: ElasticityResult,
    truth: Mapping[Any, float] | pd.Series | None = None,
) -> pd.DataFrame:
    """Naive against controlled elasticities (and the truth when known), one row per group.

    Parameters
    ----------
    naive, controlled : ElasticityResult
        From :func:`naive_elasticity` and :func:`fit_elasticity` with the same ``by``.
    truth : mapping or Series, optional
        True elasticity per group (e.g. from ``ground_truth.json``).

    Returns
    -------
    pandas.DataFrame
        ``naive``, ``naive_se``, ``controlled``, ``controlled_se``, ``naive_minus_controlled``
        and, with ``truth``: ``truth``, ``naive_error``, ``controlled_error`` and
        ``controlled_z`` (error in standard errors).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> region = np.repeat(["a", "b"], 100)
    >>> lp = np.where(region == "b", 0.4, 0.0) + rng.normal(0, 0.1, 200)
    >>> units = np.exp(3 + (region == "b") - 2 * lp + rng.normal(0, 0.05, 200))
    >>> panel = pd.DataFrame({"region": region, "price": np.exp(lp), "units": units})
    >>> ctrl = fit_elasticity(panel, by=None, log_controls=(), controls=(), trend=False,
    ...                       seasonality=0, event_col=None, cluster=None)
    >>> table = compare_elasticities(naive_elasticity(panel, by=None, cluster=None), ctrl,
    ...                              truth={"all": -2.0})
    >>> bool(abs(table.loc["all", "naive_error"]) > 1), bool(abs(table.loc["all", "controlled_z"]) < 3)
    (True, True)
    """
    for name, res in (("naive", naive), ("controlled", controlled)):
        if not isinstance(res, ElasticityResult):
            raise ParameterError(f"The {name!r} parameter of compare_elasticities must be an "
                                 f"ElasticityResult. Got a {type(res).__name__} instead.")
    a, b = naive.elasticities, controlled.elasticities
    if not a.index.equals(b.index):
        raise DataError("compare_elasticities: the two fits have different groups "
                        f"({list(a.index)[:4]} vs {list(b.index)[:4]}). Fit both with the same by=.")
    out = pd.DataFrame({"naive": a["elasticity"], "naive_se": a["std_error"],
                        "controlled": b["elasticity"], "controlled_se": b["std_error"]})
    out["naive_minus_controlled"] = out["naive"] - out["controlled"]
    if truth is not None:
        t = pd.Series(truth, dtype="float64").reindex(out.index)
        if t.isna().any():
            raise DataError(f"compare_elasticities: no truth for groups "
                            f"{list(out.index[t.isna()])}. Give one value per group.")
        out["truth"] = t
        out["naive_error"] = out["naive"] - t
        out["controlled_error"] = out["controlled"] - t
        out["controlled_z"] = out["controlled_error"] / out["controlled_se"]
    return out
