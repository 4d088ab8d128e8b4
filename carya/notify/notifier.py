"""The Notifier: ``notifier.info(ctxt, "book.create.end", {"id": 1})``.

Same interface as oslo.messaging's ``Notifier``: one method per priority,
each ``(ctxt, event_type, payload)``, and ``prepare()`` for a variant with
another publisher id. Differences that make a message harder to lose:

* the payload and context are encoded *in the call*, so a payload JSON cannot
  hold raises :class:`~carya.notify.errors.PayloadError` there, instead of
  being logged and dropped later;
* a send the transport cannot accept raises (e.g. :class:`BufferFull` when
  RabbitMQ has been away too long) rather than being logged and forgotten;
* inside an outbox (a request under ``NotificationHook`` + ``TransactionHook``,
  or :func:`~carya.notify.outbox.deferred`) notifications wait for the commit.

Each call returns the :class:`~carya.notify.message.Notification` it made
(its ``message_id`` is what consumers de-duplicate on).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .drivers import Driver, make_driver
from .message import Notification, build
from .outbox import current_outbox
from .transport import Transport, get_transport
from .url import TransportURL

__all__ = ["Notifier"]

_UNSET: Any = object()


class Notifier:
    """Sends notifications through a driver (``messagingv2`` by default) and a transport.

    ``transport`` is a :class:`~carya.notify.transport.Transport` or a
    transport URL. ``topics`` default to oslo's ``["notifications"]``;
    ``exchange`` to the transport's (oslo's ``control_exchange``).
    ``connect=True`` reaches the broker now, so a wrong URL or a broker
    that is down fails at start-up with
    :class:`~carya.notify.errors.BrokerUnavailable`.
    """

    def __init__(self, transport: Transport | str | TransportURL | None,
                 publisher_id: str | None = None, driver: str = "messagingv2",
                 topics: Sequence[str] | None = None, *, exchange: str | None = None,
                 routing: Any = None, outbox: bool = True, connect: bool = True,
                 _driver: Driver | None = None):
        if transport is not None and not isinstance(transport, Transport):
            transport = get_transport(transport)
        self.transport = transport
        self.publisher_id = publisher_id
        self.topics = tuple(topics) if topics is not None else ("notifications",)
        self.outbox = outbox
        if _driver is None:
            _driver = make_driver(driver, transport, self.topics, exchange, routing)
            if connect and _driver.uses_transport:
                transport.connect()
        self.driver = _driver

    def prepare(self, publisher_id: str | None = _UNSET) -> Notifier:
        """A notifier sharing this one's driver and transport, with another publisher id."""
        return Notifier(self.transport, self.publisher_id if publisher_id is _UNSET
                        else publisher_id, topics=self.topics, outbox=self.outbox,
                        _driver=self.driver)

    def is_enabled(self) -> bool:
        """False when the driver is ``noop`` (callers may skip building payloads)."""
        return type(self.driver).__name__ != "NoopDriver"

    def notify(self, ctxt: Any, event_type: str, payload: Any, priority: str) -> Notification:
        """Send at ``priority`` (one of :data:`~carya.notify.message.PRIORITIES`)."""
        note, body = build(ctxt, self.publisher_id, event_type, priority, payload)
        box = current_outbox() if self.outbox else None
        if box is not None:
            box.add(self.driver, note, body)
        else:
            self.driver.send(note, body)
        return note

    def audit(self, ctxt: Any, event_type: str, payload: Any) -> Notification:
        return self.notify(ctxt, event_type, payload, "audit")

    def debug(self, ctxt: Any, event_type: str, payload: Any) -> Notification:
        return self.notify(ctxt, event_type, payload, "debug")

    def info(self, ctxt: Any, event_type: str, payload: Any) -> Notification:
        return self.notify(ctxt, event_type, payload, "info")

    def warn(self, ctxt: Any, event_type: str, payload: Any) -> Notification:
        return self.notify(ctxt, event_type, payload, "warn")

    warning = warn

    def error(self, ctxt: Any, event_type: str, payload: Any) -> Notification:
        return self.notify(ctxt, event_type, payload, "error")

    def critical(self, ctxt: Any, event_type: str, payload: Any) -> Notification:
        return self.notify(ctxt, event_type, payload, "critical")

    def sample(self, ctxt: Any, event_type: str, payload: Any) -> Notification:
        return self.notify(ctxt, event_type, payload, "sample")

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until the transport has everything sent so far; False on timeout."""
        return True if self.transport is None else self.transport.flush(timeout)

    def __repr__(self) -> str:
        return (f"<Notifier {self.publisher_id!r} topics={list(self.topics)} "
                f"via {self.transport!r}>")

