"""The ``crmlib`` command line: render reports and keep the lesson notebooks clean.

::

    crmlib report NOTEBOOK [-p NAME VALUE]... [--output-dir DIR] [--no-code] [--name NAME]
                           [--audience student|business]
    crmlib report batch JOBS.yml [--workers N] [--output-dir DIR] [--no-code] [--no-progress]
                                 [--audience student|business]
    crmlib notebooks execute [PATHS...]
    crmlib notebooks strip PATHS...

Exit codes: 0 when everything succeeded; 1 when a report failed, was invalid or showed
personal data (status ``privacy``), or a notebook failed to execute; 2 for usage errors (bad options, missing files, a malformed
jobs file, a rejected parameter of a single report, an output folder that is a file, not
writable or in use by another batch); 130 when interrupted with Ctrl-C. Errors raised on
purpose by crmlib, and file-system errors, are printed as one line
(``crmlib: error: ...``), without a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from crmlib.exceptions import CrmlibError, ParameterError

__all__ = ["build_parser", "main"]

_EPILOG_REPORT = """\
examples:
  crmlib report notebooks/00_start_here.ipynb -p region North -p as_of 2025-06-30
  crmlib report notebooks/00_start_here.ipynb -p region North --audience business
  crmlib report notebooks/00_start_here.ipynb --list-parameters
  crmlib report batch reports/jobs.yml --workers 2

Values given with -p are converted to the type of the parameter's default
(e.g. "5" -> 5, "yes" -> True). Outputs go to <output-dir>/<name>.ipynb and .html.
--audience business sets the notebook's 'audience' parameter, hides the code, leaves out
the cells tagged 'teaching' and shows the cells tagged 'summary' first. A page that shows
an e-mail address, a phone number or a customer's name is not kept (status 'privacy').
"""

_EPILOG_BATCH = """\
The jobs file format is described in reports/README.md. Every job is validated
before any runs; invalid jobs are listed in <output-dir>/index.html and never executed.
Exit status is 1 when any job failed, was invalid or showed personal data
(status 'privacy': its files are deleted and the index says what was found, masked).
"""


class _Parser(argparse.ArgumentParser):
    """argparse parser whose errors carry a pointer to --help."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\nRun '{self.prog} --help' for details.\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a whole number >= 1, got {text!r}; e.g. --workers 2"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {value}; e.g. --workers 2")
    return value


def _timeout(text: str) -> float | None:
    if text.strip().lower() in ("none", "0"):
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(
            f"must be a positive number of seconds per cell (or 'none'), got {text!r}"
        )
    return value


def build_parser() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """Build the main parser and the parser of ``crmlib report batch``.

    ``report batch`` and ``report NOTEBOOK`` share the word ``report``; :func:`main` picks the
    batch parser when the word after ``report`` is ``batch``.

    Returns
    -------
    tuple of argparse.ArgumentParser
        ``(main_parser, batch_parser)``.

    Examples
    --------
    >>> parser, batch = build_parser()
    >>> args = parser.parse_args(["report", "nb.ipynb", "-p", "region", "North"])
    >>> args.notebook, args.param
    ('nb.ipynb', [['region', 'North']])
    >>> batch.parse_args(["jobs.yml", "--workers", "3"]).workers
    3
    """
    parser = _Parser(
        prog="crmlib",
        description="CRM Analytics Workbook: render notebooks as reports, keep lessons clean.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    report = commands.add_parser(
        "report",
        help="render one notebook (or 'report batch JOBS.yml' for a batch)",
        description="Render one notebook with papermill into the output folder and export HTML. "
        "Use 'crmlib report batch JOBS.yml' to render a batch.",
        epilog=_EPILOG_REPORT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument("notebook", metavar="NOTEBOOK", help="the .ipynb file to render")
    report.add_argument(
        "-p", "--param", nargs=2, action="append", metavar=("NAME", "VALUE"), default=[],
        help="set a parameter (repeatable)",
    )
    report.add_argument("--output-dir", default="reports", help="output folder (default: reports)")
    report.add_argument("--name", help="file stem of the outputs (default: notebook + parameters)")
    report.add_argument("--no-code", action="store_true", help="export HTML without code cells")
    report.add_argument(
        "--audience", choices=("student", "business"), default=None,
        help="who reads the page: student (the whole lesson; default) or business (results only)",
    )
    report.add_argument(
        "--timeout", type=_timeout, default=600.0, help="seconds per cell (default 600; 'none')"
    )
    report.add_argument(
        "--list-parameters", action="store_true",
        help="print the notebook's parameters and rules, and exit",
    )

    batch = _Parser(
        prog="crmlib report batch",
        description="Render a batch of reports in parallel and write <output-dir>/index.html.",
        epilog=_EPILOG_BATCH,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    batch.add_argument("jobs", metavar="JOBS.yml", help="YAML jobs file (see reports/README.md)")
    batch.add_argument(
        "--workers", type=_positive_int, default=None,
        help="parallel processes (default: min(2, CPU count))",
    )
    batch.add_argument("--output-dir", default=None, help="output folder (default: from the jobs file, else reports)")
    batch.add_argument(
        "--no-code", action="store_true", default=None,
        help="export every report without code (default: per job in the YAML)",
    )
    batch.add_argument(
        "--audience", choices=("student", "business"), default=None,
        help="render every report for this audience (default: per job in the YAML, else student)",
    )
    batch.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    batch.add_argument(
        "--timeout", type=_timeout, default=600.0, help="seconds per cell (default 600; 'none')"
    )

    notebooks = commands.add_parser(
        "notebooks",
        help="re-execute lesson notebooks in place, or strip volatile metadata",
        description="Maintain the committed lesson notebooks.",
    )
    actions = notebooks.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    actions.required = True
    execute = actions.add_parser(
        "execute",
        help="re-execute notebooks in place (outputs kept, volatile metadata stripped)",
        description="Re-execute notebooks with their defaults, in their own folder, and save "
        "them stripped of volatile metadata. A notebook that fails is left untouched.",
    )
    execute.add_argument(
        "paths", nargs="*", metavar="PATHS", default=["notebooks"],
        help="notebooks or folders of notebooks (default: notebooks)",
    )
    execute.add_argument(
        "--timeout", type=_timeout, default=600.0, help="seconds per cell (default 600; 'none')"
    )
    strip = actions.add_parser(
        "strip",
        help="strip execution counts and papermill metadata, without executing",
        description="Strip execution counts, papermill and timing metadata from notebooks.",
    )
    strip.add_argument("paths", nargs="+", metavar="PATHS", help="notebooks or folders of notebooks")
    return parser, batch


def _notebook_paths(paths: Sequence[str]) -> list[Path]:
    found: list[Path] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            inside = sorted(p for p in path.glob("*.ipynb") if not p.name.startswith("."))
            if not inside:
                raise CrmlibError(f"no .ipynb files in folder {text!r}. Pass notebooks or a folder that has some.")
            found.extend(inside)
        elif path.is_file() and path.suffix == ".ipynb":
            found.append(path)
        else:
            raise CrmlibError(
                f"{text!r} is neither a notebook (.ipynb) nor a folder. Check the path; "
                "paths are relative to the current directory."
            )
    return found


def _cmd_report(args: argparse.Namespace) -> int:
    from crmlib import reports

    if args.notebook.endswith((".yml", ".yaml")):
        raise CrmlibError(
            f"{args.notebook!r} looks like a jobs file. Did you mean 'crmlib report batch {args.notebook}'?"
        )
    if args.list_parameters:
        specs = reports.notebook_parameters(args.notebook)
        for spec in specs.values():
            text = f"{spec.name} = {spec.default!r}  ({spec.rule()})"
            print(text + (f"  # {spec.help}" if spec.help else ""))
        return 0
    params: dict[str, str] = {}
    for name, value in args.param:
        if name in params:
            raise ParameterError(
                f"Parameter {name!r} is given twice with -p ({params[name]!r} and {value!r}). Give it once."
            )
        params[name] = value
    result = reports.run_notebook(
        args.notebook,
        params,
        output_dir=args.output_dir,
        name=args.name,
        no_code=args.no_code,
        timeout=args.timeout,
        audience=args.audience,
    )
    shown = result.html_path or result.ipynb_path
    if result.status != "ok":
        print(f"{result.status}: {result.name} — {result.message}", file=sys.stderr)
    if result.privacy_note:
        print(f"crmlib: note: {result.privacy_note}", file=sys.stderr)
    line = reports.status_line([result], shown)
    print(f"{line} ({result.duration_s:.1f} s)")
    return 0 if result.status == "ok" else 1


def _cmd_batch(args: argparse.Namespace) -> int:
    from crmlib import reports

    jobs = reports.load_jobs(args.jobs)
    batch = reports.run_batch(
        jobs,
        workers=args.workers,
        output_dir=args.output_dir,
        no_code=True if args.no_code else None,
        progress=not args.no_progress,
        timeout=args.timeout,
        audience=args.audience,
    )
    for note in batch.notes:
        print(f"crmlib: note: {note}", file=sys.stderr)
    for result in batch.results:
        if result.status not in ("ok", "interrupted"):
            first = result.message.splitlines()[0] if result.message else ""
            more = " (…)" if len(result.message.splitlines()) > 1 else ""
            print(f"{result.status}: {result.name} — {first}{more}", file=sys.stderr)
    print(f"{batch.summary()} ({batch.duration_s:.1f} s)")
    if batch.interrupted:
        stopped = batch.counts.get("interrupted", 0)
        print(
            f"crmlib: interrupted — {stopped} report{'s' if stopped != 1 else ''} not rendered; "
            "the index lists what is on disk",
            file=sys.stderr,
        )
        return 130
    return 0 if batch.ok else 1


def _cmd_notebooks(args: argparse.Namespace) -> int:
    import nbformat

    from crmlib import reports

    paths = _notebook_paths(args.paths)
    if args.action == "strip":
        changed = 0
        for path in paths:
            before = path.read_text(encoding="utf-8")
            try:
                node = nbformat.reads(before, as_version=4)
            except Exception as exc:  # nbformat raises several unrelated types
                raise CrmlibError(
                    f"{path.as_posix()!r} cannot be read as a Jupyter notebook ({exc})."
                ) from None
            after = nbformat.writes(reports.strip_volatile(node))
            after = after if after.endswith("\n") else after + "\n"
            if after != before:
                path.write_text(after, encoding="utf-8")
                changed += 1
                print(f"stripped {path.as_posix()}")
        print(f"{len(paths)} notebook{'s' if len(paths) != 1 else ''}: {changed} stripped, "
              f"{len(paths) - changed} already clean")
        return 0
    failed = 0
    for path in paths:
        start = time.perf_counter()
        try:
            reports.execute_in_place(path, timeout=args.timeout)
        except CrmlibError as exc:
            failed += 1
            print(f"FAILED {exc}", file=sys.stderr)
        else:
            print(f"executed {path.as_posix()} ({time.perf_counter() - start:.1f} s)")
    print(f"{len(paths)} notebook{'s' if len(paths) != 1 else ''}: {len(paths) - failed} executed, {failed} failed")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``crmlib`` command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success, 1 when a report or notebook failed (or a batch job was invalid),
        2 for usage errors, 130 when interrupted (Ctrl-C).

    Examples
    --------
    >>> main(["notebooks", "strip", "no/such/notebook.ipynb"])
    2
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser, batch_parser = build_parser()
    try:
        if args_list[:2] == ["report", "batch"]:
            args = batch_parser.parse_args(args_list[2:])
            return _cmd_batch(args)
        args = parser.parse_args(args_list)
        if args.command == "report":
            return _cmd_report(args)
        return _cmd_notebooks(args)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except CrmlibError as exc:
        print(f"crmlib: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the file system refused: a user's environment, not a bug
        where = f": {exc.filename!r}" if exc.filename else ""
        print(f"crmlib: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("crmlib: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
