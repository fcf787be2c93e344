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
from crmlib.reports._headline import _collect_headline_details
from crmlib.reports._parameters import (
    ParameterSpec,
    _clean,
    _existing_notebook_path,
    _notebook_summary,
    _read_notebook,
    _specs_from_node,
    _validate_with_specs,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    from nbformat import NotebookNode

_KERNEL_NAME = "python3"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_STATUSES = ("ok", "failed", "invalid", "privacy", "interrupted")
#: The readers a report can be rendered for (see :func:`crmlib.reports._page.for_audience`).
_AUDIENCES = ("student", "business")
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
        (parameters or audience rejected; never executed), ``"privacy"`` (the rendered page
        or the executed notebook shows an e-mail address, a phone number or a customer's
        name: neither file is kept, the message says what was found, masked) or
        ``"interrupted"`` (the batch was stopped with Ctrl-C before the report finished, or
        before it started).
    message : str
        Empty when ok; the error (``"ValueError: ..."``), the validation message or the
        privacy findings otherwise.
    duration_s : float
        Wall time of execution and export, in seconds.
    ipynb_path, html_path : pathlib.Path or None
        The executed notebook and its HTML export, when written.
    headlines : dict
        Headline values published with :func:`headline`, by name.
    headlines_text : dict
        The same headlines as displayed text (e.g. ``"12,000"``).
    audience : str
        ``"student"`` (the whole lesson) or ``"business"`` (code hidden, cells tagged
        ``teaching`` left out, the ``summary`` cells first). For a business report the
        headlines are those of the cells the page shows.
    title, question : str
        The notebook's first ``# heading`` and its ``**Business question.**`` paragraph
        (``""`` when absent).
    teaching_headlines : frozenset of str
        Names of the headlines published with ``teaching=True`` (numbers only a student
        needs; the index shows them for student reports only).
    privacy_note : str
        How the report was checked for personal data, when that is worth saying: e.g. that
        there was no customer table to scan against (``""`` when scanned, or not run).
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
    audience: str = "student"
    title: str = ""
    question: str = ""
    teaching_headlines: frozenset[str] = frozenset()
    privacy_note: str = ""

    @property
    def ok(self) -> bool:
        """Whether the report executed and exported without error."""
        return self.status == "ok"


def _check_audience(audience: Any, where: str) -> str:
    """The audience as given, or a one-line error naming the option, the rule and the fix."""
    if audience not in _AUDIENCES:
        raise ParameterError(
            f"{where}: 'audience' must be one of {list(_AUDIENCES)} (\"student\": the whole "
            f"lesson; \"business\": results only). Got {audience!r}. Pass e.g. audience='business'."
        )
    return audience


def _with_audience(
    audience: str | None,
    parameters: Mapping[str, Any] | None,
    specs: Mapping[str, ParameterSpec],
    label: str,
) -> tuple[str, dict[str, Any]]:
    """(audience, parameters to pass) for a report; the notebook's own ``audience`` parameter
    is set to ``"business"`` for a business report.

    The audience is the option when given, else the ``audience`` parameter when given, else
    ``"student"``. A business report of a notebook without an ``audience`` parameter is
    refused: its page would show teaching numbers and prose as if they were for a business
    reader.
    """
    params = dict(parameters or {})
    given = params.get("audience")
    if audience is None:
        audience = given if given in _AUDIENCES else "student"
    audience = _check_audience(audience, label)
    if given is not None and given != audience:
        raise ParameterError(
            f"{label}: the audience is given twice, as the report option ({audience!r}) and as "
            f"the parameter 'audience' ({given!r}). Give it once: the option sets the parameter."
        )
    if audience == "business":
        if "audience" not in specs:
            raise ParameterError(
                f"{label} cannot be rendered for audience 'business': it has no 'audience' "
                "parameter, so its cells cannot adapt to a business reader. Add "
                "`audience = \"student\"  # student or business` to its parameters cell (rule "
                "{\"choices\": [\"student\", \"business\"]}) and tag its teaching cells, or "
                "render it with audience 'student'."
            )
        params["audience"] = "business"
    return audience, params


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


def _render_html(
    nb: NotebookNode, *, no_code: bool, title: str,
    parameters: Mapping[str, Any] | None = None, index_href: str | None = None,
    source: Path | None = None, audience: str = "student", stem: str = "",
) -> str:
    """The HTML page of an executed notebook for a reader of ``audience``: the cells that
    audience sees (:func:`~crmlib.reports._page.for_audience`), the lesson's title, a link
    back to the index (in a batch), no test markers, no CDN scripts the page does not need,
    and the lesson's glossary."""
    from nbconvert import HTMLExporter

    from crmlib.reports._page import finish_html, for_audience, needs_math, prepare_notebook, report_title

    shown = for_audience(nb, audience)
    exporter = HTMLExporter(
        template_name="lab",
        exclude_input=no_code,
        exclude_input_prompt=no_code,
        exclude_output_prompt=no_code,
    )
    body, _ = exporter.from_notebook_node(prepare_notebook(shown), resources={"metadata": {"name": title}})
    scope = {k: v for k, v in (parameters or {}).items() if k != "audience"}
    return finish_html(
        body,
        title=report_title(nb, parameters=scope, fallback=title),
        index_href=index_href,
        math=needs_math(shown),
        footer_html=_lesson_glossary(source.stem if source is not None else stem),
    )


# --------------------------------------------------------------------------------------
# the privacy scan of a rendered report
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PrivacyScan:
    """What a report is scanned against: a scanner built once from a customer table.

    ``scanner`` is None when there is no customer table; ``note`` then says so (the index
    shows it) and the report is not scanned.
    """

    scanner: Any
    note: str = ""


def _customers_folder(cleaned: Mapping[str, Any]) -> Path:
    """The folder whose ``customers.csv`` a report's data comes from: the report's
    ``data_dir`` parameter when set, else the default data."""
    value = cleaned.get("data_dir")
    if isinstance(value, str) and value.strip():
        return Path(value).expanduser()
    from crmlib.datasets import default_data_dir

    return default_data_dir()


def _privacy_scan(folder: Path) -> _PrivacyScan:
    """A scan against ``<folder>/customers.csv``, built once; never raises."""
    from crmlib.privacy import PersonalDataScanner

    table = folder / "customers.csv"
    shown = _display_path(table)
    if not table.is_file():
        return _PrivacyScan(None, f"Not scanned for personal data: no customer table at {shown!r}.")
    try:
        import pandas as pd

        columns = pd.read_csv(table, nrows=0).columns
        wanted = [c for c in ("name", "email", "phone") if c in columns]
        if not wanted:
            return _PrivacyScan(
                None, f"Not scanned for personal data: {shown!r} has no name, email or phone column."
            )
        customers = pd.read_csv(table, usecols=wanted, dtype=str, keep_default_na=False)
        return _PrivacyScan(PersonalDataScanner.from_customers(customers))
    except Exception as exc:  # a broken table must not stop the reports
        return _PrivacyScan(
            None, f"Not scanned for personal data: {shown!r} cannot be read ({type(exc).__name__}: {exc})."
        )


def _privacy_scans(folders: Iterable[Path]) -> dict[Path, _PrivacyScan]:
    """One scan per distinct customer table (a batch builds each scanner once)."""
    scans: dict[Path, _PrivacyScan] = {}
    for folder in folders:
        key = folder.resolve()
        if key not in scans:
            scans[key] = _privacy_scan(folder)
    return scans


def _cell_text(cell: Any) -> str:
    """What a cell shows or holds as text: its source and its text outputs."""
    from crmlib.privacy import html_text

    parts = [str(cell.get("source", ""))]
    for output in cell.get("outputs", []) or []:
        if "text" in output:
            parts.append(str(output["text"]))
        for mime, value in (output.get("data") or {}).items():
            text = "".join(value) if isinstance(value, list) else str(value)
            if mime == "text/html":
                parts.append(html_text(text))
            elif mime.startswith("text/") or mime.endswith("json"):
                parts.append(text)
        if output.get("output_type") == "error":
            parts.append(str(output.get("evalue", "")))
    return "\n\n".join(parts)


def _privacy_findings(scanner: Any, page: str | None, executed: Any) -> str:
    """The masked findings of a page and of its executed notebook; ``""`` when clean."""
    from crmlib.privacy import format_findings, scan_report

    found = scan_report(page, scanner) if page is not None else []
    cells = [i for i, cell in enumerate(executed.cells, start=1) if scanner.find(_cell_text(cell))]
    if not found and not cells:
        return ""
    where = []
    if found:
        where.append(f"the page: {format_findings(found)}")
    if cells:
        where.append(f"the executed notebook, cell{'s' if len(cells) > 1 else ''} {', '.join(map(str, cells))}")
    return (
        "Personal data found, so the report is not published (its HTML and executed notebook "
        f"were deleted): {'; '.join(where)}. Drop the contact columns and pseudonymise ids "
        "before displaying (crmlib.privacy.pseudonymize_frame), then render it again."
    )


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
    audience: str = "student",
    privacy: _PrivacyScan | None = None,
) -> ReportResult:
    import nbformat

    from crmlib.reports._page import for_audience

    title, question = _notebook_summary(notebook)
    if privacy is None:
        privacy = _privacy_scan(_customers_folder(cleaned))

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
    teaching: frozenset[str] = frozenset()
    written_html: Path | None = None
    if ipynb.is_file():
        try:
            executed = nbformat.read(ipynb, as_version=4)
        except Exception as exc:  # pragma: no cover - papermill wrote a broken file
            status, message = "failed", message or f"cannot read the executed notebook: {exc}"
        else:
            values, texts, teaching = _collect_headline_details(for_audience(executed, audience))
            page = None
            if export_html:
                try:
                    page = _render_html(executed, no_code=no_code, title=name, parameters=cleaned,
                                        index_href=index_href, source=notebook, audience=audience)
                except Exception as exc:  # nbconvert/template problems
                    note = f"HTML export failed: {type(exc).__name__}: {exc}"
                    status, message = "failed", f"{message}; {note}" if message else note
            leak = _privacy_findings(privacy.scanner, page, executed) if privacy.scanner is not None else ""
            if leak:
                ipynb.unlink(missing_ok=True)
                also = f" The run also failed: {message}" if message else ""
                status, message = "privacy", leak + also
            elif page is not None:
                html_file.write_text(page, encoding="utf-8")
                written_html = html_file
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
        audience=audience,
        title=title,
        question=question,
        teaching_headlines=teaching,
        privacy_note=privacy.note,
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
    audience: str | None = None,
) -> ReportResult:
    """Render one notebook as a report with papermill and export it to HTML.

    The parameters are validated first (:func:`validate_parameters`). The notebook runs on
    the ``python3`` kernel with its own folder as the working directory; the executed
    notebook (with papermill's injected-parameters cell, which documents the run) is written
    to ``<output_dir>/<name>.ipynb`` and its HTML export beside it. An error inside the
    notebook does not raise: the executed notebook is kept, HTML is still exported, and the
    result has status ``"failed"`` with the error.

    Every report is scanned for personal data against the customer table of its data (the
    ``data_dir`` parameter's ``customers.csv`` when set, else the default data's): a page or
    executed notebook that shows an e-mail address, a phone number or a customer's name is
    not kept, and the result has status ``"privacy"`` with the findings, masked. Without a
    customer table the scan is skipped and :attr:`ReportResult.privacy_note` says so.

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
        Export HTML without code cells.
    timeout : float or None, default 600
        Seconds allowed per cell; None for no limit.
    audience : {"student", "business"}, optional
        Who reads the page. ``"student"`` (the default, unless the ``audience`` parameter is
        given): the whole lesson. ``"business"``: the notebook's ``audience`` parameter is set
        to ``"business"`` (a notebook without one is refused), the code is hidden whatever
        ``no_code`` says, the cells tagged ``teaching`` are left out of the page (the notebook
        still runs whole) and the cells tagged ``summary`` come right after the title cell.

    Returns
    -------
    ReportResult

    Raises
    ------
    ParameterError
        When a parameter value (or ``name``/``timeout``/``audience``) breaks a rule, or a
        business report is asked of a notebook without an ``audience`` parameter; nothing
        runs.
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
    chosen, parameters = _with_audience(audience, parameters, specs, label)
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
        no_code=bool(no_code) or chosen == "business",
        timeout=limit,
        audience=chosen,
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
    """Reports per status: ``ok``, ``failed`` and ``invalid`` always, ``privacy`` and
    ``interrupted`` when present."""
    results = list(results)
    counts = {s: sum(r.status == s for r in results) for s in _STATUSES}
    return {s: n for s, n in counts.items() if n or s in _ALWAYS_COUNTED}


def status_line(results: Iterable[ReportResult], path: Path | str | None = None) -> str:
    """The one-line summary of some reports, e.g. ``"2 reports: 1 ok, 1 failed, 0 invalid"``.

    ``ok``, ``failed`` and ``invalid`` are always counted; ``privacy`` and ``interrupted``
    only when some report has that status (``"4 reports: 1 ok, 0 failed, 0 invalid, 3
    interrupted"``, ``"2 reports: 1 ok, 0 failed, 0 invalid, 1 privacy"``).

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
