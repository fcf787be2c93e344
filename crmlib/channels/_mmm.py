"""The marketing-mix model: weekly revenue explained by a baseline and the media channels.

    revenue[t] = baseline[t] + sum_c beta_c * saturation_c(adstock_c(spend_c)[t]) + noise[t]

- **adstock** carries spend into later weeks: ``geometric`` (``a[t] = x[t] + decay *
  a[t-1]``, the carry-over of the default data) or ``weibull`` (a delayed peak: lag weights
  from a Weibull density over ``max_lag`` weeks, normalised to sum to one);
- **saturation** bends the response: ``hill`` (``a^s / (a^s + K^s)``, half of the maximum
  at ``K``) or ``logistic`` (``(1 - e^(-a/K)) / (1 + e^(-a/K))``);
- **baseline**: an intercept, a linear trend, Fourier terms of the yearly cycle, one dummy
  per event (festival, holiday) and the control columns (price index, competitor promotion).

The fit is by *variable projection*: for given non-linear parameters (decay, K, shape of
every channel) the baseline coefficients and the non-negative betas are a linear
least-squares problem, solved exactly; scipy's ``least_squares`` searches the non-linear
parameters on the residuals of that inner solve.  Weak priors (penalties on log K around
the channel's typical adstocked spend, on the shape around 1, on the decay around 0.3)
keep unidentified curvature from wandering; they are scaled by the residual SD of a first
pass, so they weigh like a few weeks of data.  A *lift test* (an experiment's incremental
revenue of one channel over some weeks, with its standard error) is one more row of the
inner solve, weighted by its precision.

Uncertainty comes from a moving-block bootstrap of the residuals (blocks keep their
autocorrelation), each resample refitted from the estimate; failed refits are counted and
reported.  Each refit also draws the priors' centres and the lift tests' results from their
own distributions (randomise-then-optimise, an approximation of posterior sampling): where
the data cannot pin a curve down — a channel that is never dark, whose ROI is the curve's
extrapolation to zero spend — the priors' uncertainty widens the interval instead of being
taken as known, and a lift test counts with its standard error, not as exact.  ROI is the channel's modelled contribution over the fitted weeks per yuan spent
in them, the ground truth's definition.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special

from crmlib._results import SummaryDisplay, format_notes
from crmlib._validation import check_choice, check_columns, check_int, check_real, format_examples
from crmlib.exceptions import DataError, ParameterError

__all__ = ["MMMResult", "adstock", "fit_mmm", "saturation"]

ADSTOCKS = ("geometric", "weibull")
SATURATIONS = ("hill", "logistic")
_PERIOD = 52.0
_MAX_DECAY = 0.95
# Prior centres and scales (in the optimiser's coordinates).
_PRIOR_DECAY = (0.3, 0.2)
_PRIOR_LOG_K = 0.5  # sd of log(K / typical adstock)
_PRIOR_LOG_SHAPE = 0.4  # sd of log(shape)
_WEEKS_PER_PARAMETER = 3.0
_RANDOMISE_PRIORS = True
# A refit starts at the estimate and only has to land in the spread of the refits: 1e-5 of the
# objective and of the parameters is far inside it (the intervals move by well under 1%).
_REFIT_TOL = 1e-5


# ---- the transforms -------------------------------------------------------------------------

def adstock(spend: np.ndarray, kind: str = "geometric", *, decay: float = 0.5, shape: float = 2.0,
            scale: float = 2.0, max_lag: int = 12) -> np.ndarray:
    """Carry spend into later weeks, along the last axis.

    ``geometric``: ``a[t] = x[t] + decay * a[t-1]`` from ``a[-1] = 0`` (a constant spend
    ``x`` settles at ``x / (1 - decay)``).  ``weibull``: ``a[t] = sum_l w_l x[t-l]`` with
    ``w_l`` proportional to the Weibull density (``shape``, ``scale`` in weeks) at ``l + 0.5``,
    ``l < max_lag``, normalised to sum to 1 (a constant spend settles at itself).

    >>> adstock(np.array([100.0, 0.0, 0.0]), decay=0.5).tolist()
    [100.0, 50.0, 25.0]
    >>> w = adstock(np.r_[1.0, np.zeros(11)], "weibull", shape=2.0, scale=3.0)
    >>> int(w.argmax()), round(float(w.sum()), 6)
    (2, 1.0)
    """
    x = np.asarray(spend, dtype=float)
    if kind == "geometric":
        return _geometric(x, float(decay))
    if kind == "weibull":
        w = _weibull_weights(shape, scale, max_lag)
        n = x.shape[-1]
        out = np.zeros_like(x)
        for lag, wl in enumerate(w):
            if lag >= n:
                break
            out[..., lag:] += wl * x[..., : n - lag]
        return out
    raise ParameterError(f"The 'kind' parameter of adstock must be one of {list(ADSTOCKS)}. Got {kind!r} instead.")


def _geometric(x: np.ndarray, decay: float) -> np.ndarray:
    from scipy.signal import lfilter

    return lfilter([1.0], [1.0, -decay], x, axis=-1)


def _weibull_weights(shape: float, scale: float, max_lag: int) -> np.ndarray:
    lag = np.arange(max_lag) + 0.5
    logw = np.log(shape / scale) + (shape - 1) * np.log(lag / scale) - (lag / scale) ** shape
    w = np.exp(logw - logw.max())
    return w / w.sum()


def saturation(level: np.ndarray, kind: str = "hill", *, half_saturation: float = 1.0,
               shape: float = 1.0) -> np.ndarray:
    """Diminishing returns of an adstocked level, from 0 at 0 towards 1.

    ``hill``: ``a^s / (a^s + K^s)`` (1/2 at ``K``); ``logistic``: ``(1 - e^(-a/K)) / (1 +
    e^(-a/K))`` (= ``tanh(a / 2K)``; ``shape`` is not used).

    >>> saturation(np.array([0.0, 50.0]), half_saturation=50.0).tolist()
    [0.0, 0.5]
    >>> round(float(saturation(np.array([2.0]), "logistic", half_saturation=1.0)[0]), 6)
    0.761594
    """
    a = np.maximum(np.asarray(level, dtype=float), 0.0)
    if kind == "hill":
        with np.errstate(divide="ignore"):
            return np.where(a > 0, special.expit(shape * (np.log(a) - math.log(half_saturation))), 0.0)
    if kind == "logistic":
        return np.tanh(a / (2 * half_saturation))
    raise ParameterError(f"The 'kind' parameter of saturation must be one of {list(SATURATIONS)}. Got {kind!r} instead.")


# ---- the result -----------------------------------------------------------------------------

@dataclass(frozen=True, repr=False)
class MMMResult(SummaryDisplay):
    """A fitted marketing-mix model.

    Attributes
    ----------
    channels : pandas.DataFrame
        One row per channel: ``spend`` (total over the fitted weeks), ``contribution``
        (modelled incremental revenue), ``roi`` with ``roi_low``/``roi_high`` (bootstrap
        interval; with ``bagged`` the point is the median of the refits and ``roi_fit`` the
        single fit's), ``mroi`` (revenue of one more yuan a week at the average spend, in steady
        state) and its interval, ``decay`` (or the Weibull ``lag_shape``/``lag_scale``),
        ``half_saturation``, ``shape`` and ``beta``, each with an interval.
    decomposition : pandas.DataFrame
        Per week: ``revenue``, ``fitted``, ``baseline`` and one column per channel.
    diagnostics : dict
        ``r2``, ``mape``, ``durbin_watson``, ``negative_baseline_weeks``, ``sigma``,
        ``weeks``, ``parameters``, ``weeks_per_parameter``, ``boot_failed``, ``fit_seconds``.
    baseline_coefficients : pandas.Series
        The baseline's coefficients by term.
    params : pandas.DataFrame
        The non-linear parameters and betas by channel (the point estimate).
    boot_params : pandas.DataFrame
        The same, one block of rows per bootstrap resample (column ``draw``).
    adstock, saturation : str
    ci : float
        The interval level.
    notes : tuple of str
    """

    channels: pd.DataFrame
    decomposition: pd.DataFrame
    diagnostics: dict
    baseline_coefficients: pd.Series
    params: pd.DataFrame
    boot_params: pd.DataFrame
    adstock: str
    saturation: str
    ci: float
    spend: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()

    _html_table = "channels"
    _html_notes = "notes"

    def summary(self) -> str:
        d = self.diagnostics
        lines = [
            f"Marketing-mix model: {self.adstock} adstock, {self.saturation} saturation, "
            f"{d['weeks']} weeks, {d['parameters']} parameters",
            f"R2 {d['r2']:.3f}  MAPE {d['mape']:.2%}  Durbin-Watson {d['durbin_watson']:.2f}  "
            f"residual SD {d['sigma']:,.0f}  negative-baseline weeks {d['negative_baseline_weeks']}",
            f"{int(self.ci * 100)}% intervals from {d['boot_ok']} block-bootstrap resamples "
            f"({d['boot_failed']} failed)",
            "",
        ]
        cols = ["spend", "contribution", "roi", "roi_low", "roi_high", "mroi"]
        lines.append(self.channels[cols].round(3).to_string())
        lines += format_notes(self.notes)
        return "\n".join(lines)

    def _channel(self, channel: str) -> str:
        return check_choice(channel, "channel", list(self.params.index), where="MMMResult")

    def response(self, channel: str, spend: Any, *, draw: int | None = None) -> np.ndarray:
        """Steady-state weekly revenue of ``channel`` at a constant weekly ``spend``.

        ``draw`` picks a bootstrap resample's parameters instead of the estimate.
        """
        ch = self._channel(channel)
        p = self._params_of(draw).loc[ch]
        level = np.asarray(spend, dtype=float) * _steady_gain(self.adstock, p)
        return p["beta"] * saturation(level, self.saturation, half_saturation=p["half_saturation"],
                                      shape=p["shape"])

    def curves(self, *, draw: int | None = None) -> dict:
        """The response curves of every channel, for :func:`crmlib.channels.optimise_budget`."""
        return {ch: (lambda s, ch=ch: self.response(ch, s, draw=draw)) for ch in self.params.index}

    def _params_of(self, draw: int | None) -> pd.DataFrame:
        if draw is None:
            return self.params
        b = self.boot_params
        if b.empty or draw not in set(b["draw"]):
            raise ParameterError(
                f"The 'draw' parameter of MMMResult must be one of the {b['draw'].nunique() if not b.empty else 0} "
                f"bootstrap draws (0 to {int(b['draw'].max()) if not b.empty else -1}). Got {draw!r} instead.")
        return b[b["draw"] == draw].set_index("channel")

    @property
    def draws(self) -> list[int]:
        """The ids of the bootstrap resamples that were refitted."""
        return sorted(set(self.boot_params["draw"])) if not self.boot_params.empty else []

    def response_curves(self, *, points: int = 60, upto: float = 2.5) -> pd.DataFrame:
        """Long table of each channel's steady-state response from 0 to ``upto`` x its average
        weekly spend: ``channel``, ``spend``, ``response``, ``response_low``/``_high`` (the
        bootstrap band), ``marginal_roas``, and ``current`` (the average spend)."""
        rows = []
        q = ((1 - self.ci) / 2, (1 + self.ci) / 2)
        for ch in self.params.index:
            avg = float(self.spend[ch].mean())
            grid = np.linspace(0, upto * max(avg, 1.0), points)
            r = self.response(ch, grid)
            band = np.array([self.response(ch, grid, draw=d) for d in self.draws]) if self.draws else None
            h = grid[1] - grid[0]
            rows.append(pd.DataFrame({
                "channel": ch, "spend": grid, "response": r,
                "response_low": np.quantile(band, q[0], axis=0) if band is not None else np.nan,
                "response_high": np.quantile(band, q[1], axis=0) if band is not None else np.nan,
                "marginal_roas": np.gradient(r, h), "current": avg,
            }))
        return pd.concat(rows, ignore_index=True)

    def plot_response(self, ax=None):
        """Response curves with the current (average) spend marked; returns the axes."""
        import matplotlib.pyplot as plt

        table = self.response_curves()
        chans = list(self.params.index)
        if ax is None:
            fig, axes = plt.subplots(1, len(chans), figsize=(3.0 * len(chans), 2.8), squeeze=False)
            axes = axes[0]
        else:
            axes = np.atleast_1d(ax)
        for a, ch in zip(axes, chans, strict=False):
            t = table[table["channel"] == ch]
            a.fill_between(t["spend"] / 1e3, t["response_low"] / 1e3, t["response_high"] / 1e3, alpha=0.25, lw=0)
            a.plot(t["spend"] / 1e3, t["response"] / 1e3)
            cur = float(t["current"].iloc[0])
            a.axvline(cur / 1e3, ls="--", lw=1, color="grey")
            a.set_title(ch)
            a.set_xlabel("weekly spend (k yuan)")
        axes[0].set_ylabel("weekly revenue (k yuan)")
        return axes


def _steady_gain(kind: str, p: Mapping[str, float]) -> float:
    return 1.0 / (1.0 - p["decay"]) if kind == "geometric" else 1.0


# ---- the design -----------------------------------------------------------------------------

def _wide_spend(media: pd.DataFrame, weeks: pd.Series, week_col: str, channel_col: str, spend_col: str,
                channels: Sequence[str] | None) -> pd.DataFrame:
    check_columns(media, [week_col, channel_col, spend_col], where="fit_mmm (media)")
    m = media[[week_col, channel_col, spend_col]].copy()
    m[week_col] = pd.to_datetime(m[week_col])
    if m[channel_col].isna().any():
        raise DataError(f"fit_mmm: column '{channel_col}' of media has {int(m[channel_col].isna().sum())} missing "
                        "channel names. Name every row's channel or drop those rows.")
    spend = pd.to_numeric(m[spend_col], errors="coerce")
    bad = spend.isna() | ~np.isfinite(spend.fillna(0)) | (spend < 0)
    if bad.any():
        raise DataError(
            f"fit_mmm: column '{spend_col}' of media must be a finite number >= 0 in every row; "
            f"{int(bad.sum())} rows are not (e.g. {format_examples(m.loc[bad, spend_col])}). "
            "Fill weeks without spend with 0 and fix negative or text values.")
    m[spend_col] = spend.astype(float)
    dup = m.duplicated([week_col, channel_col])
    if dup.any():
        raise DataError(f"fit_mmm: media has {int(dup.sum())} repeated (week, channel) rows, e.g. "
                        f"{format_examples(m.loc[dup, channel_col])}. Sum the spend per week and channel first.")
    wide = m.pivot(index=week_col, columns=channel_col, values=spend_col)
    if channels is not None:
        missing = [c for c in channels if c not in wide.columns]
        if missing:
            raise DataError(f"fit_mmm: channels {missing} are not in media's '{channel_col}' column "
                            f"(present: {sorted(map(str, wide.columns))}).")
        wide = wide[list(channels)]
    extra_weeks = wide.index.difference(pd.DatetimeIndex(weeks))
    if len(extra_weeks) == len(wide.index):
        raise DataError("fit_mmm: no week of media matches a week of sales; check that both use the same week start.")
    wide = wide.reindex(pd.DatetimeIndex(weeks))
    holes = wide.isna()
    if holes.to_numpy().any():
        ch = holes.any().idxmax()
        raise DataError(
            f"fit_mmm: media has no spend row for channel '{ch}' in {int(holes[ch].sum())} weeks of sales "
            f"(e.g. {format_examples(wide.index[holes[ch]].date)}). Add those weeks with spend 0.")
    return wide


def _baseline_design(sales: pd.DataFrame, weeks: pd.Series, controls: Sequence[str], event_col: str | None,
                     trend: bool, fourier: int) -> pd.DataFrame:
    n = len(sales)
    t = np.arange(n, dtype=float)
    cols = {"intercept": np.ones(n)}
    if trend:
        cols["trend"] = t
    for k in range(1, fourier + 1):
        angle = 2 * np.pi * k * t / _PERIOD
        cols[f"sin{k}"] = np.sin(angle)
        cols[f"cos{k}"] = np.cos(angle)
    if event_col is not None:
        ev = sales[event_col].astype("string").fillna("none")
        for level in sorted(set(ev) - {"none", ""}):
            cols[f"event={level}"] = (ev == level).to_numpy(dtype=float)
    for c in controls:
        v = pd.to_numeric(sales[c], errors="coerce") if sales[c].dtype != bool else sales[c].astype(float)
        if v.isna().any():
            raise DataError(f"fit_mmm: control column '{c}' has {int(v.isna().sum())} missing or non-numeric "
                            f"values (e.g. {format_examples(sales.loc[v.isna(), c])}). Fill or drop them.")
        cols[c] = v.to_numpy(dtype=float)
    design = pd.DataFrame(cols)
    const = [c for c in design.columns if c != "intercept" and np.ptp(design[c].to_numpy()) == 0]
    if const:
        raise DataError(f"fit_mmm: baseline terms {const} do not vary over the fitted weeks, so they cannot be "
                        "told apart from the intercept. Drop them from controls (or the event column).")
    return design


def _check_collinear(x: np.ndarray, names: Sequence[str]) -> None:
    """Refuse a media plan where one channel's spend is (nearly) a multiple of another's or a
    combination of the others: their effects cannot be told apart."""
    z = x - x.mean(axis=0)
    z = z / np.maximum(np.linalg.norm(z, axis=0), 1e-12)
    corr = z.T @ z
    np.fill_diagonal(corr, 0)
    i, j = np.unravel_index(np.abs(corr).argmax(), corr.shape)
    if abs(corr[i, j]) > 0.98:
        raise DataError(
            f"fit_mmm: the spend of channels '{names[i]}' and '{names[j]}' moves together (correlation "
            f"{corr[i, j]:.3f} > 0.98), so the model cannot tell their effects apart. Merge them into one channel, "
            "or add weeks where their spend differs (a test that varies one of them).")
    sv = np.linalg.svd(z, compute_uv=False)
    if sv[-1] / sv[0] < 1e-3:
        raise DataError(
            "fit_mmm: one channel's spend is a linear combination of the others' (condition number "
            f"{sv[0] / sv[-1]:.0f}); the model cannot tell their effects apart. Merge channels or vary the plan.")


# ---- the fit --------------------------------------------------------------------------------

@dataclass
class _Problem:
    y: np.ndarray
    Z: np.ndarray  # baseline design, column-scaled
    x: np.ndarray  # spend, weeks x channels
    names: list[str]
    adstock: str
    saturation: str
    max_lag: int
    typical: np.ndarray  # typical adstocked spend per channel (the K prior's centre)
    lift_rows: list  # (channel index, week mask, value, se)
    sigma: float = 1.0
    priors: bool = True
    prior_shift: np.ndarray | None = None  # a bootstrap draw of the priors' centres, in prior SDs
    lift_shift: np.ndarray | None = None  # a bootstrap draw of the lift tests' results, in their SEs

    @property
    def n_theta(self) -> int:
        return len(self.names) * ((1 if self.adstock == "geometric" else 2) + (2 if self.saturation == "hill" else 1))

    def unpack(self, theta: np.ndarray) -> list[dict]:
        out = []
        k = 0
        for c in range(len(self.names)):
            p = {}
            if self.adstock == "geometric":
                p["decay"] = float(theta[k])
                k += 1
            else:
                p["lag_shape"], p["lag_scale"] = float(np.exp(theta[k])), float(np.exp(theta[k + 1]))
                k += 2
            p["half_saturation"] = float(self.typical[c] * np.exp(theta[k]))
            k += 1
            if self.saturation == "hill":
                p["shape"] = float(np.exp(theta[k]))
                k += 1
            else:
                p["shape"] = 1.0
            out.append(p)
        return out

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = [], []
        for _ in self.names:
            if self.adstock == "geometric":
                lo.append(0.0)
                hi.append(_MAX_DECAY)
            else:
                lo += [math.log(0.5), math.log(0.5)]
                hi += [math.log(5.0), math.log(float(self.max_lag))]
            lo.append(math.log(0.02))
            hi.append(math.log(50.0))
            if self.saturation == "hill":
                lo.append(math.log(0.3))
                hi.append(math.log(4.0))
        return np.array(lo), np.array(hi)

    def starts(self) -> list[np.ndarray]:
        out = []
        for d in (0.2, 0.6):
            th = []
            for _ in self.names:
                th += [d] if self.adstock == "geometric" else [math.log(1.5), math.log(2.0 if d < 0.5 else 4.0)]
                th.append(0.0)
                if self.saturation == "hill":
                    th.append(0.0)
            out.append(np.array(th))
        return out

    def media_columns(self, theta: np.ndarray) -> tuple[np.ndarray, list[dict]]:
        ps = self.unpack(theta)
        H = np.empty_like(self.x)
        for c, p in enumerate(ps):
            if self.adstock == "geometric":
                a = _geometric(self.x[:, c], p["decay"])
            else:
                a = adstock(self.x[:, c], "weibull", shape=p["lag_shape"], scale=p["lag_scale"], max_lag=self.max_lag)
            H[:, c] = saturation(a, self.saturation, half_saturation=p["half_saturation"], shape=p["shape"])
        return H, ps

    def solve(self, theta: np.ndarray, y: np.ndarray | None = None):
        """Inner linear solve: baseline coefficients (free) and betas (>= 0)."""
        y = self.y if y is None else y
        H, ps = self.media_columns(theta)
        hs = np.maximum(H.max(axis=0), 1e-12)
        Hn = H / hs
        A = np.hstack([self.Z, Hn]) / self.sigma
        b = y / self.sigma
        extra_A, extra_b = [], []
        for j, (c, mask, value, se) in enumerate(self.lift_rows):
            row = np.zeros(A.shape[1])
            row[self.Z.shape[1] + c] = Hn[mask, c].sum() / se
            extra_A.append(row)
            extra_b.append(value / se + (0.0 if self.lift_shift is None else self.lift_shift[j]))
        if extra_A:
            A = np.vstack([A, extra_A])
            b = np.concatenate([b, extra_b])
        coef, *_ = np.linalg.lstsq(A, b, rcond=None)
        nz = self.Z.shape[1]
        if (coef[nz:] < 0).any():
            lo = np.r_[np.full(nz, -np.inf), np.zeros(H.shape[1])]
            coef = optimize.lsq_linear(A, b, bounds=(lo, np.full(A.shape[1], np.inf)), method="bvls").x
        beta = coef[nz:] / hs
        resid = b - A @ coef
        return resid, coef[:nz], beta, H, ps

    def prior_residuals(self, theta: np.ndarray) -> np.ndarray:
        if not self.priors:
            return np.zeros(0)
        r = []
        k = 0
        for _ in self.names:
            if self.adstock == "geometric":
                r.append((theta[k] - _PRIOR_DECAY[0]) / _PRIOR_DECAY[1])
                k += 1
            else:
                r += [(theta[k] - math.log(1.5)) / 0.5, (theta[k + 1] - math.log(3.0)) / 0.7]
                k += 2
            r.append(theta[k] / _PRIOR_LOG_K)
            k += 1
            if self.saturation == "hill":
                r.append(theta[k] / _PRIOR_LOG_SHAPE)
                k += 1
        r = np.array(r)
        return r if self.prior_shift is None else r - self.prior_shift

    def fit(self, y: np.ndarray | None = None, starts: Sequence[np.ndarray] | None = None, tol: float = 1e-8):
        lo, hi = self.bounds()
        best = None
        for th0 in (starts if starts is not None else self.starts()):
            th0 = np.clip(th0, lo + 1e-9, hi - 1e-9)
            res = optimize.least_squares(
                lambda th: np.concatenate([self.solve(th, y)[0], self.prior_residuals(th)]),
                th0, bounds=(lo, hi), method="trf", x_scale="jac", diff_step=1e-4, max_nfev=400,
                ftol=tol, xtol=tol)
            if best is None or res.cost < best.cost:
                best = res
        return best


def fit_mmm(
    sales: pd.DataFrame,
    media: pd.DataFrame,
    *,
    week_col: str = "week",
    revenue_col: str = "revenue",
    channel_col: str = "channel",
    spend_col: str = "spend",
    channels: Sequence[str] | None = None,
    controls: Sequence[str] = ("avg_price_index", "competitor_promo"),
    event_col: str | None = "event",
    trend: bool = True,
    fourier: int = 2,
    adstock: str = "geometric",
    saturation: str = "hill",
    max_lag: int = 12,
    lift_tests: pd.DataFrame | Sequence[Mapping[str, Any]] | None = None,
    priors: bool = True,
    n_boot: int = 100,
    bagged: bool = True,
    block: int = 6,
    ci: float = 0.9,
    seed: int = 0,
) -> MMMResult:
    """Fit a marketing-mix model to weekly revenue and the channels' spend.

    Parameters
    ----------
    sales : pandas.DataFrame
        One row per week: ``week_col``, ``revenue_col``, the ``controls`` and ``event_col``.
    media : pandas.DataFrame
        Long spend table: ``week_col``, ``channel_col``, ``spend_col`` (every week of
        ``sales`` for every channel; 0 where nothing was spent).
    channels : sequence of str, optional
        The channels to model (default: all in ``media``).  A channel with no spend at all is
        left out with a note: it has no ROI to estimate.
    controls : sequence of str
        Numeric or boolean columns of ``sales`` that enter the baseline linearly.
    event_col : str or None
        A column of event labels (``"none"`` for ordinary weeks); one dummy per label.
    trend, fourier : bool, int
        A linear trend; the number of yearly (52-week) Fourier pairs.
    adstock : {'geometric', 'weibull'}
    saturation : {'hill', 'logistic'}
    max_lag : int
        Weeks of the Weibull lag window.
    lift_tests : DataFrame or list of dicts, optional
        Experiments that measured a channel's incremental revenue: ``channel``, ``start``,
        ``end`` (weeks, inclusive), ``incremental_revenue`` (the channel's contribution over
        those weeks) and ``se``.  Each constrains the fit with its precision.
    priors : bool
        The weak priors on decay, K and shape (see the module notes); False fits by least
        squares alone.
    n_boot, block : int
        Bootstrap resamples (0 for none) and the block length in weeks.
    bagged : bool
        Report each channel's ROI, marginal ROI, contribution and curve parameters as the
        median over the bootstrap refits (bagging), with the single fit's ROI in ``roi_fit``.
        The curve search is unstable on a few years of weeks; the median of the refits
        averages that out and misses the truth less often (see :func:`mmm_recovery`).  The
        response curves, the decomposition and ``params`` are the single fit's.  Without
        resamples the single fit is reported.
    ci : float
        Interval level.
    seed : int

    Returns
    -------
    MMMResult

    Raises
    ------
    DataError
        Missing columns or weeks, negative or text spend, collinear channels, a media plan
        with more parameters than a fifth of the weeks, a lift test on an unknown channel.
    """
    started = time.perf_counter()
    where = "fit_mmm"
    check_choice(adstock, "adstock", ADSTOCKS, where=where)
    check_choice(saturation, "saturation", SATURATIONS, where=where)
    check_int(fourier, "fourier", where=where, low=0, high=10)
    check_int(max_lag, "max_lag", where=where, low=2, high=52)
    check_int(n_boot, "n_boot", where=where, low=0, high=5000)
    check_int(block, "block", where=where, low=1, high=52)
    check_int(seed, "seed", where=where, low=0)
    check_real(ci, "ci", where=where, low=0.5, high=0.999)
    if not isinstance(sales, pd.DataFrame) or not isinstance(media, pd.DataFrame):
        raise ParameterError(f"{where}: 'sales' and 'media' must be pandas DataFrames. "
                             f"Got {type(sales).__name__} and {type(media).__name__}.")
    controls = list(controls)
    check_columns(sales, [week_col, revenue_col, *controls, *([event_col] if event_col else [])],
                  where=f"{where} (sales)")
    s = sales.copy()
    s[week_col] = pd.to_datetime(s[week_col])
    if s[week_col].duplicated().any():
        raise DataError(f"{where}: sales has repeated weeks, e.g. "
                        f"{format_examples(s.loc[s[week_col].duplicated(), week_col].dt.date)}. One row per week.")
    s = s.sort_values(week_col).reset_index(drop=True)
    steps = s[week_col].diff().dropna()
    if len(steps) and (steps != steps.mode().iloc[0]).any():
        gap = s[week_col][1:][(steps != steps.mode().iloc[0]).to_numpy()]
        raise DataError(
            f"{where}: the weeks of sales are not evenly spaced (every {steps.mode().iloc[0].days} days): the step "
            f"before {format_examples(gap.dt.date)} differs. Adstock and the trend need every week: add the "
            "missing weeks (revenue and spend) or fit the periods separately.")
    y = pd.to_numeric(s[revenue_col], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(y).all():
        raise DataError(f"{where}: column '{revenue_col}' has {int((~np.isfinite(y)).sum())} missing or "
                        "non-numeric weeks. Fill or drop them (and the same weeks of media).")
    wide = _wide_spend(media, s[week_col], week_col, channel_col, spend_col, channels)
    notes: list[str] = []
    dead = [c for c in wide.columns if wide[c].sum() == 0]
    if dead:
        notes.append(f"Channel(s) {dead} have no spend in the fitted weeks and are left out: no ROI can be estimated.")
        wide = wide.drop(columns=dead)
    if wide.shape[1] == 0:
        raise DataError(f"{where}: no channel has any spend in the fitted weeks; there is nothing to model.")
    names = [str(c) for c in wide.columns]
    x = wide.to_numpy(dtype=float)
    if x.shape[1] > 1:
        _check_collinear(x, names)

    design = _baseline_design(s, s[week_col], controls, event_col, trend, fourier)
    scale = np.maximum(np.abs(design.to_numpy()).max(axis=0), 1e-12)
    Z = design.to_numpy() / scale
    if np.linalg.matrix_rank(Z) < Z.shape[1]:
        raise DataError(f"{where}: the baseline terms {list(design.columns)} are collinear (an event that is also a "
                        "control, or a control that is a trend). Drop one of them.")
    n = len(y)
    # per channel: its beta, the adstock's parameters (1 or 2) and the saturation's (2 or 1)
    per_channel = 1 + (1 if adstock == "geometric" else 2) + (2 if saturation == "hill" else 1)
    n_par = Z.shape[1] + per_channel * len(names)
    if n < _WEEKS_PER_PARAMETER * n_par:
        raise DataError(
            f"{where}: {n} weeks for {n_par} parameters ({n / n_par:.1f} weeks per parameter; at least "
            f"{_WEEKS_PER_PARAMETER:.0f} are needed). Use more weeks, fewer channels or controls, or fewer "
            "Fourier terms.")
    if n < 10 * n_par:
        notes.append(f"Only {n / n_par:.1f} weeks per parameter ({n} weeks, {n_par} parameters): under 10 the "
                     "response curves are poorly pinned down; read the intervals, not the points.")

    typical = np.array([max(float(np.mean(_geometric(x[:, c], 0.3)[x[:, c] > 0])), 1.0) for c in range(len(names))])
    lift_rows = _lift_rows(lift_tests, s[week_col], names, where)
    prob = _Problem(y=y, Z=Z, x=x, names=names, adstock=adstock, saturation=saturation, max_lag=max_lag,
                    typical=typical, lift_rows=lift_rows, priors=False)
    first = prob.fit()
    prob.sigma = float(np.sqrt(2 * first.cost / max(n - n_par, 1)))
    prob.priors = priors
    best = prob.fit(starts=[first.x, *prob.starts()]) if priors else first
    theta = best.x
    resid, alpha, beta, H, ps = prob.solve(theta)
    fitted_media = H * beta
    base = Z @ alpha
    fitted = base + fitted_media.sum(axis=1)
    e = y - fitted
    sigma = float(np.sqrt(e @ e / max(n - n_par, 1)))
    if not best.success:
        notes.append(f"The optimiser stopped before converging ({best.message}); treat the fit with care.")

    # ---- bootstrap: moving blocks of residuals on the fitted curve
    rng = np.random.default_rng(seed)
    boot, failed = [], 0
    # residuals of a fit with n_par parameters are smaller than the noise: rescale them
    e_boot = e * math.sqrt(n / max(n - n_par, 1))
    n_prior = len(prob.prior_residuals(theta))
    for b in range(n_boot):
        idx = _block_indices(rng, n, block)
        y_star = fitted + e_boot[idx] - e_boot[idx].mean()
        if _RANDOMISE_PRIORS:
            # randomise-then-optimise: each refit also draws the priors' centres and the lift
            # tests' results from their own distributions, so the intervals carry what the
            # priors and the experiments are unsure of, not only the sales noise
            prob.prior_shift = rng.standard_normal(n_prior) if n_prior else None
            prob.lift_shift = rng.standard_normal(len(lift_rows)) if lift_rows else None
        try:
            with np.errstate(all="ignore"):
                rb = prob.fit(y=y_star, starts=[theta], tol=_REFIT_TOL)
            if not np.all(np.isfinite(rb.x)):
                raise FloatingPointError
            _, _, beta_b, H_b, ps_b = prob.solve(rb.x, y_star)
        except (np.linalg.LinAlgError, ValueError, FloatingPointError):
            failed += 1
            continue
        boot.append(_param_frame(names, ps_b, beta_b, H_b, x, adstock, saturation, b))
    prob.prior_shift = prob.lift_shift = None
    if failed:
        notes.append(f"{failed} of {n_boot} bootstrap refits failed and are left out of the intervals.")
    params = _param_frame(names, ps, beta, H, x, adstock, saturation, None).set_index("channel")
    boot_params = pd.concat(boot, ignore_index=True) if boot else pd.DataFrame(columns=["draw", "channel"])
    table = _channel_table(params, boot_params, ci, bagged)
    for ch in names:
        r = table.loc[ch, "roi"]
        if r > 20 or (r < 0.05 and table.loc[ch, "roi_high"] > 0.05):
            notes.append(f"ROI of '{ch}' is {r:.2f}: outside the usual 0.05 to 20; check its spend data and the "
                         "baseline before acting on it.")
    dw = float(np.sum(np.diff(e) ** 2) / np.sum(e**2))
    if dw < 1.5 or dw > 2.5:
        notes.append(f"Durbin-Watson {dw:.2f}: the residuals are autocorrelated, something week to week is "
                     "missing from the model (a control, a trend break); the block bootstrap widens the "
                     "intervals for it, but the points may be biased.")
    neg = int((base < 0).sum())
    if neg:
        notes.append(f"The baseline is negative in {neg} weeks: the media absorb more than the data support.")
    decomposition = pd.DataFrame({"week": s[week_col], "revenue": y, "fitted": fitted, "baseline": base})
    for c, ch in enumerate(names):
        decomposition[ch] = fitted_media[:, c]
    diagnostics = {
        "r2": float(1 - e @ e / np.sum((y - y.mean()) ** 2)),
        "mape": float(np.mean(np.abs(e / y))),
        "durbin_watson": dw,
        "negative_baseline_weeks": neg,
        "sigma": sigma,
        "weeks": n,
        "parameters": n_par,
        "weeks_per_parameter": n / n_par,
        "boot_ok": len(boot),
        "boot_failed": failed,
        "fit_seconds": time.perf_counter() - started,
    }
    return MMMResult(
        channels=table, decomposition=decomposition, diagnostics=diagnostics,
        baseline_coefficients=pd.Series(alpha / scale, index=design.columns, name="coefficient"),
        params=params, boot_params=boot_params, adstock=adstock, saturation=saturation, ci=ci,
        spend=wide.reset_index(drop=True), notes=tuple(notes))


def _block_indices(rng: np.random.Generator, n: int, block: int) -> np.ndarray:
    starts = rng.integers(0, n - block + 1, size=-(-n // block))
    return (starts[:, None] + np.arange(block)).ravel()[:n]


def _lift_rows(lift_tests, weeks: pd.Series, names: Sequence[str], where: str) -> list:
    if lift_tests is None:
        return []
    t = pd.DataFrame(lift_tests)
    need = ["channel", "start", "end", "incremental_revenue", "se"]
    check_columns(t, need, where=f"{where} (lift_tests)")
    rows = []
    w = pd.DatetimeIndex(weeks)
    for i, r in t.iterrows():
        if r["channel"] not in names:
            raise DataError(f"{where}: lift test {i} is on channel {r['channel']!r}, which is not modelled "
                            f"(channels: {list(names)}).")
        se = float(r["se"])
        if not (np.isfinite(se) and se > 0):
            raise DataError(f"{where}: lift test {i} has se {r['se']!r}; it must be a positive number (yuan).")
        mask = (w >= pd.Timestamp(r["start"])) & (w <= pd.Timestamp(r["end"]))
        if not mask.any():
            raise DataError(f"{where}: lift test {i} ({r['start']} to {r['end']}) covers no fitted week.")
        rows.append((names.index(r["channel"]), np.asarray(mask), float(r["incremental_revenue"]), se))
    return rows


def _param_frame(names, ps, beta, H, x, kind, sat_kind, draw) -> pd.DataFrame:
    rows = []
    for c, ch in enumerate(names):
        p = dict(ps[c])
        contribution = float(beta[c] * H[:, c].sum())
        total = float(x[:, c].sum())
        gain = 1 / (1 - p["decay"]) if kind == "geometric" else 1.0
        level = float(x[:, c].mean()) * gain
        h = max(level * 1e-4, 1.0)
        up, down = (saturation(np.array([max(v, 0.0)]), sat_kind, half_saturation=p["half_saturation"],
                               shape=p["shape"])[0] for v in (level + h, level - h))
        mroi = float(beta[c] * (up - down) / (2 * h) * gain) if level > h else float(beta[c] * up / h * gain)
        rows.append({"draw": draw, "channel": ch, **p, "beta": float(beta[c]), "contribution": contribution,
                     "spend": total, "roi": contribution / total, "mroi": mroi})
    return pd.DataFrame(rows)


def _channel_table(params: pd.DataFrame, boot: pd.DataFrame, ci: float, bagged: bool = False) -> pd.DataFrame:
    cols = ["roi", "mroi", "contribution"] + [c for c in ("decay", "lag_shape", "lag_scale") if c in params] + [
        "half_saturation", "shape", "beta"]
    table = params[["spend"] + cols].copy()
    q = ((1 - ci) / 2, (1 + ci) / 2)
    fit_roi = table["roi"].copy()
    for c in cols:
        if boot.empty:
            table[f"{c}_low"] = np.nan
            table[f"{c}_high"] = np.nan
        else:
            g = boot.groupby("channel")[c]
            if bagged:
                table[c] = g.median().reindex(table.index)
            table[f"{c}_low"] = g.quantile(q[0]).reindex(table.index)
            table[f"{c}_high"] = g.quantile(q[1]).reindex(table.index)
    table["roi_fit"] = fit_roi
    order = ["spend"] + [k for c in cols for k in (c, f"{c}_low", f"{c}_high")] + ["roi_fit"]
    table = table[order]
    table.index.name = "channel"
    return table
