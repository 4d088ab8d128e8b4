"""Where the seed examples live, and serving a WSGI app in-process on loopback."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from carya.server import make_server
from tests.support import EXAMPLES, free_port, wait_for_port

LAB = os.path.join(EXAMPLES, "pastedeploy_lab")
WSGI_BASICS = os.path.join(EXAMPLES, "wsgi_basics")


@contextmanager
def serving(app: Callable, **options: Any) -> Iterator[int]:
    """Run ``app`` under waitress (``carya.server.make_server``) in a thread; yield its port.

    The server is closed from its own loop (through waitress's trigger) so the
    thread ends cleanly before the next test starts.
    """
    port = free_port()
    server = make_server(app, "127.0.0.1", port, threads=2, **options)
    thread = threading.Thread(target=server.run, name=f"waitress:{port}", daemon=True)
    thread.start()
    try:
        wait_for_port(port)
        yield port
    finally:
        try:
            server.trigger.pull_trigger(server.close)
        except OSError:  # the trigger's pipe is gone (seen once in CI: EBADF)
            _close_channels(server)
        server.task_dispatcher.shutdown(timeout=5)
        thread.join(timeout=10)
        assert not thread.is_alive(), f"server on port {port} did not stop"


def _close_channels(server: Any) -> None:
    """Stop a waitress loop that cannot be woken: with its socket map emptied, the
    loop ends at its next poll timeout (1 s)."""
    for channel in list(server._map.values()):
        try:
            channel.close()
        except OSError:
            server._map.pop(getattr(channel, "_fileno", None), None)


def lower_keys(headers: dict) -> dict:
    """Response headers by lower-case name (servers may re-case them)."""
    return {key.lower(): value for key, value in headers.items()}
