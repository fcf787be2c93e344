"""The record of one exercise, and the data helpers its solver functions share.

An exercise is *checkable* when it has an answer kind: its expected answer is then either
computed at check time by its ``solver`` (from the default data or the data the student
passes) or, for a categorical answer that does not depend on the data, stored as a salted
hash inside its :class:`~crmlib.exercises._kinds.Choice`. Open discussion exercises have no
kind; they still have hints and a worked solution.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from crmlib.exercises._kinds import Choice, Items, Number, Table

__all__ = ["Exercise", "purchases", "transactions"]

Kind = Number | Items | Choice | Table


@dataclass(frozen=True, repr=False)
class Exercise:
    """One exercise of a lesson.

    Attributes
    ----------
    id : str
        ``"<lesson>.<n>"``, e.g. ``"03.2"``.
    title : str
        The prompt in a few words.
    prompt : str
        The full prompt (Markdown), as the lesson shows it.
    kind : Number, Items, Choice, Table or None
        How an answer is validated and compared; None for an open discussion exercise.
    hints : tuple of str
        Shown one at a time: the first with a wrong answer, the rest on request.
    solution, code : str
        The worked solution: Markdown and a code string that ends by assigning ``answer``
        (it runs in a namespace holding the lesson's ``data``).
    solver : callable, optional
        ``solver(data, **params)`` computes the expected answer at check time.
    params : mapping
        The settings the solver uses (the lesson's defaults); a check may override them.
    tolerance : str
        How the tolerance was derived.
    """

    id: str
    title: str
    prompt: str
    kind: Kind | None
    hints: tuple[str, ...]
    solution: str
    code: str = ""
    solver: Callable[..., Any] | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    tolerance: str = ""

    @property
    def lesson(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def checkable(self) -> bool:
        return self.kind is not None

    @property
    def kind_name(self) -> str:
        return "open" if self.kind is None else type(self.kind).__name__.lower()

    @property
    def expects(self) -> str:
        """What the answer must be, in words ("a number (the share as a fraction …)")."""
        return "an open answer (discuss it; it is not checked)" if self.kind is None \
            else self.kind.describe()

    def __repr__(self) -> str:
        state = "checkable" if self.checkable else "open, not checked"
        return f"Exercise {self.id} ({state}): {self.title}"

    def _repr_markdown_(self) -> str:
        text = f"**Exercise {self.id}** · {self.title}\n\n{self.prompt.strip()}\n\n"
        if self.checkable:
            text += (f"*Your answer:* {self.expects}. Check it with "
                     f"`crmlib.exercises.check({self.id!r}, answer, data=data)`.\n")
        else:
            text += "*Open exercise:* discuss your answer; it is not checked automatically.\n"
        return text


def purchases(data: Any, as_of: Any) -> Any:
    """Completed orders on or before ``as_of`` (lesson 00's definition of a purchase)."""
    import pandas as pd

    orders = data.orders
    return orders[(orders["status"] == "completed") & (orders["order_date"] <= pd.Timestamp(as_of))]


def transactions(data: Any, as_of: Any) -> Any:
    """Purchases as lesson 03's tidy log: ``customer_id``, ``order_date``, ``amount``."""
    tx = purchases(data, as_of).rename(columns={"net_amount": "amount"})
    return tx[["customer_id", "order_date", "amount"]]
