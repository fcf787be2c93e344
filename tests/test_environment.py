"""pyproject.toml and environment.yml pin the same packages at the same versions."""

from __future__ import annotations

import re
import tomllib

import yaml

from conftest import ROOT

# conda-forge names that differ from the PyPI names
CONDA_TO_PYPI = {"python-duckdb": "duckdb"}
# not Python packages: the interpreter, pip, and the Java runtime that pyspark needs
NOT_PACKAGES = {"python", "pip", "openjdk"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pyproject_pins() -> dict[str, str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(meta["dependencies"])
    for extra in meta["optional-dependencies"].values():
        specs += extra
    pins = {}
    for spec in specs:
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^;\s]+)", spec.strip())
        assert m, f"pyproject.toml: dependency {spec!r} is not pinned with '=='; pin it as name==version"
        pins[_norm(m.group(1))] = m.group(2)
    return pins


def conda_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):  # the pip: section installs crmlib itself
            continue
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*=+\s*([^=\s]+)", dep.strip())
        name = m.group(1) if m else dep.strip()
        if name in NOT_PACKAGES:
            continue
        assert m, f"environment.yml: dependency {dep!r} is not pinned; pin it as name=version"
        pins[_norm(CONDA_TO_PYPI.get(name, name))] = m.group(2)
    return pins


def test_environment_yml_and_pyproject_agree():
    py, conda = pyproject_pins(), conda_pins()
    only_py = sorted(set(py) - set(conda))
    only_conda = sorted(set(conda) - set(py))
    differ = {k: (py[k], conda[k]) for k in set(py) & set(conda) if py[k] != conda[k]}
    assert not only_py, f"in pyproject.toml but not environment.yml: {only_py}"
    assert not only_conda, f"in environment.yml but not pyproject.toml: {only_conda}"
    assert not differ, f"versions differ (pyproject, environment.yml): {differ}"


def test_environment_yml_python_matches_requires_python():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=" + python.split("=")[1]


def test_installed_versions_match_pins():
    """The running environment is the pinned one (catches a stale .venv)."""
    from importlib.metadata import PackageNotFoundError, version

    wrong = {}
    for name, pinned in pyproject_pins().items():
        try:
            got = version(name)
        except PackageNotFoundError:
            got = None
        if got != pinned:
            wrong[name] = (pinned, got)
    assert not wrong, f"installed versions differ from the pins (pinned, installed): {wrong}; run `make setup`"
