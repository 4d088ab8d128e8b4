"""The ``carya`` command: ``create``, ``serve``, ``routes``, ``shell``, ``apache-conf``,
``policy``, ``listen``, ``openapi``, ``pecan-alias``.

Each command lives in its own module with ``add_parser(subparsers)`` and
``run(args) -> int``. A command reports a user error (a bad config path, an INI
section that does not exist, a root controller that does not import) by raising
:class:`CommandError`; :func:`main` prints it as one line on stderr and exits
with status 2. ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from .errors import CommandError

__all__ = ["main", "build_parser", "CommandError"]

_COMMANDS = (
    "create", "serve", "routes", "shell", "apache", "policy", "listen", "openapi", "pecan_alias",
)


def build_parser() -> argparse.ArgumentParser:
    import importlib

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show full tracebacks for errors")
    parser = argparse.ArgumentParser(
        prog="carya", description="carya web framework tools", parents=[common]
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in _COMMANDS:
        importlib.import_module(f"{__name__}.{name}").add_parser(sub, [common])
    return parser


def _version() -> str:
    from .. import __version__

    return f"carya {__version__}"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    debug = getattr(args, "debug", False)
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO,
        format="%(asctime)s %(levelname)s [%(name)s] %(message)s",
    )
    try:
        return args.func(args)
    except CommandError as error:
        if debug:
            raise
        print(f"carya {args.command}: {error}", file=sys.stderr)
        return error.status
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
