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
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
import weakref
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import amqp
import kombu

from ..errors import BrokerUnavailable, BufferFull
from ..message import CONTENT_ENCODING, CONTENT_TYPE
from ..url import TransportURL
from .base import (
    Consumer,
    DeadLetter,
    Delivery,
    QueueSpec,
    Transport,
    as_bool,
    as_float,
    as_int,
)

__all__ = ["RabbitTransport", "DEAD_PREFIX"]

LOG = logging.getLogger("carya.notify.rabbit")

DEAD_PREFIX = "carya.dead."
ATTEMPTS = "x-carya-attempts"
_PERSISTENT = 2


def _raw(body: Any) -> bytes:
    """The body as bytes (py-amqp hands out text when a content encoding was given)."""
    if isinstance(body, str):
        return body.encode("utf-8")
    return bytes(body)


class _Stopped(Exception):
    """The transport is closing; stop trying to connect."""


def _kombu_urls(url: TransportURL) -> list[str]:
    vhost = quote(url.virtual_host, safe="")
    hosts = url.hosts or ()
    if not hosts:
        return [f"amqp://guest:guest@localhost:5672/{vhost}"]
    urls = []
    for h in hosts:
        auth = ""
        if h.username is not None:
            auth = quote(h.username, safe="")
            if h.password is not None:
                auth += ":" + quote(h.password, safe="")
            auth += "@"
        host = f"[{h.hostname}]" if ":" in h.hostname else h.hostname
        urls.append(f"amqp://{auth}{host}:{h.port or 5672}/{vhost}")
    return urls


class _Backoff:
    """Exponential backoff: ``start``, ``start*factor``, ... capped at ``cap``."""

    def __init__(self, start: float, factor: float, cap: float):
        self.start, self.factor, self.cap = start, factor, cap
        self.next = start

    def step(self) -> float:
        delay = self.next
        self.next = min(self.cap, self.next * self.factor)
        return delay

    def reset(self) -> None:
        self.next = self.start


def _declare(conn: kombu.Connection, kind: str, name: str, durable: bool,
             auto_delete: bool) -> None:
    """Declare an exchange or queue; if it exists with other settings, use it as it is.

    oslo.messaging services may have created it first with another
    ``amqp_durable_queues``; failing would stop notifications altogether, so
    carya goes on with the existing one and says so.
    """
    channel = conn.channel()
    try:
        if kind == "exchange":
            channel.exchange_declare(name, "topic", durable=durable, auto_delete=auto_delete)
        else:
            channel.queue_declare(name, durable=durable, auto_delete=auto_delete)
    except amqp.exceptions.PreconditionFailed as error:
        LOG.warning("%s %r exists with other settings (%s); using it as it is", kind, name, error)
        channel = conn.channel()  # the broker closed the other one
        if kind == "exchange":
            channel.exchange_declare(name, "topic", passive=True)
        else:
            channel.queue_declare(name, passive=True)
    finally:
        if channel.is_open:
            channel.close()


def _bind(conn: kombu.Connection, queue: str, bindings: Sequence[tuple[str, str]]) -> None:
    channel = conn.channel()
    try:
        for exchange, key in bindings:
            channel.queue_bind(queue, exchange, key)
    finally:
        channel.close()


class _Connector:
    """Opens kombu connections to the URL's hosts, in turn, with backoff."""

    def __init__(self, transport: RabbitTransport):
        self.transport = transport
        opts = transport.options
        self.urls = _kombu_urls(transport.url)
        self.backoff = _Backoff(opts["retry_interval"], opts["retry_backoff"],
                                opts["retry_interval_max"])

    def open(self) -> kombu.Connection:
        """One attempt, on the next host in turn (a failed host goes to the back)."""
        opts = self.transport.options
        conn = kombu.Connection(
            list(self.urls), heartbeat=opts["heartbeat"], connect_timeout=opts["connect_timeout"],
            ssl=opts["ssl"], transport="pyamqp",
        )
        try:
            conn.ensure_connection(max_retries=0, reraise_as_library_errors=False)
        except Exception:
            conn.collect()
            self.urls.append(self.urls.pop(0))
            raise
        self.backoff.reset()
        return conn

    def open_with_retries(self, attempts: int | None, stopping: Callable[[], bool],
                          purpose: str) -> kombu.Connection:
        """Try until connected, ``attempts`` runs out (:class:`BrokerUnavailable`) or stopping."""
        tried = 0
        started = time.monotonic()
        while True:
            if stopping():
                raise _Stopped()
            try:
                return self.open()
            except Exception as error:  # noqa: BLE001 - any failure to connect is retried
                tried += 1
                if attempts is not None and tried >= attempts:
                    raise BrokerUnavailable(
                        f"cannot reach RabbitMQ at {self.transport.url} for the {purpose} "
                        f"({tried} attempt(s) in {time.monotonic() - started:.1f}s): "
                        f"{type(error).__name__}: {error}"
                    ) from None
                delay = self.backoff.step()
                LOG.warning("%s: RabbitMQ at %s unreachable (%s); retrying in %.1fs",
                            purpose, self.transport.url, error, delay)
                _sleep_unless(delay, stopping)


def _sleep_unless(delay: float, stopping: Callable[[], bool]) -> None:
    end = time.monotonic() + delay
    while not stopping():
        left = end - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, 0.1))


# --- publishing -------------------------------------------------------------------


class _Publisher:
    """The background thread that sends buffered bodies with pipelined confirms."""

    def __init__(self, transport: RabbitTransport):
        self.transport = transport
        opts = transport.options
        self.size = opts["buffer_size"]
        self.window = max(1, opts["confirm_window"])
        self.send_timeout = opts["send_timeout"]
        self.cond = threading.Condition()
        self.buffer: deque[tuple[str, str, bytes]] = deque()
        self.inflight: dict[int, tuple[str, str, bytes]] = {}
        self.connected = False
        self.down_since: float | None = None
        self.last_error = ""
        self.closing = False
        self.connector = _Connector(transport)
        self.thread: threading.Thread | None = None

    # called by the application's threads

    def put(self, item: tuple[str, str, bytes]) -> None:
        with self.cond:
            if self.closing:
                raise BufferFull(f"transport {self.transport.url} is closed")
            if len(self.buffer) + len(self.inflight) >= self.size and self.connected:
                self.cond.wait_for(self._has_room, self.send_timeout)
            if len(self.buffer) + len(self.inflight) >= self.size:
                raise BufferFull(self._full_message())
            self.buffer.append(item)
            self.cond.notify_all()

    def _has_room(self) -> bool:
        return len(self.buffer) + len(self.inflight) < self.size or not self.connected

    def _full_message(self) -> str:
        if self.connected:
            state = f"the broker has not confirmed them within {self.send_timeout}s"
        else:
            since = time.strftime("%H:%M:%S", time.localtime(self.down_since or time.time()))
            state = f"not connected since {since}: {self.last_error or 'connecting'}"
        return (f"notification buffer full: {self.size} notifications wait for RabbitMQ at "
                f"{self.transport.url} ({state}); this notification was not accepted. "
                "Restore the broker or raise the transport's buffer_size.")

    def flush(self, timeout: float | None) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: not self.buffer and not self.inflight, timeout)

    def unsent(self) -> int:
        with self.cond:
            return len(self.buffer) + len(self.inflight)

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="carya-notify-publisher",
                                       daemon=True)
        self.thread.start()

    def stop(self, timeout: float | None) -> list[tuple[str, str, bytes]]:
        """Flush up to ``timeout``, stop the thread; what could not be sent."""
        self.flush(timeout)
        with self.cond:
            self.closing = True
            self.cond.notify_all()
        if self.thread is not None:
            self.thread.join(timeout=10)
        with self.cond:
            left = list(self.inflight.values()) + list(self.buffer)
            self.inflight.clear()
            self.buffer.clear()
        return left

    # the publisher thread

    def _stopping(self) -> bool:
        return self.closing

    def _run(self) -> None:
        conn = self.transport.first_connection
        self.transport.first_connection = None
        while not self.closing:
            try:
                if conn is None:
                    conn = self.connector.open_with_retries(None, self._stopping, "publisher")
                self._pump(conn)
            except _Stopped:
                break
            except Exception as error:  # noqa: BLE001 - connection lost: resend, reconnect
                self._lost(error)
            if conn is not None:
                conn.collect()
                conn = None
        if conn is not None:
            conn.release()

    def _lost(self, error: Exception) -> None:
        with self.cond:
            was = self.connected
            self.connected = False
            self.down_since = self.down_since or time.time()
            self.last_error = f"{type(error).__name__}: {error}"
            # unconfirmed messages go back to the head of the buffer, in order
            for tag in sorted(self.inflight, reverse=True):
                self.buffer.appendleft(self.inflight.pop(tag))
            self.cond.notify_all()
        if was:
            LOG.warning("publisher lost RabbitMQ at %s (%s); %d notification(s) kept, "
                        "reconnecting", self.transport.url, self.last_error, len(self.buffer))

    def _pump(self, conn: kombu.Connection) -> None:
        channel = conn.channel()
        channel.confirm_select()
        seq = 0
        declared: set[tuple[str, str]] = set()
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)
        with self.cond:
            self.connected = True
            if self.down_since is not None:
                LOG.info("publisher reconnected to RabbitMQ at %s; sending %d kept "
                         "notification(s)", self.transport.url, len(self.buffer))
            self.down_since = None
            self.cond.notify_all()
        heartbeat = max(1.0, self.transport.options["heartbeat"] / 4) if \
            self.transport.options["heartbeat"] else 5.0
        last_beat = time.monotonic()
        while True:
            with self.cond:
                if not self.buffer and not self.inflight:
                    if self.closing:
                        return
                    self.cond.wait(heartbeat)
                room = self.window - len(self.inflight)
                batch = []
                while self.buffer and room > 0:
                    item = self.buffer.popleft()
                    seq += 1
                    self.inflight[seq] = item
                    batch.append(item)
                    room -= 1
            prepare, publish = channel.prepare_message, channel.basic_publish
            persistent = {"delivery_mode": _PERSISTENT}
            for exchange, routing_key, body in batch:
                if (exchange, routing_key) not in declared:
                    channel = self._declare_route(conn, channel, exchange, routing_key)
                    declared.add((exchange, routing_key))
                msg = prepare(body, content_type=CONTENT_TYPE, content_encoding=CONTENT_ENCODING,
                              properties=persistent)
                publish(msg, exchange=exchange, routing_key=routing_key)
            self._drain_confirms(conn)
            now = time.monotonic()
            if now - last_beat > heartbeat:
                conn.heartbeat_check()
                last_beat = now

    def _declare_route(self, conn: kombu.Connection, channel: Any, exchange: str,
                       routing_key: str) -> Any:
        """Declare the exchange and the default queue (on other channels than ``channel``)."""
        self.transport.declare(conn, exchange)
        if self.transport.options["default_queues"]:
            self.transport.declare_queue(conn, routing_key, ((exchange, routing_key),))
        return channel

    def _drain_confirms(self, conn: kombu.Connection) -> None:
        """Read confirms: without blocking while there is more to send, else until one comes."""
        while True:
            with self.cond:
                if not self.inflight:
                    return
                blocked = len(self.inflight) >= self.window or not self.buffer
            try:
                conn.drain_events(timeout=0.5 if blocked else 0)
            except TimeoutError:
                if not blocked:
                    return
                conn.heartbeat_check()

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        inflight = self.inflight
        with self.cond:
            if multiple:  # tags are in ascending order: confirm from the front
                while inflight:
                    first = next(iter(inflight))
                    if first > delivery_tag:
                        break
                    del inflight[first]
            else:
                inflight.pop(delivery_tag, None)
            self.cond.notify_all()

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        with self.cond:
            tags = [t for t in self.inflight if t <= delivery_tag] if multiple else [delivery_tag]
            for tag in sorted(tags, reverse=True):
                item = self.inflight.pop(tag, None)
                if item is not None:
                    self.buffer.appendleft(item)
            self.cond.notify_all()
        LOG.warning("RabbitMQ refused %d notification(s) (nack); sending them again", len(tags))


# --- consuming --------------------------------------------------------------------


class _RabbitDelivery(Delivery):
    __slots__ = ("_consumer", "_message", "_generation")

    def __init__(self, consumer: _RabbitConsumer, queue: str, message: Any):
        headers = message.headers or {}
        super().__init__(_raw(message.body), int(headers.get(ATTEMPTS, 0) or 0),
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
            headers = {ATTEMPTS: self.attempts, "x-carya-reason": reason[:1000],
                       "x-carya-queue": self.queue, "x-carya-dead-at": time.time(),
                       "x-carya-dead-id": uuid.uuid4().hex}
            dead = self._consumer.transport.declare_dead_queue(self._consumer.conn, self.queue)
            self._consumer.republish(self._message, dead, headers)
            self._message.ack()
        self._settle("dead-letter", move)


class _RabbitConsumer(Consumer):
    def __init__(self, transport: RabbitTransport, queues: Sequence[QueueSpec], prefetch: int):
        self.transport = transport
        self.specs = list(queues)
        self.prefetch = max(1, prefetch)
        self.connector = _Connector(transport)
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
            self.pending.append(_RabbitDelivery(self, queue, message))
        return receive

    def republish(self, message: Any, queue: str, headers: dict) -> None:
        """Send a copy of ``message`` to ``queue`` (default exchange) and wait for the confirm."""
        merged = dict(message.headers or {})
        merged.update(headers)
        props = message.properties
        msg = self.pub_channel.prepare_message(
            message.body, content_type=props.get("content_type", CONTENT_TYPE),
            content_encoding=props.get("content_encoding", CONTENT_ENCODING),
            headers=merged, properties={"delivery_mode": _PERSISTENT})
        self.pub_channel.basic_publish_confirm(
            msg, exchange="", routing_key=queue,
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


# --- the transport ------------------------------------------------------------------

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
        self._lock = threading.Lock()
        self._publisher: _Publisher | None = None
        self.first_connection: kombu.Connection | None = None
        #: notifications that could not be sent before ``close`` gave up on them
        self.unsent: list[tuple[str, str, bytes]] = []
        _transports.add(self)

    def forked(self) -> None:
        """In a child process (a pre-forking server's worker): start afresh.

        The parent's connection and publisher thread are not ours: the socket
        is left alone (closing it would close the parent's), the thread does
        not exist here, and what the parent had buffered is the parent's to
        send. The next ``send`` connects anew.
        """
        self._lock = threading.Lock()
        self._publisher = None
        self.first_connection = None

    def declare(self, conn: kombu.Connection, exchange: str) -> None:
        """Declare the topic exchange ``exchange``."""
        _declare(conn, "exchange", exchange, self.options["durable"], self.options["auto_delete"])

    def declare_queue(self, conn: kombu.Connection, queue: str,
                      bindings: Sequence[tuple[str, str]]) -> None:
        """Declare ``queue`` and bind it by each ``(exchange, routing_key)``."""
        _declare(conn, "queue", queue, self.options["durable"], self.options["auto_delete"])
        _bind(conn, queue, bindings)

    def declare_dead_queue(self, conn: kombu.Connection, queue: str) -> str:
        name = DEAD_PREFIX + queue
        channel = conn.channel()
        try:
            channel.queue_declare(name, durable=True, auto_delete=False)
        finally:
            channel.close()
        return name

    def connect(self, timeout: float | None = None) -> None:
        """Connect now (once); :class:`BrokerUnavailable` names the URL when that fails."""
        with self._lock:
            if self._publisher is not None:
                return
            publisher = _Publisher(self)
            self.first_connection = publisher.connector.open_with_retries(
                self.options["startup_attempts"], lambda: False, "notifier")
            self._publisher = publisher
            publisher.start()

    def _get_publisher(self) -> _Publisher:
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
        return _RabbitConsumer(self, queues, prefetch)

    def _admin(self) -> kombu.Connection:
        return _Connector(self).open_with_retries(
            self.options["startup_attempts"], lambda: False, "admin")

    def dead_letters(self, queue: str, limit: int = 1000) -> list[DeadLetter]:
        out: list[DeadLetter] = []
        with self._admin() as conn:
            channel = conn.channel()
            name = DEAD_PREFIX + queue
            try:
                channel.queue_declare(name, durable=True, auto_delete=False)
                while len(out) < limit:
                    msg = channel.basic_get(name, no_ack=False)
                    if msg is None:
                        break
                    out.append(self._dead_letter(queue, msg))
            finally:
                channel.close()  # nothing acknowledged: everything stays, in order
        return out

    @staticmethod
    def _dead_letter(queue: str, msg: Any) -> DeadLetter:
        headers = msg.headers or {}
        return DeadLetter(
            id=str(headers.get("x-carya-dead-id", msg.delivery_tag)), queue=queue,
            body=_raw(msg.body), reason=str(headers.get("x-carya-reason", "")),
            attempts=int(headers.get(ATTEMPTS, 0) or 0),
            dead_at=headers.get("x-carya-dead-at"))

    def replay(self, queue: str, ids: Sequence[str] | None = None) -> int:
        count = 0
        with self._admin() as conn:
            channel = conn.channel()
            channel.confirm_select()
            name = DEAD_PREFIX + queue
            try:
                channel.queue_declare(name, durable=True, auto_delete=False)
                while True:
                    msg = channel.basic_get(name, no_ack=False)
                    if msg is None:
                        break
                    letter = self._dead_letter(queue, msg)
                    if ids is not None and letter.id not in ids:
                        continue
                    copy = channel.prepare_message(
                        msg.body, content_type=CONTENT_TYPE, content_encoding=CONTENT_ENCODING,
                        headers={}, properties={"delivery_mode": _PERSISTENT})
                    channel.basic_publish_confirm(copy, exchange="", routing_key=queue)
                    channel.basic_ack(msg.delivery_tag)
                    count += 1
            finally:
                channel.close()
        return count

    def _queue_op(self, queue: str, op: Callable[[Any], int]) -> int:
        with self._admin() as conn:
            channel = conn.channel()
            try:
                return op(channel)
            except amqp.exceptions.NotFound:
                return 0
            finally:
                if channel.is_open:
                    channel.close()

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


TRANSPORT = RabbitTransport
