"""``python -m cloudapps up``: start the whole system (see :mod:`cloudapps.launcher`)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .launcher import LaunchError, Ports, apache_site, up


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
    site = sub.add_parser(
        "apache-site", help="write app.wsgi files and an Apache site running the three APIs",
        description="Write DIR/<service>/app.wsgi (with this shell's CLOUDAPPS_* settings "
                    "baked in) and DIR/cloudapps.conf: three VirtualHosts from `carya "
                    "apache-conf`, each its own mod_wsgi daemon group in %%{GLOBAL}. The "
                    "workers (compute, tracker, evaluator) still run as processes.")
    site.add_argument("--out", required=True, metavar="DIR", help="where to write the files")
    site.add_argument("--base-port", type=int, metavar="N",
                      help="deployer on N, alarms on N+1, cloud on N+2 (default 8080/8042/8774)")
    site.add_argument("--user", help="the daemons' user")
    site.add_argument("--group", help="the daemons' group")
    site.add_argument("--processes", type=int, default=2, help="daemon processes per API")
    site.add_argument("--threads", type=int, default=8, help="threads per daemon process")
    return main


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "apache-site":
            out = os.path.abspath(args.out)
            path = apache_site(out, Ports.from_base(args.base_port), os.environ, args.user,
                               args.group, args.processes, args.threads)
            print(path)
            return 0
        return up(args.state_dir, args.base_port, args.timeout)
    except LaunchError as error:
        print(f"cloudapps: FAILED: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
