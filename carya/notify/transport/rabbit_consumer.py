"""Consuming from RabbitMQ: deliveries settled by ack, requeue, retry or dead letter.

A listener polls :class:`RabbitConsumer` from its own loop, so the consumer
never blocks longer than the poll's timeout: when the broker goes away it
drops the connection (the broker requeues whatever was not acknowledged) and
reconnects one attempt per poll, spaced by backoff, instead of sleeping inside
the listener. Each :class:`RabbitDelivery` remembers the connection it came
on: settling one whose connection is gone is logged and skipped, since the
broker delivers it again. A retry or a dead letter is a confirmed copy
(:func:`~carya.notify.transport.rabbit_layout.publish_copy`) followed by the
ack of the original, so a failure in between duplicates a message and never
loses one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import kombu

from ..message import CONTENT_ENCODING, CONTENT_TYPE
from .base import Consumer, Delivery, QueueSpec
from .rabbit_connection import Connector
from .rabbit_layout import ATTEMPTS, attempts_of, dead_headers, publish_copy, raw

if TYPE_CHECKING:
    from .rabbit import RabbitTransport

__all__ = ["RabbitConsumer", "RabbitDelivery"]

LOG = logging.getLogger("carya.notify.rabbit")  # one logger for the whole rabbit transport


class RabbitDelivery(Delivery):
    """A message from one queue, settled on the connection it came from."""

    __slots__ = ("_consumer", "_message", "_generation")

    def __init__(self, consumer: RabbitConsumer, queue: str, message: Any):
        super().__init__(raw(message.body), attempts_of(message.headers or {}),
                         bool(message.delivery_info.get("redelivered")), queue)
        self._consumer = consumer
        self._message = message
        self._generation = consumer.generation

    def _settle(self, what: str, action: Callable[[], None]) -> None:
        if self._generation != self._consumer.generation:
            LOG.warning("cannot %s a message from queue %s: its connection is gone; "
                        "the broker will deliver it again", what, self.queue)
            return
        try:
            action()
        except Exception as error:  # noqa: BLE001 - the broker redelivers an unsettled message
            LOG.warning("could not %s a message from queue %s (%s); the broker will deliver "
                        "it again", what, self.queue, error)
            self._consumer.broken = True

    def ack(self) -> None:
        self._settle("acknowledge", self._message.ack)

    def requeue(self) -> None:
        self._settle("requeue", self._message.requeue)

    def retry(self) -> None:
        def republish() -> None:
            self._consumer.republish(self._message, self.queue, {ATTEMPTS: self.attempts + 1})
            self._message.ack()
        self._settle("retry", republish)

    def dead_letter(self, reason: str) -> None:
        def move() -> None:
            headers = dead_headers(self.queue, self.attempts, reason)
            dead = self._consumer.transport.declare_dead_queue(self._consumer.conn, self.queue)
            self._consumer.republish(self._message, dead, headers)
            self._message.ack()
        self._settle("dead-letter", move)


class RabbitConsumer(Consumer):
    """Consumes the given queues on one connection, reconnecting from ``poll``."""

    def __init__(self, transport: RabbitTransport, queues: Sequence[QueueSpec], prefetch: int):
        self.transport = transport
        self.specs = list(queues)
        self.prefetch = max(1, prefetch)
        self.connector = Connector(transport)
        self.generation = 0
        self.conn: kombu.Connection | None = None
        self.pub_channel: Any = None
        self.pending: list[Delivery] = []
        self.broken = False
        self.retry_at = 0.0
        self.closed = False
        self._beat = time.monotonic()
        self._setup(self.connector.open_with_retries(
            transport.options["startup_attempts"], lambda: self.closed, "listener"))

    def _setup(self, conn: kombu.Connection) -> None:
        self.conn = conn
        self.generation += 1
        self.broken = False
        consumers = []
        for spec in self.specs:
            for exchange in spec.exchanges:
                self.transport.declare(conn, exchange)
            self.transport.declare_queue(conn, spec.name, spec.bindings)
        channel = conn.channel()
        channel.basic_qos(0, self.prefetch, False)
        for name in dict.fromkeys(spec.name for spec in self.specs):
            consumer = kombu.Consumer(channel, queues=[kombu.Queue(name, no_declare=True)],
                                      on_message=self._receiver(name), no_ack=False,
                                      auto_declare=False)
            consumer.consume()
            consumers.append(consumer)
        self.channel = channel
        self.consumers = consumers
        self.pub_channel = conn.channel()

    def _receiver(self, queue: str) -> Callable[[Any], None]:
        def receive(message: Any) -> None:
            self.pending.append(RabbitDelivery(self, queue, message))
        return receive

    def republish(self, message: Any, queue: str, headers: dict) -> None:
        """Send a copy of ``message`` to ``queue`` (default exchange) and wait for the confirm."""
        merged = dict(message.headers or {})
        merged.update(headers)
        props = message.properties
        publish_copy(self.pub_channel, message.body, queue, merged,
                     content_type=props.get("content_type", CONTENT_TYPE),
                     content_encoding=props.get("content_encoding", CONTENT_ENCODING),
                     confirm_timeout=self.transport.options["confirm_timeout"])

    def poll(self, timeout: float) -> list[Delivery]:
        if self.broken or self.conn is None:
            self._reconnect(timeout)
            return []
        if not self.pending:
            try:
                self.conn.drain_events(timeout=timeout)
            except TimeoutError:
                self._heartbeat()
            except Exception as error:  # noqa: BLE001 - connection lost; reconnect
                LOG.warning("listener lost RabbitMQ at %s (%s: %s); unacknowledged messages "
                            "go back to their queues", self.transport.url,
                            type(error).__name__, error)
                self._drop_connection()
                return []
        taken, self.pending = self.pending, []
        return taken

    def _heartbeat(self) -> None:
        now = time.monotonic()
        if now - self._beat > 1.0:
            self._beat = now
            try:
                self.conn.heartbeat_check()
            except Exception as error:  # noqa: BLE001
                LOG.warning("listener heartbeat to %s failed: %s", self.transport.url, error)
                self._drop_connection()

    def _drop_connection(self) -> None:
        self.pending = []
        self.generation += 1
        if self.conn is not None:
            self.conn.collect()
        self.conn = None
        self.retry_at = 0.0

    def _reconnect(self, timeout: float) -> None:
        if self.conn is not None:
            self._drop_connection()
        now = time.monotonic()
        if now < self.retry_at:
            time.sleep(min(timeout, self.retry_at - now))
            return
        try:
            conn = self.connector.open()
        except Exception as error:  # noqa: BLE001
            delay = self.connector.backoff.step()
            self.retry_at = time.monotonic() + delay
            LOG.warning("listener: RabbitMQ at %s unreachable (%s); retrying in %.1fs",
                        self.transport.url, error, delay)
            return
        try:
            self._setup(conn)
        except Exception as error:  # noqa: BLE001
            LOG.warning("listener: setting up queues on %s failed (%s)", self.transport.url,
                        error)
            conn.collect()
            self.conn = None
            self.retry_at = time.monotonic() + self.connector.backoff.step()
            return
        LOG.info("listener reconnected to RabbitMQ at %s", self.transport.url)

    def close(self) -> None:
        """Close the connection; the broker requeues whatever was not acknowledged."""
        self.closed = True
        self.pending = []
        if self.conn is not None:
            try:
                self.conn.release()
            except Exception:  # noqa: BLE001
                self.conn.collect()
            self.conn = None
