"""The outbox: notifications held until the work that caused them has committed.

While an outbox is current (a :class:`contextvars.ContextVar`, so per thread
and per task), a :class:`~carya.notify.Notifier` puts each notification in it,
already encoded, instead of sending it. ``flush`` sends them in order;
``discard`` drops them (the transaction rolled back: nothing happened, so
nothing is announced). :class:`~carya.notify.hook.NotificationHook` opens one
per request; :func:`deferred` opens one around any block of code.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

__all__ = ["Outbox", "current_outbox", "deferred"]

LOG = logging.getLogger("carya.notify.outbox")

_current: ContextVar[Outbox | None] = ContextVar("carya_notify_outbox", default=None)


class Outbox:
    """Encoded notifications waiting for a commit, in the order they were made."""

    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: list[tuple[Any, Any, bytes]] = []

    def add(self, driver: Any, note: Any, body: bytes) -> None:
        self.items.append((driver, note, body))

    def __len__(self) -> int:
        return len(self.items)

    def flush(self) -> int:
        """Send everything held; how many were sent. A failure is logged, the rest still go."""
        items, self.items = self.items, []
        sent = 0
        for driver, note, body in items:
            try:
                driver.send(note, body)
                sent += 1
            except Exception:  # noqa: BLE001 - one failure must not stop the others
                LOG.exception("outbox: could not send notification %s (%s)",
                              note.event_type, note.message_id)
        return sent

    def discard(self) -> int:
        """Drop everything held (after a rollback); how many."""
        count = len(self.items)
        self.items = []
        return count


def current_outbox() -> Outbox | None:
    """The outbox notifications go to right now, if any."""
    return _current.get()


def activate(box: Outbox | None) -> Any:
    """Make ``box`` current; returns the token :func:`deactivate` takes."""
    return _current.set(box)


def deactivate(token: Any) -> None:
    _current.reset(token)


@contextmanager
def deferred() -> Iterator[Outbox]:
    """Hold notifications made in the block; send them if it ends normally, else drop them."""
    box = Outbox()
    token = _current.set(box)
    try:
        yield box
    except BaseException:
        _current.reset(token)
        dropped = box.discard()
        if dropped:
            LOG.info("outbox: %d notification(s) dropped: the block raised", dropped)
        raise
    _current.reset(token)
    box.flush()
