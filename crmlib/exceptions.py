"""The exception hierarchy of crmlib.

Every error crmlib raises on purpose derives from :class:`CrmlibError`, so callers can catch
the library's own complaints apart from bugs.  Messages follow one formula: name the argument
or column, state the rule, echo the bad value, list what is valid or present, hint at the fix.
"""

__all__ = ["CrmlibError", "DataError", "ParameterError", "ReportError"]


class CrmlibError(Exception):
    """Base class of every error raised on purpose by crmlib."""


class ParameterError(CrmlibError, ValueError):
    """An argument (or notebook parameter) breaks a rule: wrong type, range or choice."""


class DataError(CrmlibError, ValueError):
    """Input data cannot be used: missing columns, unparseable values, no usable rows."""


class ReportError(CrmlibError, RuntimeError):
    """A report job failed to execute or export."""
