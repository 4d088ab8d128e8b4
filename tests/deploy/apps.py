"""Small WSGI apps the server tests serve: they report which process answered and
can be told to take their time, so shutdown and worker behaviour is observable."""

from __future__ import annotations

import os
import time
import urllib.parse


def _reply(start_response, body: bytes, status: str = "200 OK"):
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


#: What ``/raise?e=NAME`` raises: exceptions that stop a process if nobody catches them.
RAISES = {"exit3": lambda: SystemExit(3), "exit4": lambda: SystemExit(4),
          "interrupt": KeyboardInterrupt, "base": lambda: BaseException("odd")}


def probe(environ, start_response):
    """``/pid``: the answering process; ``/slow?s=1.5``: sleep, then say so;
    ``/upload``: read the body and report its size; ``/raise?e=exit3``: raise;
    ``/nocontent``: a 204 that still declares and returns a body; ``/echo?i=7&n=100``:
    ``7:`` and 100 ``x``; ``/stream``: a first block, two seconds later a second."""
    path = environ["PATH_INFO"]
    if path == "/raise":
        raise RAISES[environ["QUERY_STRING"].partition("=")[2]]()
    if path == "/pid":
        return _reply(start_response, str(os.getpid()).encode())
    if path == "/slow":
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        seconds = min(float(query.get("s", ["1"])[0]), 30.0)
        time.sleep(seconds)
        return _reply(start_response, f"slept {seconds}".encode())
    if path == "/upload":
        size = len(environ["wsgi.input"].read())
        return _reply(start_response, f"read {size}".encode())
    if path == "/echo":
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        size = min(int(query["n"][0]), 2**20)
        return _reply(start_response, query["i"][0].encode() + b":" + b"x" * size)
    if path == "/stream":
        return _stream(start_response)
    if path == "/nocontent":  # what a Pecan JSON handler answering 204 sends: "null"
        start_response("204 No Content", [("Content-Length", "4")])
        return [b"null"]
    return _reply(start_response, b"ok")


def _stream(start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    yield b"first block;"
    time.sleep(2)
    yield b"second block"


def carya_raiser():
    """A carya app whose handler ``/fail/NAME`` raises ``RAISES[NAME]``: under servers
    other than carya's own, the application itself must make that a 500."""
    from carya import expose, make_app

    class Root:
        @expose()
        def fail(self, name):
            raise RAISES[name]()

        @expose()
        def pid(self):
            return str(os.getpid())

    return make_app(Root())
