"""``python -m crmlib.datasets [data] [--seed N] [--out DIR]`` regenerates the default data.

Exit codes: 0 on success, 2 for a usage error (bad option, ``--out`` a file or not
writable), 130 when interrupted; errors are one line on stderr, without a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crmlib.datasets._constants import DEFAULT_SEED
from crmlib.datasets._generator import default_data_dir, write_default
from crmlib.exceptions import CrmlibError, ParameterError

_PROG = "python -m crmlib.datasets"


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}; e.g. --seed 7")
    return value


def _out_folder(text: str | None) -> Path:
    target = Path(text) if text else default_data_dir()
    if target.exists() and not target.is_dir():
        raise ParameterError(
            f"--out {str(target)!r} is a file, not a folder. Pass a folder (it is created when "
            "missing), e.g. --out data_copy."
        )
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=_PROG, description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", default="data", choices=["data"])
    parser.add_argument("--seed", type=_seed, default=DEFAULT_SEED)
    parser.add_argument("--out", default=None, help="target folder (default: the repository's data/)")
    args = parser.parse_args(argv)
    try:
        target = _out_folder(args.out)
        for path in write_default(target, seed=args.seed):
            print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    except CrmlibError as exc:
        print(f"{_PROG}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the folder cannot be created or written
        where = f" {exc.filename!r}" if exc.filename else ""
        print(f"{_PROG}: error: cannot write{where}: {exc.strerror or exc}. Pass another --out folder.",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{_PROG}: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
