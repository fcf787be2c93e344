"""Checks shared by the market modules (private; the public checks live in crmlib._validation)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmlib._validation import check_frame, check_values, format_examples
from crmlib.exceptions import DataError, ParameterError

__all__ = ["as_keys", "checked_table", "numeric_1d", "unique_rows"]


def as_keys(keys: str | Sequence[str], name: str, *, where: str) -> list[str]:
    """A column name or a list of them, as a list (refusing anything else)."""
    if isinstance(keys, str):
        return [keys]
    if isinstance(keys, (list, tuple)) and all(isinstance(k, str) for k in keys):
        return list(keys)
    raise ParameterError(
        f"The {name!r} parameter of {where} must be a column name or a list of column names. "
        f"Got {keys!r} (a {type(keys).__name__}) instead. Pass e.g. {name}=['region']."
    )


def checked_table(
    frame: object, name: str, *, where: str, keys: Sequence[str], numbers: Sequence[str],
    positive: Sequence[str] = (),
) -> pd.DataFrame:
    """Check a table: columns present, keys not missing, numbers finite and >= 0 (or > 0)."""
    check_frame(frame, name, where=where, columns=[*keys, *numbers])
    assert isinstance(frame, pd.DataFrame)
    if len(frame) == 0:
        raise DataError(f"{where}: {name} has no rows. Pass at least one row per market and period.")
    check_values(frame, keys, where=where, what=name, finite=False, negative=False,
                 fix="Every row needs its key: fill or drop such rows first.")
    for col in numbers:
        if not pd.api.types.is_numeric_dtype(frame[col]) or pd.api.types.is_bool_dtype(frame[col]):
            raise DataError(
                f"{where}: column {col!r} of {name} must be numeric; got dtype "
                f"{frame[col].dtype} (e.g. {format_examples(frame[col].head(3))}). "
                f"Convert it with pd.to_numeric first."
            )
    check_values(frame, numbers, where=where, what=name,
                 fix="Sizes, revenues and scores must be finite numbers >= 0: fix the source.")
    for col in positive:
        zero = frame[col].to_numpy(dtype=float) <= 0
        if zero.any():
            raise DataError(
                f"{where}: column {col!r} of {name} must be > 0; {int(zero.sum())} rows are 0 "
                f"(rows {', '.join(str(r) for r in frame.index[zero][:3])}). A growth rate "
                f"needs a positive size at both ends: drop those markets or periods."
            )
    return frame


def unique_rows(frame: pd.DataFrame, keys: Sequence[str], *, where: str, name: str) -> None:
    """Refuse repeated key combinations (e.g. two rows for one region, year and brand)."""
    dup = frame.duplicated(list(keys), keep=False)
    if dup.any():
        ex = frame.loc[dup, list(keys)].drop_duplicates().head(3)
        shown = ", ".join(str(tuple(r)) for r in ex.itertuples(index=False))
        raise DataError(
            f"{where}: {name} must have one row per {tuple(keys)}; {int(dup.sum())} rows repeat "
            f"a key (e.g. {shown}). Aggregate first, e.g. frame.groupby({list(keys)}).sum()."
        )


def numeric_1d(values: object, name: str, *, where: str) -> np.ndarray:
    """A 1-D array of finite floats from a list, array or Series."""
    if isinstance(values, (pd.DataFrame, str, bytes, dict)):
        raise ParameterError(
            f"The {name!r} parameter of {where} must be a 1-D sequence of numbers. Got a "
            f"{type(values).__name__} instead. Pass one column, e.g. table['share']."
        )
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(
            f"The {name!r} parameter of {where} must be numbers. Got {values!r} instead."
        ) from None
    if arr.ndim != 1 or arr.size == 0:
        raise ParameterError(
            f"The {name!r} parameter of {where} must be a non-empty 1-D sequence. Got shape "
            f"{arr.shape} instead."
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        raise DataError(
            f"{where}: {name!r} has {int(bad.sum())} missing or infinite values "
            f"(positions {format_examples(np.flatnonzero(bad))}). Drop or fill them first."
        )
    return arr
