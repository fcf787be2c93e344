"""The report runner under faults: Ctrl-C, two batches in one folder, bad folders and files.

The interrupted batches run in a real subprocess (``python -m crmlib.cli report batch``) on a
tiny notebook built in ``tmp_path`` that records its kernel's pid and then sleeps.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest

import crmlib.reports._batch as batch_module
from crmlib.exceptions import ReportError
from crmlib.reports import STATUSES, Job, ReportResult, load_jobs, run_batch, run_notebook, status_line
from crmlib.reports._index import _index_html

ROOT = Path(__file__).resolve().parents[1]
#: Seconds from SIGINT to the runner's exit: its workers' stop timeout (kernel SIGTERM, grace,
#: SIGKILL) plus a margin for writing the index and leaving the interpreter on 2 busy cores.
EXIT_BOUND_S = getattr(batch_module, "_WORKER_STOP_TIMEOUT_S", 5.0) + 5.0
_LOCK_NAME = getattr(batch_module, "_LOCK_NAME", ".crmlib-batch.lock")


def slow_notebook(path: Path, sleep_s: float = 120) -> Path:
    """A notebook whose kernel writes ``<pid_dir>/<label>.pid`` then sleeps."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell('label = "a"\npid_dir = ""', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "import os, pathlib, time\n"
            "pathlib.Path(pid_dir, label + '.pid').write_text(f'{os.getpid()} {os.getppid()}')"
        ),
        nbformat.v4.new_code_cell(f"time.sleep({sleep_s})"),
    ]
    nbformat.write(nb, path)
    return path


def quick_notebook(path: Path, extra: str = "") -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell('label = "a"\nindex_file = ""', metadata={"tags": ["parameters"]})]
    if extra:
        nb.cells.append(nbformat.v4.new_code_cell(extra))
    nbformat.write(nb, path)
    return path


def start_batch(tmp_path: Path, labels: list[str], out: str = "out") -> subprocess.Popen:
    slow_notebook(tmp_path / "slow.ipynb")
    (tmp_path / "pids").mkdir(exist_ok=True)
    (tmp_path / "jobs.yml").write_text(
        "jobs:\n  - notebook: slow.ipynb\n    parameters: {pid_dir: pids}\n"
        f"    grid: {{label: [{', '.join(labels)}]}}\n    name: 'slow_{{label}}'\n",
        encoding="utf-8",
    )
    argv = [sys.executable, "-m", "crmlib.cli", "report", "batch", "jobs.yml", "--workers", "2",
            "--no-progress", "--output-dir", out]
    return subprocess.Popen(
        argv, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # its own process group, as a terminal gives a command
    )


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def kernels_of(parents: set[int]) -> list[int]:
    """Processes (anywhere) whose kernel environment names one of ``parents`` as its parent."""
    found = []
    for proc in psutil.process_iter(["pid"]):
        with contextlib.suppress(psutil.Error):
            if int(proc.environ().get("JPY_PARENT_PID", 0)) in parents and not gone(proc.pid):
                found.append(proc.pid)
    return found


def hrefs(index: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', index)


# --------------------------------------------------------------------------------------
# 1. Ctrl-C
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["group", "runner"])
def test_ctrl_c_stops_the_batch_shuts_kernels_down_and_leaves_a_true_index(tmp_path, target):
    """SIGINT to the process group (a terminal's Ctrl-C) or to the runner alone."""
    proc = start_batch(tmp_path, ["a", "b", "c", "d"])
    try:
        wait_for(lambda: any((tmp_path / "pids").glob("*.pid")), 90, "the first job to start")
        time.sleep(0.3)  # let the second worker get into its kernel launch
        tree = {p.pid for p in psutil.Process(proc.pid).children(recursive=True)}
        kernel_pids = {int(f.read_text().split()[0]) for f in (tmp_path / "pids").glob("*.pid")}
        sent = time.monotonic()
        if target == "group":
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=EXIT_BOUND_S + 30)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert took < EXIT_BOUND_S, f"the runner took {took:.1f} s to stop"
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("crmlib: interrupted — 4 reports not rendered")
    assert out.startswith("4 reports: 0 ok, 0 failed, 0 invalid, 4 interrupted — out/index.html")
    # no kernel, worker or other descendant is left
    assert kernel_pids and all(gone(pid) for pid in kernel_pids | tree)
    assert kernels_of(tree | {proc.pid}) == []
    # the index matches the disk: four interrupted rows, no link, no half-written file
    out_dir = tmp_path / "out"
    assert sorted(p.name for p in out_dir.iterdir()) == ["index.html"]
    index = (out_dir / "index.html").read_text(encoding="utf-8")
    assert index.count('<tr class="row-interrupted"') == 4 and hrefs(index) == []
    assert "4 reports: 0 ok, 0 failed, 0 invalid, 4 interrupted — batch time" in index
    assert "Not started: the batch was interrupted (Ctrl-C)" in index
    assert re.search(r"Interrupted \(Ctrl-C\) after [\d.]+ s; the kernel was shut down", index)


def test_interrupted_is_a_public_status_counted_by_status_line():
    assert STATUSES == ("ok", "failed", "invalid", "privacy", "interrupted")
    result = ReportResult("r", Path("nb.ipynb"), {}, "interrupted", "stopped", 1.0, None, None)
    assert status_line([result]) == "1 report: 0 ok, 0 failed, 0 invalid, 1 interrupted"
    assert status_line([]) == "0 reports: 0 ok, 0 failed, 0 invalid"  # counted only when present


# --------------------------------------------------------------------------------------
# 2. the index after each job; 7. its status text
# --------------------------------------------------------------------------------------


def test_the_index_is_rewritten_after_each_job(tmp_path):
    """The second job (one worker, so it runs after the first) reads the index page."""
    notebook = quick_notebook(
        tmp_path / "peek.ipynb",
        "from crmlib.reports import headline\n"
        "page = open(index_file, encoding='utf-8').read() if index_file else ''\n"
        "headline('first listed', int('id=\"report-first\"' in page))\n"
        "headline('in progress', int('batch in progress, 1 more report to come' in page))",
    )
    out = tmp_path / "out"
    jobs = [Job(notebook, {"label": "x"}, name="first"),
            Job(notebook, {"index_file": str(out / "index.html")}, name="second")]
    batch = run_batch(jobs, workers=1, output_dir=out, progress=False)
    assert [r.status for r in batch.results] == ["ok", "ok"]
    assert batch.results[1].headlines == {"first listed": 1, "in progress": 1}
    assert "batch time" in (out / "index.html").read_text(encoding="utf-8")


def test_a_killed_batch_leaves_a_true_index(tmp_path):
    """SIGKILL (no clean-up at all): the page lists only what finished, and says so."""
    proc = start_batch(tmp_path, ["a", "b"])
    try:
        wait_for(lambda: any((tmp_path / "pids").glob("*.pid")), 90, "a job to start")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
    for pid_file in (tmp_path / "pids").glob("*.pid"):  # kernels are in their own session
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "batch in progress, 2 more reports to come" in index
    assert all((tmp_path / "out" / link).is_file() for link in hrefs(index))


def test_the_index_status_text_is_status_line(tmp_path):
    results = tuple(
        ReportResult(f"r{i}", Path("nb.ipynb"), {}, status, "", 1.0, None, None)
        for i, status in enumerate(["ok", "failed", "interrupted", "interrupted"])
    )
    page = _index_html(results, tmp_path, 3.0)
    assert f"{status_line(results)} — batch time 3.0 s" in page
    assert '<span class="status status-interrupted">interrupted</span>' in page


def test_the_index_never_links_a_file_that_is_gone(tmp_path):
    (tmp_path / "kept.html").write_text("x")
    results = (
        ReportResult("kept", Path("nb.ipynb"), {}, "ok", "", 1.0, None, tmp_path / "kept.html"),
        ReportResult("lost", Path("nb.ipynb"), {}, "ok", "", 1.0, tmp_path / "lost.ipynb", tmp_path / "lost.html"),
    )
    assert hrefs(_index_html(results, tmp_path, 1.0)) == ["kept.html", "kept.html"]


# --------------------------------------------------------------------------------------
# 3. one batch at a time per output folder
# --------------------------------------------------------------------------------------


def test_a_second_batch_into_the_same_folder_refuses_naming_folder_and_pid(tmp_path, monkeypatch):
    proc = start_batch(tmp_path, ["a"])
    try:
        wait_for(lambda: any((tmp_path / "pids").glob("*.pid")), 90, "the first batch to start")
        monkeypatch.chdir(tmp_path)
        quick_notebook(tmp_path / "quick.ipynb")
        with pytest.raises(ReportError) as info:
            run_batch([Job(tmp_path / "quick.ipynb")], output_dir="out", progress=False)
        message = str(info.value)
        assert "\n" not in message
        assert message.startswith(f"Output folder 'out' is in use by another batch (pid {proc.pid}, lock file")
        assert not (tmp_path / "out" / "quick.ipynb").exists()  # nothing ran
        os.killpg(proc.pid, signal.SIGINT)
        proc.communicate(timeout=EXIT_BOUND_S + 30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert not (tmp_path / "out" / _LOCK_NAME).exists()  # removed by its owner on the way out


def test_a_lock_left_by_a_dead_process_is_taken_over_with_a_note(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out = tmp_path / "out"
    out.mkdir()
    (out / _LOCK_NAME).write_text(f'{{"pid": {dead.pid}, "host": ""}}', encoding="utf-8")
    batch = run_batch([Job(quick_notebook(tmp_path / "quick.ipynb"))], output_dir=out, progress=False)
    assert batch.ok
    assert batch.notes == (
        f"Took over the lock of output folder {str(out)!r} left by a batch that no longer runs "
        f"(pid {dead.pid}).",
    )
    assert not (out / _LOCK_NAME).exists()


def test_a_live_lock_holder_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / _LOCK_NAME).write_text(f'{{"pid": {os.getppid()}}}', encoding="utf-8")
    with pytest.raises(ReportError, match=rf"is in use by another batch \(pid {os.getppid()}, lock file"):
        run_batch([Job(quick_notebook(tmp_path / "quick.ipynb"))], output_dir=out, progress=False)
    assert (out / _LOCK_NAME).exists()  # someone else's lock is left alone


# --------------------------------------------------------------------------------------
# 4. one-line errors before any job runs
# --------------------------------------------------------------------------------------


def test_output_folder_that_is_a_file_is_refused_before_anything_runs(tmp_path):
    notebook = quick_notebook(tmp_path / "quick.ipynb", "open('ran.txt', 'w').write('x')")
    (tmp_path / "out").write_text("not a folder")
    expected = f"Output folder {str(tmp_path / 'out')!r} is a file, not a folder."
    with pytest.raises(ReportError, match=re.escape(expected)):
        run_batch([Job(notebook)], output_dir=tmp_path / "out", progress=False)
    with pytest.raises(ReportError, match=re.escape(expected)):
        run_notebook(notebook, output_dir=tmp_path / "out")
    assert not (tmp_path / "ran.txt").exists()


def test_jobs_file_that_is_not_utf8_names_file_offset_and_fix(tmp_path):
    jobs = tmp_path / "jobs.yml"
    jobs.write_bytes("jobs:\n  - notebook: caf\u00e9.ipynb\n".encode("latin-1"))
    with pytest.raises(ReportError) as info:
        load_jobs(jobs)
    assert str(info.value) == (
        f"Jobs file {str(jobs)!r} is not UTF-8 text: byte 0xe9 at byte offset 23 (line 2) cannot "
        "be decoded. Re-save the file as UTF-8 (in most editors: Save As > Encoding: UTF-8)."
    )


def test_an_output_folder_that_cannot_be_created_or_written(tmp_path):
    notebook = quick_notebook(tmp_path / "quick.ipynb")
    # /proc refuses new entries, even to root
    with pytest.raises(ReportError, match=r"^Output folder '/proc/crmlib-out' cannot be created \("):
        run_batch([Job(notebook)], output_dir="/proc/crmlib-out", progress=False)
    # /sys is an existing folder that not even root may write to
    if Path("/sys").is_dir():
        with pytest.raises(ReportError, match=r"^Output folder '/sys' is not writable \(Permission denied\)"):
            run_batch([Job(notebook)], output_dir="/sys", progress=False)


def test_a_read_only_folder_is_not_writable(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        probe = folder / "probe"
        try:
            probe.write_text("x")
        except PermissionError:
            pass
        else:
            probe.unlink()
            pytest.skip("this user (root) may write to a mode-0o500 folder; see the /sys test")
        with pytest.raises(ReportError, match=r"is not writable \(Permission denied\)"):
            run_batch([Job(quick_notebook(tmp_path / "quick.ipynb"))], output_dir=folder, progress=False)
    finally:
        folder.chmod(0o700)


# --------------------------------------------------------------------------------------
# 6. each notebook read once per batch
# --------------------------------------------------------------------------------------


def test_each_notebook_is_read_once_per_batch(tmp_path, monkeypatch):
    first = quick_notebook(tmp_path / "first.ipynb")
    second = quick_notebook(tmp_path / "second.ipynb")
    (tmp_path / "jobs.yml").write_text(
        f"jobs:\n  - notebook: {first}\n    grid: {{label: [x, y, z]}}\n  - notebook: {second}\n"
        f"  - notebook: {second}\n    parameters: {{label: w}}\n",
        encoding="utf-8",
    )
    reads: list[str] = []
    real_read = nbformat.read

    def counting_read(source, *args, **kwargs):
        reads.append(Path(source).name)
        return real_read(source, *args, **kwargs)

    monkeypatch.setattr(nbformat, "read", counting_read)
    jobs = load_jobs(tmp_path / "jobs.yml")

    def no_kernel(notebook, cleaned, specs, *, name, output_dir, **kwargs):
        return ReportResult(name, notebook, cleaned, "ok", "", 0.0, None, None)

    monkeypatch.setattr(batch_module, "_execute_report", no_kernel)  # runs nothing
    run_batch(jobs, output_dir=tmp_path / "out", progress=False)
    assert sorted(reads) == ["first.ipynb", "second.ipynb"]
    # an edited notebook is read again
    quick_notebook(first, "x = 1")
    run_batch(jobs, output_dir=tmp_path / "out", progress=False)
    assert sorted(reads) == ["first.ipynb", "first.ipynb", "second.ipynb"]
    assert len(jobs) == 5 and reads.count("second.ipynb") == 1


# --------------------------------------------------------------------------------------
# 5. no traceback for a user error, from any command line
# --------------------------------------------------------------------------------------

DEMO = ROOT / "tests" / "fixtures" / "notebooks" / "params_demo.ipynb"


def run_cli(tmp_path: Path, *argv: str, module: str = "crmlib.cli") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *map(str, argv)], cwd=tmp_path, capture_output=True,
        text=True, timeout=300,
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("report", "no_such.ipynb"), "crmlib: error: Notebook 'no_such.ipynb' does not exist."),
        (("report", DEMO, "-p", "top_n", "ten"), "crmlib: error: Parameter 'top_n' of params_demo.ipynb must be an int"),
        (("report", DEMO, "-p", "as_of", "1990-01-01"), "must be an ISO date YYYY-MM-DD in [2023-01-02, 2025-12-28]"),
        (("report", DEMO, "--output-dir", "a_file"), "crmlib: error: Output folder 'a_file' is a file, not a folder."),
        (("report", "batch", "jobs.yml", "--output-dir", "a_file"), "crmlib: error: Output folder 'a_file' is a file"),
        (("report", "batch", "latin1.yml"), "crmlib: error: Jobs file 'latin1.yml' is not UTF-8 text: byte 0xe9 at byte offset"),
        (("report", "batch", "jobs.yml", "--output-dir", "/proc/out"), "crmlib: error: Output folder '/proc/out' cannot be created"),
    ],
)
def test_cli_user_errors_are_one_line_without_traceback(tmp_path, argv, message):
    (tmp_path / "a_file").write_text("not a folder")
    (tmp_path / "jobs.yml").write_text(f"jobs:\n  - notebook: {DEMO}\n", encoding="utf-8")
    (tmp_path / "latin1.yml").write_bytes(f"jobs:\n  - notebook: {DEMO}  # caf\u00e9\n".encode("latin-1"))
    done = run_cli(tmp_path, *argv)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file", "jobs.yml", "latin1.yml"]  # nothing ran


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--out", "a_file"), "python -m crmlib.datasets: error: --out 'a_file' is a file, not a folder."),
        (("--out", "/proc/data"), "python -m crmlib.datasets: error: cannot write '/proc/data': No such file"),
        (("--seed", "-1"), "argument --seed: must be a whole number >= 0, got '-1'"),
        (("tables",), "argument command: invalid choice: 'tables'"),
    ],
)
def test_datasets_cli_user_errors_have_no_traceback(tmp_path, argv, message):
    (tmp_path / "a_file").write_text("not a folder")
    done = run_cli(tmp_path, *argv, module="crmlib.datasets")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and message in done.stderr, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]
