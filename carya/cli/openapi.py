"""``carya openapi CONFIG``: the OpenAPI 3.1 document of every route the application serves.

CONFIG is what ``carya routes`` takes (a ``config.py``, or an INI file with an
optional ``#name``); the document covers the same routes, whichever way they
were declared (object dispatch, RestController, a Routes-style mapper with
body-keyed actions and microversions). ``--output FILE`` writes it to a file
instead of stdout.
"""

from __future__ import annotations

import argparse
import json
import os

from ..openapi import build_document
from .errors import CommandError
from .loading import load

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction, parents: list) -> None:
    parser = sub.add_parser(
        "openapi", parents=parents, help="print the OpenAPI 3.1 document of the application",
        description=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawTextHelpFormatter,
    )
    parser.add_argument("config", help="a config.py, or an INI file with an optional #name")
    parser.add_argument("--title", help="info.title (default: the config's name)")
    parser.add_argument("--api-version", default="1.0", help="info.version (default: 1.0)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the document to FILE")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    loaded = load(args.config)
    title = args.title or _default_title(loaded.spec)
    try:
        document = build_document(loaded.wsgiapp, title=title, version=args.api_version)
    except ValueError as error:
        raise CommandError(str(error)) from error
    text = json.dumps(document, indent=2) + "\n"
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as out:
                out.write(text)
        except OSError as error:
            raise CommandError(f"--output {args.output}: {error.strerror}") from error
    else:
        print(text, end="")
    return 0


def _default_title(spec: object) -> str:
    name = getattr(spec, "name", None)
    path = str(getattr(spec, "path", "app"))
    base = os.path.basename(os.path.dirname(os.path.abspath(path))) or "app"
    return name or base
