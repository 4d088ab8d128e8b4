"""``carya routes CONFIG``: the application's URL map, or where one request goes.

Without options, prints every routable path: methods (``ANY`` for a handler
that answers every method), the path template, the handler's dotted name with
its arguments, and the kind of routing that declared it. Dynamic places
(``_lookup``, ``_default``, a custom ``_route``) show as ``/prefix/{...}``.

``--match METHOD PATH`` routes one synthetic request with the application's own
router and shows the handler, its arguments, the content type and the hooks;
the exit status is 1 when the request would not reach a handler (404, 405...).
``--json`` prints the same as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from http import HTTPStatus

from ..routing.listing import MatchInfo, RouteInfo, iter_rows, list_routes, match
from .errors import CommandError
from .loading import load

__all__ = ["add_parser", "run", "format_table"]


def add_parser(sub: argparse._SubParsersAction, parents: list) -> None:
    parser = sub.add_parser(
        "routes", parents=parents, help="list the URL map, or show where a request goes",
        description=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawTextHelpFormatter,
    )
    parser.add_argument("config", help="a config.py, or an INI file with an optional #name")
    parser.add_argument("--match", nargs=2, metavar=("METHOD", "PATH"),
                        help="route one request (PATH may have a ?query)")
    parser.add_argument("-H", "--header", action="append", default=[], metavar="'NAME: VALUE'",
                        help="a request header for --match (repeatable), e.g. "
                             "'Accept: application/json'")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    headers = _headers(args.header)
    loaded = load(args.config)
    if args.match:
        method, path = args.match
        if not path.startswith("/"):
            raise CommandError(f"--match {method} {path}: the path must start with '/'")
        try:
            info = match(loaded.wsgiapp, method, path, headers)
        except ValueError as error:
            raise CommandError(str(error)) from error
        return _report_match(info, args.json)
    try:
        routes = list_routes(loaded.wsgiapp)
    except ValueError as error:
        raise CommandError(str(error)) from error
    if args.json:
        print(json.dumps([route.to_dict() for route in routes], indent=2))
    else:
        print(format_table(routes))
    return 0


def _headers(values: list[str]) -> dict[str, str]:
    headers = {}
    for value in values:
        name, sep, text = value.partition(":")
        if not sep or not name.strip():
            raise CommandError(f"--header {value!r}: write it as 'Name: value'")
        headers[name.strip()] = text.strip()
    return headers


def format_table(routes: list[RouteInfo]) -> str:
    """An aligned text table: METHODS, PATH, HANDLER, KIND."""
    rows = [("METHODS", "PATH", "HANDLER", "KIND"), *iter_rows(routes)]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        f"{m:<{widths[0]}}  {p:<{widths[1]}}  {h:<{widths[2]}}  {k}".rstrip()
        for m, p, h, k in rows
    ]
    return "\n".join(lines)


def _status_text(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _report_match(info: MatchInfo, as_json: bool) -> int:
    failed = info.status >= 400
    if as_json:
        print(json.dumps(info.to_dict(), indent=2, default=repr))
        return 1 if failed else 0
    if failed:
        reason = _status_text(info.status)
        if info.allow:
            reason += f" (allowed: {info.allow})"
        if info.detail:
            reason += f": {info.detail}"
        if info.handler:
            reason += f" [handler {info.handler}]"
        print(f"carya routes: {info.method} {info.path}: {reason}", file=sys.stderr)
        return 1
    if info.location:
        print(f"{info.method} {info.path}\n  redirect:     {_status_text(info.status)} "
              f"-> {info.location}")
        return 0
    lines = [
        f"{info.method} {info.path}",
        f"  handler:      {info.handler}",
        f"  controller:   {info.controller}",
        f"  args:         {info.args!r}",
        f"  kwargs:       {info.kwargs!r}",
        f"  content type: {info.content_type}",
        f"  hooks:        {', '.join(info.hooks) if info.hooks else '(none)'}",
        f"  routed by:    {info.via}",
    ]
    if info.mount:
        lines.append(f"  mounted at:   {info.mount}")
    print("\n".join(lines))
    return 0
