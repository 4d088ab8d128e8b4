"""``python -m cloudapps up``: start the whole system (see :mod:`cloudapps.launcher`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .launcher import LaunchError, up


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="python -m cloudapps",
                                   description="The seed-000 system: cloud, deployer, alarms.")
    sub = main.add_subparsers(dest="command", required=True)
    run = sub.add_parser(
        "up", help="start all six processes on embedded defaults and print the GUI's URL",
        description="Start the cloud API and compute worker, the deployer API/GUI and "
                    "tracker, the alarm API and evaluator; stop them all on SIGTERM/Ctrl-C.")
    run.add_argument("--state-dir", default="var", metavar="DIR",
                     help="SQLite files, the embedded notification queue, logs (default ./var)")
    run.add_argument("--base-port", type=int, metavar="N",
                     help="deployer+GUI on N, alarm API on N+1, cloud API on N+2 "
                          "(default: 8080, 8042, 8774)")
    run.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                     help="how long the APIs may take to answer (default 60)")
    return main


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return up(args.state_dir, args.base_port, args.timeout)
    except LaunchError as error:
        print(f"cloudapps: FAILED: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
