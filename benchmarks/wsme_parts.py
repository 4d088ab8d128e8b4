"""Where a WSME request's time goes on carya: ``python -m benchmarks.wsme_parts``.

The ``wsme_get`` shape of ``python -m benchmarks`` (``GET /books/9``: a
RestController ``get_one`` under ``@wsexpose(Book, wtypes.text)`` that builds a
``Book``) next to the same route three other ways, in one app, taking turns loop
by loop (best loop kept):

- ``plain``: ``@expose('json')`` returning the book as a dict (no WSME at all);
- ``prebuilt``: ``@wsexpose`` returning a ``Book`` built once (carya + WSME's
  argument and result handling, no construction per request);
- ``built``: ``@wsexpose`` building the ``Book`` per request (the benchmark shape);
- ``wsme path``: the same with carya's compiled ``wsexpose`` off (WSME's own
  ``callfunction``).

So ``prebuilt - plain`` is what WSME handling costs on carya, and ``built -
prebuilt`` the handler's own ``Book(...)`` (WSME's attribute checks). µs per
request, in-process, no server. An explanation, not a target.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from webob import Request

from benchmarks.shapes import BOOK_PAYLOAD
from benchmarks.timing import best_in_turns, wsgi_caller


def build_app() -> tuple[Callable, Callable]:
    """The app (``/plain``, ``/prebuilt``, ``/built``) and one with WSME's path only."""
    from carya.compat import alias, wsexpose

    alias.install()
    import pecan
    from pecan import rest
    from wsme import types as wtypes
    from wsmeext.pecan import wsexpose as expose_wsme

    class Book(wtypes.Base):
        id = wtypes.text
        title = wtypes.text
        year = int

    made = Book(**BOOK_PAYLOAD)

    class Plain(rest.RestController):
        @pecan.expose("json")
        def get_one(self, book_id):
            return dict(BOOK_PAYLOAD, id=book_id)

    class Prebuilt(rest.RestController):
        @expose_wsme(Book, wtypes.text)
        def get_one(self, book_id):
            return made

    class Built(rest.RestController):
        @expose_wsme(Book, wtypes.text)
        def get_one(self, book_id):
            return Book(**dict(BOOK_PAYLOAD, id=book_id))

    class Root:
        plain = Plain()
        prebuilt = Prebuilt()
        built = Built()

    compiled = pecan.make_app(Root())
    wsexpose.disable()
    try:
        wsme_only = pecan.make_app(Root())
        answer(wsme_only, "/built/9")  # handlers are built on first use: now, while off
    finally:
        wsexpose.enable()
    return compiled, wsme_only


def answer(app: Callable, path: str) -> bytes:
    """One response body, to check the variants agree before timing them."""
    return b"".join(app(Request.blank(path).environ, lambda status, headers, exc=None: None))


def measure(number: int, rounds: int) -> dict[str, float]:
    compiled, wsme_only = build_app()
    routes = {"plain": (compiled, "/plain/9"), "prebuilt": (compiled, "/prebuilt/9"),
              "built": (compiled, "/built/9"), "wsme path": (wsme_only, "/built/9")}
    answers = {name: answer(app, path) for name, (app, path) in routes.items()}
    assert len({text.replace(b" ", b"") for text in answers.values()}) == 1, answers
    calls = {name: wsgi_caller(app, Request.blank(path).environ)
             for name, (app, path) in routes.items()}
    best = best_in_turns(calls, number, rounds)
    return best


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.wsme_parts", description=__doc__)
    parser.add_argument("--number", type=int, default=2000, help="calls per loop")
    parser.add_argument("--rounds", type=int, default=40, help="loops per variant, taking turns")
    opts = parser.parse_args(argv)
    best = measure(opts.number, opts.rounds)
    print(f"GET /<variant>/9: µs per request (best of {opts.rounds} loops of {opts.number}, "
          "the variants taking turns)")
    for name, value in best.items():
        print(f"  {name:10} {value:7.2f}")
    print(f"  WSME handling on carya (prebuilt - plain): {best['prebuilt'] - best['plain']:.2f}")
    print(f"  the handler's Book(...) (built - prebuilt): {best['built'] - best['prebuilt']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
