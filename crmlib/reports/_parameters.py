"""Parameters of a notebook: the ``parameters`` cell, the metadata rules, validation."""

from __future__ import annotations

import ast
import datetime as dt
import difflib
import functools
import io
import math
import os
import re
import tokenize
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crmlib.exceptions import ParameterError, ReportError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from nbformat import NotebookNode

_RULE_KEYS = ("choices", "min", "max", "kind", "help")
_KINDS = ("int", "float", "str", "bool", "date", "path")
_TRUE = frozenset({"true", "yes", "1", "on"})
_FALSE = frozenset({"false", "no", "0", "off"})
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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


def _notebook_specs(notebook: Any) -> tuple[Path, str, dict[str, ParameterSpec]]:
    """Return (path, label, specs) of a notebook file, reading and parsing it once.

    The parsed specs (or the error) are cached by (resolved path, modification time, size),
    so a batch that names one notebook in many jobs, and :func:`load_jobs` followed by
    :func:`run_batch`, read each notebook once; an edited notebook is read again.
    """
    path = _existing_notebook_path(notebook)
    outcome = _parsed(path)
    if isinstance(outcome.specs, ReportError):
        raise ReportError(str(outcome.specs))
    return path, path.name, dict(outcome.specs)


def _notebook_summary(notebook: Any) -> tuple[str, str]:
    """Return (title, business question) of a notebook file, from the same cache as its specs.

    The title is the first ``# heading`` of a markdown cell (markup removed, as the report
    page's ``<title>``); the question is the paragraph of the first markdown cell that starts
    with ``**Business question.**``, without that label. Either is ``""`` when absent, or
    when the file cannot be read.
    """
    try:
        path = _existing_notebook_path(notebook)
    except ReportError:
        return "", ""
    outcome = _parsed(path)
    return outcome.title, outcome.question


@dataclass(frozen=True)
class _ParsedNotebook:
    specs: dict[str, ParameterSpec] | ReportError
    title: str = ""
    question: str = ""


def _parsed(path: Path) -> _ParsedNotebook:
    stat = path.stat()
    return _parse_notebook_file(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=32)
def _parse_notebook_file(resolved: str, mtime_ns: int, size: int) -> _ParsedNotebook:
    """Read and parse one notebook version; the error is kept (and cached), not raised."""
    try:
        nb, label, _ = _read_notebook(Path(resolved))
    except ReportError as exc:
        return _ParsedNotebook(exc)
    title, question = _title_and_question(nb)
    try:
        return _ParsedNotebook(_specs_from_node(nb, label), title, question)
    except ReportError as exc:
        return _ParsedNotebook(exc, title, question)


_QUESTION = re.compile(r"^[ \t]*\*\*Business question\.?\*\*[ \t]*(.*?)(?:\n[ \t]*\n|\Z)",
                       re.MULTILINE | re.DOTALL)
_MARKUP = re.compile(r"\*+|`|\[([^\]]*)\]\([^)]*\)")


def _title_and_question(nb: Any) -> tuple[str, str]:
    """The first ``# heading`` and the ``**Business question.**`` paragraph of a notebook.

    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook()
    >>> nb.cells = [nbformat.v4.new_markdown_cell(
    ...     "# 03 · Value\\n\\n**Business question.** Whom should we\\ncall *first*?\\n\\nMore.")]
    >>> _title_and_question(nb)
    ('03 · Value', 'Whom should we call first?')
    """
    from crmlib.reports._page import report_title

    title = report_title(nb)
    first = next((c for c in nb.cells if c.get("cell_type") == "markdown"), None)
    question = ""
    if first is not None:
        found = _QUESTION.search(first.get("source", ""))
        if found:
            text = _MARKUP.sub(lambda m: m.group(1) or "", found.group(1))
            question = " ".join(text.split())
    return title, question


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
