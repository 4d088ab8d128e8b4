"""The front's settings: timeouts and limits that slow, idle and greedy clients meet.

Every value has a safe default, so ``carya serve`` with no configuration keeps
answering while thousands of connections trickle or sit idle. They are the
``server`` section of a ``config.py`` (``carya serve`` flags and
``carya.serve()`` keyword arguments override them).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

__all__ = ["FrontSettings", "SETTING_NAMES"]


@dataclass(frozen=True)
class FrontSettings:
    #: Seconds a client has to send a whole request head (from the connection's
    #: first byte, or from the first byte of the next request on a kept-alive one).
    header_timeout: float = 10.0
    #: Seconds a client has to send a body the front buffers; for a larger body
    #: streamed to the application, the longest wait for the next bytes.
    body_timeout: float = 30.0
    #: Seconds an idle kept-alive connection stays open between requests.
    keepalive_timeout: float = 5.0
    #: Requests served on one connection before it is closed.
    keepalive_requests: int = 1000
    #: Open connections per worker process; past it the oldest idle one is closed.
    max_connections: int = 4096
    #: Seconds a handler may take before the client gets a 503 and its thread is
    #: replaced (0 turns the deadline off).
    request_timeout: float = 60.0
    #: Bodies up to this size are read whole, without holding a thread, before the
    #: application is called; larger ones (with a Content-Length) are streamed to it.
    #: Chunked bodies larger than this are refused with 413.
    buffer_body: int = 1048576
    #: A response up to this size, finished while other requests wait for a thread, is
    #: sent by the event loop with its other writes, and the thread goes on at once to
    #: the next request (about a fifth more requests per second under load; see
    #: carya.front.pool); 0: every thread writes its own response.
    coalesce_bytes: int = 16384

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"server option {spec.name}={value!r}: expected a number >= 0")
        for name in ("header_timeout", "body_timeout", "keepalive_requests", "max_connections"):
            if getattr(self, name) <= 0:
                raise ValueError(f"server option {name}={getattr(self, name)!r}: must be > 0")

    @classmethod
    def pick(cls, options: dict[str, Any]) -> tuple[FrontSettings, dict[str, Any]]:
        """Split ``options`` into front settings and the rest (gunicorn's settings)."""
        mine = {key: options[key] for key in SETTING_NAMES if key in options}
        rest = {key: value for key, value in options.items() if key not in SETTING_NAMES}
        return cls(**mine), rest


SETTING_NAMES = frozenset(spec.name for spec in fields(FrontSettings))
