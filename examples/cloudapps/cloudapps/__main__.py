"""``python -m cloudapps up``: start the whole system (see :mod:`cloudapps.launcher`);
``python -m cloudapps keystone``: a real Keystone for the cloud (:mod:`cloudapps.keystone`)."""

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
    ks = sub.add_parser(
        "keystone", help="run a real Keystone on loopback for CLOUDAPPS_AUTH_STRATEGY=keystone",
        description="Build Keystone's own virtualenv if missing ($CLOUDAPPS_KEYSTONE_VENV), "
                    "bootstrap it on SQLite in --state-dir, serve it with gunicorn on "
                    "127.0.0.1:--port, and create the projects, users, roles and catalog "
                    "entries the cloud and the clients use (cloudapps.keystone.USERS).")
    ks.add_argument("--state-dir", default="var/keystone", metavar="DIR",
                    help="keystone.conf, its SQLite database and keys (default ./var/keystone)")
    ks.add_argument("--port", type=int, default=5000, help="Keystone's port (default 5000)")
    ks.add_argument("--cloud-url", default=None,
                    help="the compute endpoint in the catalog (default $CLOUDAPPS_CLOUD_URL)")
    ks.add_argument("--alarms-url", default=None,
                    help="the alarming endpoint in the catalog (default $CLOUDAPPS_ALARMS_URL)")
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
        if args.command == "keystone":
            from . import keystone, settings

            return keystone.run(args.state_dir, args.port, {
                "compute": args.cloud_url or settings.cloud_url(),
                "alarming": args.alarms_url or settings.alarms_url()})
        return up(args.state_dir, args.base_port, args.timeout)
    except LaunchError as error:
        print(f"cloudapps: FAILED: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
