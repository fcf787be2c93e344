"""Render notebooks as parameterized reports, one at a time or as a batch in parallel.

A lesson notebook becomes a report when it is executed with papermill on a set of
parameters.  This module

- reads a notebook's parameters from its single cell tagged ``parameters`` and the optional
  rules in its metadata (:func:`notebook_parameters`), and checks the values a user passes
  before anything runs (:func:`validate_parameters`);
- runs one notebook into ``reports/`` and exports HTML, with or without code
  (:func:`run_notebook`);
- runs a batch described in a YAML jobs file (:func:`load_jobs`, :func:`run_batch`) in
  parallel processes, keeps going when a job fails, and writes an ``index.html`` page with
  each report's status, parameters, duration and headline numbers;
- lets a notebook publish headline numbers for that index page (:func:`headline`);
- re-executes lesson notebooks in place and strips volatile metadata so that commits stay
  clean (:func:`execute_in_place`, :func:`strip_volatile`).

Rules for a parameter live in the notebook metadata, under
``metadata["crmlib"]["parameters"][name]``, with keys among ``choices`` (a list), ``min``,
``max``, ``kind`` (``"int"``, ``"float"``, ``"str"``, ``"bool"``, ``"date"`` for an ISO date
string, ``"path"`` for a file or folder that must exist unless empty) and ``help``.

Heavy dependencies (papermill, nbconvert, PyYAML, tqdm) are imported only when a function
needs them, so ``from crmlib.reports import headline`` stays cheap inside a notebook.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import datetime as dt
import difflib
import functools
import hashlib
import html
import io
import itertools
import json
import math
import os
import re
import sys
import tempfile
import time
import tokenize
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from numbers import Integral, Real
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crmlib._validation import check_int
from crmlib.exceptions import ParameterError, ReportError

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd
    from nbformat import NotebookNode

__all__ = [
    "HEADLINE_MIME",
    "BatchResult",
    "Job",
    "ParameterSpec",
    "ReportResult",
    "execute_in_place",
    "headline",
    "load_jobs",
    "notebook_parameters",
    "run_batch",
    "run_notebook",
    "strip_volatile",
    "validate_parameters",
]

#: MIME type of the bundle :func:`headline` attaches to its output; the runner collects it.
HEADLINE_MIME = "application/vnd.crmlib.headline+json"

_KERNEL_NAME = "python3"
_RULE_KEYS = ("choices", "min", "max", "kind", "help")
_KINDS = ("int", "float", "str", "bool", "date", "path")
_TRUE = frozenset({"true", "yes", "1", "on"})
_FALSE = frozenset({"false", "no", "0", "off"})
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_VOLATILE_CELL_TAGS = frozenset({"injected-parameters", "papermill-error-cell-tag"})
_VOLATILE_CELL_KEYS = ("papermill", "execution", "ExecuteTime")
_STATUSES = ("ok", "failed", "invalid")


# --------------------------------------------------------------------------------------
# Parameters: discovery and validation
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParameterSpec:
    """One parameter of a notebook: its default and the rules a value must follow.

    Attributes
    ----------
    name : str
        Variable name assigned in the ``parameters`` cell.
    default : object
        The literal assigned in the ``parameters`` cell.
    kind : str
        ``"int"``, ``"float"``, ``"str"``, ``"bool"``, ``"date"``, ``"path"``, ``"list"``,
        ``"dict"`` or ``"any"`` (default ``None`` and no rule: anything goes).
    choices : tuple or None
        Allowed values (metadata rule).
    min, max : object or None
        Inclusive bounds for int, float and date parameters (metadata rule).
    help : str
        The metadata ``help`` text, else the comment on the assignment line.
    allow_none : bool
        Whether ``None`` is accepted (default ``None`` or an ``X | None`` annotation).
    kind_source : str
        Where the kind comes from: ``"metadata"``, ``"annotation"`` or ``"default"``.
    """

    name: str
    default: Any
    kind: str
    choices: tuple[Any, ...] | None = None
    min: Any = None
    max: Any = None
    help: str = ""
    allow_none: bool = False
    kind_source: str = "default"

    def rule(self) -> str:
        """Describe, in words, what a valid value looks like.

        Returns
        -------
        str
            For example ``"an int in [1, 50]"`` or ``"one of ['all', 'North']"``.

        Examples
        --------
        >>> ParameterSpec("top_n", 10, "int", min=1, max=50).rule()
        'an int in [1, 50]'
        >>> ParameterSpec("region", "all", "str", choices=("all", "North")).rule()
        "one of ['all', 'North']"
        """
        if self.choices is not None:
            text = f"one of {list(self.choices)}"
        else:
            text = {
                "int": "an int",
                "float": "a number",
                "bool": "a bool (true/false, yes/no, 1/0)",
                "str": "a str",
                "date": "an ISO date YYYY-MM-DD",
                "path": "an existing file or folder (or empty)",
                "list": "a list",
                "dict": "a dict",
                "any": "any value",
            }[self.kind]
            text += _range_text(self.min, self.max)
        if self.allow_none and self.kind != "any":
            text += " or None"
        return text


def _range_text(low: Any, high: Any) -> str:
    if low is not None and high is not None:
        return f" in [{low}, {high}]"
    if low is not None:
        return f" >= {low}"
    if high is not None:
        return f" <= {high}"
    return ""


def _read_notebook(notebook: Any) -> tuple[NotebookNode, str, Path | None]:
    """Return (node, label used in messages, path or None) for a path or a notebook node."""
    if isinstance(notebook, Mapping):
        return notebook, "the notebook", None  # type: ignore[return-value]
    path = _existing_notebook_path(notebook)
    import nbformat

    try:
        node = nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises several unrelated types on bad files
        raise ReportError(
            f"Notebook {path.name!r} cannot be read as a Jupyter notebook ({exc}). "
            "Open it in JupyterLab and save it again."
        ) from None
    return node, path.name, path


def _existing_notebook_path(notebook: Any) -> Path:
    if not isinstance(notebook, str | os.PathLike):
        raise ReportError(
            "A notebook must be given as a path to an .ipynb file. "
            f"Got {notebook!r} (a {type(notebook).__name__})."
        )
    path = Path(notebook)
    if path.suffix != ".ipynb":
        raise ReportError(
            f"Notebook {str(path)!r} must be an .ipynb file. "
            "Pass the notebook itself, e.g. notebooks/00_start_here.ipynb."
        )
    if not path.is_file():
        hint = "Paths are relative to the current directory."
        folder = path.parent if str(path.parent) else Path(".")
        if folder.is_dir():
            present = sorted(p.name for p in folder.glob("*.ipynb"))
            close = difflib.get_close_matches(path.name, present, n=1)
            if close:
                hint = f"Did you mean {str(folder / close[0])!r}? " + hint
            elif present:
                hint = f"Notebooks in {str(folder)!r}: {present[:8]}. " + hint
        raise ReportError(f"Notebook {str(path)!r} does not exist. {hint}")
    return path


def _parameter_cell(nb: NotebookNode, label: str) -> str:
    tagged = [
        i for i, cell in enumerate(nb.cells) if "parameters" in cell.get("metadata", {}).get("tags", [])
    ]
    if len(tagged) != 1:
        found = "no cell" if not tagged else f"{len(tagged)} cells (cells {[i + 1 for i in tagged]})"
        raise ReportError(
            f"{label} must have exactly one cell tagged 'parameters'; found {found}. "
            "Tag the single cell of plain literal assignments with 'parameters' "
            "(JupyterLab: Property Inspector > Cell Tags)."
        )
    cell = nb.cells[tagged[0]]
    if cell.cell_type != "code":
        raise ReportError(
            f"The cell tagged 'parameters' in {label} is a {cell.cell_type} cell; it must be a "
            "code cell of plain literal assignments such as `top_n = 10`."
        )
    return cell.source


def _line_comments(source: str) -> dict[int, str]:
    comments: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                comments[tok.start[0]] = tok.string.lstrip("#").strip()
    except (tokenize.TokenError, SyntaxError):  # pragma: no cover - ast.parse caught it first
        pass
    return comments


def _annotation_kind(node: ast.expr | None) -> tuple[str | None, bool]:
    """Map ``int``, ``str | None``, ``Optional[float]``… to (kind, allows None)."""
    if node is None:
        return None, False
    if isinstance(node, ast.Name) and node.id in ("int", "float", "str", "bool"):
        return node.id, False
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        sides = [node.left, node.right]
        nones = [s for s in sides if isinstance(s, ast.Constant) and s.value is None]
        if len(nones) == 1:
            other = sides[0] if sides[1] is nones[0] else sides[1]
            kind, _ = _annotation_kind(other)
            return kind, True
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Optional"
    ):
        kind, _ = _annotation_kind(node.slice)
        return kind, True
    return None, False


def _parse_parameter_source(source: str, label: str) -> dict[str, tuple[Any, str | None, bool, str]]:
    """Return name -> (default, annotation kind, annotation allows None, comment)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ReportError(
            f"The 'parameters' cell of {label} is not valid Python (line {exc.lineno}: {exc.msg}). "
            "It must hold plain literal assignments such as `top_n = 10`."
        ) from None
    comments = _line_comments(source)
    found: dict[str, tuple[Any, str | None, bool, str]] = {}
    for node in tree.body:
        segment = ast.get_source_segment(source, node) or ""
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            name, value, annotation = node.targets[0].id, node.value, None
        elif (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.value is not None
        ):
            name, value, annotation = node.target.id, node.value, node.annotation
        else:
            raise ReportError(
                f"The 'parameters' cell of {label} may hold only assignments of plain literals, "
                f"one name each; line {node.lineno} is `{segment}`. "
                "Move it to the next cell."
            )
        try:
            default = ast.literal_eval(value)
        except ValueError:
            raise ReportError(
                f"Parameter {name!r} of {label} must be assigned a plain literal "
                f"(str, int, float, bool, None, list or dict); line {node.lineno} is `{segment}`. "
                "Assign a literal here and derive values in the next cell."
            ) from None
        kind, allow_none = _annotation_kind(annotation)
        comment = comments.get(node.end_lineno or node.lineno, comments.get(node.lineno, ""))
        found[name] = (default, kind, allow_none, comment)
    return found


def _default_kind(default: Any) -> str:
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, int):
        return "int"
    if isinstance(default, float):
        return "float"
    if isinstance(default, str):
        return "str"
    if isinstance(default, list | tuple):
        return "list"
    if isinstance(default, dict):
        return "dict"
    return "any"


def notebook_parameters(notebook: Any) -> dict[str, ParameterSpec]:
    """Read a notebook's parameters and their rules.

    The parameters are the names assigned in the single cell tagged ``parameters`` (plain
    literals only). Rules come from the value of each default (its type), from annotations
    such as ``top_n: int = 10``, and from ``metadata["crmlib"]["parameters"][name]`` with keys
    among ``choices``, ``min``, ``max``, ``kind`` and ``help``.

    Parameters
    ----------
    notebook : str, path-like or nbformat.NotebookNode
        The notebook to inspect.

    Returns
    -------
    dict of str to ParameterSpec
        In the order of the ``parameters`` cell.

    Raises
    ------
    ReportError
        When the notebook has zero or several cells tagged ``parameters``, when that cell
        holds something other than literal assignments, or when a metadata rule is malformed
        (unknown key or kind, rule for a name the cell does not assign, a default that breaks
        its own rule).

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook()
    >>> nb.cells = [nbformat.v4.new_code_cell(
    ...     'region = "all"  # sales region\\ntop_n = 10', metadata={"tags": ["parameters"]})]
    >>> nb.metadata["crmlib"] = {"parameters": {
    ...     "region": {"choices": ["all", "North", "East"]}, "top_n": {"min": 1, "max": 50}}}
    >>> specs = notebook_parameters(nb)
    >>> list(specs)
    ['region', 'top_n']
    >>> specs["region"].help, specs["top_n"].rule()
    ('sales region', 'an int in [1, 50]')
    """
    nb, label, _ = _read_notebook(notebook)
    return _specs_from_node(nb, label)


def _specs_from_node(nb: NotebookNode, label: str) -> dict[str, ParameterSpec]:
    assigned = _parse_parameter_source(_parameter_cell(nb, label), label)
    meta = nb.get("metadata", {}).get("crmlib", {})
    if not isinstance(meta, Mapping):
        raise ReportError(
            f"metadata['crmlib'] of {label} must be a mapping, got {type(meta).__name__}. "
            "Write rules as metadata['crmlib']['parameters'][name] = {'min': 1, ...}."
        )
    rules = meta.get("parameters", {}) or {}
    if not isinstance(rules, Mapping):
        raise ReportError(
            f"metadata['crmlib']['parameters'] of {label} must map parameter names to rules, "
            f"got {type(rules).__name__}."
        )
    for name in rules:
        if name not in assigned:
            close = difflib.get_close_matches(str(name), list(assigned), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ReportError(
                f"metadata['crmlib']['parameters'] of {label} has a rule for {name!r}, which the "
                f"'parameters' cell does not assign. Parameters in the cell: {list(assigned)}.{hint}"
            )
    specs: dict[str, ParameterSpec] = {}
    for name, (default, ann_kind, ann_none, comment) in assigned.items():
        rule = rules.get(name, {}) or {}
        if not isinstance(rule, Mapping):
            raise ReportError(
                f"The metadata rule for parameter {name!r} of {label} must be a mapping with keys "
                f"among {list(_RULE_KEYS)}; got {rule!r}."
            )
        unknown = [key for key in rule if key not in _RULE_KEYS]
        if unknown:
            raise ReportError(
                f"The metadata rule for parameter {name!r} of {label} has unknown key(s) "
                f"{unknown}. Valid keys: {list(_RULE_KEYS)}."
            )
        kind, source = _default_kind(default), "default"
        if ann_kind is not None:
            kind, source = ann_kind, "annotation"
        if "kind" in rule:
            if rule["kind"] not in _KINDS:
                raise ReportError(
                    f"The metadata rule 'kind' of parameter {name!r} of {label} must be one of "
                    f"{list(_KINDS)}. Got {rule['kind']!r}."
                )
            kind, source = rule["kind"], "metadata"
        choices = rule.get("choices")
        if choices is not None:
            if not isinstance(choices, list | tuple) or not choices:
                raise ReportError(
                    f"The metadata rule 'choices' of parameter {name!r} of {label} must be a "
                    f"non-empty list. Got {choices!r}."
                )
            choices = tuple(choices)
        low, high = rule.get("min"), rule.get("max")
        if (low is not None or high is not None) and kind not in ("int", "float", "date"):
            raise ReportError(
                f"The metadata rules 'min'/'max' of parameter {name!r} of {label} apply to int, "
                f"float and date parameters only; this one is a {kind}. Remove them or set 'kind'."
            )
        for key, bound in (("min", low), ("max", high)):
            ok = bound is None or (
                _is_date_like(bound)
                if kind == "date"
                else isinstance(bound, Real) and not isinstance(bound, bool)
            )
            if not ok:
                what = "an ISO date string" if kind == "date" else "a number"
                raise ReportError(
                    f"The metadata rule {key!r} of parameter {name!r} of {label} must be {what}. "
                    f"Got {bound!r}."
                )
        if kind == "date":
            low = None if low is None else _as_date(low).isoformat()
            high = None if high is None else _as_date(high).isoformat()
        help_text = rule.get("help", comment)
        spec = ParameterSpec(
            name=name,
            default=default,
            kind=kind,
            choices=choices,
            min=low,
            max=high,
            help=str(help_text or ""),
            allow_none=default is None or ann_none,
            kind_source=source,
        )
        try:
            _clean(spec, default, label, check_exists=False)
        except ParameterError as exc:
            raise ReportError(
                f"The default of parameter {name!r} in {label} breaks its own rule: {exc} "
                "Fix the default or the metadata rule."
            ) from None
        specs[name] = spec
    return specs


def _is_date_like(value: Any) -> bool:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return True
    if isinstance(value, str) and _DATE_RE.match(value):
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return False
        return True
    return False


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _type_name(value: Any) -> str:
    return type(value).__name__


def _fail(spec: ParameterSpec, label: str, value: Any, *, why: str = "", hint: str = "") -> None:
    if spec.choices is not None or spec.min is not None or spec.max is not None:
        source = " (metadata rule)"
    elif spec.kind_source == "metadata":
        source = " (metadata rule)"
    elif spec.kind_source == "annotation":
        source = " (annotation)"
    else:
        source = f", like its default {spec.default!r}"
    message = f"Parameter {spec.name!r} of {label} must be {spec.rule()}{source}. Got {value!r}"
    message += f"{why}." if why else "."
    if hint:
        message += f" {hint}"
    raise ParameterError(message)


def _clean(spec: ParameterSpec, value: Any, label: str, *, check_exists: bool = True) -> Any:
    """Convert ``value`` to the parameter's type and check its rules; return the clean value."""
    kind = spec.kind
    typed = f" (a {_type_name(value)})"
    if value is None:
        if spec.allow_none or kind in ("any", "path"):
            return None
        _fail(spec, label, value, hint="Pass a value or leave the parameter out to keep the default.")
    if kind == "any":
        return value
    if kind == "int":
        if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
            value = int(value)
        elif isinstance(value, str) and spec.allow_none and value.strip().lower() in ("none", "null"):
            return None
        if not isinstance(value, Integral) or isinstance(value, bool):
            _fail(spec, label, value, why=typed, hint="Pass a whole number such as 10.")
        value = int(value)  # type: ignore[arg-type]
    elif kind == "float":
        if isinstance(value, str):
            text = value.strip()
            if spec.allow_none and text.lower() in ("none", "null"):
                return None
            try:
                value = float(text)
            except ValueError:
                _fail(spec, label, value, why=typed, hint="Pass a number such as 0.05.")
        if not isinstance(value, Real) or isinstance(value, bool) or not math.isfinite(value):
            _fail(spec, label, value, why=typed, hint="Pass a finite number such as 0.05.")
        value = float(value)  # type: ignore[arg-type]
    elif kind == "bool":
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            value = value.strip().lower() in _TRUE
        elif isinstance(value, Integral) and not isinstance(value, bool) and value in (0, 1):
            value = bool(value)
        elif type(value).__name__ == "bool_":  # numpy bool
            value = bool(value)
        if not isinstance(value, bool):
            _fail(spec, label, value, why=typed, hint="Pass true or false.")
    elif kind == "str":
        if isinstance(value, dt.date):  # YAML reads 2025-06-30 as a date
            value = value.isoformat()
        if not isinstance(value, str):
            _fail(
                spec, label, value, why=typed,
                hint="Quote the value (in YAML: region: '5') to pass it as text.",
            )
    elif kind == "date":
        if isinstance(value, dt.datetime):
            if value.time() != dt.time(0):
                _fail(spec, label, value, why=" (a datetime with a time of day)",
                      hint="Pass the date only, e.g. '2025-06-30'.")
            value = value.date()
        if isinstance(value, dt.date):
            value = value.isoformat()
        if isinstance(value, str) and value == "" and spec.default == "":
            return value
        if not isinstance(value, str) or not _DATE_RE.match(value.strip()):
            _fail(spec, label, value, why=typed if not isinstance(value, str) else "",
                  hint="Write the date as YYYY-MM-DD, e.g. '2025-06-30'.")
        value = value.strip()
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            _fail(spec, label, value, why=", which is not a calendar date",
                  hint="Check the month and day.")
        if (spec.min is not None and day < _as_date(spec.min)) or (
            spec.max is not None and day > _as_date(spec.max)
        ):
            _fail(spec, label, value)
    elif kind == "path":
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        if not isinstance(value, str):
            _fail(spec, label, value, why=typed, hint="Pass a path as text.")
        if value != "" and check_exists and not Path(value).expanduser().exists():
            _fail(
                spec, label, value,
                why=", which does not exist (relative paths are read from the current directory)",
                hint="Check the path, or pass an empty string for the default.",
            )
    elif kind in ("list", "dict"):
        wanted = (list, tuple) if kind == "list" else (dict,)
        if isinstance(value, str):
            try:
                parsed = ast.literal_eval(value)
            except (ValueError, SyntaxError):
                parsed = None
            if isinstance(parsed, wanted):
                value = parsed
        if not isinstance(value, wanted):
            example = "[1, 2]" if kind == "list" else "{'a': 1}"
            _fail(spec, label, value, why=typed, hint=f"Pass a Python literal such as {example}.")
        value = list(value) if kind == "list" else dict(value)
    if spec.choices is not None and value not in spec.choices:
        hint = ""
        if isinstance(value, str):
            texts = [c for c in spec.choices if isinstance(c, str)]
            lower = {c.lower(): c for c in texts}
            close = [lower[value.lower()]] if value.lower() in lower else difflib.get_close_matches(
                value, texts, n=1
            )
            if close:
                hint = f"Did you mean {close[0]!r}?"
        _fail(spec, label, value, hint=hint)
    if kind in ("int", "float") and (
        (spec.min is not None and value < spec.min) or (spec.max is not None and value > spec.max)
    ):
        _fail(spec, label, value)
    return value


def validate_parameters(notebook: Any, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Check parameter values against a notebook's parameters and return them cleaned.

    Values are converted to the type of the default where that is unambiguous, so strings
    from the command line work: ``"5"`` becomes ``5`` for an int default, ``"yes"`` becomes
    ``True`` for a bool default, ``"0.1"`` becomes ``0.1`` for a float default (an int
    default accepts ints only; a float default accepts ints and floats; a ``None`` default
    accepts anything). Dates (``kind: date``) are returned as ISO strings; paths
    (``kind: path``) must exist relative to the current directory unless empty.

    Parameters
    ----------
    notebook : str, path-like or nbformat.NotebookNode
        The notebook the values are meant for.
    params : mapping of str to object or None
        The values to check; names left out keep the notebook's defaults.

    Returns
    -------
    dict
        The given names with cleaned values (defaults are not added).

    Raises
    ------
    ParameterError
        Naming the notebook, the parameter, the rule, the bad value and what is valid, for
        each problem found (unknown name, wrong type, out of range, not among the choices,
        bad date, missing path).
    ReportError
        When the notebook itself cannot be read or its rules are malformed.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook()
    >>> nb.cells = [nbformat.v4.new_code_cell(
    ...     'region = "all"\\ntop_n = 10\\nfast = False', metadata={"tags": ["parameters"]})]
    >>> nb.metadata["crmlib"] = {"parameters": {"top_n": {"min": 1, "max": 50}}}
    >>> validate_parameters(nb, {"top_n": "5", "fast": "yes"})
    {'top_n': 5, 'fast': True}
    >>> validate_parameters(nb, {"top_n": 100})
    Traceback (most recent call last):
    ...
    crmlib.exceptions.ParameterError: Parameter 'top_n' of the notebook must be an int in [1, 50] (metadata rule). Got 100.
    >>> validate_parameters(nb, {"regoin": "North"})
    Traceback (most recent call last):
    ...
    crmlib.exceptions.ParameterError: Unknown parameter 'regoin' for the notebook. Valid parameters: ['region', 'top_n', 'fast']. Did you mean 'region'?
    """
    nb, label, _ = _read_notebook(notebook)
    specs = _specs_from_node(nb, label)
    return _validate_with_specs(specs, params, label)


def _validate_with_specs(
    specs: Mapping[str, ParameterSpec], params: Mapping[str, Any] | None, label: str
) -> dict[str, Any]:
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise ParameterError(
            f"The parameters for {label} must be a mapping of name to value. "
            f"Got {params!r} (a {_type_name(params)}). Pass e.g. {{'region': 'North'}}."
        )
    cleaned: dict[str, Any] = {}
    problems: list[str] = []
    for name, value in params.items():
        spec = specs.get(name) if isinstance(name, str) else None
        if spec is None:
            close = difflib.get_close_matches(str(name), list(specs), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            problems.append(
                f"Unknown parameter {name!r} for {label}. Valid parameters: {list(specs)}.{hint}"
            )
            continue
        try:
            cleaned[name] = _clean(spec, value, label)
        except ParameterError as exc:
            problems.append(str(exc))
    if problems:
        raise ParameterError("\n".join(problems))
    return cleaned


# --------------------------------------------------------------------------------------
# Headline numbers
# --------------------------------------------------------------------------------------


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
        f"scalar. Got {value!r} (a {_type_name(value)}). Convert it, e.g. float(x) or str(x)."
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


def headline(name: str, value: Any, *, fmt: str | None = None) -> None:
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
    plain = _plain(value, name)
    text = _format_headline(plain, fmt)
    stored = plain if not (isinstance(plain, float) and not math.isfinite(plain)) else None
    bundle = {
        "text/plain": f"{name}: {text}",
        "text/html": (
            f'<p class="crmlib-headline"><strong>{html.escape(name)}</strong>: '
            f"{html.escape(text)}</p>"
        ),
        HEADLINE_MIME: {"name": name, "value": stored, "text": text},
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
    values: dict[str, Any] = {}
    texts: dict[str, str] = {}
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) or []:
            payload = (output.get("data") or {}).get(HEADLINE_MIME)
            if isinstance(payload, str):  # some writers store JSON bundles as text
                try:
                    payload = json.loads(payload)
                except ValueError:
                    continue
            if isinstance(payload, Mapping) and isinstance(payload.get("name"), str):
                values[payload["name"]] = payload.get("value")
                texts[payload["name"]] = str(payload.get("text", payload.get("value")))
    return values, texts


# --------------------------------------------------------------------------------------
# Running one notebook
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportResult:
    """The outcome of one report.

    Attributes
    ----------
    name : str
        File stem of the outputs (``<output_dir>/<name>.ipynb`` and ``.html``).
    notebook : pathlib.Path
        The source notebook, as given.
    parameters : dict
        The cleaned parameters passed to the notebook (defaults left out).
    status : str
        ``"ok"``, ``"failed"`` (executed with an error, or export failed) or ``"invalid"``
        (parameters rejected; never executed).
    message : str
        Empty when ok; the error (``"ValueError: ..."``) or the validation message otherwise.
    duration_s : float
        Wall time of execution and export, in seconds.
    ipynb_path, html_path : pathlib.Path or None
        The executed notebook and its HTML export, when written.
    headlines : dict
        Headline values published with :func:`headline`, by name.
    headlines_text : dict
        The same headlines as displayed text (e.g. ``"12,000"``).
    """

    name: str
    notebook: Path
    parameters: dict[str, Any]
    status: str
    message: str
    duration_s: float
    ipynb_path: Path | None
    html_path: Path | None
    headlines: dict[str, Any] = field(default_factory=dict)
    headlines_text: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the report executed and exported without error."""
        return self.status == "ok"


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not _NAME_RE.match(name) or name.lower() == "index":
        raise ParameterError(
            "A report 'name' must be a file stem of letters, digits, '.', '_' or '-', starting "
            f"with a letter or digit, and not 'index' (kept for the index page). Got {name!r}. "
            "Pass e.g. name='start_north'."
        )
    return name


def _slug(value: Any) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, list | tuple):
        text = "-".join(str(v) for v in value)
    elif isinstance(value, str) and ("/" in value or "\\" in value):
        text = Path(value.replace("\\", "/").rstrip("/")).name or value
    else:
        text = str(value)
    text = re.sub(r"[^A-Za-z0-9._]+", "-", text).strip("-._")
    return text[:40] or "empty"


def _default_name(notebook: Path, params: Mapping[str, Any], specs: Mapping[str, ParameterSpec]) -> str:
    parts = [notebook.stem]
    order = {key: i for i, key in enumerate(specs)}  # stable: the notebook's order, not the caller's
    for key, value in sorted(params.items(), key=lambda item: order.get(item[0], len(order))):
        spec = specs.get(key)
        if spec is not None:
            try:
                if _clean(spec, value, notebook.name, check_exists=False) == spec.default:
                    continue
            except ParameterError:
                pass
        parts.append(f"{_slug(key)}-{_slug(value)}")
    name = "__".join(parts)
    if not _NAME_RE.match(name):
        name = "report-" + re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-")
    if len(name) > 90:
        digest = hashlib.sha1(
            json.dumps(params, sort_keys=True, default=str).encode("utf-8")
        ).hexdigest()[:8]
        name = f"{name[:80].rstrip('-_.')}-{digest}"
    return name


@functools.cache
def _kernel_manager_class() -> type:
    """A kernel manager that provisions CurveZMQ keys, so kernels talk over encrypted sockets.

    Without keys, recent ipykernel versions warn on stderr for every kernel they start.
    """
    import zmq
    from jupyter_client import AsyncKernelManager

    if not zmq.has("curve"):  # pragma: no cover - libzmq built without CURVE
        return AsyncKernelManager

    class CurveKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            public, secret = zmq.curve_keypair()
            self.curve_publickey = public
            self.curve_secretkey = secret

    return CurveKernelManager


def _for_kernel(cleaned: Mapping[str, Any], specs: Mapping[str, ParameterSpec], folder: Path) -> dict[str, Any]:
    """Rewrite relative ``path`` parameters so the notebook (run in its folder) finds them."""
    out = dict(cleaned)
    for key, value in cleaned.items():
        spec = specs.get(key)
        if spec is not None and spec.kind == "path" and isinstance(value, str) and value:
            target = Path(value).expanduser()
            if not target.is_absolute():
                absolute = Path.cwd() / target
                try:
                    out[key] = os.path.relpath(absolute, folder.resolve())
                except ValueError:  # pragma: no cover - different drives on Windows
                    out[key] = str(absolute)
    return out


def _papermill(
    source: Path, target: Path, parameters: Mapping[str, Any] | None, timeout: float | None
) -> None:
    import papermill

    papermill.execute_notebook(
        str(source.resolve()),
        str(target.resolve()),
        parameters=dict(parameters) if parameters else None,
        kernel_name=_KERNEL_NAME,
        language="python",
        progress_bar=False,
        cwd=str(source.resolve().parent),
        execution_timeout=timeout,
        kernel_manager_class=_kernel_manager_class(),
        # The kernel logs a spurious "KeyboardInterrupt caught in kernel" when
        # jupyter_client interrupts it during shutdown; errors in cells still reach us.
        extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
    )


def _error_message(exc: BaseException) -> str:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        value = str(exc.evalue).strip()
        where = f" (cell In [{exc.exec_count}])" if exc.exec_count is not None else ""
        return f"{exc.ename}: {value}{where}" if value else f"{exc.ename}{where}"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _export_html(nb: NotebookNode, target: Path, *, no_code: bool, title: str) -> None:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        exclude_input=no_code,
        exclude_input_prompt=no_code,
        exclude_output_prompt=no_code,
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    target.write_text(body, encoding="utf-8")


def _check_timeout(timeout: Any) -> float | None:
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, Real) or not timeout > 0:
        raise ParameterError(
            "The 'timeout' parameter must be a positive number of seconds per cell, or None for "
            f"no limit. Got {timeout!r}. Pass e.g. timeout=600."
        )
    return float(timeout)


def _execute_report(
    notebook: Path,
    cleaned: dict[str, Any],
    specs: Mapping[str, ParameterSpec],
    *,
    name: str,
    output_dir: Path,
    export_html: bool,
    no_code: bool,
    timeout: float | None,
) -> ReportResult:
    import nbformat

    output_dir.mkdir(parents=True, exist_ok=True)
    ipynb = output_dir / f"{name}.ipynb"
    html_file = output_dir / f"{name}.html"
    for stale in (ipynb, html_file):  # never link a previous run's output
        stale.unlink(missing_ok=True)
    start = time.perf_counter()
    status, message = "ok", ""
    try:
        _papermill(notebook, ipynb, _for_kernel(cleaned, specs, notebook.parent), timeout)
    except Exception as exc:  # execution errors, dead kernels and timeouts all mean "failed"
        status, message = "failed", _error_message(exc)
    values: dict[str, Any] = {}
    texts: dict[str, str] = {}
    written_html: Path | None = None
    if ipynb.is_file():
        try:
            executed = nbformat.read(ipynb, as_version=4)
        except Exception as exc:  # pragma: no cover - papermill wrote a broken file
            status, message = "failed", message or f"cannot read the executed notebook: {exc}"
        else:
            values, texts = _collect_headlines(executed)
            if export_html:
                try:
                    _export_html(executed, html_file, no_code=no_code, title=name)
                    written_html = html_file
                except Exception as exc:  # nbconvert/template problems
                    note = f"HTML export failed: {type(exc).__name__}: {exc}"
                    status, message = "failed", f"{message}; {note}" if message else note
    return ReportResult(
        name=name,
        notebook=notebook,
        parameters=dict(cleaned),
        status=status,
        message=message,
        duration_s=round(time.perf_counter() - start, 3),
        ipynb_path=ipynb if ipynb.is_file() else None,
        html_path=written_html,
        headlines=values,
        headlines_text=texts,
    )


def run_notebook(
    notebook: str | os.PathLike[str],
    parameters: Mapping[str, Any] | None = None,
    *,
    output_dir: str | os.PathLike[str] = "reports",
    name: str | None = None,
    export_html: bool = True,
    no_code: bool = False,
    timeout: float | None = 600,
) -> ReportResult:
    """Render one notebook as a report with papermill and export it to HTML.

    The parameters are validated first (:func:`validate_parameters`). The notebook runs on
    the ``python3`` kernel with its own folder as the working directory; the executed
    notebook (with papermill's injected-parameters cell, which documents the run) is written
    to ``<output_dir>/<name>.ipynb`` and its HTML export beside it. An error inside the
    notebook does not raise: the executed notebook is kept, HTML is still exported, and the
    result has status ``"failed"`` with the error.

    Parameters
    ----------
    notebook : str or path-like
        The ``.ipynb`` file to run.
    parameters : mapping, optional
        Values for the notebook's parameters; names left out keep their defaults. Relative
        ``kind: path`` values are read from the current directory.
    output_dir : str or path-like, default "reports"
        Folder for the outputs; created when missing.
    name : str, optional
        File stem of the outputs. Default: the notebook stem plus a slug of the non-default
        parameters, e.g. ``00_start_here__region-North``.
    export_html : bool, default True
        Whether to write the HTML export.
    no_code : bool, default False
        Export HTML without code cells (for business readers).
    timeout : float or None, default 600
        Seconds allowed per cell; None for no limit.

    Returns
    -------
    ReportResult

    Raises
    ------
    ParameterError
        When a parameter value (or ``name``/``timeout``) breaks a rule; nothing runs.
    ReportError
        When the notebook is missing or its parameters cell/rules are malformed.

    Examples
    --------
    >>> import shutil, tempfile, nbformat
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> nb = nbformat.v4.new_notebook()
    >>> nb.cells = [
    ...     nbformat.v4.new_code_cell("n = 3", metadata={"tags": ["parameters"]}),
    ...     nbformat.v4.new_code_cell("from crmlib.reports import headline\\nheadline('Square', n * n)"),
    ... ]
    >>> nbformat.write(nb, folder / "square.ipynb")
    >>> result = run_notebook(folder / "square.ipynb", {"n": "4"}, output_dir=folder / "out")
    >>> result.status, result.name, result.headlines
    ('ok', 'square__n-4', {'Square': 16})
    >>> result.html_path.name
    'square__n-4.html'
    >>> shutil.rmtree(folder)
    """
    path = _existing_notebook_path(notebook)
    nb, label, _ = _read_notebook(path)
    specs = _specs_from_node(nb, label)
    cleaned = _validate_with_specs(specs, parameters, label)
    stem = _check_name(name) if name is not None else _default_name(path, cleaned, specs)
    return _execute_report(
        path,
        cleaned,
        specs,
        name=stem,
        output_dir=Path(output_dir),
        export_html=bool(export_html),
        no_code=bool(no_code),
        timeout=_check_timeout(timeout),
    )


# --------------------------------------------------------------------------------------
# Batches
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One report of a batch: a notebook and one set of parameter values.

    Attributes
    ----------
    notebook : pathlib.Path
        The notebook, relative to the current directory (or absolute).
    parameters : dict
        Parameter values; names left out keep the notebook's defaults.
    name : str or None
        File stem of the outputs; None for the default (notebook stem + parameter slug).
    no_code : bool or None
        Export HTML without code; None to follow the batch default.
    output_dir : pathlib.Path or None
        Folder of the outputs and the index page; None to follow the batch default.
    """

    notebook: Path
    parameters: dict[str, Any] = field(default_factory=dict)
    name: str | None = None
    no_code: bool | None = None
    output_dir: Path | None = None


_FILE_KEYS = ("output_dir", "no_code", "jobs")
_JOB_KEYS = ("notebook", "name", "parameters", "grid", "no_code")


def _unknown_key_error(where: str, key: Any, valid: Iterable[str]) -> ReportError:
    valid = list(valid)
    close = difflib.get_close_matches(str(key), valid, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return ReportError(f"{where}: unknown key {key!r}. Valid keys: {valid}.{hint}")


def load_jobs(path: str | os.PathLike[str]) -> list[Job]:
    """Read a YAML jobs file into a list of :class:`Job`, expanding grids.

    Format (all paths relative to the current directory; ``make reports`` runs from the
    repository root)::

        output_dir: reports          # optional, default "reports"
        no_code: false               # optional default for every job
        jobs:
          - notebook: notebooks/00_start_here.ipynb         # defaults
          - notebook: notebooks/00_start_here.ipynb
            name: start_north                               # optional file stem
            parameters: {region: North}
          - notebook: notebooks/00_start_here.ipynb
            grid: {region: [East, South]}                   # one job per combination
            name: "start_{region}"                          # placeholders fill from the grid
            no_code: true

    Parameter values are not validated here (:func:`run_batch` marks bad ones as invalid
    jobs); the structure of the file is.

    Parameters
    ----------
    path : str or path-like
        The YAML file.

    Returns
    -------
    list of Job
        One per report, with ``name`` resolved.

    Raises
    ------
    ReportError
        When the file is missing or not valid YAML, or a job has an unknown key, a missing
        notebook, a grid whose values are not non-empty lists, a key both in ``parameters``
        and ``grid``, a bad name, or a name already used by another job. Messages name the
        job (1-based) and the key.

    Examples
    --------
    >>> import shutil, tempfile, nbformat
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> nb = nbformat.v4.new_notebook()
    >>> nb.cells = [nbformat.v4.new_code_cell('region = "all"', metadata={"tags": ["parameters"]})]
    >>> nbformat.write(nb, folder / "sales.ipynb")
    >>> _ = (folder / "jobs.yml").write_text(
    ...     f"jobs:\\n  - notebook: {folder / 'sales.ipynb'}\\n    grid: {{region: [North, East]}}\\n")
    >>> [(job.name, job.parameters) for job in load_jobs(folder / "jobs.yml")]
    [('sales__region-North', {'region': 'North'}), ('sales__region-East', {'region': 'East'})]
    >>> shutil.rmtree(folder)
    """
    import yaml

    file = Path(path)
    if not file.is_file():
        raise ReportError(
            f"Jobs file {str(file)!r} does not exist. Paths are relative to the current "
            "directory; see reports/README.md for the format."
        )
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ReportError(f"Jobs file {file.name!r} is not valid YAML{where}: {problem}.") from None
    label = f"Jobs file {file.name!r}"
    if not isinstance(data, Mapping) or "jobs" not in data:
        raise ReportError(
            f"{label} must be a mapping with a 'jobs' list, e.g. "
            "'jobs: [{notebook: notebooks/00_start_here.ipynb}]'. See reports/README.md."
        )
    for key in data:
        if key not in _FILE_KEYS:
            raise _unknown_key_error(label, key, _FILE_KEYS)
    output_dir = data.get("output_dir")
    if output_dir is not None and (not isinstance(output_dir, str) or not output_dir.strip()):
        raise ReportError(f"{label}: 'output_dir' must be a folder path. Got {output_dir!r}.")
    default_no_code = data.get("no_code")
    if default_no_code is not None and not isinstance(default_no_code, bool):
        raise ReportError(f"{label}: 'no_code' must be true or false. Got {default_no_code!r}.")
    entries = data["jobs"]
    if not isinstance(entries, list) or not entries:
        raise ReportError(
            f"{label}: 'jobs' must be a non-empty list of jobs. Got {entries!r}. "
            "Each job needs at least 'notebook: <path>'."
        )
    jobs: list[Job] = []
    used: dict[str, int] = {}
    for index, entry in enumerate(entries, start=1):
        where = f"{label}, job {index}"
        if isinstance(entry, str):
            entry = {"notebook": entry}
        if not isinstance(entry, Mapping):
            raise ReportError(
                f"{where}: a job must be a mapping with 'notebook' and optional "
                f"{list(_JOB_KEYS[1:])}. Got {entry!r}."
            )
        for key in entry:
            if key not in _JOB_KEYS:
                raise _unknown_key_error(where, key, _JOB_KEYS)
        if "notebook" not in entry:
            raise ReportError(f"{where}: key 'notebook' is missing. Add 'notebook: <path to .ipynb>'.")
        raw_notebook = entry["notebook"]
        if not isinstance(raw_notebook, str):
            raise ReportError(f"{where}: key 'notebook' must be a path. Got {raw_notebook!r}.")
        try:
            notebook = _existing_notebook_path(raw_notebook)
        except ReportError as exc:
            raise ReportError(f"{where}: key 'notebook': {exc}") from None
        where = f"{label}, job {index} ({notebook.name})"
        fixed = entry.get("parameters") or {}
        if not isinstance(fixed, Mapping) or not all(isinstance(k, str) for k in fixed):
            raise ReportError(
                f"{where}: key 'parameters' must map parameter names to values, e.g. "
                f"'parameters: {{region: North}}'. Got {fixed!r}."
            )
        grid = entry.get("grid") or {}
        if not isinstance(grid, Mapping):
            raise ReportError(
                f"{where}: key 'grid' must map parameter names to lists of values, e.g. "
                f"'grid: {{region: [North, East]}}'. Got {grid!r}."
            )
        for key, values in grid.items():
            if not isinstance(values, list) or not values:
                raise ReportError(
                    f"{where}: key 'grid', parameter {key!r} must be a non-empty list of values. "
                    f"Got {values!r}. Write e.g. '{key}: [{values!r}]' or move it to 'parameters'."
                )
            if key in fixed:
                raise ReportError(
                    f"{where}: parameter {key!r} is in both 'parameters' and 'grid'. Keep it in one."
                )
        no_code = entry.get("no_code", default_no_code)
        if no_code is not None and not isinstance(no_code, bool):
            raise ReportError(f"{where}: key 'no_code' must be true or false. Got {no_code!r}.")
        name_template = entry.get("name")
        if name_template is not None and not isinstance(name_template, str):
            raise ReportError(f"{where}: key 'name' must be a text. Got {name_template!r}.")
        try:
            specs = notebook_parameters(notebook)
        except ReportError:
            specs = {}  # run_batch reports the problem as an invalid job
        combos = itertools.product(*grid.values()) if grid else [()]
        for combo in combos:
            params = {**fixed, **dict(zip(grid.keys(), combo, strict=True))}
            if name_template is None:
                name = _default_name(notebook, params, specs)
            else:
                try:
                    name = name_template.format(**params)
                except (KeyError, IndexError, ValueError) as exc:
                    raise ReportError(
                        f"{where}: key 'name' {name_template!r} cannot be filled ({exc!r}). "
                        f"Placeholders must be parameter names of this job: {list(params)}."
                    ) from None
                try:
                    _check_name(name)
                except ParameterError as exc:
                    raise ReportError(f"{where}: key 'name': {exc}") from None
            if name in used:
                hint = (
                    " With a grid, use placeholders such as name: 'start_{" + next(iter(grid)) + "}'."
                    if grid
                    else ""
                )
                other = "another combination of this job's grid" if used[name] == index else f"job {used[name]}"
                raise ReportError(
                    f"{where}: report name {name!r} is already used by {other}; names "
                    f"must be unique because they become file names. Set a distinct 'name'.{hint}"
                )
            used[name] = index
            jobs.append(
                Job(
                    notebook=notebook,
                    parameters=params,
                    name=name,
                    no_code=no_code,
                    output_dir=Path(output_dir) if output_dir is not None else None,
                )
            )
    return jobs


@dataclass(frozen=True)
class BatchResult:
    """The outcome of :func:`run_batch`.

    Attributes
    ----------
    results : tuple of ReportResult
        One per job, in job order.
    index_path : pathlib.Path or None
        The index page written for the batch.
    duration_s : float
        Wall time of the whole batch, in seconds.
    """

    results: tuple[ReportResult, ...]
    index_path: Path | None
    duration_s: float

    @property
    def ok(self) -> bool:
        """Whether every report has status ``"ok"``."""
        return all(r.status == "ok" for r in self.results)

    @property
    def counts(self) -> dict[str, int]:
        """Number of reports per status (``ok``, ``failed``, ``invalid``)."""
        return {status: sum(r.status == status for r in self.results) for status in _STATUSES}

    def summary(self) -> str:
        """One line for the terminal, e.g. ``"3 reports: 2 ok, 0 failed, 1 invalid — reports/index.html"``.

        Returns
        -------
        str
        """
        n = len(self.results)
        counts = self.counts
        text = f"{n} report{'s' if n != 1 else ''}: " + ", ".join(
            f"{counts[s]} {s}" for s in _STATUSES
        )
        if self.index_path is not None:
            text += f" — {_terminal_path(self.index_path)}"
        return text

    def to_frame(self) -> pd.DataFrame:
        """One row per report: name, notebook, status, duration, message, paths, parameters.

        Returns
        -------
        pandas.DataFrame
            Columns ``name``, ``notebook``, ``status``, ``duration_s``, ``message``,
            ``parameters`` (text), ``html_path``, ``ipynb_path`` and one ``headline: <name>``
            column per headline value.
        """
        import pandas as pd

        rows = []
        for r in self.results:
            row = {
                "name": r.name,
                "notebook": _terminal_path(r.notebook),
                "status": r.status,
                "duration_s": float(r.duration_s),
                "message": r.message,
                "parameters": _format_params(r.parameters),
                "html_path": None if r.html_path is None else _terminal_path(r.html_path),
                "ipynb_path": None if r.ipynb_path is None else _terminal_path(r.ipynb_path),
            }
            for key, value in r.headlines.items():
                row[f"headline: {key}"] = value
            rows.append(row)
        return pd.DataFrame(rows)


def _display_path(path: Path | str) -> str:
    """A path for humans: relative to the current directory when inside it, never absolute."""
    p = Path(path)
    if p.is_absolute():
        try:
            p = p.relative_to(Path.cwd())
        except ValueError:
            return p.name
    return p.as_posix()


def _terminal_path(path: Path | str) -> str:
    """A path for the terminal: relative to the current directory when inside it, else as is."""
    p = Path(path)
    if p.is_absolute():
        with contextlib.suppress(ValueError):
            return p.relative_to(Path.cwd()).as_posix()
    return p.as_posix()


def _format_params(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in params.items())


@dataclass(frozen=True)
class _Planned:
    index: int
    notebook: Path
    parameters: dict[str, Any]
    specs: dict[str, ParameterSpec]
    name: str
    output_dir: Path
    no_code: bool
    timeout: float | None


def _run_planned(plan: _Planned) -> ReportResult:
    """Worker entry point (must be importable for process pools); never raises."""
    start = time.perf_counter()
    try:
        return _execute_report(
            plan.notebook,
            plan.parameters,
            plan.specs,
            name=plan.name,
            output_dir=plan.output_dir,
            export_html=True,
            no_code=plan.no_code,
            timeout=plan.timeout,
        )
    except Exception as exc:  # keep the batch going whatever happened
        return ReportResult(
            name=plan.name,
            notebook=plan.notebook,
            parameters=plan.parameters,
            status="failed",
            message=f"{type(exc).__name__}: {exc}",
            duration_s=round(time.perf_counter() - start, 3),
            ipynb_path=None,
            html_path=None,
        )


def _pool_context() -> Any:
    """Start method of the worker processes.

    ``fork`` where it is safe (Linux and other POSIX systems except macOS, with no other
    thread running): workers start fast and the caller's script needs no
    ``if __name__ == "__main__":`` guard. ``spawn`` elsewhere (macOS, Windows, or when
    threads are running, e.g. inside a Jupyter kernel).
    """
    import multiprocessing
    import threading

    if (
        "fork" in multiprocessing.get_all_start_methods()
        and sys.platform != "darwin"
        and threading.active_count() == 1
    ):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _batch_output_dir(jobs: list[Job], output_dir: Any) -> Path:
    if output_dir is not None:
        return Path(output_dir)
    dirs = {job.output_dir for job in jobs if job.output_dir is not None}
    if len(dirs) > 1:
        raise ReportError(
            f"run_batch: the jobs name {len(dirs)} different output folders "
            f"({sorted(str(d) for d in dirs)}); one batch writes one index page. "
            "Pass output_dir=... or give the jobs the same output_dir."
        )
    return dirs.pop() if dirs else Path("reports")


def run_batch(
    jobs: Iterable[Job] | str | os.PathLike[str],
    *,
    workers: int | None = None,
    output_dir: str | os.PathLike[str] | None = None,
    no_code: bool | None = None,
    progress: bool = True,
    timeout: float | None = 600,
) -> BatchResult:
    """Render a batch of reports in parallel and write an index page.

    Every job's parameters are validated before anything runs; a job that fails validation
    gets status ``"invalid"`` and is never executed. The valid jobs run in a process pool
    (papermill and kernels are not thread-safe); a job whose notebook raises is kept with
    status ``"failed"`` and the batch goes on. ``<output_dir>/index.html`` lists every
    report with status, parameters, duration, headline numbers and relative links.

    Parameters
    ----------
    jobs : iterable of Job, or path to a YAML jobs file
        The reports to render (see :func:`load_jobs`).
    workers : int, optional
        Parallel processes; default ``min(2, cpu count)``. ``1`` runs in this process.
    output_dir : str or path-like, optional
        Overrides the jobs' output folder (default ``reports``).
    no_code : bool, optional
        ``True``/``False`` overrides every job; None keeps each job's own setting.
    progress : bool, default True
        Show a tqdm progress bar on stderr.
    timeout : float or None, default 600
        Seconds allowed per cell.

    Returns
    -------
    BatchResult

    Raises
    ------
    ReportError
        When there are no jobs, or the jobs name several output folders.
    ParameterError
        When ``workers`` or ``timeout`` is not valid.

    Examples
    --------
    >>> import shutil, tempfile, nbformat
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> nb = nbformat.v4.new_notebook()
    >>> nb.cells = [nbformat.v4.new_code_cell("k = 2", metadata={"tags": ["parameters"]})]
    >>> nb.metadata["crmlib"] = {"parameters": {"k": {"min": 2, "max": 10}}}
    >>> nbformat.write(nb, folder / "seg.ipynb")
    >>> jobs = [Job(folder / "seg.ipynb", {"k": 3}), Job(folder / "seg.ipynb", {"k": 1})]
    >>> batch = run_batch(jobs, workers=1, output_dir=folder / "out", progress=False)
    >>> [(r.name, r.status) for r in batch.results]
    [('seg__k-3', 'ok'), ('seg__k-1', 'invalid')]
    >>> batch.results[1].message
    "Parameter 'k' of seg.ipynb must be an int in [2, 10] (metadata rule). Got 1."
    >>> batch.index_path.name, batch.ok
    ('index.html', False)
    >>> shutil.rmtree(folder)
    """
    if isinstance(jobs, str | os.PathLike):
        jobs = load_jobs(jobs)
    job_list = list(jobs)
    if not job_list:
        raise ReportError("run_batch: there are no jobs to run. Add at least one job.")
    for i, job in enumerate(job_list, start=1):
        if not isinstance(job, Job):
            raise ReportError(
                f"run_batch: job {i} must be a crmlib.reports.Job. Got {job!r}. "
                "Build jobs with Job(notebook, parameters) or load_jobs(path)."
            )
    n_workers = min(2, os.cpu_count() or 1) if workers is None else check_int(
        workers, "workers", where="run_batch", low=1
    )
    limit = _check_timeout(timeout)
    if no_code is not None and not isinstance(no_code, bool):
        raise ParameterError(f"run_batch: 'no_code' must be True, False or None. Got {no_code!r}.")
    out_dir = _batch_output_dir(job_list, output_dir)
    started = time.perf_counter()

    results: list[ReportResult | None] = [None] * len(job_list)
    plans: list[_Planned] = []
    used: dict[str, int] = {}
    for i, job in enumerate(job_list):
        name = job.name or Path(job.notebook).stem
        raw = dict(job.parameters) if isinstance(job.parameters, Mapping) else {}
        specs = {}
        try:
            path = _existing_notebook_path(job.notebook)
            nb, label, _ = _read_notebook(path)
            specs = _specs_from_node(nb, label)
            cleaned = _validate_with_specs(specs, job.parameters, label)
            name = _check_name(job.name) if job.name is not None else _default_name(path, cleaned, specs)
            if name in used:
                raise ReportError(
                    f"Report name {name!r} of job {i + 1} is already used by job {used[name] + 1}; "
                    "names must be unique because they become file names. Give the job a name."
                )
        except (ParameterError, ReportError) as exc:
            if job.name is None:
                name = _default_name(Path(job.notebook), raw, specs)
            results[i] = ReportResult(
                name=name,
                notebook=Path(job.notebook),
                parameters=raw,
                status="invalid",
                message=str(exc),
                duration_s=0.0,
                ipynb_path=None,
                html_path=None,
            )
            continue
        used[name] = i
        plans.append(
            _Planned(
                index=i,
                notebook=path,
                parameters=cleaned,
                specs=specs,
                name=name,
                output_dir=out_dir,
                no_code=bool(job.no_code if no_code is None else no_code),
                timeout=limit,
            )
        )

    from tqdm import tqdm  # the text bar: tqdm.auto needs ipywidgets in Jupyter

    def bar_for(remaining: int) -> Any:
        bar = tqdm(
            total=len(job_list), desc="reports", unit="report", disable=not progress, file=sys.stderr
        )
        bar.update(len(job_list) - remaining)
        return bar

    if n_workers == 1 or len(plans) <= 1:
        with bar_for(len(plans)) as bar:
            for plan in plans:
                bar.set_postfix_str(plan.name, refresh=False)
                results[plan.index] = _run_planned(plan)
                bar.update(1)
    else:
        import concurrent.futures

        context = _pool_context()
        if context.get_start_method() == "fork":  # children inherit what the parent imported
            import nbconvert  # noqa: F401
            import papermill  # noqa: F401
        # Submit before the progress bar starts its monitor thread: forking with threads
        # running can deadlock the children.
        with concurrent.futures.ProcessPoolExecutor(
            max_workers=min(n_workers, len(plans)), mp_context=context
        ) as pool:
            futures = {pool.submit(_run_planned, plan): plan for plan in plans}
            with bar_for(len(plans)) as bar:
                for future in concurrent.futures.as_completed(futures):
                    plan = futures[future]
                    try:
                        results[plan.index] = future.result()
                    except Exception as exc:  # a worker process died
                        results[plan.index] = ReportResult(
                            name=plan.name,
                            notebook=plan.notebook,
                            parameters=plan.parameters,
                            status="failed",
                            message=f"{type(exc).__name__}: {exc}",
                            duration_s=0.0,
                            ipynb_path=None,
                            html_path=None,
                        )
                    bar.set_postfix_str(plan.name, refresh=False)
                    bar.update(1)

    final = tuple(r for r in results if r is not None)
    out_dir.mkdir(parents=True, exist_ok=True)
    index = out_dir / "index.html"
    duration = round(time.perf_counter() - started, 3)
    index.write_text(_index_html(final, index.parent, duration), encoding="utf-8")
    return BatchResult(results=final, index_path=index, duration_s=duration)


# --------------------------------------------------------------------------------------
# Index page
# --------------------------------------------------------------------------------------

_INDEX_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem; color: #222; }
h1 { font-size: 1.5rem; margin-bottom: 0.25rem; }
p.summary { color: #555; margin-top: 0; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.45rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; position: sticky; top: 0; }
th[data-sort] { cursor: pointer; }
td.num { text-align: right; white-space: nowrap; }
td.message { white-space: pre-line; max-width: 36rem; }
.status { font-weight: 600; padding: 0.1rem 0.45rem; border-radius: 0.3rem; }
.status-ok { background: #e3f4e6; color: #1b5e20; }
.status-failed { background: #fde2e1; color: #a4141b; }
.status-invalid { background: #fff1cc; color: #7a5200; }
tr.row-failed td, tr.row-invalid td { background: #fffafa; }
ul.plain { list-style: none; margin: 0; padding: 0; }
code { font-size: 0.85rem; }
"""

# Progressive enhancement only: the table is complete and readable without scripts.
_INDEX_JS = """
document.querySelectorAll("th[data-sort]").forEach(function (th, col) {
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0];
    var rows = Array.from(body.rows);
    var asc = th.dataset.dir !== "asc";
    th.dataset.dir = asc ? "asc" : "desc";
    var key = function (row) { return row.cells[col].dataset.value || row.cells[col].textContent; };
    rows.sort(function (a, b) {
      var x = key(a), y = key(b), nx = parseFloat(x), ny = parseFloat(y);
      var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return asc ? c : -c;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
"""


def _link(target: Path, folder: Path) -> str:
    from urllib.parse import quote

    try:
        relative = os.path.relpath(Path(target).resolve(), folder.resolve())
    except ValueError:  # pragma: no cover - different drives on Windows
        relative = Path(target).name
    return quote(Path(relative).as_posix())


def _index_html(results: tuple[ReportResult, ...], folder: Path, duration_s: float) -> str:
    esc = html.escape
    counts = {s: sum(r.status == s for r in results) for s in _STATUSES}
    rows = []
    for r in results:
        files = []
        if r.html_path is not None:
            files.append(f'<a href="{esc(_link(r.html_path, folder))}">HTML</a>')
        if r.ipynb_path is not None:
            files.append(f'<a href="{esc(_link(r.ipynb_path, folder))}">ipynb</a>')
        title = (
            f'<a href="{esc(_link(r.html_path, folder))}">{esc(r.name)}</a>'
            if r.html_path is not None
            else esc(r.name)
        )
        params = (
            '<ul class="plain">'
            + "".join(f"<li><code>{esc(k)}</code> = {esc(repr(v))}</li>" for k, v in r.parameters.items())
            + "</ul>"
            if r.parameters
            else "<em>defaults</em>"
        )
        heads = (
            '<ul class="plain">'
            + "".join(
                f"<li>{esc(k)}: <strong>{esc(r.headlines_text.get(k, str(v)))}</strong></li>"
                for k, v in r.headlines.items()
            )
            + "</ul>"
            if r.headlines
            else ""
        )
        duration = "" if r.status == "invalid" else f"{r.duration_s:.1f} s"
        rows.append(
            f'<tr class="row-{esc(r.status)}" id="report-{esc(r.name)}">'
            f"<td>{title}</td>"
            f'<td data-value="{_STATUSES.index(r.status) if r.status in _STATUSES else 9}">'
            f'<span class="status status-{esc(r.status)}">{esc(r.status)}</span></td>'
            f"<td><code>{esc(_display_path(r.notebook))}</code></td>"
            f"<td>{params}</td>"
            f'<td class="num" data-value="{r.duration_s:.3f}">{duration}</td>'
            f"<td>{heads}</td>"
            f'<td class="message">{esc(r.message)}</td>'
            f"<td>{' · '.join(files)}</td>"
            "</tr>"
        )
    summary = (
        f"{len(results)} report{'s' if len(results) != 1 else ''}: "
        + ", ".join(f"{counts[s]} {s}" for s in _STATUSES)
        + f" — batch time {duration_s:.1f} s — generated "
        + dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    )
    header = "".join(
        f'<th data-sort="{i}">{esc(h)}</th>'
        for i, h in enumerate(
            ["Report", "Status", "Notebook", "Parameters", "Duration", "Headlines", "Message", "Files"]
        )
    )
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>Reports</title>\n<style>{_INDEX_CSS}</style>\n</head>\n<body>\n"
        f"<h1>Reports</h1>\n<p class=\"summary\">{esc(summary)}</p>\n"
        f"<table>\n<thead><tr>{header}</tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + f"\n</tbody>\n</table>\n<script>{_INDEX_JS}</script>\n</body>\n</html>\n"
    )


# --------------------------------------------------------------------------------------
# Lesson notebooks: execute in place, strip volatile metadata
# --------------------------------------------------------------------------------------


def strip_volatile(notebook_node: NotebookNode) -> NotebookNode:
    """Return a copy of a notebook without the metadata that changes on every run.

    Removes execution counts (cells and ``execute_result`` outputs), the notebook-level and
    cell-level ``papermill`` metadata, ``execution`` timing metadata (and ``ExecuteTime``),
    empty ``tags`` lists, and any cell papermill inserted (``injected-parameters`` and error
    marker cells). Keeps every other tag, including ``parameters``.

    Parameters
    ----------
    notebook_node : nbformat.NotebookNode
        An executed notebook; it is not modified.

    Returns
    -------
    nbformat.NotebookNode

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook()
    >>> nb.metadata["papermill"] = {"duration": 1.2}
    >>> cell = nbformat.v4.new_code_cell("1 + 1", metadata={"tags": ["parameters"]})
    >>> cell.execution_count = 4
    >>> cell.metadata["execution"] = {"iopub.status.busy": "2025-01-01T00:00:00Z"}
    >>> cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=4)]
    >>> nb.cells = [cell]
    >>> clean = strip_volatile(nb)
    >>> "papermill" in clean.metadata, clean.cells[0].execution_count, clean.cells[0].outputs[0].execution_count
    (False, None, None)
    >>> dict(clean.cells[0].metadata)
    {'tags': ['parameters']}
    >>> nb.cells[0].execution_count
    4
    """
    nb = copy.deepcopy(notebook_node)
    nb.metadata.pop("papermill", None)
    kept = []
    for cell in nb.cells:
        metadata = cell.setdefault("metadata", {})
        tags = metadata.get("tags")
        if tags and _VOLATILE_CELL_TAGS.intersection(tags):
            continue
        for key in _VOLATILE_CELL_KEYS:
            metadata.pop(key, None)
        if "tags" in metadata and not metadata["tags"]:
            del metadata["tags"]
        if cell.get("cell_type") == "code":
            cell["execution_count"] = None
            for output in cell.get("outputs", []):
                if output.get("output_type") == "execute_result":
                    output["execution_count"] = None
        kept.append(cell)
    nb.cells = kept
    return nb


def execute_in_place(notebook: str | os.PathLike[str], *, timeout: float | None = 600) -> NotebookNode:
    """Re-execute a lesson notebook with its defaults and save it over itself, stripped.

    The notebook runs with papermill (no parameters, so no injected cell) in its own folder;
    on success the result goes through :func:`strip_volatile` and replaces the file
    atomically. On failure the file is left exactly as it was.

    Parameters
    ----------
    notebook : str or path-like
        The ``.ipynb`` file.
    timeout : float or None, default 600
        Seconds allowed per cell.

    Returns
    -------
    nbformat.NotebookNode
        The notebook as written.

    Raises
    ------
    ReportError
        When the notebook is missing or a cell fails (the message names the error and the
        cell); the file is not modified.

    Examples
    --------
    >>> import shutil, tempfile, nbformat
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "lesson.ipynb"
    >>> nb = nbformat.v4.new_notebook()
    >>> nb.cells = [nbformat.v4.new_code_cell("n = 2", metadata={"tags": ["parameters"]}),
    ...             nbformat.v4.new_code_cell("n * 21")]
    >>> nbformat.write(nb, path)
    >>> done = execute_in_place(path)
    >>> done.cells[1].outputs[0]["data"]["text/plain"], done.cells[1].execution_count
    ('42', None)
    >>> shutil.rmtree(path.parent)
    """
    import nbformat

    path = _existing_notebook_path(notebook)
    limit = _check_timeout(timeout)
    with tempfile.TemporaryDirectory(prefix="crmlib-nb-") as tmp:
        executed_path = Path(tmp) / path.name
        try:
            _papermill(path, executed_path, None, limit)
        except Exception as exc:
            raise ReportError(
                f"Notebook {_terminal_path(path)!r} failed to execute: {_error_message(exc)}. "
                "The file was left unchanged; open it in Jupyter, fix the cell and run again."
            ) from None
        executed = nbformat.read(executed_path, as_version=4)
    clean = strip_volatile(executed)
    fd, staging = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".ipynb", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            nbformat.write(clean, handle)
        os.chmod(staging, path.stat().st_mode & 0o7777)  # mkstemp files are private
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return clean
