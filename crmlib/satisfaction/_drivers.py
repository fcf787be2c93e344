"""Key-driver analysis: standardised regression, relative importance, latent weights, the IPA matrix.

- :func:`key_drivers` regresses the overall score on the driver scores and splits its R²
  among the drivers two ways — Johnson's (2000) relative weights and the Shapley value of R²
  (the LMG decomposition: each driver's gain in R² averaged over the orders in which drivers
  could enter, computed exactly over all ``2^p`` subsets) — with bootstrap intervals;
- :func:`driver_regression` is the plain OLS table (raw or standardised, with controls), as
  published driver regressions print it;
- :func:`relative_weights` and :func:`shapley_r2` do the two splits from a correlation matrix;
- :func:`latent_driver_weights` corrects the regression for the measurement error of the
  item scales (a one-factor model per scale), giving the effect of one latent standard
  deviation of each driver, the unit of the default data's truth;
- :func:`importance_performance` places each driver in the importance-performance matrix
  (Martilla & James 1977) and :func:`plot_importance_performance` draws it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay, format_notes
from crmlib._validation import check_columns, check_int, check_real
from crmlib.exceptions import DataError, ParameterError

__all__ = ["DriverResult", "LatentWeights", "driver_regression", "importance_performance", "key_drivers", "latent_driver_weights",
           "plot_importance_performance", "relative_weights", "shapley_r2"]

_MAX_DRIVERS = 15


def relative_weights(corr: np.ndarray, r_xy: np.ndarray) -> np.ndarray:
    """Johnson's relative weights from the drivers' correlations and their correlations with y.

    The drivers are replaced by their closest orthogonal counterparts ``Z = X Λ^{-1/2}``-style
    (``Λ = R^{1/2}``); y is regressed on Z, and each Z's share is carried back to the drivers
    by the squared loadings.  The weights sum to the model's R².

    >>> rw = relative_weights(np.array([[1, .5], [.5, 1]]), np.array([.6, .4]))
    >>> round(float(rw.sum()), 6)
    0.373333
    """
    vals, vecs = np.linalg.eigh(corr)
    lam = vecs @ np.diag(np.sqrt(np.clip(vals, 0, None))) @ vecs.T  # R^{1/2}: X's loadings on Z
    beta = np.linalg.solve(lam, r_xy)  # y on the orthogonal Z
    return (lam**2) @ (beta**2)


def _r2_all(corr: np.ndarray, r_xy: np.ndarray) -> dict[frozenset, float]:
    p = len(r_xy)
    out = {frozenset(): 0.0}
    for size in range(1, p + 1):
        for sub in combinations(range(p), size):
            idx = list(sub)
            r = r_xy[idx]
            out[frozenset(sub)] = float(r @ np.linalg.solve(corr[np.ix_(idx, idx)], r))
    return out


def shapley_r2(corr: np.ndarray, r_xy: np.ndarray) -> np.ndarray:
    """The Shapley (LMG) split of R², exact over every subset of the drivers.

    >>> sh = shapley_r2(np.array([[1, .5], [.5, 1]]), np.array([.6, .4]))
    >>> [round(float(v), 4) for v in sh]
    [0.2867, 0.0867]
    """
    p = len(r_xy)
    r2 = _r2_all(corr, r_xy)
    out = np.zeros(p)
    for j in range(p):
        others = [i for i in range(p) if i != j]
        for size in range(p):
            w = factorial(size) * factorial(p - size - 1) / factorial(p)
            for sub in combinations(others, size):
                s = frozenset(sub)
                out[j] += w * (r2[s | {j}] - r2[s])
    return out


def _check_drivers(frame: pd.DataFrame, outcome: str, drivers: Sequence[str], *, where: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(f"{where}: the data must be a pandas DataFrame. Got {type(frame).__name__} instead.")
    drivers = list(drivers)
    if not drivers:
        raise ParameterError(f"The 'drivers' parameter of {where} must name at least one column.")
    if len(drivers) > _MAX_DRIVERS:
        raise ParameterError(f"{where}: the exact Shapley split enumerates 2^p subsets; at most {_MAX_DRIVERS} "
                             f"drivers. Got {len(drivers)}. Group related drivers into scales first.")
    if outcome in drivers:
        raise ParameterError(f"{where}: the outcome {outcome!r} is also listed as a driver. Remove it from drivers.")
    check_columns(frame.columns, [outcome, *drivers], where=where)
    sub = frame[[outcome, *drivers]]
    bad = [c for c in sub.columns if not pd.api.types.is_numeric_dtype(sub[c])]
    if bad:
        raise DataError(f"{where}: columns {bad} must be numeric (dtypes {[str(sub[c].dtype) for c in bad]}).")
    sub = sub.astype(float).dropna()
    if len(sub) < len(drivers) + 2:
        raise DataError(f"{where}: {len(sub)} complete rows for {len(drivers)} drivers; need at least {len(drivers) + 2}.")
    const = [c for c in sub.columns if sub[c].std() == 0]
    if const:
        raise DataError(f"{where}: columns {const} do not vary (one value only); drop them.")
    x = sub[drivers].to_numpy()
    xc = (x - x.mean(axis=0)) / x.std(axis=0)
    _, sv, vt = np.linalg.svd(xc, full_matrices=False)
    tol = sv[0] * max(xc.shape) * np.finfo(float).eps * 1e3
    if (sv < tol).any():
        null = vt[sv < tol][0]
        names = [d for d, v in zip(drivers, null) if abs(v) > 1e-6]
        raise DataError(f"{where}: the drivers {names} are perfectly collinear (one is an exact linear combination "
                        "of the others), so their separate effects cannot be estimated. Drop one of them or "
                        "combine them into one score.")
    return sub


@dataclass(frozen=True, repr=False)
class DriverResult(SummaryDisplay):
    """Standardised and raw coefficients, relative weights and Shapley R² with intervals."""

    table: pd.DataFrame
    r2: float
    r2_interval: tuple[float, float]
    n: int
    outcome: str
    level: float
    n_boot: int
    notes: tuple[str, ...] = ()
    _html_notes = "notes"

    def summary(self) -> str:
        return "\n".join([
            f"Key drivers of {self.outcome}: {len(self.table)} drivers, n = {self.n:,}, R² = {self.r2:.3f} "
            f"({self.level:.0%} bootstrap interval {self.r2_interval[0]:.3f} to {self.r2_interval[1]:.3f}, {self.n_boot} resamples)",
            "  rank by Shapley share: " + ", ".join(self.table["shapley_share"].sort_values(ascending=False).index),
        ] + format_notes(self.notes))


def _decompose(d: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    c = np.corrcoef(d, rowvar=False)
    rxx, rxy = c[1:, 1:], c[1:, 0]
    beta = np.linalg.solve(rxx, rxy)
    sd = d.std(axis=0, ddof=1)
    return beta * sd[0] / sd[1:], beta, relative_weights(rxx, rxy), shapley_r2(rxx, rxy), float(rxy @ beta)


def key_drivers(frame: pd.DataFrame, outcome: str, drivers: Sequence[str], *, n_boot: int = 200,
                alpha: float = 0.05, seed: int = 0) -> DriverResult:
    """Key-driver analysis of ``outcome`` on ``drivers`` (complete rows).

    Columns of the table: ``coef`` (raw OLS slope), ``std_beta`` (slope in standard deviations),
    ``r`` (simple correlation), ``relative_weight`` and ``shapley`` (parts of R², each summing
    to it), their shares of R², and percentile bootstrap intervals (``*_low``, ``*_high``).
    Perfectly collinear drivers are refused with their names.

    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame(rng.normal(size=(300, 2)), columns=["a", "b"])
    >>> df["y"] = df["a"] + 0.5 * df["b"] + rng.normal(size=300)
    >>> res = key_drivers(df, "y", ["a", "b"], n_boot=20)
    >>> bool(abs(res.table["shapley"].sum() - res.r2) < 1e-12)
    True
    """
    where = "key_drivers"
    check_int(n_boot, "n_boot", where=where, low=0)
    level_alpha = check_real(alpha, "alpha", where=where, low=0, high=1, low_inclusive=False)
    check_int(seed, "seed", where=where, low=0)
    sub = _check_drivers(frame, outcome, drivers, where=where)
    d = sub[[outcome, *drivers]].to_numpy()
    coef, beta, rw, sh, r2 = _decompose(d)
    r = np.corrcoef(d, rowvar=False)[1:, 0]
    table = pd.DataFrame({"coef": coef, "std_beta": beta, "r": r, "relative_weight": rw, "shapley": sh,
                          "rw_share": rw / r2, "shapley_share": sh / r2}, index=list(drivers))
    r2_int = (float("nan"), float("nan"))
    if n_boot > 0:
        rng = np.random.default_rng(seed)
        keys = ("coef", "std_beta", "relative_weight", "shapley", "r2")
        draws = {k: [] for k in keys}
        n = len(d)
        for _ in range(n_boot):
            b = d[rng.integers(0, n, n)]
            with np.errstate(invalid="ignore", divide="ignore"):
                try:
                    parts = _decompose(b)
                except np.linalg.LinAlgError:
                    continue
            for k, v in zip(keys, parts):
                draws[k].append(v)
        q = [level_alpha / 2, 1 - level_alpha / 2]
        for k in keys[:-1]:
            arr = np.array(draws[k])
            table[f"{k}_low"], table[f"{k}_high"] = np.quantile(arr, q, axis=0)
            table[f"{k}_se"] = arr.std(axis=0, ddof=1)
        r2_int = tuple(float(v) for v in np.quantile(draws["r2"], q))
    notes = []
    cond = np.linalg.cond(np.corrcoef(d[:, 1:], rowvar=False))
    if cond > 30:
        notes.append(f"The drivers are strongly correlated (condition number {cond:.0f}): read the relative "
                     "weights and Shapley shares, not the raw coefficients.")
    neg = [dr for dr, b_, r_ in zip(drivers, beta, r) if b_ < 0 < r_]
    if neg:
        notes.append(f"{neg} correlate positively with {outcome!r} but get a negative coefficient: a sign of "
                     "correlated drivers (suppression), not of a harmful driver.")
    return DriverResult(table, r2, r2_int, len(d), outcome, 1 - level_alpha, n_boot, tuple(notes))


@dataclass(frozen=True, repr=False)
class LatentWeights(SummaryDisplay):
    """Driver weights per latent standard deviation, corrected for the items' measurement error."""

    table: pd.DataFrame
    latent_corr: pd.DataFrame
    n: int
    outcome: str
    level: float
    n_boot: int

    def summary(self) -> str:
        parts = ", ".join(f"{d} {r['weight']:.2f}" for d, r in self.table.iterrows())
        return (f"Latent driver weights of {self.outcome} (points per latent SD, errors-in-variables corrected), "
                f"n = {self.n:,}, {self.n_boot} bootstrap resamples: {parts}")


def _latent(x_items: list[np.ndarray], y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weights w of y on latent factors with unit variance, from items loading on one factor each."""
    lam, means = [], []
    for x in x_items:
        c = np.cov(x, rowvar=False)
        k = x.shape[1]
        off = c[~np.eye(k, dtype=bool)]
        lam.append(np.sqrt(max(off.mean(), 1e-12)))  # mean loading (tau-equivalent items)
        means.append(x.mean(axis=1))
    lam = np.array(lam)
    m = np.column_stack(means)
    cm = np.cov(np.column_stack([y, m]), rowvar=False)
    phi = cm[1:, 1:] / np.outer(lam, lam)
    np.fill_diagonal(phi, 1.0)
    cov_zy = cm[1:, 0] / lam
    return np.linalg.solve(phi, cov_zy), phi


def latent_driver_weights(frame: pd.DataFrame, outcome: str, scales: Mapping[str, Sequence[str]], *,
                          n_boot: int = 200, alpha: float = 0.05, seed: int = 0) -> LatentWeights:
    """Effect on ``outcome`` of one latent standard deviation of each driver.

    Each scale's items are taken to measure one latent driver with equal loadings (a
    tau-equivalent one-factor model): the mean loading is the square root of the items'
    average covariance, the latent correlations are the scale means' covariances over the
    loadings, and the outcome's covariance with each latent is its covariance with the scale
    mean over the loading.  The weights solve the regression on the latents (the
    errors-in-variables correction of the attenuated item-mean regression).  Complete rows;
    percentile bootstrap intervals and standard errors.
    """
    where = "latent_driver_weights"
    check_int(n_boot, "n_boot", where=where, low=0)
    level_alpha = check_real(alpha, "alpha", where=where, low=0, high=1, low_inclusive=False)
    items = [i for v in scales.values() for i in v]
    short = [s for s, v in scales.items() if len(v) < 2]
    if short:
        raise ParameterError(f"{where}: scales {short} have fewer than 2 items; a loading needs at least 2.")
    sub = _check_drivers(frame, outcome, items, where=where)
    y = sub[outcome].to_numpy()
    blocks = [sub[list(v)].to_numpy() for v in scales.values()]
    w, phi = _latent(blocks, y)
    names = list(scales)
    table = pd.DataFrame({"weight": w}, index=names)
    if n_boot > 0:
        rng = np.random.default_rng(seed)
        n = len(y)
        draws = []
        for _ in range(n_boot):
            i = rng.integers(0, n, n)
            draws.append(_latent([b[i] for b in blocks], y[i])[0])
        arr = np.array(draws)
        table["se"] = arr.std(axis=0, ddof=1)
        table["low"], table["high"] = np.quantile(arr, [level_alpha / 2, 1 - level_alpha / 2], axis=0)
    return LatentWeights(table, pd.DataFrame(phi, index=names, columns=names), len(y), outcome, 1 - level_alpha, n_boot)


_QUADRANTS = {(True, False): "concentrate here", (True, True): "keep up the good work",
              (False, False): "low priority", (False, True): "possible overkill"}


def importance_performance(importance: pd.Series, performance: pd.Series) -> pd.DataFrame:
    """The importance-performance matrix: each driver's quadrant against the drivers' means.

    Quadrants (Martilla & James 1977): high importance and low performance -> "concentrate
    here"; high and high -> "keep up the good work"; low and low -> "low priority"; low
    importance and high performance -> "possible overkill".  The cross-hairs are the means of
    the drivers' importance and performance.

    >>> ipm = importance_performance(pd.Series({"a": .5, "b": .1}), pd.Series({"a": 3.0, "b": 4.0}))
    >>> ipm["quadrant"].tolist()
    ['concentrate here', 'possible overkill']
    """
    imp = pd.Series(importance, dtype=float)
    perf = pd.Series(performance, dtype=float)
    missing = sorted(set(imp.index) ^ set(perf.index))
    if missing:
        raise ParameterError(f"importance_performance: importance and performance must name the same drivers; "
                             f"{missing} appear in only one.")
    perf = perf[imp.index]
    out = pd.DataFrame({"importance": imp, "performance": perf})
    ci, cp = imp.mean(), perf.mean()
    out["quadrant"] = [_QUADRANTS[(i >= ci, p >= cp)] for i, p in zip(imp, perf)]
    out.attrs.update({"importance_line": float(ci), "performance_line": float(cp)})
    return out


def plot_importance_performance(ipm: pd.DataFrame, *, ax=None):
    """Draw the importance-performance matrix of :func:`importance_performance`; returns ``ax``."""
    import matplotlib.pyplot as plt

    ax = plt.gca() if ax is None else ax
    ax.scatter(ipm["performance"], ipm["importance"], color="tab:blue")
    for name, r in ipm.iterrows():
        ax.annotate(str(name), (r["performance"], r["importance"]), xytext=(4, 4), textcoords="offset points")
    ax.axvline(ipm.attrs.get("performance_line", ipm["performance"].mean()), color="grey", lw=1, ls="--")
    ax.axhline(ipm.attrs.get("importance_line", ipm["importance"].mean()), color="grey", lw=1, ls="--")
    ax.set_xlabel("performance (mean score)")
    ax.set_ylabel("importance (share of R²)")
    ax.set_title("Importance-performance matrix")
    return ax


def driver_regression(frame: pd.DataFrame, outcome: str, drivers: Sequence[str], *, controls: Sequence[str] = (),
                      standardise: bool = False) -> pd.DataFrame:
    """OLS of ``outcome`` on ``drivers`` and ``controls``: coefficients, standard errors, t, p.

    ``standardise=True`` puts the outcome and the drivers (not the controls) in standard
    deviations (sample SD, as R's ``scale``), the way Chapman & Feit's chapter 7 compares
    drivers.  Bool controls enter as 0/1.  ``attrs`` hold ``r2``, ``adj_r2``, ``sigma`` (the
    residual standard error) and ``df_resid``.  Perfectly collinear columns are refused.

    >>> df = pd.DataFrame({"x": [1.0, 2, 3, 4, 5], "y": [2.1, 3.9, 6.2, 7.8, 10.1]})
    >>> round(float(driver_regression(df, "y", ["x"]).loc["x", "coef"]), 2)
    1.99
    """
    import statsmodels.api as sm

    where = "driver_regression"
    cols = [*drivers, *controls]
    check_columns(frame.columns, [outcome, *cols], where=where)
    d = frame[[outcome, *cols]].copy()
    for c in controls:
        if pd.api.types.is_bool_dtype(d[c]):
            d[c] = d[c].astype(float)
    sub = _check_drivers(d, outcome, cols, where=where)
    if standardise:
        for c in [outcome, *drivers]:
            sub[c] = (sub[c] - sub[c].mean()) / sub[c].std(ddof=1)
    fit = sm.OLS(sub[outcome], sm.add_constant(sub[cols])).fit()
    out = pd.DataFrame({"coef": fit.params, "se": fit.bse, "t": fit.tvalues, "p_value": fit.pvalues})
    out.index = ["(Intercept)", *cols]
    out.attrs.update({"r2": float(fit.rsquared), "adj_r2": float(fit.rsquared_adj),
                      "sigma": float(np.sqrt(fit.scale)), "df_resid": int(fit.df_resid)})
    return out
