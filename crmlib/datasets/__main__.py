"""``python -m crmlib.datasets [data] [--seed N] [--out DIR]`` regenerates the default data."""

from __future__ import annotations

import argparse

from crmlib.datasets._constants import DEFAULT_SEED
from crmlib.datasets._generator import default_data_dir, write_default


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crmlib.datasets", description=__doc__)
    parser.add_argument("command", nargs="?", default="data", choices=["data"])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", default=None, help="target folder (default: the repository's data/)")
    args = parser.parse_args(argv)
    for path in write_default(args.out or default_data_dir(), seed=args.seed):
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
