"""Headline numbers a notebook publishes for the reader and the batch index page.

Imports only the standard library (IPython when inside a kernel), so a notebook cell can
``from crmlib.reports import headline`` without loading papermill or nbconvert.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import sys
from collections.abc import Mapping
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

from crmlib.exceptions import ParameterError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from nbformat import NotebookNode

#: MIME type of the bundle :func:`headline` attaches to its output; the runner collects it.
HEADLINE_MIME = "application/vnd.crmlib.headline+json"


def _plain(value: Any, name: str) -> Any:
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        value = value.item()
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise ParameterError(
        f"headline: the value of {name!r} must be an int, float, str, bool, date or numpy "
        f"scalar. Got {value!r} (a {type(value).__name__}). Convert it, e.g. float(x) or str(x)."
    )


def _format_headline(value: Any, fmt: str | None) -> str:
    if fmt is not None:
        try:
            return fmt.format(value) if "{" in fmt else format(value, fmt)
        except (ValueError, TypeError, IndexError, KeyError) as exc:
            raise ParameterError(
                f"headline: fmt {fmt!r} cannot format {value!r} ({exc}). Use a format spec "
                "such as ',.0f' or '.1%', or a template such as '{:,} customers'."
            ) from None
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if not math.isfinite(value):
        return str(value)
    size = abs(value)
    if size >= 1000:
        return f"{value:,.0f}"
    if size >= 1 or value == 0:
        return f"{value:,.2f}"
    return f"{value:.3g}"


def headline(name: str, value: Any, *, fmt: str | None = None, teaching: bool = False) -> None:
    """Publish a headline number from a notebook cell, for the reader and the report index.

    In Jupyter the number is displayed (plain text and HTML, e.g. "Customers: 12,000") and a
    machine-readable bundle of MIME type :data:`HEADLINE_MIME` (``{"name", "value",
    "text"}``) is attached to the output; :func:`run_notebook` collects it and the batch
    index shows it. Outside Jupyter the text is printed.

    Parameters
    ----------
    name : str
        Label of the number, e.g. ``"Customers"``.
    value : int, float, str, bool, datetime.date or numpy scalar
        The number; numpy scalars are converted to plain Python values.
    fmt : str, optional
        A format spec (``",.0f"``, ``".1%"``) or a template (``"{:,} customers"``). By
        default ints get thousands separators and floats a sensible precision.
    teaching : bool, default False
        Mark a number only a student needs (a check against the truth, a model diagnostic).
        The index of a business batch leaves it out; the business audience of a lesson
        leaves the cell out when it is tagged ``teaching``.

    Raises
    ------
    ParameterError
        When ``name`` is empty, the value has an unsupported type or ``fmt`` does not apply.

    Examples
    --------
    >>> headline("Customers", 12000)
    Customers: 12,000
    >>> headline("Response rate", 0.0734, fmt=".1%")
    Response rate: 7.3%
    """
    if not isinstance(name, str) or not name.strip():
        raise ParameterError(
            f"headline: 'name' must be a non-empty str. Got {name!r}. Pass a label such as 'Customers'."
        )
    if not isinstance(teaching, bool):
        raise ParameterError(
            f"headline: 'teaching' must be True or False. Got {teaching!r} for {name!r}."
        )
    plain = _plain(value, name)
    text = _format_headline(plain, fmt)
    stored = plain if not (isinstance(plain, float) and not math.isfinite(plain)) else None
    bundle = {
        "text/plain": f"{name}: {text}",
        "text/html": (
            f'<p class="crmlib-headline"><strong>{html.escape(name)}</strong>: '
            f"{html.escape(text)}</p>"
        ),
        HEADLINE_MIME: {"name": name, "value": stored, "text": text, "teaching": teaching},
    }
    shell = None
    if "IPython" in sys.modules:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is None:
        print(bundle["text/plain"])
        return
    from IPython.display import display

    display(bundle, raw=True)


def _collect_headlines(nb: NotebookNode) -> tuple[dict[str, Any], dict[str, str]]:
    """(values, texts) of the headlines an executed notebook published, by name."""
    values, texts, _ = _collect_headline_details(nb)
    return values, texts


def _collect_headline_details(
    nb: NotebookNode,
) -> tuple[dict[str, Any], dict[str, str], frozenset[str]]:
    """(values, texts, names marked ``teaching=True``) of an executed notebook's headlines.

    A headline published again under the same name keeps its last value and flag.
    """
    values: dict[str, Any] = {}
    texts: dict[str, str] = {}
    teaching: set[str] = set()
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) or []:
            payload = (output.get("data") or {}).get(HEADLINE_MIME)
            if isinstance(payload, str):  # some writers store JSON bundles as text
                try:
                    payload = json.loads(payload)
                except ValueError:
                    continue
            if isinstance(payload, Mapping) and isinstance(payload.get("name"), str):
                name = payload["name"]
                values[name] = payload.get("value")
                texts[name] = str(payload.get("text", payload.get("value")))
                if payload.get("teaching") is True:
                    teaching.add(name)
                else:
                    teaching.discard(name)
    return values, texts, frozenset(teaching)
