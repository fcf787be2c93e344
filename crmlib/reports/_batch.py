"""Batches: the YAML jobs file, the parallel runner and the batch result."""

from __future__ import annotations

import difflib
import itertools
import os
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crmlib._validation import check_int
from crmlib.exceptions import ParameterError, ReportError
from crmlib.reports._index import _index_html
from crmlib.reports._parameters import (
    ParameterSpec,
    _existing_notebook_path,
    _read_notebook,
    _specs_from_node,
    _validate_with_specs,
    notebook_parameters,
)
from crmlib.reports._run import (
    _STATUSES,
    ReportResult,
    _check_name,
    _check_timeout,
    _default_name,
    _execute_report,
    _format_params,
    _terminal_path,
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
        return status_line(self.results, self.index_path)

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
