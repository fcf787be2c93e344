"""Input checks of the customer-value models: summary columns, arrays, horizons."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlib._validation import check_real, format_examples
from crmlib.exceptions import ConvergenceError, DataError, ParameterError

__all__ = [
    "ConvergenceError",
]


#: Fewest customers a model is fitted to (fewer raise a DataError).
MIN_CUSTOMERS = 10
#: Below this many customers, a fitted model's summary carries a "few customers" note.
FEW_CUSTOMERS = 500
#: A log-parameter beyond +/- this bound is reported as "at the boundary".
_LOG_BOUND = 9.0



# =============================================================================================
# input helpers
# =============================================================================================
def _columns_for(X: pd.DataFrame, names: Sequence[str], where: str) -> list[str]:
    """Pick ``names`` or their calibration twins (``name_cal``) from a summary frame."""
    if all(n in X.columns for n in names):
        return list(names)
    cal = [f"{n}_cal" for n in names]
    if all(n in X.columns for n in cal):
        return cal
    missing = [n for n in names if n not in X.columns]
    raise DataError(
        f"{where}: column {missing[0]!r} not in the summary. Columns present: "
        f"{list(map(str, X.columns))}. Pass the output of crmlib.value.rfm_weeks (or "
        f"crmlib.engine.rfm_summary) with columns {list(names)} or {cal}."
    )


def _as_float_columns(X: Any, names: Sequence[str], where: str) -> list[np.ndarray]:
    """Columns ``names`` of a frame (or of an (n, k) array, in that order) as float arrays."""
    if isinstance(X, pd.DataFrame):
        cols = _columns_for(X, names, where)
        out = []
        for name in cols:
            try:
                out.append(X[name].to_numpy(dtype="float64", na_value=np.nan))
            except (TypeError, ValueError):
                raise DataError(
                    f"{where}: column {name!r} must be numeric; it has dtype {X[name].dtype} "
                    f"(e.g. {format_examples(X[name].head(3).tolist())}). Convert it first."
                ) from None
        return out
    try:
        arr = np.asarray(X, dtype="float64")
    except (TypeError, ValueError):
        raise ParameterError(
            f"{where}: X must be a DataFrame with columns {list(names)} or a numeric array of "
            f"shape (n, {len(names)}). Got a {type(X).__name__} that is not numeric."
        ) from None
    if arr.ndim != 2 or arr.shape[1] != len(names):
        raise ParameterError(
            f"{where}: X must be a DataFrame with columns {list(names)} or an array of shape "
            f"(n, {len(names)}). Got an array of shape {arr.shape} instead."
        )
    return [arr[:, j].copy() for j in range(len(names))]


def _index_of(X: Any) -> pd.Index | None:
    return X.index if isinstance(X, pd.DataFrame) else None


def _bad_rows(mask: np.ndarray, index: pd.Index | None) -> str:
    where = np.flatnonzero(mask)
    labels = [index[i] for i in where[:3]] if index is not None else where[:3].tolist()
    return f"{mask.sum()} customers (e.g. {format_examples(labels)})"


def _rfm_arrays(X: Any, where: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validated frequency, recency and T arrays."""
    x, t_x, T = _as_float_columns(X, ("frequency", "recency", "T"), where)
    index = _index_of(X)
    checks = [
        (~(np.isfinite(x) & np.isfinite(t_x) & np.isfinite(T)),
         "have a missing or infinite frequency, recency or T", "drop or fill them first"),
        ((x < 0) | (x != np.round(x)),
         "have a frequency that is not a whole number >= 0", "frequency counts repeat purchases"),
        ((t_x < 0) | (T < 0), "have a negative recency or T", "check as_of and the dates"),
        (t_x > T * (1 + 1e-12) + 1e-12, "have recency > T",
         "recency is measured from the first to the last purchase, T from the first purchase "
         "to as_of"),
        ((x == 0) & (t_x != 0), "have frequency 0 but recency > 0",
         "recency must be 0 without repeat purchases"),
        ((x > 0) & (t_x == 0), "have repeat purchases but recency 0",
         "a repeat purchase happens after the first one; collapse same-day purchases"),
    ]
    for bad, rule, hint in checks:
        bad = np.asarray(bad)
        if bad.any():
            raise DataError(f"{where}: {_bad_rows(bad, index)} {rule}; {hint}.")
    return x, t_x, T


def _check_fit_sample(x: np.ndarray, T: np.ndarray, where: str) -> None:
    n = len(x)
    if n == 0:
        raise DataError(
            f"{where}: at least {MIN_CUSTOMERS} customers are needed to fit the model; got 0 "
            f"(the summary is empty). An as_of (or calibration_end) before the first purchase "
            f"gives an empty summary: choose a date on or after the first purchase."
        )
    if n < MIN_CUSTOMERS:
        raise DataError(
            f"{where}: at least {MIN_CUSTOMERS} customers are needed to fit the model; got {n}. "
            f"Use a longer history or more customers."
        )
    if not (T > 0).any():
        raise DataError(
            f"{where}: every customer has T = 0 (a single-day history: all first purchases on "
            f"as_of). The model needs time to observe repeat purchases; choose a later as_of."
        )
    if not (x > 0).any():
        raise DataError(
            f"{where}: none of the {n} customers has a repeat purchase (all frequencies are 0), "
            f"so the purchase and dropout rates cannot be told apart. Use a longer history."
        )


def _horizon(t: Any, name: str, where: str) -> float:
    return check_real(t, name, where=where, low=0)


def _purchase_params(model: Any, where: str) -> np.ndarray:
    """The fitted parameters of a continuous-time purchase model (BGNBD, MBGNBD, ParetoNBD).

    Anything else is refused, BG/BB with the reason: it counts opportunities, not time.
    """
    if type(model).__name__ == "BGBB":
        raise ParameterError(
            f"{where}: BG/BB is a discrete-time model (it counts opportunities, not weeks). Use "
            f"its own methods (probability_of_n_purchases, expected_purchases) on an "
            f"rfm_discrete summary; this takes a BGNBD, MBGNBD or ParetoNBD."
        )
    if not (hasattr(model, "_pmf_given_alive") and hasattr(model, "_check_fitted")):
        raise ParameterError(
            f"{where}: model must be a fitted BGNBD, MBGNBD or ParetoNBD from crmlib.value. "
            f"Got a {type(model).__name__}."
        )
    return model._check_fitted(where)


def _holdout_columns(summary: Any, where: str, needed: Sequence[str]) -> None:
    """Refuse a summary without the calibration/holdout columns a holdout check reads."""
    missing = [c for c in needed if c not in summary.columns]
    if missing:
        raise DataError(
            f"{where}: column {missing[0]!r} not in the summary. Columns present: "
            f"{list(map(str, summary.columns))}. Build it with rfm_weeks(..., calibration_end=...)."
        )

