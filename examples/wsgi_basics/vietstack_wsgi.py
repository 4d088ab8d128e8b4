"""Seed 001: a WSGI application, a middleware and a server, answering ``curl``.

The VietStack meetup example, in Python 3: ``MeetupApp`` answers the meetup
text, ``FromVietStack`` is middleware that signs whatever the app answers,
and the server is carya's embedded one (waitress)::

    python examples/wsgi_basics/vietstack_wsgi.py --port 8080
    curl http://localhost:8080
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable

MEETUP_TEXT = (
    "Wellcome the 8th Meetup of VietOpenStack\n"
    "\n"
    "Have FUN and ENJOY the 8th meetup of VietOpenStack\n"
    "\n"
    "26/2/2016\n"
    "\n"
    "VietStack Team\n"
)


class MeetupApp:
    """The application: sees the request, answers the meetup text."""

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        body = MEETUP_TEXT.encode()
        start_response("200 OK", [("Content-Type", "text/plain; charset=UTF-8"),
                                  ("Content-Length", str(len(body)))])
        return [body]


class FromVietStack:
    """The middleware: an app to the server, a server to the app.

    It calls the wrapped app with its own ``start_response``, then prefixes the
    body with the sender, fixing ``Content-Length`` and adding a header, to show
    it can change both the request's answer and its headers.
    """

    prefix = b"From VietStack: "

    def __init__(self, app: Callable):
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        captured: dict = {}

        def capture(status: str, headers: list, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return lambda data: None  # the legacy write() callable is not used here

        result = self.app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        body = self.prefix + body
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        headers += [("Content-Length", str(len(body))), ("X-Middleware", "FromVietStack")]
        start_response(captured["status"], headers)
        return [body]


def make_app() -> Callable:
    """The whole stack the server runs: middleware around the app."""
    return FromVietStack(MeetupApp())


def main(argv: list[str] | None = None) -> None:
    from carya import serve

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    serve(make_app(), args.host, args.port)


if __name__ == "__main__":
    main()
