"""Publishing to RabbitMQ: a bounded buffer drained by one thread with pipelined confirms.

``send`` must not wait for the network: an API request that emits a
notification should not slow down with the broker, nor fail while the broker
restarts. So the application's threads only append to a bounded buffer, and
one publisher thread per transport sends from it with up to
``confirm_window`` messages awaiting the broker's confirm. A message leaves
carya only once confirmed: a nack, or a connection lost before the confirm,
puts it back at the head of the buffer in its original order, so a consumer
may see a duplicate, never a gap. While the broker is away the thread
reconnects with backoff and the buffer keeps accepting until ``buffer_size``
messages wait; then :class:`~carya.notify.errors.BufferFull` says why and the
caller keeps the message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import kombu

from ..errors import BufferFull
from ..message import CONTENT_ENCODING, CONTENT_TYPE
from .rabbit_connection import Connector, Stopped
from .rabbit_layout import PERSISTENT

if TYPE_CHECKING:
    from .rabbit import RabbitTransport

__all__ = ["Publisher"]

LOG = logging.getLogger("carya.notify.rabbit")  # one logger for the whole rabbit transport


class Publisher:
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
        self.connector = Connector(transport)
        self.thread: threading.Thread | None = None

    # called by the application's threads

    def put(self, item: tuple[str, str, bytes]) -> None:
        with self.cond:
            if self.closing:
                raise BufferFull(f"transport {self.transport.url} is closed")
            if self._held() >= self.size and self.connected:
                self.cond.wait_for(self._has_room, self.send_timeout)
            if self._held() >= self.size:
                raise BufferFull(self._full_message())
            self.buffer.append(item)
            self.cond.notify_all()

    def _held(self) -> int:
        """Messages accepted and not yet confirmed: buffered plus in flight."""
        return len(self.buffer) + len(self.inflight)

    def _has_room(self) -> bool:
        return self._held() < self.size or not self.connected

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
            return self._held()

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
            except Stopped:
                break
            except Exception as error:  # noqa: BLE001 - connection lost: resend, reconnect
                self._lost(error)
            if conn is not None:
                conn.collect()
                conn = None
        if conn is not None:
            conn.release()

    def _give_back(self, tags: Iterable[int]) -> None:
        """Put the unconfirmed messages ``tags`` back at the head of the buffer, in order.

        The caller holds ``cond``.
        """
        for tag in sorted(tags, reverse=True):
            item = self.inflight.pop(tag, None)
            if item is not None:
                self.buffer.appendleft(item)

    def _lost(self, error: Exception) -> None:
        with self.cond:
            was = self.connected
            self.connected = False
            self.down_since = self.down_since or time.time()
            self.last_error = f"{type(error).__name__}: {error}"
            self._give_back(list(self.inflight))
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
            persistent = {"delivery_mode": PERSISTENT}
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
            self._give_back(tags)
            self.cond.notify_all()
        LOG.warning("RabbitMQ refused %d notification(s) (nack); sending them again", len(tags))
