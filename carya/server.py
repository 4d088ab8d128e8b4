"""The embedded production server: ``carya.serve(app, host, port)``.

carya serves with waitress: a pure-Python, multi-threaded WSGI server that is
production-grade (HTTP/1.1 keep-alive, request buffering so a slow client does
not hold a worker thread, bounded request sizes, clean shutdown on SIGTERM),
well kept, and dependency-free. Defaults bind to loopback.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from typing import Any

__all__ = ["serve", "make_server", "DEFAULT_HOST", "DEFAULT_PORT"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080

log = logging.getLogger("carya.server")


def make_server(app: Callable, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                threads: int = 8, **options: Any):
    """A waitress server bound to ``host:port``, not yet serving (``.run()`` serves)."""
    from waitress.server import create_server

    options.setdefault("ident", "carya")
    options.setdefault("clear_untrusted_proxy_headers", True)
    return create_server(app, host=host, port=int(port), threads=threads, **options)


class _Stop(BaseException):
    """Raised in the main thread by SIGTERM to leave the server loop cleanly."""


def serve(app: Callable, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          threads: int = 8, **options: Any) -> None:
    """Serve ``app`` until SIGTERM/SIGINT, then let in-flight requests finish and stop."""
    server = make_server(app, host, port, threads, **options)

    def stop(signum: int, frame: Any) -> None:
        raise _Stop(signum)

    previous = signal.signal(signal.SIGTERM, stop)
    print(f"serving on http://{server.effective_host}:{server.effective_port}/ "
          f"(threads={threads}); Ctrl-C to stop", flush=True)
    try:
        server.run()
    except (KeyboardInterrupt, _Stop):
        log.info("shutting down: finishing requests in flight")
    finally:
        server.close()
        signal.signal(signal.SIGTERM, previous)
