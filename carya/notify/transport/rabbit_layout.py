"""What carya puts on a RabbitMQ broker: exchanges, queues, headers, persistent copies.

The publisher, the consumers and the transport's admin operations must agree
on these names and properties, and oslo.messaging services sharing the broker
must agree with them too, so they are written down once here:

* exchanges are ``topic`` exchanges; exchanges and queues are declared with the
  transport's ``durable``/``auto_delete``, and when one already exists with
  other settings (an oslo service declared it first with another
  ``amqp_durable_queues``) it is used as it is, with a warning, rather than
  stopping notifications;
* a queue's dead letters live in the durable queue ``carya.dead.<queue>``,
  their reason, origin, time and id in ``x-carya-*`` headers, which
  :func:`dead_letter_of` reads back;
* failed attempts are counted in the ``x-carya-attempts`` header;
* copies (retries, dead letters, replays) go to one queue through the default
  exchange, persistent, and count as sent only once the broker confirmed them.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import amqp
import kombu

from ..message import CONTENT_ENCODING, CONTENT_TYPE
from .base import DeadLetter

__all__ = [
    "ATTEMPTS",
    "DEAD_PREFIX",
    "PERSISTENT",
    "attempts_of",
    "bind",
    "dead_headers",
    "dead_letter_of",
    "declare",
    "declare_dead",
    "open_channel",
    "publish_copy",
    "raw",
]

LOG = logging.getLogger("carya.notify.rabbit")  # one logger for the whole rabbit transport

DEAD_PREFIX = "carya.dead."
ATTEMPTS = "x-carya-attempts"
PERSISTENT = 2  # AMQP delivery mode: written to disk by a durable queue


def raw(body: Any) -> bytes:
    """The body as bytes (py-amqp hands out text when a content encoding was given)."""
    if isinstance(body, str):
        return body.encode("utf-8")
    return bytes(body)


def attempts_of(headers: Mapping[str, Any]) -> int:
    """Failed handling attempts recorded on a message (0 when never retried)."""
    return int(headers.get(ATTEMPTS, 0) or 0)


@contextmanager
def open_channel(conn: kombu.Connection) -> Iterator[Any]:
    """A channel on ``conn``, closed on leaving (closing one the broker closed is a no-op)."""
    channel = conn.channel()
    try:
        yield channel
    finally:
        channel.close()


def _declare_on(channel: Any, kind: str, name: str, **flags: Any) -> None:
    if kind == "exchange":
        channel.exchange_declare(name, "topic", **flags)
    else:
        channel.queue_declare(name, **flags)


def declare(conn: kombu.Connection, kind: str, name: str, durable: bool,
            auto_delete: bool) -> None:
    """Declare an exchange or queue; if it exists with other settings, use it as it is.

    oslo.messaging services may have created it first with another
    ``amqp_durable_queues``; failing would stop notifications altogether, so
    carya goes on with the existing one and says so.
    """
    channel = conn.channel()
    try:
        _declare_on(channel, kind, name, durable=durable, auto_delete=auto_delete)
    except amqp.exceptions.PreconditionFailed as error:
        LOG.warning("%s %r exists with other settings (%s); using it as it is", kind, name, error)
        channel = conn.channel()  # the broker closed the other one
        _declare_on(channel, kind, name, passive=True)
    finally:
        if channel.is_open:
            channel.close()


def bind(conn: kombu.Connection, queue: str, bindings: Sequence[tuple[str, str]]) -> None:
    """Bind ``queue`` by each ``(exchange, routing_key)``."""
    with open_channel(conn) as channel:
        for exchange, key in bindings:
            channel.queue_bind(queue, exchange, key)


def declare_dead(channel: Any, queue: str) -> str:
    """Declare ``queue``'s dead-letter queue (always durable); its name."""
    name = DEAD_PREFIX + queue
    channel.queue_declare(name, durable=True, auto_delete=False)
    return name


def dead_headers(queue: str, attempts: int, reason: str) -> dict[str, Any]:
    """The headers a dead letter carries: what :func:`dead_letter_of` reads back."""
    return {ATTEMPTS: attempts, "x-carya-reason": reason[:1000], "x-carya-queue": queue,
            "x-carya-dead-at": time.time(), "x-carya-dead-id": uuid.uuid4().hex}


def dead_letter_of(queue: str, msg: Any) -> DeadLetter:
    """A message taken from ``queue``'s dead-letter queue, as a :class:`DeadLetter`."""
    headers = msg.headers or {}
    return DeadLetter(
        id=str(headers.get("x-carya-dead-id", msg.delivery_tag)), queue=queue,
        body=raw(msg.body), reason=str(headers.get("x-carya-reason", "")),
        attempts=attempts_of(headers),
        dead_at=headers.get("x-carya-dead-at"))


def publish_copy(channel: Any, body: Any, queue: str, headers: dict[str, Any], *,
                 content_type: str = CONTENT_TYPE, content_encoding: str = CONTENT_ENCODING,
                 confirm_timeout: float | None = None) -> None:
    """Publish ``body`` persistently to ``queue`` alone and wait for the broker's confirm.

    The default exchange routes by queue name, so no other queue bound to the
    original routing key gets a copy.
    """
    msg = channel.prepare_message(
        body, content_type=content_type, content_encoding=content_encoding,
        headers=headers, properties={"delivery_mode": PERSISTENT})
    channel.basic_publish_confirm(msg, exchange="", routing_key=queue,
                                  confirm_timeout=confirm_timeout)
