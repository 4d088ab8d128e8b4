"""The ``carya`` command: ``carya serve CONFIG`` and friends."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _serve(args: argparse.Namespace) -> int:
    from ..configuration import ConfigError
    from ..deploy import load_app
    from ..server import serve

    try:
        app = load_app(args.config)
    except (ConfigError, ValueError) as error:
        print(f"carya serve: {error}", file=sys.stderr)
        return 2
    server = getattr(app, "config", None)
    server = server.get("server") if server is not None else None
    host = args.host or (server.get("host") if server else None) or "127.0.0.1"
    port = args.port or (server.get("port") if server else None) or 8080
    serve(app, host=host, port=int(port), threads=args.threads)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="carya", description="carya web framework tools")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve an application on the embedded server")
    serve.add_argument("config", help="path to a config.py")
    serve.add_argument("--host", help="address to bind (default: the config's, else 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: the config's, else 8080)")
    serve.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    serve.set_defaults(func=_serve)
    return parser


def _version() -> str:
    from .. import __version__

    return f"carya {__version__}"


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s [%(name)s] %(message)s"
    )
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
