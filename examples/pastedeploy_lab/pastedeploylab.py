"""Seed 002's Paste Deploy LAB, ported to Python 3.

``pastedeploy.ini`` describes a composite (a URL map) sending ``/`` to the
``root`` pipeline: the ``logrequest`` filter around the ``showversion`` app.
Run it and open http://localhost:8080/ ::

    python pastedeploylab.py                          # egg:Paste#urlmap
    python pastedeploylab.py --name carya_composite   # egg:carya#urlmap

The prints are the seed's: they show when Paste Deploy calls each factory and
when each object is called.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterable


class LogFilter:
    """A filter: wraps the next app and logs each call."""

    def __init__(self, app: Callable):
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        print("filter:LogFilter is called.", flush=True)
        return self.app(environ, start_response)

    @classmethod
    def factory(cls, global_conf: dict, **kwargs: str) -> Callable:
        # a paste.filter_factory returns a callable taking the app to wrap
        print("in LogFilter.factory", global_conf, kwargs, flush=True)
        return LogFilter


class ShowVersion:
    """An app: answers the version from its INI section."""

    def __init__(self, version: str = "1.0.0"):
        self.body = f"Paste Deploy LAB: Version = {version}".encode()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        start_response("200 OK", [("Content-type", "text/plain")])
        return [self.body]

    @classmethod
    def factory(cls, global_conf: dict, **kwargs: str) -> ShowVersion:
        print("in ShowVersion.factory", global_conf, kwargs, flush=True)
        return ShowVersion(kwargs.get("version", "1.0.0"))


def main(argv: list[str] | None = None) -> None:
    from carya import serve
    from carya.paste import loadapp

    parser = argparse.ArgumentParser(description="Paste Deploy LAB")
    parser.add_argument("--config", default="pastedeploy.ini")
    parser.add_argument("--name", default="test_composite")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    wsgi_app = loadapp(os.path.abspath(args.config), args.name)
    serve(wsgi_app, "127.0.0.1", args.port)


if __name__ == "__main__":
    main()
