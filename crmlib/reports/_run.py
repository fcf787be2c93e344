"""Running one notebook with papermill on a kernel, exporting HTML, and the result of one report."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import signal
import time
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from numbers import Real
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crmlib.exceptions import ParameterError, ReportError
from crmlib.reports._headline import _collect_headlines
from crmlib.reports._parameters import (
    ParameterSpec,
    _clean,
    _existing_notebook_path,
    _read_notebook,
    _specs_from_node,
    _validate_with_specs,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    from nbformat import NotebookNode

_KERNEL_NAME = "python3"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_STATUSES = ("ok", "failed", "invalid", "interrupted")
#: Statuses the one-line summary always counts; the others only when some report has them.
_ALWAYS_COUNTED = ("ok", "failed", "invalid")
#: Seconds a kernel is given to exit after SIGTERM before it is killed (SIGKILL).
_KERNEL_STOP_GRACE_S = 2.0


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
        ``"ok"``, ``"failed"`` (executed with an error, or export failed), ``"invalid"``
        (parameters rejected; never executed) or ``"interrupted"`` (the batch was stopped
        with Ctrl-C before the report finished, or before it started).
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


#: Kernel managers started in this process, so that a stopped worker can shut their kernels down.
_STARTED_KERNELS: weakref.WeakSet[Any] = weakref.WeakSet()


class _Launches:
    """Kernel launches under way in this process, and a stop requested during one."""

    under_way = 0
    pending_exit: int | None = None


def _stop_and_exit(exit_code: int) -> None:
    """Shut this process's kernels down and exit now; during a kernel launch, right after it.

    A stop that arrived while a kernel was being launched waits for the launch to finish, so
    that the new kernel is known and shut down too (never orphaned).
    """
    if _Launches.under_way:
        _Launches.pending_exit = exit_code
        return
    _stop_kernels()
    os._exit(exit_code)


@functools.cache
def _kernel_manager_class() -> type:
    """A kernel manager that remembers its kernels and provisions CurveZMQ keys.

    Every kernel it launches is recorded in :data:`_STARTED_KERNELS`, so that
    :func:`_stop_kernels` can shut them down when a batch is interrupted. Keys make kernels
    talk over encrypted sockets: without them, recent ipykernel versions warn on stderr for
    every kernel they start.
    """
    import zmq
    from jupyter_client import AsyncKernelManager

    curve = zmq.has("curve")

    class CrmlibKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            if curve:  # pragma: no branch - libzmq is normally built with CURVE
                public, secret = zmq.curve_keypair()
                self.curve_publickey = public
                self.curve_secretkey = secret

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            _Launches.under_way += 1
            try:
                await super()._async_launch_kernel(kernel_cmd, **kw)
                _STARTED_KERNELS.add(self)
            finally:
                _Launches.under_way -= 1
                if _Launches.pending_exit is not None and not _Launches.under_way:
                    _stop_and_exit(_Launches.pending_exit)

    return CrmlibKernelManager


def _kernel_process(manager: Any) -> Any:
    """The ``subprocess.Popen`` of a manager's kernel while it runs, else None."""
    process = getattr(getattr(manager, "provisioner", None), "process", None)
    if process is None or process.poll() is not None:
        return None
    return process


def _signal_kernel(process: Any, signum: int) -> None:
    """Signal a kernel's process group (kernels start in their own session), else the kernel."""
    with contextlib.suppress(OSError):
        os.killpg(os.getpgid(process.pid), signum)
        return
    with contextlib.suppress(OSError):
        process.send_signal(signum)


def _stop_kernels(grace_s: float = _KERNEL_STOP_GRACE_S) -> int:
    """Shut down every kernel this process started and that still runs; return how many.

    Synchronous and safe to call from a signal handler: each kernel gets SIGTERM, then
    SIGKILL after ``grace_s`` seconds, and its connection file is removed.
    """
    managers = list(_STARTED_KERNELS)
    running = [(m, p) for m in managers if (p := _kernel_process(m)) is not None]
    for _, process in running:
        _signal_kernel(process, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    for _, process in running:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except Exception:  # still alive after the grace period (subprocess.TimeoutExpired)
            _signal_kernel(process, signal.SIGKILL)
            with contextlib.suppress(Exception):
                process.wait(timeout=grace_s)
    for manager in managers:
        with contextlib.suppress(Exception):
            manager.cleanup_connection_file()
    return len(running)


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


def _export_html(
    nb: NotebookNode, target: Path, *, no_code: bool, title: str,
    parameters: Mapping[str, Any] | None = None, index_href: str | None = None,
    source: Path | None = None,
) -> None:
    """Export to HTML for a reader: the lesson's title, a link back to the index (in a batch),
    no test markers, no CDN scripts the page does not need, and the lesson's glossary."""
    from nbconvert import HTMLExporter

    from crmlib.reports._page import finish_html, needs_math, prepare_notebook, report_title

    exporter = HTMLExporter(
        template_name="lab",
        exclude_input=no_code,
        exclude_input_prompt=no_code,
        exclude_output_prompt=no_code,
    )
    body, _ = exporter.from_notebook_node(prepare_notebook(nb), resources={"metadata": {"name": title}})
    body = finish_html(
        body,
        title=report_title(nb, parameters=parameters, fallback=title),
        index_href=index_href,
        math=needs_math(nb),
        footer_html=_lesson_glossary(source.stem if source is not None else target.stem),
    )
    target.write_text(body, encoding="utf-8")


def _lesson_glossary(stem: str) -> str:
    """The glossary section of a lesson notebook ``NN_...``; empty for other notebooks."""
    lesson = stem[:2]
    if not (lesson.isdigit() and stem[2:3] == "_"):
        return ""
    from crmlib.glossary import LESSONS, glossary_html

    return glossary_html(lesson) if lesson in LESSONS else ""


def _check_timeout(timeout: Any) -> float | None:
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, Real) or not timeout > 0:
        raise ParameterError(
            "The 'timeout' parameter must be a positive number of seconds per cell, or None for "
            f"no limit. Got {timeout!r}. Pass e.g. timeout=600."
        )
    return float(timeout)


def _os_reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _prepare_output_dir(folder: Path) -> Path:
    """Create the output folder if needed and prove it is writable, before anything runs.

    Writability is tested by creating (and removing) a probe file, not by reading
    permission bits: a superuser ignores them, read-only file systems do not.

    Raises
    ------
    ReportError
        When the path is a file, cannot be created, or is not writable; one line naming
        the folder, the reason and the fix.
    """
    import tempfile

    fix = "Choose another output folder (--output-dir, or output_dir: in the jobs file)"
    if folder.exists() and not folder.is_dir():
        raise ReportError(
            f"Output folder {str(folder)!r} is a file, not a folder. {fix}, or move the file away."
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(
            f"Output folder {str(folder)!r} cannot be created ({_os_reason(exc)}). {fix}."
        ) from None
    try:
        handle, probe = tempfile.mkstemp(prefix=".crmlib-write-test-", dir=folder)
    except OSError as exc:
        raise ReportError(
            f"Output folder {str(folder)!r} is not writable ({_os_reason(exc)}). {fix} "
            "that you can write to."
        ) from None
    os.close(handle)
    os.unlink(probe)
    return folder


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
    index_href: str | None = None,
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
    except KeyboardInterrupt:  # Ctrl-C in this process: leave no kernel behind
        _stop_kernels()
        raise
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
                    _export_html(executed, html_file, no_code=no_code, title=name,
                                 parameters=cleaned, index_href=index_href, source=notebook)
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
        When the notebook is missing or its parameters cell/rules are malformed, or the
        output folder is a file, cannot be created or is not writable; nothing runs.

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
    limit = _check_timeout(timeout)
    return _execute_report(
        path,
        cleaned,
        specs,
        name=stem,
        output_dir=_prepare_output_dir(Path(output_dir)),
        export_html=bool(export_html),
        no_code=bool(no_code),
        timeout=limit,
    )



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


#: Every status a report can have, in the order the status line and the index list them.
STATUSES = _STATUSES


def _status_counts(results: Iterable[ReportResult]) -> dict[str, int]:
    """Reports per status: ``ok``, ``failed`` and ``invalid`` always, the others when present."""
    results = list(results)
    counts = {s: sum(r.status == s for r in results) for s in _STATUSES}
    return {s: n for s, n in counts.items() if n or s in _ALWAYS_COUNTED}


def status_line(results: Iterable[ReportResult], path: Path | str | None = None) -> str:
    """The one-line summary of some reports, e.g. ``"2 reports: 1 ok, 1 failed, 0 invalid"``.

    ``ok``, ``failed`` and ``invalid`` are always counted; ``interrupted`` only when some
    report was interrupted (``"4 reports: 1 ok, 0 failed, 0 invalid, 3 interrupted"``).

    Parameters
    ----------
    results : iterable of ReportResult
        The reports to count.
    path : path-like, optional
        A file to point at (the HTML, or the index page), appended after a dash, relative
        to the current directory when inside it.

    Returns
    -------
    str
    """
    results = list(results)
    n = len(results)
    counts = _status_counts(results)
    text = f"{n} report{'s' if n != 1 else ''}: " + ", ".join(f"{c} {s}" for s, c in counts.items())
    if path is not None:
        text += f" — {_terminal_path(path)}"
    return text
