"""Input checks shared by the pricing modules: column-name arguments and positive numbers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlib._validation import format_examples
from crmlib.exceptions import DataError, ParameterError

__all__ = ["as_columns", "numeric_array", "positive_column"]


def as_columns(value: object, name: str, *, where: str) -> tuple[str, ...]:
    """Normalise a column-name argument (None, one name or a sequence of names) to a tuple.

    >>> as_columns("region", "absorb", where="fit_elasticity")
    ('region',)
    >>> as_columns(None, "absorb", where="fit_elasticity")
    ()
    >>> as_columns(3, "absorb", where="fit_elasticity")
    Traceback (most recent call last):
    ...
    crmlib.exceptions.ParameterError: The 'absorb' parameter of fit_elasticity must be None, a column name or a sequence of column names. Got 3 (a int) instead.
    """
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ParameterError(
        f"The {name!r} parameter of {where} must be None, a column name or a sequence of "
        f"column names. Got {value!r} (a {type(value).__name__}) instead."
    )


def positive_column(frame: pd.DataFrame, col: str, *, where: str, what: str, fix: str) -> np.ndarray:
    """The values of ``frame[col]`` as floats, refusing missing, infinite or non-positive ones.

    >>> positive_column(pd.DataFrame({"price": [1.0, 0.0]}), "price", where="f",
    ...                 what="a log model", fix="Drop them.")
    Traceback (most recent call last):
    ...
    crmlib.exceptions.DataError: f: column 'price' must be > 0 for a log model; 1 of 2 rows are not (rows 1, e.g. 0.0). Drop them.
    """
    s = frame[col]
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        raise DataError(
            f"{where}: column {col!r} must be numeric; got dtype {s.dtype} "
            f"(e.g. {format_examples(s.head(3))}). Convert it to numbers first."
        )
    x = s.to_numpy(dtype="float64", na_value=np.nan)
    bad = ~np.isfinite(x) | ~(x > 0)
    if bad.any():
        rows = ", ".join(str(r) for r in frame.index[bad][:3])
        raise DataError(
            f"{where}: column {col!r} must be > 0 for {what}; {int(bad.sum())} of {len(x)} rows "
            f"are not (rows {rows}, e.g. {format_examples(s[bad].tolist())}). {fix}"
        )
    return x


def numeric_array(values: Any, name: str, *, where: str, positive: bool = False) -> np.ndarray:
    """A 1-D float array of finite values (optionally > 0) with at least one element.

    >>> numeric_array([1, 2], "prices", where="f").tolist()
    [1.0, 2.0]
    >>> numeric_array([1, -2], "prices", where="f", positive=True)
    Traceback (most recent call last):
    ...
    crmlib.exceptions.DataError: f: 'prices' must be finite numbers > 0; 1 are not (e.g. -2.0).
    """
    try:
        x = np.asarray(values, dtype="float64").ravel()
    except (TypeError, ValueError):
        raise ParameterError(
            f"The {name!r} parameter of {where} must be numbers. Got {values!r} instead."
        ) from None
    if x.size == 0:
        raise DataError(f"{where}: {name!r} is empty. Pass at least one value.")
    bad = ~np.isfinite(x) | ((x <= 0) if positive else False)
    if np.any(bad):
        rule = "finite numbers > 0" if positive else "finite numbers"
        raise DataError(
            f"{where}: {name!r} must be {rule}; {int(np.sum(bad))} are not "
            f"(e.g. {format_examples(x[bad].tolist())})."
        )
    return x
