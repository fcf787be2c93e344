"""The exception hierarchy of crmlib.

Every error crmlib raises on purpose derives from :class:`CrmlibError`, so callers can catch
the library's own complaints apart from bugs.  Messages follow one formula: name the argument
or column, state the rule, echo the bad value, list what is valid or present, hint at the fix.

- :class:`ParameterError` — an argument breaks a rule (type, range, choice, date text);
- :class:`DataError` — the data cannot be used as given (missing columns, bad values);
- :class:`NotFittedError` — a model is used before ``fit`` (scikit-learn's convention: it is
  also an :class:`AttributeError`, so ``hasattr(model, "params_")`` is False before ``fit``);
- :class:`ConvergenceError` — an estimation did not converge;
- :class:`ReportError` — a report job failed to execute or export.
"""

__all__ = [
    "ConvergenceError",
    "CrmlibError",
    "DataError",
    "NotFittedError",
    "ParameterError",
    "ReportError",
]


class CrmlibError(Exception):
    """Base class of every error raised on purpose by crmlib."""


class ParameterError(CrmlibError, ValueError):
    """An argument (or notebook parameter) breaks a rule: wrong type, range or choice."""


class DataError(CrmlibError, ValueError):
    """Input data cannot be used: missing columns, unparseable values, no usable rows."""


class NotFittedError(CrmlibError, ValueError, AttributeError):
    """A model was used before ``fit``.

    >>> issubclass(NotFittedError, AttributeError) and issubclass(NotFittedError, ValueError)
    True
    """


class ConvergenceError(CrmlibError, RuntimeError):
    """A numerical estimation (maximum likelihood, iteration) did not converge."""


class ReportError(CrmlibError, RuntimeError):
    """A report job failed to execute or export."""
