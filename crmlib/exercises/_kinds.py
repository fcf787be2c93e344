"""Answer kinds: how a student's answer is validated and compared with the expected one.

Each kind is a small frozen dataclass with two methods:

- ``validate(answer, where)`` returns the answer in a canonical form, or raises
  :class:`~crmlib.exceptions.ParameterError` naming what was expected;
- ``compare(answer, expected)`` returns a :class:`Verdict` (``"right"``, ``"close"`` or
  ``"wrong"``) and a message that never contains the expected value.

The kinds: :class:`Number` (a scalar with a tolerance, a units and a rounding heuristic),
:class:`Items` (a set of names or ids, order-insensitive), :class:`Choice` (one category,
compared as text or against a salted hash) and :class:`Table` (a small Series of numbers by
label, compared with the tolerance of a :class:`Number` after aligning the labels).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, NamedTuple

from crmlib.exceptions import ParameterError

__all__ = ["Choice", "Items", "Number", "Table", "Verdict", "digest", "normalize_text"]

#: The unit slips the checker recognises: percent vs fraction, k¥ vs ¥, and a rate per
#: day / week / year read in the wrong unit.
UNIT_FACTORS = (100.0, 1000.0, 7.0, 52.0, 365.0)


class Verdict(NamedTuple):
    """The outcome of one comparison: ``status`` is ``"right"``, ``"close"`` or ``"wrong"``."""

    status: str
    message: str


def normalize_text(value: object) -> str:
    """Canonical text of a categorical answer: lower case, letters and digits only.

    >>> normalize_text("  Can't Lose ")
    'cantlose'
    >>> normalize_text("P(no purchase)")
    'pnopurchase'
    """
    return re.sub(r"[^0-9a-z]+", "", str(value).casefold())


def digest(salt: str, key: str, answer: object) -> str:
    """Salted SHA-256 of a categorical answer (``key`` is the exercise or question id).

    The salt differs per exercise and question, so the same letter or name hashes to a
    different digest everywhere and a table of digests of common answers is of no use.

    >>> digest("s1", "03.q1", "b") == digest("s2", "03.q1", "b")
    False
    >>> len(digest("s1", "03.q1", "b"))
    64
    """
    text = f"crmlib.exercises|{salt}|{key}|{normalize_text(answer)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _is_number(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _type_name(value: object) -> str:
    return type(value).__name__


@dataclass(frozen=True)
class Number:
    """A scalar answer, right within ``atol + rtol * |expected|``.

    Parameters
    ----------
    what : str
        What the answer is, in a student's words, used in every message
        (e.g. ``"the share as a fraction between 0 and 1"``).
    atol, rtol : float
        Absolute and relative tolerance (each exercise states how it derived them).
    decimals : int, optional
        The decimals the prompt asks for; an answer rounded to fewer decimals is CLOSE
        ("did you round?").
    close_rel : float
        An answer within this relative distance is CLOSE with ``close_hint``.
    close_hint : str
        What to check when the answer is close but not right.
    integer : bool
        The answer is a count: a float with a fractional part is refused.

    Examples
    --------
    >>> share = Number("the share as a fraction between 0 and 1", atol=0.0005, decimals=3)
    >>> share.compare(0.25, 0.2502).status
    'right'
    >>> share.compare(25.0, 0.2502).message
    'close: check your units. The answer is the share as a fraction between 0 and 1.'
    >>> share.compare(0.25, 0.2462).message
    'close: did you round? Give the answer to 3 decimal places.'
    >>> share.compare(0.35, 0.2502).status
    'wrong'
    """

    what: str
    atol: float = 0.0
    rtol: float = 0.0
    decimals: int | None = None
    close_rel: float = 0.10
    close_hint: str = "check which customers you counted"
    integer: bool = False
    units: tuple[float, ...] = UNIT_FACTORS

    @property
    def label(self) -> str:
        return "a whole number" if self.integer else "a number"

    def describe(self) -> str:
        return f"{self.label} ({self.what})"

    def validate(self, answer: object, where: str) -> float:
        ok = _is_number(answer) and math.isfinite(float(answer))  # type: ignore[arg-type]
        if ok and self.integer and not float(answer).is_integer():  # type: ignore[arg-type]
            ok = False
        if not ok:
            raise ParameterError(
                f"The answer to exercise {where} must be {self.describe()}. "
                f"Got {answer!r} (a {_type_name(answer)}) instead."
                + _number_fix(answer)
            )
        return float(answer)  # type: ignore[arg-type]

    def tolerance(self, expected: float) -> float:
        return self.atol + self.rtol * abs(expected)

    def compare(self, answer: float, expected: float) -> Verdict:
        tol = self.tolerance(expected)
        diff = abs(answer - expected)
        if diff <= tol * (1 + 1e-9) + 1e-12:
            return Verdict("right", "right.")
        if expected != 0 and answer != 0:
            rel = max(tol / abs(expected), 0.005)
            ratio = answer / expected
            for f in self.units:
                if abs(ratio / f - 1) <= rel or abs(ratio * f - 1) <= rel:
                    return Verdict("close", f"close: check your units. The answer is {self.what}.")
            if abs(ratio + 1) <= rel:
                return Verdict("close", "close: check the sign.")
        if self.decimals is not None:
            for d in range(self.decimals - 1, max(self.decimals - 3, -1), -1):
                step = 10.0 ** -d
                coarse = abs(answer - round(answer, d)) <= 1e-9 * max(1.0, abs(answer))
                rounded = diff <= step / 2 + tol
                truncated = answer * expected > 0 and 0 <= abs(expected) - abs(answer) < step + tol
                if coarse and (rounded or truncated):
                    places = "decimal place" if self.decimals == 1 else "decimal places"
                    return Verdict("close", f"close: did you round? Give the answer to "
                                            f"{self.decimals} {places}.")
        if expected != 0 and diff <= self.close_rel * abs(expected):
            return Verdict("close", f"within {self.close_rel:.0%}: {self.close_hint}.")
        return Verdict("wrong", "wrong.")


def _number_fix(answer: object) -> str:
    if isinstance(answer, str):
        return " Pass the number itself, e.g. 0.25 rather than '25%'."
    if isinstance(answer, bool):
        return ""
    if hasattr(answer, "__len__"):
        return " Pass one number, e.g. float(series.iloc[0]) or series.sum()."
    return ""


@dataclass(frozen=True)
class Items:
    """A set of names or ids; order and case do not matter.

    CLOSE when at least half of the expected items are in the answer; the message says how
    many are right, missing and extra, never which.

    Examples
    --------
    >>> kind = Items("the names of the segments that grow")
    >>> kind.compare(kind.validate(["Lost", "loyal"], "02.1"), {"lost", "loyal"}).status
    'right'
    >>> kind.compare(kind.validate(["lost"], "02.1"), {"lost", "loyal"}).message
    'close: 1 of your 1 items is right; 1 is missing and 0 are extra.'
    """

    what: str
    options: tuple[str, ...] = ()

    def describe(self) -> str:
        return f"a list of names ({self.what})"

    def validate(self, answer: object, where: str) -> frozenset[str]:
        if isinstance(answer, (str, bytes, Mapping)) or not _iterable(answer):
            raise ParameterError(
                f"The answer to exercise {where} must be {self.describe()}, e.g. "
                f"['a', 'b']. Got {answer!r} (a {_type_name(answer)}) instead."
            )
        items = frozenset(normalize_text(a) for a in answer)  # type: ignore[union-attr]
        if self.options:
            valid = {normalize_text(o): o for o in self.options}
            unknown = sorted(a for a in items if a not in valid)
            if unknown:
                raise ParameterError(
                    f"The answer to exercise {where} lists names that are not among the "
                    f"possible ones: {unknown}. Possible names: {list(self.options)}."
                )
        return items

    def compare(self, answer: frozenset[str], expected: Any) -> Verdict:
        want = frozenset(normalize_text(e) for e in expected)
        if answer == want:
            return Verdict("right", "right.")
        common = len(answer & want)
        missing, extra = len(want - answer), len(answer - want)
        if want and common * 2 >= len(want):
            return Verdict(
                "close",
                f"close: {common} of your {len(answer)} items {'is' if common == 1 else 'are'} "
                f"right; {missing} {'is' if missing == 1 else 'are'} missing and {extra} "
                f"{'is' if extra == 1 else 'are'} extra.",
            )
        return Verdict("wrong", "wrong.")


def _iterable(value: object) -> bool:
    try:
        iter(value)  # type: ignore[call-overload]
    except TypeError:
        return False
    return True


@dataclass(frozen=True)
class Choice:
    """One category (a name, a label, a letter), compared as normalised text.

    The expected answer is either computed at check time (``compare(answer, expected)``)
    or stored as a salted hash (``salt`` and ``digest`` set; ``compare(answer, None)``).

    Examples
    --------
    >>> kind = Choice("the sales channel", options=("store", "web"))
    >>> kind.compare(kind.validate("Web", "00.3"), "web").status
    'right'
    >>> hashed = Choice("a segment", salt="x", key="02.6", digest=digest("x", "02.6", "lost"))
    >>> hashed.compare(hashed.validate("Lost", "02.6"), None).status
    'right'
    """

    what: str
    options: tuple[str, ...] = ()
    salt: str = ""
    key: str = ""
    digest: str = ""

    def describe(self) -> str:
        shown = f", one of {list(self.options)}" if self.options else ""
        return f"one name ({self.what}{shown})"

    def validate(self, answer: object, where: str) -> str:
        ok = isinstance(answer, str) or (isinstance(answer, Integral) and not isinstance(answer, bool))
        if not ok or not normalize_text(answer):
            raise ParameterError(
                f"The answer to exercise {where} must be {self.describe()}. "
                f"Got {answer!r} (a {_type_name(answer)}) instead."
            )
        text = normalize_text(answer)
        if self.options and text not in {normalize_text(o) for o in self.options}:
            raise ParameterError(
                f"The answer to exercise {where} must be {self.describe()}. Got {answer!r}, "
                f"which is not one of them."
            )
        return text

    def compare(self, answer: str, expected: object) -> Verdict:
        if self.digest:
            ok = digest(self.salt, self.key, answer) == self.digest
        else:
            ok = answer == normalize_text(expected)
        return Verdict("right", "right.") if ok else Verdict("wrong", "wrong.")


@dataclass(frozen=True)
class Table:
    """A small Series of numbers by label (e.g. a value per channel or per class).

    Labels are aligned as normalised text; each value is compared with ``number``'s
    tolerance and heuristics. Accepts a pandas Series, a one-column DataFrame or a dict.

    Examples
    --------
    >>> kind = Table("the share of value by class", Number("a share", atol=0.0005, decimals=3))
    >>> kind.compare(kind.validate({"A": 0.5, "B": 0.5}, "02.7"), {"A": 0.5, "B": 0.5}).status
    'right'
    >>> kind.compare(kind.validate({"A": 50, "B": 50}, "02.7"), {"A": 0.5, "B": 0.5}).message
    'close: check your units. The answer is a share.'
    """

    what: str
    number: Number

    def describe(self) -> str:
        return f"a pandas Series ({self.what}), or a dict of label to number"

    def validate(self, answer: object, where: str) -> dict[str, float]:
        import pandas as pd

        if isinstance(answer, pd.DataFrame) and answer.shape[1] == 1:
            answer = answer.iloc[:, 0]
        if isinstance(answer, pd.Series):
            pairs = list(answer.items())
        elif isinstance(answer, Mapping):
            pairs = list(answer.items())
        else:
            raise ParameterError(
                f"The answer to exercise {where} must be {self.describe()}. "
                f"Got a {_type_name(answer)} instead."
            )
        out: dict[str, float] = {}
        for label, value in pairs:
            if not (_is_number(value) and math.isfinite(float(value))):
                raise ParameterError(
                    f"The answer to exercise {where} must hold one number per label "
                    f"({self.number.what}). Got {value!r} (a {_type_name(value)}) for "
                    f"{label!r}."
                )
            out[normalize_text(label)] = float(value)
        return out

    def compare(self, answer: dict[str, float], expected: Any) -> Verdict:
        want = {normalize_text(k): float(v) for k, v in dict(expected).items()}
        missing = [k for k in want if k not in answer]
        extra = [k for k in answer if k not in want]
        if missing or extra:
            labels = list(dict(expected))
            return Verdict("wrong", f"wrong: expected one value per label {labels}; "
                                    f"{len(missing)} missing, {len(extra)} extra.")
        verdicts = [self.number.compare(answer[k], want[k]) for k in want]
        n_right = sum(v.status == "right" for v in verdicts)
        if n_right == len(verdicts):
            return Verdict("right", "right.")
        others = {v.message for v in verdicts if v.status != "right"}
        if n_right == 0 and len(others) == 1 and verdicts[0].status == "close":
            return verdicts[0]
        if n_right * 2 >= len(verdicts) or all(v.status != "wrong" for v in verdicts):
            return Verdict("close", f"close: {n_right} of {len(verdicts)} values are right; "
                                    f"{self.number.close_hint} for the others.")
        return Verdict("wrong", "wrong.")
