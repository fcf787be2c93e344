"""Render notebooks as parameterized reports, one at a time or as a batch in parallel.

A lesson notebook becomes a report when it is executed with papermill on a set of
parameters.  This package

- reads a notebook's parameters from its single cell tagged ``parameters`` and the optional
  rules in its metadata (:func:`notebook_parameters`), and checks the values a user passes
  before anything runs (:func:`validate_parameters`);
- runs one notebook into ``reports/`` and exports HTML, with or without code
  (:func:`run_notebook`);
- runs a batch described in a YAML jobs file (:func:`load_jobs`, :func:`run_batch`) in
  parallel worker processes, keeps going when a job fails, stops cleanly on Ctrl-C (status
  ``interrupted``, kernels shut down), holds a lock on its output folder, and keeps an
  ``index.html`` page with each report's status, parameters, duration and headline numbers
  up to date after every report;
- renders a lesson for one of two audiences: ``student`` (the whole lesson) or ``business``
  (the notebook's ``audience`` parameter set, code hidden, cells tagged ``teaching`` left
  out, cells tagged ``summary`` first); the index groups business pages by lesson;
- scans every rendered page for customers' e-mails, phones and names (``crmlib.privacy``,
  one scanner per batch) and withholds a page that shows one (status ``privacy``);
- lets a notebook publish headline numbers for that index page (:func:`headline`);
- re-executes lesson notebooks in place and strips volatile metadata so that commits stay
  clean (:func:`execute_in_place`, :func:`strip_volatile`).

Rules for a parameter live in the notebook metadata, under
``metadata["crmlib"]["parameters"][name]``, with keys among ``choices`` (a list), ``min``,
``max``, ``kind`` (``"int"``, ``"float"``, ``"str"``, ``"bool"``, ``"date"`` for an ISO date
string, ``"path"`` for a file or folder that must exist unless empty) and ``help``.
``min``/``max`` apply to int, float and date parameters (dates as ``"YYYY-MM-DD"``).

Where things live (the private modules are implementation details; import from here):

- ``_parameters``: :class:`ParameterSpec`, :func:`notebook_parameters`,
  :func:`validate_parameters`, reading notebooks and parsing the parameters cell and rules;
- ``_headline``: :func:`headline`, :data:`HEADLINE_MIME`, headline formatting and collection
  (standard library only);
- ``_run``: :func:`run_notebook`, :class:`ReportResult`, :data:`STATUSES`,
  :func:`status_line`, papermill, the kernel manager and the HTML export;
- ``_batch``: :class:`Job`, :func:`load_jobs`, :class:`BatchResult`, :func:`run_batch`, the
  worker processes, Ctrl-C handling and the output-folder lock;
- ``_index``: the ``index.html`` page and its atomic rewrite;
- ``_lessons``: :func:`strip_volatile`, :func:`execute_in_place`.

Only ``_parameters`` and ``_headline`` are imported with the package; the other modules
load on first use of one of their names, and heavy dependencies (papermill, nbconvert,
PyYAML, tqdm, pandas) only when a function needs them, so ``from crmlib.reports import
headline`` stays cheap inside a notebook.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from crmlib.reports._headline import HEADLINE_MIME, headline
from crmlib.reports._parameters import ParameterSpec, notebook_parameters, validate_parameters

if TYPE_CHECKING:  # pragma: no cover - typing only
    from crmlib.reports._batch import BatchResult, Job, load_jobs, run_batch
    from crmlib.reports._lessons import execute_in_place, strip_volatile
    from crmlib.reports._run import STATUSES, ReportResult, run_notebook, status_line

__all__ = [
    "HEADLINE_MIME",
    "STATUSES",
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
    "status_line",
    "strip_volatile",
    "validate_parameters",
]

#: Public name -> private module that defines it, for the names loaded on first use.
_LAZY = {
    "STATUSES": "_run",
    "ReportResult": "_run",
    "run_notebook": "_run",
    "status_line": "_run",
    "BatchResult": "_batch",
    "Job": "_batch",
    "load_jobs": "_batch",
    "run_batch": "_batch",
    "execute_in_place": "_lessons",
    "strip_volatile": "_lessons",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'crmlib.reports' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"crmlib.reports.{module}"), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
