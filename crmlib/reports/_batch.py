"""Batches: the YAML jobs file, the parallel runner and the batch result."""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import itertools
import json
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crmlib._validation import check_int
from crmlib.exceptions import ParameterError, ReportError
from crmlib.reports._index import _write_index
from crmlib.reports._parameters import (
    ParameterSpec,
    _existing_notebook_path,
    _notebook_specs,
    _notebook_summary,
    _validate_with_specs,
)
from crmlib.reports._run import (
    _AUDIENCES,
    _KERNEL_STOP_GRACE_S,
    ReportResult,
    _check_audience,
    _check_name,
    _check_timeout,
    _customers_folder,
    _default_name,
    _execute_report,
    _format_params,
    _prepare_output_dir,
    _privacy_scans,
    _PrivacyScan,
    _status_counts,
    _stop_and_exit,
    _terminal_path,
    _with_audience,
    status_line,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd


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
    audience : str or None
        ``"student"`` or ``"business"`` (see :func:`run_notebook`); None for the batch
        default (the ``audience`` parameter if given, else ``"student"``).
    """

    notebook: Path
    parameters: dict[str, Any] = field(default_factory=dict)
    name: str | None = None
    no_code: bool | None = None
    output_dir: Path | None = None
    audience: str | None = None


_FILE_KEYS = ("output_dir", "no_code", "audience", "jobs")
_JOB_KEYS = ("notebook", "name", "parameters", "grid", "no_code", "audience")


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
        audience: student            # optional default for every job: student or business
        jobs:
          - notebook: notebooks/00_start_here.ipynb         # defaults
          - notebook: notebooks/00_start_here.ipynb
            name: start_north                               # optional file stem
            parameters: {region: North}
          - notebook: notebooks/00_start_here.ipynb
            grid: {region: [East, South]}                   # one job per combination
            name: "start_{region}"                          # placeholders fill from the grid
            no_code: true
          - notebook: notebooks/00_start_here.ipynb
            grid: {region: [North, East]}
            name: "business_00_{region}"
            audience: business                              # results only: no code, no teaching cells

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
        When the file is missing, is not UTF-8 text or not valid YAML, or a job has an
        unknown key, a missing notebook, a grid whose values are not non-empty lists, a key both in ``parameters``
        and ``grid``, a bad name or audience, or a name already used by another job.
        Messages name the job (1-based) and the key.

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
    file = Path(path)
    data = _read_jobs_file(file)
    label = f"Jobs file {file.name!r}"
    output_dir, default_no_code, entries = _file_settings(data, label)
    default_audience = _yaml_audience(data.get("audience"), label)
    jobs: list[Job] = []
    used: dict[str, int] = {}
    for index, entry in enumerate(entries, start=1):
        jobs.extend(
            _expand_entry(entry, index, label, default_no_code, output_dir, used, default_audience)
        )
    return jobs


def _yaml_audience(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if value not in _AUDIENCES:
        raise ReportError(
            f"{where}: key 'audience' must be one of {list(_AUDIENCES)} (student: the whole "
            f"lesson; business: results only). Got {value!r}. Write e.g. 'audience: business'."
        )
    return value


def _read_jobs_file(file: Path) -> Any:
    """The parsed YAML of a jobs file; one-line errors for a missing, non-UTF-8 or bad file."""
    import yaml

    if not file.is_file():
        raise ReportError(
            f"Jobs file {str(file)!r} does not exist. Paths are relative to the current "
            "directory; see reports/README.md for the format."
        )
    raw = file.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        offset = exc.start + (3 if raw.startswith(b"\xef\xbb\xbf") else 0)
        line = raw[:offset].count(b"\n") + 1
        raise ReportError(
            f"Jobs file {str(file)!r} is not UTF-8 text: byte 0x{raw[offset]:02x} at byte offset "
            f"{offset} (line {line}) cannot be decoded. Re-save the file as UTF-8 (in most "
            "editors: Save As > Encoding: UTF-8)."
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ReportError(f"Jobs file {file.name!r} is not valid YAML{where}: {problem}.") from None


def _file_settings(data: Any, label: str) -> tuple[str | None, bool | None, list[Any]]:
    """Check the top-level keys; return (output_dir, default no_code, job entries)."""
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
    return output_dir, default_no_code, entries


def _entry_notebook(entry: Any, where: str) -> tuple[Mapping[str, Any], Path]:
    """Check a job entry's keys and notebook; return (entry as a mapping, notebook path)."""
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
        return entry, _existing_notebook_path(raw_notebook)
    except ReportError as exc:
        raise ReportError(f"{where}: key 'notebook': {exc}") from None


def _entry_values(
    entry: Mapping[str, Any], where: str, default_no_code: bool | None
) -> tuple[Mapping[str, Any], Mapping[str, Any], bool | None, str | None]:
    """Check a job's parameters, grid, no_code and name; return them."""
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
    return fixed, grid, no_code, name_template


def _job_name(template: str | None, notebook: Path, params: dict[str, Any], specs: Any, where: str) -> str:
    if template is None:
        return _default_name(notebook, params, specs)
    try:
        name = template.format(**params)
    except (KeyError, IndexError, ValueError) as exc:
        raise ReportError(
            f"{where}: key 'name' {template!r} cannot be filled ({exc!r}). "
            f"Placeholders must be parameter names of this job: {list(params)}."
        ) from None
    try:
        return _check_name(name)
    except ParameterError as exc:
        raise ReportError(f"{where}: key 'name': {exc}") from None


def _expand_entry(
    entry: Any,
    index: int,
    label: str,
    default_no_code: bool | None,
    output_dir: str | None,
    used: dict[str, int],
    default_audience: str | None = None,
) -> list[Job]:
    """The jobs of one entry of the file (one per grid combination), names checked unique."""
    entry, notebook = _entry_notebook(entry, f"{label}, job {index}")
    where = f"{label}, job {index} ({notebook.name})"
    fixed, grid, no_code, name_template = _entry_values(entry, where, default_no_code)
    audience = _yaml_audience(entry.get("audience", default_audience), where)
    try:
        specs = _notebook_specs(notebook)[2]
    except ReportError:
        specs = {}  # run_batch reports the problem as an invalid job
    jobs = []
    combos = itertools.product(*grid.values()) if grid else [()]
    for combo in combos:
        params = {**fixed, **dict(zip(grid.keys(), combo, strict=True))}
        name = _job_name(name_template, notebook, params, specs, where)
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
                audience=audience,
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
    notes : tuple of str
        What the runner did that the user should know, e.g. that it took over the lock of
        the output folder from a batch that is no longer running.
    """

    results: tuple[ReportResult, ...]
    index_path: Path | None
    duration_s: float
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether every report has status ``"ok"``."""
        return all(r.status == "ok" for r in self.results)

    @property
    def interrupted(self) -> bool:
        """Whether the batch was stopped (Ctrl-C) before every report finished."""
        return any(r.status == "interrupted" for r in self.results)

    @property
    def counts(self) -> dict[str, int]:
        """Number of reports per status: ``ok``, ``failed``, ``invalid``, and ``privacy`` or
        ``interrupted`` when some were."""
        return _status_counts(self.results)

    def summary(self) -> str:
        """One line for the terminal, e.g. ``"3 reports: 2 ok, 0 failed, 1 invalid — reports/index.html"``.

        Returns
        -------
        str
        """
        return status_line(self.results, self.index_path)

    def to_frame(self) -> pd.DataFrame:
        """One row per report: name, audience, notebook, status, duration, message, paths, parameters.

        Returns
        -------
        pandas.DataFrame
            Columns ``name``, ``audience``, ``notebook``, ``status``, ``duration_s``, ``message``,
            ``parameters`` (text), ``html_path``, ``ipynb_path`` and one ``headline: <name>``
            column per headline value.
        """
        import pandas as pd

        rows = []
        for r in self.results:
            row = {
                "name": r.name,
                "audience": r.audience,
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
    audience: str = "student"
    privacy: _PrivacyScan | None = None


def _run_planned(plan: _Planned) -> ReportResult:
    """Run one planned report (inside a worker process); never raises."""
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
            index_href="index.html",
            audience=plan.audience,
            privacy=plan.privacy,
        )
    except Exception as exc:  # keep the batch going whatever happened
        return _unfinished(plan, "failed", f"{type(exc).__name__}: {exc}", time.perf_counter() - start)


def _unfinished(plan: _Planned, status: str, message: str, duration_s: float = 0.0) -> ReportResult:
    """The result of a planned report that has no outputs: it failed, or it was interrupted."""
    title, question = _notebook_summary(plan.notebook)
    return ReportResult(
        name=plan.name,
        notebook=plan.notebook,
        parameters=plan.parameters,
        status=status,
        message=message,
        duration_s=round(duration_s, 3),
        ipynb_path=None,
        html_path=None,
        audience=plan.audience,
        title=title,
        question=question,
    )


# --------------------------------------------------------------------------------------
# worker processes
# --------------------------------------------------------------------------------------

#: Seconds the runner waits for an interrupted worker to stop its kernel and exit: the
#: kernel gets SIGTERM, then SIGKILL after the grace period; one more second to exit.
_WORKER_STOP_TIMEOUT_S = 2 * _KERNEL_STOP_GRACE_S + 1.0
#: Seconds between two looks at the workers and at the Ctrl-C flag.
_POLL_S = 0.2


def _stop_worker(signum: int, frame: Any) -> None:  # pragma: no cover - runs in a worker
    """SIGTERM handler of a worker: shut its kernel down, then exit at once."""
    _stop_and_exit(128 + signum)


def _worker_main(plan: _Planned, conn: Any) -> None:  # pragma: no cover - runs in a worker
    """Entry point of a worker process: run one report and send its result back."""
    # Ctrl-C reaches the whole process group; the runner decides what stops, and asks a
    # worker to stop with SIGTERM.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)
    result = _run_planned(plan)
    conn.send(result)
    conn.close()


def _pool_context() -> Any:
    """Start method of the worker processes.

    ``fork`` where it is safe (Linux and other POSIX systems except macOS, with no other
    thread running): workers start fast and the caller's script needs no
    ``if __name__ == "__main__":`` guard. ``spawn`` elsewhere (macOS, Windows, or when
    threads are running, e.g. inside a Jupyter kernel).
    """
    import multiprocessing

    if (
        "fork" in multiprocessing.get_all_start_methods()
        and sys.platform != "darwin"
        and threading.active_count() == 1
    ):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


@dataclass
class _Running:
    plan: _Planned
    process: Any
    conn: Any
    started: float


def _start_worker(context: Any, plan: _Planned) -> _Running:
    receive, send = context.Pipe(duplex=False)
    process = context.Process(
        target=_worker_main, args=(plan, send), name=f"crmlib-report-{plan.name}", daemon=True
    )
    process.start()
    send.close()  # the worker holds the sending end; EOF here means it is gone
    return _Running(plan, process, receive, time.perf_counter())


def _received(run: _Running) -> ReportResult | None:
    """The result a worker sent, if any (None when it ended without one)."""
    try:
        if run.conn.poll():
            return run.conn.recv()
    except (EOFError, OSError):
        pass
    return None


def _collect(run: _Running) -> ReportResult:
    """Result of a worker whose pipe or process signalled; the worker is joined."""
    result = _received(run)
    run.process.join(timeout=_WORKER_STOP_TIMEOUT_S)
    run.conn.close()
    if result is not None:
        return result
    return _unfinished(
        run.plan,
        "failed",
        f"The worker process ended (exit code {run.process.exitcode}) before reporting a result.",
        time.perf_counter() - run.started,
    )


def _stop_running(running: list[_Running]) -> list[ReportResult]:
    """Ask running workers to stop (SIGTERM), wait, kill stragglers; return their results.

    A worker that had already sent its result keeps it; the others are ``interrupted`` and
    their partial outputs are removed, so that nothing half-written is left to link.
    """
    for run in running:
        if run.process.is_alive():
            run.process.terminate()
    deadline = time.monotonic() + _WORKER_STOP_TIMEOUT_S
    results = []
    for run in running:
        run.process.join(timeout=max(0.0, deadline - time.monotonic()))
        if run.process.is_alive():  # pragma: no cover - a worker stuck in C code
            run.process.kill()
            run.process.join(timeout=1.0)
        result = _received(run)
        run.conn.close()
        if result is None:
            _remove_outputs(run.plan)
            seconds = time.perf_counter() - run.started
            result = _unfinished(
                run.plan,
                "interrupted",
                f"Interrupted (Ctrl-C) after {seconds:.1f} s; the kernel was shut down and "
                "partial outputs removed. Run the batch again to render it.",
                seconds,
            )
        results.append(result)
    return results


def _remove_outputs(plan: _Planned) -> None:
    for suffix in (".ipynb", ".html"):
        with contextlib.suppress(OSError):
            (plan.output_dir / f"{plan.name}{suffix}").unlink(missing_ok=True)


@contextlib.contextmanager
def _ctrl_c_sets(flag: threading.Event) -> Iterator[None]:
    """While inside, SIGINT sets ``flag`` instead of raising KeyboardInterrupt.

    Only in the main thread (where Python runs signal handlers); the previous handler is
    restored on exit.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: flag.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)


def _progress_bar(total: int, done: int, enabled: bool) -> Any:
    from tqdm import tqdm  # the text bar: tqdm.auto needs ipywidgets in Jupyter

    class _Bar(tqdm):  # no monitor thread: workers are forked while the bar is shown
        monitor_interval = 0

    bar = _Bar(total=total, desc="reports", unit="report", disable=not enabled, file=sys.stderr)
    bar.update(done)
    return bar


def _execute_plans(
    plans: list[_Planned],
    n_workers: int,
    on_done: Callable[[ReportResult, int], None],
    stop: threading.Event,
) -> None:
    """Run the plans in at most ``n_workers`` worker processes; stop early when ``stop`` is set.

    ``on_done(result, job_index)`` is called once per plan: finished, failed or interrupted.
    """
    import multiprocessing.connection

    context = _pool_context()
    if context.get_start_method() == "fork":  # children inherit what the parent imported
        import nbconvert  # noqa: F401
        import papermill  # noqa: F401
    queue = list(plans)
    running: list[_Running] = []
    while (queue or running) and not stop.is_set():
        while queue and len(running) < n_workers:
            running.append(_start_worker(context, queue.pop(0)))
        handles: dict[Any, _Running] = {}
        for run in running:
            handles[run.conn] = run
            handles[run.process.sentinel] = run
        ready = multiprocessing.connection.wait(list(handles), timeout=_POLL_S)
        for run in {id(handles[h]): handles[h] for h in ready}.values():
            running.remove(run)
            on_done(_collect(run), run.plan.index)
    if stop.is_set():
        for run, result in zip(running, _stop_running(running), strict=True):
            on_done(result, run.plan.index)
        for plan in queue:
            message = "Not started: the batch was interrupted (Ctrl-C). Run the batch again to render it."
            on_done(_unfinished(plan, "interrupted", message), plan.index)


# --------------------------------------------------------------------------------------
# the output folder: one batch at a time
# --------------------------------------------------------------------------------------

_LOCK_NAME = ".crmlib-batch.lock"
#: A lock file without a readable pid, younger than this, is still being written by its owner.
_LOCK_FRESH_S = 10.0


def _pid_alive(pid: int) -> bool:
    """Whether a process with this pid runs (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    except (OSError, OverflowError):  # pragma: no cover - e.g. pid out of range
        return False
    with contextlib.suppress(OSError, IndexError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    return True


def _lock_holder(lock: Path) -> tuple[int | None, str]:
    """(pid, host) written in a lock file; pid None when unreadable."""
    try:
        info = json.loads(lock.read_text(encoding="utf-8"))
        return int(info["pid"]), str(info.get("host", ""))
    except (OSError, ValueError, KeyError, TypeError):
        return None, ""


class _BatchLock:
    """The lock file of an output folder: created with O_CREAT | O_EXCL, removed on exit."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / _LOCK_NAME
        self.notes: list[str] = []

    def __enter__(self) -> _BatchLock:
        for _attempt in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                self._take_over_if_stale()
                continue
            except OSError as exc:
                raise ReportError(
                    f"Output folder {str(self.folder)!r} is not writable ({exc.strerror}): the "
                    f"lock file {_LOCK_NAME!r} cannot be created. Choose another output folder "
                    "(--output-dir, or output_dir: in the jobs file)."
                ) from None
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(
                    {"pid": os.getpid(), "host": socket.gethostname(),
                     "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")},
                    handle,
                )
            return self
        raise ReportError(  # pragma: no cover - another batch took the lock in between
            f"Output folder {str(self.folder)!r}: another batch took the lock {_LOCK_NAME!r} "
            "while this one was starting. Wait for it to finish, or choose another output folder."
        )

    def _take_over_if_stale(self) -> None:
        pid, host = _lock_holder(self.path)
        where = f"Output folder {str(self.folder)!r}"
        fix = "Wait for it to finish, or choose another output folder (--output-dir)."
        if pid is None:
            with contextlib.suppress(OSError):
                fresh = time.time() - self.path.stat().st_mtime < _LOCK_FRESH_S
                if fresh:
                    raise ReportError(f"{where} is being locked by another batch that is starting. {fix}")
        elif host and host != socket.gethostname():
            raise ReportError(
                f"{where} is in use by another batch (pid {pid} on host {host!r}, lock file "
                f"{_LOCK_NAME!r}). {fix} If that batch is gone, delete the lock file."
            )
        elif _pid_alive(pid):
            raise ReportError(
                f"{where} is in use by another batch (pid {pid}, lock file {_LOCK_NAME!r}). {fix}"
            )
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        holder = f"pid {pid}" if pid is not None else "no readable pid"
        self.notes.append(
            f"Took over the lock of output folder {str(self.folder)!r} left by a batch that no "
            f"longer runs ({holder})."
        )

    def __exit__(self, *exc: object) -> None:
        if _lock_holder(self.path)[0] == os.getpid():
            with contextlib.suppress(OSError):
                self.path.unlink()


# --------------------------------------------------------------------------------------
# run_batch and its stages
# --------------------------------------------------------------------------------------


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


def _check_jobs(jobs: Any) -> list[Job]:
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
    return job_list


def _check_options(
    workers: Any, timeout: Any, no_code: Any, audience: Any = None
) -> tuple[int, float | None]:
    n_workers = min(2, os.cpu_count() or 1) if workers is None else check_int(
        workers, "workers", where="run_batch", low=1
    )
    limit = _check_timeout(timeout)
    if no_code is not None and not isinstance(no_code, bool):
        raise ParameterError(f"run_batch: 'no_code' must be True, False or None. Got {no_code!r}.")
    if audience is not None:
        _check_audience(audience, "run_batch")
    return n_workers, limit


def _plan_job(
    i: int, job: Job, used: dict[str, int], out_dir: Path, no_code: bool | None, limit: float | None,
    audience: str | None = None,
) -> _Planned | ReportResult:
    """Validate one job: a plan to run, or an ``invalid`` result (never executed)."""
    specs: dict[str, ParameterSpec] = {}
    chosen = audience or job.audience or "student"
    try:
        path, label, specs = _notebook_specs(job.notebook)
        if not isinstance(job.parameters, Mapping):
            raise ParameterError(
                f"Job {i + 1}: 'parameters' must map parameter names to values. Got {job.parameters!r}."
            )
        chosen, params = _with_audience(audience or job.audience, job.parameters, specs, label)
        cleaned = _validate_with_specs(specs, params, label)
        name = _check_name(job.name) if job.name is not None else _default_name(path, cleaned, specs)
        if name in used:
            raise ReportError(
                f"Report name {name!r} of job {i + 1} is already used by job {used[name] + 1}; "
                "names must be unique because they become file names. Give the job a name."
            )
    except (ParameterError, ReportError) as exc:
        raw = dict(job.parameters) if isinstance(job.parameters, Mapping) else {}
        name = job.name or _default_name(Path(job.notebook), raw, specs)
        title, question = _notebook_summary(job.notebook)
        return ReportResult(
            name=name, notebook=Path(job.notebook), parameters=raw, status="invalid",
            message=str(exc), duration_s=0.0, ipynb_path=None, html_path=None,
            audience=chosen if chosen in _AUDIENCES else "student", title=title, question=question,
        )
    used[name] = i
    return _Planned(
        index=i, notebook=path, parameters=cleaned, specs=specs, name=name, output_dir=out_dir,
        no_code=bool(job.no_code if no_code is None else no_code) or chosen == "business",
        timeout=limit, audience=chosen,
    )


def _plan_jobs(
    jobs: list[Job], out_dir: Path, no_code: bool | None, limit: float | None,
    audience: str | None = None,
) -> tuple[list[ReportResult | None], list[_Planned]]:
    """Validate every job first: (results with the invalid ones filled in, plans to run).

    Each plan carries the privacy scan of its customer table, built once per batch for
    each distinct table (normally one: the default data's).
    """
    results: list[ReportResult | None] = [None] * len(jobs)
    plans: list[_Planned] = []
    used: dict[str, int] = {}
    for i, job in enumerate(jobs):
        planned = _plan_job(i, job, used, out_dir, no_code, limit, audience)
        if isinstance(planned, _Planned):
            plans.append(planned)
        else:
            results[i] = planned
    folders = {id(plan): _customers_folder(plan.parameters) for plan in plans}
    scans = _privacy_scans(folders.values())
    plans = [
        dataclasses.replace(plan, privacy=scans[folders[id(plan)].resolve()]) for plan in plans
    ]
    return results, plans


def run_batch(
    jobs: Iterable[Job] | str | os.PathLike[str],
    *,
    workers: int | None = None,
    output_dir: str | os.PathLike[str] | None = None,
    no_code: bool | None = None,
    progress: bool = True,
    timeout: float | None = 600,
    audience: str | None = None,
) -> BatchResult:
    """Render a batch of reports in parallel and write an index page.

    Every job's parameters are validated before anything runs; a job that fails validation
    gets status ``"invalid"`` and is never executed. The valid jobs run in a process pool
    (papermill and kernels are not thread-safe); a job whose notebook raises is kept with
    status ``"failed"`` and the batch goes on. ``<output_dir>/index.html`` lists every
    report with status, parameters, duration, headline numbers and relative links; it is
    rewritten as each report finishes, so a batch that is killed leaves a true page.

    Each job has an audience (see :func:`run_notebook`): ``"student"`` pages show the whole
    lesson; ``"business"`` pages hide the code, leave out the cells tagged ``teaching`` and
    start with the cells tagged ``summary``. A business job of a notebook without an
    ``audience`` parameter is ``"invalid"``. The index groups business pages by lesson
    ("For business readers") before the student lessons.

    Every rendered page is scanned for personal data against the customer table of its data
    (the scanner is built once per batch for each table; the job's ``data_dir`` parameter
    chooses the table, else the default data's ``customers.csv``). A report that shows an
    e-mail address, a phone number or a customer's name gets status ``"privacy"``: its HTML
    and executed notebook are deleted, the index shows the findings masked, and
    :attr:`BatchResult.ok` is False. Without a customer table the scan is skipped and the
    index says so.

    One batch at a time writes into a folder: a lock file (``.crmlib-batch.lock``, holding
    the process id) makes a second batch refuse to start; a lock left by a process that no
    longer runs is taken over with a warning.  Ctrl-C (SIGINT) stops the batch within
    seconds: jobs not yet started are not started, running kernels are shut down, the
    unfinished reports get status ``"interrupted"``, the index is rewritten to list only
    files that exist, and ``KeyboardInterrupt`` is raised again.

    Parameters
    ----------
    jobs : iterable of Job, or path to a YAML jobs file
        The reports to render (see :func:`load_jobs`).
    workers : int, optional
        Parallel processes; default ``min(2, cpu count)``.
    output_dir : str or path-like, optional
        Overrides the jobs' output folder (default ``reports``).
    no_code : bool, optional
        ``True``/``False`` overrides every job; None keeps each job's own setting.
    progress : bool, default True
        Show a tqdm progress bar on stderr.
    timeout : float or None, default 600
        Seconds allowed per cell.
    audience : {"student", "business"}, optional
        Overrides every job's audience; None keeps each job's own.

    Returns
    -------
    BatchResult

    Raises
    ------
    ReportError
        When there are no jobs, the jobs name several output folders, the output folder is a
        file, cannot be created or is not writable, or another batch is writing into it.
    ParameterError
        When ``workers``, ``timeout`` or ``audience`` is not valid.
    KeyboardInterrupt
        After an interrupted batch has been cleaned up (see above).

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
    job_list = _check_jobs(jobs)
    n_workers, limit = _check_options(workers, timeout, no_code, audience)
    out_dir = _batch_output_dir(job_list, output_dir)
    started = time.perf_counter()
    results, plans = _plan_jobs(job_list, out_dir, no_code, limit, audience)
    _prepare_output_dir(out_dir)
    with _BatchLock(out_dir) as lock:
        page = _LivePage(results, out_dir, started)
        stop = threading.Event()
        with _progress_bar(len(job_list), page.finished, progress) as bar, _ctrl_c_sets(stop):
            _execute_plans(plans, min(n_workers, max(1, len(plans))), page.recorder(bar), stop)
        index = page.write()
    return BatchResult(
        results=page.results(), index_path=index, duration_s=page.elapsed(), notes=tuple(lock.notes)
    )


class _LivePage:
    """The results of a running batch, and its index page rewritten as they come in."""

    def __init__(self, slots: list[ReportResult | None], folder: Path, started: float) -> None:
        self.slots = slots  # one per job, None until the job is done
        self.folder = folder
        self.started = started
        self.write()

    @property
    def finished(self) -> int:
        return sum(r is not None for r in self.slots)

    def results(self) -> tuple[ReportResult, ...]:
        return tuple(r for r in self.slots if r is not None)

    def elapsed(self) -> float:
        return round(time.perf_counter() - self.started, 3)

    def write(self) -> Path:
        return _write_index(
            self.results(), self.folder, self.elapsed(), pending=len(self.slots) - self.finished
        )

    def recorder(self, bar: Any) -> Callable[[ReportResult, int], None]:
        """The ``on_done`` callback: store the result, rewrite the page, advance the bar."""

        def record(result: ReportResult, index: int) -> None:
            self.slots[index] = result
            self.write()
            bar.set_postfix_str(result.name, refresh=False)
            bar.update(1)

        return record
