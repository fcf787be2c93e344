"""Lesson notebooks: re-execute in place and strip the metadata that changes on every run."""

from __future__ import annotations

import copy
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from crmlib.exceptions import ReportError
from crmlib.reports._parameters import _existing_notebook_path
from crmlib.reports._run import _check_timeout, _error_message, _papermill, _terminal_path

if TYPE_CHECKING:  # pragma: no cover - typing only
    from nbformat import NotebookNode

_VOLATILE_CELL_TAGS = frozenset({"injected-parameters", "papermill-error-cell-tag"})
_VOLATILE_CELL_KEYS = ("papermill", "execution", "ExecuteTime")


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
