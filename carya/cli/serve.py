"""``carya serve CONFIG``: run the application on the embedded server.

``--host``/``--port`` override the config's ``server`` section (or an INI's
``[server:main]``); without either, carya binds 127.0.0.1:8080. SIGTERM and
Ctrl-C let requests in flight finish and exit with status 0. ``--reload``
restarts the server when a ``.py`` file of the project changes (see
:mod:`carya.cli.reload`).
"""

from __future__ import annotations

import argparse
import inspect

from .errors import CommandError
from .loading import load, parse_spec

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction, parents: list) -> None:
    parser = sub.add_parser(
        "serve", parents=parents, help="serve an application on the embedded server",
        description=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("config", help="a config.py, or an INI file with an optional #name "
                                       "(app.ini#main)")
    parser.add_argument("--host", help="address to bind (default: the config's, else 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default: the config's, else 8080)")
    parser.add_argument("--threads", type=int, default=8,
                        help="threads per worker (default 8)")
    parser.add_argument("--workers", type=int,
                        help="worker processes (default: the server's choice)")
    parser.add_argument("--reload", action="store_true",
                        help="development: restart when a .py file of the project changes")
    parser.add_argument("--reload-interval", type=float, default=1.0, metavar="SECONDS",
                        help="how often --reload looks for changes (default 1s)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.threads < 1:
        raise CommandError(f"--threads {args.threads}: at least one thread is needed")
    if args.workers is not None and args.workers < 1:
        raise CommandError(f"--workers {args.workers}: at least one worker is needed")
    if args.port is not None and not 0 <= args.port <= 65535:
        raise CommandError(f"--port {args.port} is out of range (0-65535)")
    if args.reload:
        from .reload import Reloader

        return Reloader(parse_spec(args.config), child_args(args), args.reload_interval).run()
    return serve_once(args)


def child_args(args: argparse.Namespace) -> list[str]:
    """The ``carya serve`` arguments of the server the reloader restarts."""
    argv = ["serve", args.config, "--threads", str(args.threads)]
    if args.host:
        argv += ["--host", args.host]
    if args.port is not None:
        argv += ["--port", str(args.port)]
    if args.workers is not None:
        argv += ["--workers", str(args.workers)]
    if getattr(args, "debug", False):
        argv.insert(0, "--debug")
    return argv


def serve_once(args: argparse.Namespace) -> int:
    from ..server import DEFAULT_HOST, DEFAULT_PORT, serve

    loaded = load(args.config)
    host = args.host or loaded.host or DEFAULT_HOST
    port = args.port if args.port is not None else loaded.port
    port = DEFAULT_PORT if port is None else port
    options = {}
    if args.workers is not None:
        if "workers" not in inspect.signature(serve).parameters:
            raise CommandError("--workers: this embedded server runs a single process")
        options["workers"] = args.workers
    try:
        serve(loaded.wsgiapp, host=host, port=port, threads=args.threads, **options)
    except OSError as error:
        raise CommandError(f"cannot serve on {host}:{port}: {error.strerror or error}") \
            from error
    return 0
