"""Shape of the crmlib.reports package: cheap headline import, public names only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_headline_import_does_not_load_papermill_or_nbconvert():
    code = (
        "from crmlib.reports import headline; import sys; "
        "assert 'papermill' not in sys.modules and 'nbconvert' not in sys.modules, "
        "sorted(m for m in sys.modules if m.startswith(('papermill', 'nbconvert')))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_public_names_resolve_and_cli_uses_only_public_names():
    import crmlib.reports as reports

    for name in reports.__all__:
        assert getattr(reports, name) is not None
    source = (ROOT / "crmlib" / "cli.py").read_text(encoding="utf-8")
    assert "reports._" not in source
