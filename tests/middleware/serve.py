"""Serve a test application with carya's embedded waitress server until killed.

    python -m tests.middleware.serve tests.middleware.apps:proxied PORT
    python -m tests.middleware.serve config:/path/to/api-paste.ini#main PORT

Log records go to stdout with their request id, so tests can read them after
the server stops.
"""

from __future__ import annotations

import importlib
import logging
import sys

from carya.middleware.request_id import RequestIdFilter
from carya.server import make_server


def load(target: str):
    if target.startswith("config:"):
        from paste.deploy import loadapp

        path, _, name = target.partition("#")
        return loadapp(path, name=name or "main")
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def main(argv: list[str]) -> None:
    target, port = argv
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter("LOG %(name)s %(levelname)s [%(request_id)s] "
                                           "%(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    # The proxy tests need waitress to pass X-Forwarded-*/Forwarded headers on.
    server = make_server(load(target), port=int(port), clear_untrusted_proxy_headers=False)
    server.run()  # until SIGTERM (its default action ends the process)


if __name__ == "__main__":
    main(sys.argv[1:])
