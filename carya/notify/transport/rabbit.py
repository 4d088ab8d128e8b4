"""``rabbit://``: RabbitMQ through kombu, laid out the way oslo.messaging lays it out.

Wire compatibility with oslo.messaging's rabbit driver:

* notifications go to the topic exchange named by ``exchange`` (oslo's
  ``control_exchange``, default ``openstack``) with routing key
  ``<topic>.<priority>``; publishing declares the default queue of that name
  bound to that key (oslo does the same, so nothing is lost before a
  listener exists);
* a listener consumes queue ``<topic>.<priority>``, or, in a pool, the queue
  named after the pool bound to every ``<topic>.<priority>`` it wants;
* exchanges and queues are durable only when configured (``durable=true``,
  oslo's ``amqp_durable_queues``); when one already exists with the other
  setting, carya uses it as it is rather than fail, and says so once;
* bodies are ``application/json``, UTF-8, persistent (delivery mode 2).

What carya adds:

* **Publisher confirms, pipelined.** ``send`` hands the body to a bounded
  local buffer and returns; one publisher thread per transport sends with up
  to ``confirm_window`` messages awaiting the broker's confirm. A message
  leaves the buffer only when confirmed; nacked or unconfirmed messages (the
  connection dropped) are sent again, so a consumer may see a duplicate,
  never a gap. ``flush()`` waits for all confirms.
* **Reconnect with backoff**, through every host of a cluster URL in turn.
  While the broker is away, ``send`` keeps accepting until ``buffer_size``
  messages wait; past that it raises :class:`BufferFull` (the caller keeps
  the message).
* **Retries and dead letters** for consumers: a failed message is published
  again to its own queue (through the default exchange, so no other queue
  gets a copy) with header ``x-carya-attempts``, and after the last attempt
  to the durable queue ``carya.dead.<queue>``; the original is acknowledged
  only after the broker confirmed the copy.

The parts, one module each: :mod:`.rabbit_connection` (reaching the broker:
hosts in turn, backoff), :mod:`.rabbit_layout` (the exchanges, queues, headers
and persistent copies every part agrees on), :mod:`.rabbit_publisher` (the
bounded buffer and its confirm-pipelining thread), :mod:`.rabbit_consumer`
(deliveries and their settlement). This module is the :class:`RabbitTransport`
that ties them together, its options and its dead-letter and queue
administration; the transport registry finds it here by the URL scheme.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import Any

import amqp
import kombu

from ..url import TransportURL
from . import rabbit_layout as layout
from .base import (
    Consumer,
    DeadLetter,
    QueueSpec,
    Transport,
    as_bool,
    as_float,
    as_int,
)
from .rabbit_connection import Connector
from .rabbit_consumer import RabbitConsumer
from .rabbit_layout import ATTEMPTS as ATTEMPTS  # importable here, as before
from .rabbit_layout import DEAD_PREFIX
from .rabbit_publisher import Publisher

__all__ = ["RabbitTransport", "DEAD_PREFIX"]

LOG = logging.getLogger("carya.notify.rabbit")


# --- forked workers start afresh ----------------------------------------------------

_transports: weakref.WeakSet = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for transport in list(_transports):
        transport.forked()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class RabbitTransport(Transport):
    """RabbitMQ via kombu (see the module docstring for what it guarantees)."""

    OPTIONS = {
        "exchange": str,
        "durable": as_bool,
        "auto_delete": as_bool,
        "buffer_size": as_int,
        "confirm_window": as_int,
        "confirm_timeout": as_float,
        "send_timeout": as_float,
        "connect_timeout": as_float,
        "heartbeat": as_int,
        "retry_interval": as_float,
        "retry_backoff": as_float,
        "retry_interval_max": as_float,
        "startup_attempts": as_int,
        "ssl": as_bool,
        "default_queues": as_bool,
    }
    DEFAULTS = {
        "exchange": "openstack",
        "durable": False,
        "auto_delete": False,
        "buffer_size": 10000,
        "confirm_window": 1000,
        "confirm_timeout": 30.0,
        "send_timeout": 10.0,
        "connect_timeout": 5.0,
        "heartbeat": 60,
        "retry_interval": 0.5,
        "retry_backoff": 2.0,
        "retry_interval_max": 10.0,
        "startup_attempts": 2,
        "ssl": False,
        "default_queues": True,
    }
    ALIASES = {
        "control_exchange": "exchange",
        "amqp_durable_queues": "durable",
        "amqp_auto_delete": "auto_delete",
        "heartbeat_timeout_threshold": "heartbeat",
        "rabbit_retry_interval": "retry_interval",
        "rabbit_retry_backoff": "retry_backoff",
        "rabbit_interval_max": "retry_interval_max",
    }

    def __init__(self, url: TransportURL, options: Mapping[str, Any] | None = None):
        super().__init__(url, options)
        self._start_afresh()
        #: notifications that could not be sent before ``close`` gave up on them
        self.unsent: list[tuple[str, str, bytes]] = []
        _transports.add(self)

    def _start_afresh(self) -> None:
        """No connection, no publisher: the next ``send`` (or ``connect``) makes them."""
        self._lock = threading.Lock()
        self._publisher: Publisher | None = None
        self.first_connection: kombu.Connection | None = None

    def forked(self) -> None:
        """In a child process (a pre-forking server's worker): start afresh.

        The parent's connection and publisher thread are not ours: the socket
        is left alone (closing it would close the parent's), the thread does
        not exist here, and what the parent had buffered is the parent's to
        send. The next ``send`` connects anew.
        """
        self._start_afresh()

    def declare(self, conn: kombu.Connection, exchange: str) -> None:
        """Declare the topic exchange ``exchange``."""
        layout.declare(conn, "exchange", exchange, self.options["durable"],
                       self.options["auto_delete"])

    def declare_queue(self, conn: kombu.Connection, queue: str,
                      bindings: Sequence[tuple[str, str]]) -> None:
        """Declare ``queue`` and bind it by each ``(exchange, routing_key)``."""
        layout.declare(conn, "queue", queue, self.options["durable"], self.options["auto_delete"])
        layout.bind(conn, queue, bindings)

    def declare_dead_queue(self, conn: kombu.Connection, queue: str) -> str:
        with layout.open_channel(conn) as channel:
            return layout.declare_dead(channel, queue)

    def connect(self, timeout: float | None = None) -> None:
        """Connect now (once); :class:`BrokerUnavailable` names the URL when that fails."""
        with self._lock:
            if self._publisher is not None:
                return
            publisher = Publisher(self)
            self.first_connection = publisher.connector.open_with_retries(
                self.options["startup_attempts"], lambda: False, "notifier")
            self._publisher = publisher
            publisher.start()

    def _get_publisher(self) -> Publisher:
        publisher = self._publisher
        if publisher is None:
            self.connect()
            publisher = self._publisher
        return publisher

    def send(self, exchange: str, routing_key: str, body: bytes) -> None:
        self._get_publisher().put((exchange, routing_key, body))

    def flush(self, timeout: float | None = None) -> bool:
        publisher = self._publisher
        return True if publisher is None else publisher.flush(timeout)

    @property
    def buffered(self) -> int:
        """Notifications accepted and not yet confirmed by the broker."""
        publisher = self._publisher
        return 0 if publisher is None else publisher.unsent()

    def consumer(self, queues: Sequence[QueueSpec], prefetch: int = 64) -> Consumer:
        return RabbitConsumer(self, queues, prefetch)

    # --- dead letters and queue administration, each on a short-lived connection ----

    def _admin(self) -> kombu.Connection:
        return Connector(self).open_with_retries(
            self.options["startup_attempts"], lambda: False, "admin")

    @contextmanager
    def _dead_queue(self, queue: str, confirms: bool = False) -> Iterator[tuple[Any, str]]:
        """An admin channel and the name of ``queue``'s dead-letter queue, declared on it.

        Leaving closes the channel, and the broker puts back every message
        taken and not acknowledged, in its order.
        """
        with self._admin() as conn, layout.open_channel(conn) as channel:
            if confirms:
                channel.confirm_select()
            yield channel, layout.declare_dead(channel, queue)

    def dead_letters(self, queue: str, limit: int = 1000) -> list[DeadLetter]:
        with self._dead_queue(queue) as (channel, name):
            taken = islice(_take_all(channel, name), max(limit, 0))
            return [layout.dead_letter_of(queue, msg) for msg in taken]  # nothing acknowledged

    def replay(self, queue: str, ids: Sequence[str] | None = None) -> int:
        count = 0
        with self._dead_queue(queue, confirms=True) as (channel, name):
            for msg in _take_all(channel, name):
                letter = layout.dead_letter_of(queue, msg)
                if ids is not None and letter.id not in ids:
                    continue
                layout.publish_copy(channel, msg.body, queue, {})
                channel.basic_ack(msg.delivery_tag)
                count += 1
        return count

    def _queue_op(self, queue: str, op: Callable[[Any], int]) -> int:
        with self._admin() as conn, layout.open_channel(conn) as channel:
            try:
                return op(channel)
            except amqp.exceptions.NotFound:
                return 0

    def pending(self, queue: str) -> int:
        return self._queue_op(queue, lambda ch: ch.queue_declare(queue, passive=True)[1])

    def purge(self, queue: str) -> int:
        return self._queue_op(queue, lambda ch: ch.queue_purge(queue) or 0)

    def close(self, timeout: float | None = 10.0) -> None:
        with self._lock:
            publisher, self._publisher = self._publisher, None
        if publisher is None:
            return
        left = publisher.stop(timeout)
        if left:
            self.unsent.extend(left)
            LOG.error("transport %s closed with %d notification(s) the broker never confirmed; "
                      "they are in transport.unsent", self.url, len(left))


def _take_all(channel: Any, queue: str) -> Iterator[Any]:
    """Messages taken from ``queue`` one at a time, unacknowledged, until it is empty."""
    while True:
        msg = channel.basic_get(queue, no_ack=False)
        if msg is None:
            return
        yield msg


TRANSPORT = RabbitTransport
