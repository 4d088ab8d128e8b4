"""``carya serve CONFIG``: run the application on the embedded server.

``--host``/``--port`` and the timeout and limit flags override the config's
``server`` section (or an INI's ``[server:main]``); without them, carya binds
127.0.0.1:8080 with the defaults of :class:`carya.front.settings.FrontSettings`.
SIGTERM and Ctrl-C let requests in flight finish and exit with status 0.
``--reload`` restarts the server when a ``.py`` file of the project changes (see
:mod:`carya.cli.reload`).
"""

from __future__ import annotations

import argparse
import inspect
from typing import Any

from .errors import CommandError
from .loading import load, parse_spec

__all__ = ["add_parser", "run"]

DESCRIPTION = """\
Serve the application a config.py (or an INI file, app.ini#name) builds, on
carya's embedded server: gunicorn's process manager with carya's front, which
reads every request whole, under the timeouts below, before a thread runs it.
--host, --port and the timeout and limit options override the config's server
section (an INI's [server:main]); the defaults bind 127.0.0.1:8080. SIGTERM and
Ctrl-C let requests in flight finish, then exit with status 0. --reload restarts
the server when a .py file of the project changes (development only)."""

#: flag -> (FrontSettings name, type, help)
FRONT_FLAGS = {
    "--header-timeout": ("header_timeout", float, "seconds a client has to send a request "
                         "head (default 10)"),
    "--body-timeout": ("body_timeout", float, "seconds a client has to send a buffered body, "
                       "or between reads of a streamed one (default 30)"),
    "--keepalive-timeout": ("keepalive_timeout", float, "seconds an idle kept-alive "
                            "connection stays open (default 5)"),
    "--keepalive-requests": ("keepalive_requests", int, "requests per connection "
                             "(default 1000)"),
    "--max-connections": ("max_connections", int, "open connections per worker; past it the "
                          "oldest idle one is closed (default 4096)"),
    "--request-timeout": ("request_timeout", float, "seconds a handler may take before the "
                          "client gets a 503 (default 60; 0: no deadline)"),
    "--buffer-body": ("buffer_body", int, "bodies up to this many bytes are read before the "
                      "application runs; larger ones are streamed (default 1048576)"),
    "--coalesce-bytes": ("coalesce_bytes", int, "a response up to this size, finished while "
                         "other requests wait, is sent by the event loop with its other "
                         "writes (default 16384; 0: each thread writes its own)"),
}


def add_parser(sub: argparse._SubParsersAction, parents: list) -> None:
    parser = sub.add_parser(
        "serve", parents=parents, help="serve an application on the embedded server",
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("config", help="a config.py, or an INI file with an optional #name "
                                       "(app.ini#main)")
    parser.add_argument("--host", help="address to bind (default: the config's, else 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default: the config's, else 8080)")
    parser.add_argument("--threads", type=int, default=8,
                        help="threads per worker (default 8)")
    parser.add_argument("--workers", type=int,
                        help="worker processes (default: the server's choice)")
    for flag, (name, kind, text) in FRONT_FLAGS.items():
        parser.add_argument(flag, dest=name, type=kind, help=text,
                            metavar="SECONDS" if kind is float else "N")
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
    for flag, (name, _, _) in FRONT_FLAGS.items():
        if getattr(args, name, None) is not None:
            argv += [flag, str(getattr(args, name))]
    if getattr(args, "debug", False):
        argv.insert(0, "--debug")
    return argv


def serve_once(args: argparse.Namespace) -> int:
    from ..server import DEFAULT_HOST, DEFAULT_PORT, serve

    loaded = load(args.config)
    host = args.host or loaded.host or DEFAULT_HOST
    port = args.port if args.port is not None else loaded.port
    port = DEFAULT_PORT if port is None else port
    options = front_options(loaded, args)
    if args.workers is not None:
        if "workers" not in inspect.signature(serve).parameters:
            raise CommandError("--workers: this embedded server runs a single process")
        options["workers"] = args.workers
    try:
        serve(loaded.wsgiapp, host=host, port=port, threads=args.threads, **options)
    except ValueError as error:
        raise CommandError(str(error)) from error
    except OSError as error:
        raise CommandError(f"cannot serve on {host}:{port}: {error.strerror or error}") \
            from error
    return 0


def front_options(loaded: Any, args: argparse.Namespace) -> dict[str, Any]:
    """The front's settings: the config's ``server`` section (or the INI's
    ``[server:main]``), then the flags."""
    if loaded.spec.kind == "ini":
        server = _ini_server_section(loaded.spec.path)
    else:
        conf = loaded.conf
        server = conf.get("server") if hasattr(conf, "get") else None
    options: dict[str, Any] = {}
    for name, _, _ in FRONT_FLAGS.values():
        if server is not None and server.get(name) is not None:
            options[name] = server.get(name)
        if getattr(args, name, None) is not None:
            options[name] = getattr(args, name)
    return options


def _ini_server_section(path: str) -> dict[str, Any]:
    """The front's settings in an INI's ``[server:main]``, as numbers."""
    import configparser

    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read(path)
    except configparser.Error:
        return {}
    if not parser.has_section("server:main"):
        return {}
    values: dict[str, Any] = {}
    for name, kind, _ in FRONT_FLAGS.values():
        raw = parser.get("server:main", name, fallback=None)
        if raw is None:
            continue
        try:
            values[name] = kind(raw)
        except ValueError:
            raise CommandError(f"{path}: [server:main] {name} = {raw!r} is not a number") \
                from None
    return values
