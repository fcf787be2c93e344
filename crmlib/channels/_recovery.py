"""Does the media model recover a truth?  Fit it on many seeded draws of a known process.

:func:`mmm_recovery` draws the default data's media process again and again
(:func:`crmlib.datasets.simulate_media`: new spend plans, new sales noise, the same
baseline and channel parameters), fits :func:`crmlib.channels.fit_mmm` on each draw, and
reports per channel and parameter the bias, the mean absolute error and how often the
interval covers the truth.  With ``oracle=True`` it also fits the betas with the *true*
decay, half-saturation and shape: the error that is left is what the noise alone costs,
a floor no estimator of the curves can beat on average.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay, format_notes
from crmlib._validation import check_int
from crmlib.channels._mmm import fit_mmm, saturation, _geometric

__all__ = ["RecoveryResult", "mmm_recovery"]

_PARAMS = ("roi", "decay", "half_saturation", "shape")


@dataclass(frozen=True, repr=False)
class RecoveryResult(SummaryDisplay):
    """The media model fitted on seeded draws of a known process.

    Attributes
    ----------
    table : pandas.DataFrame
        Per channel and parameter (``roi``, ``decay``, ``half_saturation``, ``shape``): the
        ``truth``, the mean ``estimate``, ``bias`` and ``mae`` (relative to the truth), the
        ``coverage`` of the intervals, and ``oracle_mae`` for ROI when the oracle ran.
    draws : pandas.DataFrame
        One row per draw x channel: the estimates, intervals and, with the oracle, its ROI.
    roi_mae, oracle_roi_mae : float
        The mean absolute relative ROI error over channels and draws (NaN without oracle).
    seconds_per_fit : float
    notes : tuple of str
    """

    table: pd.DataFrame
    draws: pd.DataFrame
    roi_mae: float
    oracle_roi_mae: float
    seconds_per_fit: float
    n_sims: int
    notes: tuple[str, ...] = ()

    _html_table = "table"
    _html_notes = "notes"

    def summary(self) -> str:
        lines = [
            f"Media-model recovery: {self.n_sims} draws of the default media process",
            f"Mean absolute ROI error {self.roi_mae:.1%}"
            + (f"; with the true curves (oracle) {self.oracle_roi_mae:.1%}" if np.isfinite(self.oracle_roi_mae) else ""),
            "",
            self.table.round(3).to_string(),
        ]
        lines += format_notes(self.notes)
        return "\n".join(lines)


def _oracle_roi(sales: pd.DataFrame, media: pd.DataFrame, truth: Mapping[str, Any], kwargs) -> dict:
    """ROI with the true curves: only the baseline and the betas are estimated."""
    from crmlib.channels._mmm import _baseline_design, _wide_spend

    s = sales.sort_values("week").reset_index(drop=True)
    wide = _wide_spend(media, pd.to_datetime(s["week"]), "week", "channel", "spend", None)
    Z = _baseline_design(s, s["week"], list(kwargs.get("controls", ("avg_price_index", "competitor_promo"))),
                         kwargs.get("event_col", "event"), kwargs.get("trend", True), kwargs.get("fourier", 2)).to_numpy()
    H = np.column_stack([
        saturation(_geometric(wide[ch].to_numpy(dtype=float), truth["channels"][ch]["decay"]), "hill",
                   half_saturation=truth["channels"][ch]["half_saturation"], shape=truth["channels"][ch]["shape"])
        for ch in wide.columns])
    coef, *_ = np.linalg.lstsq(np.hstack([Z, H]), s["revenue"].to_numpy(dtype=float), rcond=None)
    beta = coef[Z.shape[1]:]
    return {ch: float(beta[c] * H[:, c].sum() / wide[ch].sum()) for c, ch in enumerate(wide.columns)}


def mmm_recovery(n_sims: int = 20, *, seed: int = 0, oracle: bool = True, noise_sd: float | None = None,
                 lift_tests: Any = None, **fit_kwargs: Any) -> RecoveryResult:
    """Fit :func:`fit_mmm` on ``n_sims`` seeded draws of the default media process.

    Parameters
    ----------
    n_sims : int
        Number of draws (seeds ``seed``, ``seed + 1``, ...).
    oracle : bool
        Also fit the betas with the true curves (the noise floor of the ROI error).
    noise_sd : float, optional
        Weekly sales noise SD (default: the default data's, 150,000 yuan).
    lift_tests : callable, optional
        ``lift_tests(truth) -> table`` gives each draw its lift tests (see
        :func:`fit_mmm`), e.g. experiments measured from the draw's true contributions.
    **fit_kwargs
        Passed to :func:`fit_mmm` (``n_boot``, ``ci``, ``saturation``, ...).

    >>> r = mmm_recovery(2, n_boot=5, oracle=False)
    >>> sorted(r.table.index.get_level_values("channel").unique())
    ['display', 'email', 'search', 'social', 'tv']
    """
    from crmlib.datasets import load_default, simulate_media

    check_int(n_sims, "n_sims", where="mmm_recovery", low=1, high=10_000)
    check_int(seed, "seed", where="mmm_recovery", low=0)
    if fit_kwargs.get("saturation", "hill") != "hill" or fit_kwargs.get("adstock", "geometric") != "geometric":
        oracle = oracle and False
    base = load_default(tables=["weekly_sales"]).weekly_sales
    rows = []
    seconds = 0.0
    ci = fit_kwargs.get("ci", 0.9)
    for i in range(n_sims):
        kw = {} if noise_sd is None else {"noise_sd": noise_sd}
        sales, media, truth = simulate_media(seed + i, base, **kw)
        tests = lift_tests(truth) if callable(lift_tests) else lift_tests
        start = time.perf_counter()
        fit = fit_mmm(sales, media, seed=seed + i, lift_tests=tests, **fit_kwargs)
        seconds += time.perf_counter() - start
        orc = _oracle_roi(sales, media, truth, fit_kwargs) if oracle else {}
        for ch, t in truth["channels"].items():
            c = fit.channels.loc[ch]
            row = {"draw": i, "channel": ch}
            for p in _PARAMS:
                if p not in c:
                    continue
                row[f"{p}_true"] = t[p]
                row[p] = c[p]
                row[f"{p}_low"] = c[f"{p}_low"]
                row[f"{p}_high"] = c[f"{p}_high"]
            if oracle:
                row["roi_oracle"] = orc[ch]
            rows.append(row)
    draws = pd.DataFrame(rows)
    out = []
    for ch, g in draws.groupby("channel", sort=False):
        for p in _PARAMS:
            if p not in g:
                continue
            truth_v = float(g[f"{p}_true"].iloc[0])
            rel = (g[p] - truth_v) / truth_v
            covered = (g[f"{p}_low"] <= truth_v) & (truth_v <= g[f"{p}_high"])
            rec = {"channel": ch, "parameter": p, "truth": truth_v, "estimate": float(g[p].mean()),
                   "bias": float(rel.mean()), "mae": float(rel.abs().mean()),
                   "coverage": float(covered.mean()) if g[f"{p}_low"].notna().any() else np.nan}
            if p == "roi":
                rec["oracle_mae"] = (float(((g["roi_oracle"] - truth_v) / truth_v).abs().mean())
                                     if oracle else np.nan)
            out.append(rec)
    table = pd.DataFrame(out).set_index(["channel", "parameter"])
    roi = table.xs("roi", level="parameter")
    notes = []
    if n_sims < 20:
        notes.append(f"{n_sims} draws: a coverage of a {ci:.0%} interval is known to about "
                     f"+/-{2 * np.sqrt(ci * (1 - ci) / n_sims):.0%} (two binomial SEs).")
    return RecoveryResult(table=table, draws=draws, roi_mae=float(roi["mae"].mean()),
                          oracle_roi_mae=float(roi["oracle_mae"].mean()) if oracle else float("nan"),
                          seconds_per_fit=seconds / n_sims, n_sims=n_sims, notes=tuple(notes))
