"""``memory://name``: an in-process bus for tests.

Every transport opened on the same name in one process shares one bus, so a
test's notifier and listener meet without any server. It keeps the broker
semantics of the others (bindings, default queues, competing consumers,
requeue, dead letters) so code tested on it behaves the same on RabbitMQ.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

from ..url import TransportURL
from .base import Consumer, DeadLetter, Delivery, QueueSpec, Transport

__all__ = ["MemoryTransport", "Bus", "bus"]


class _Message:
    __slots__ = ("id", "body", "attempts", "redelivered")

    def __init__(self, id: int, body: bytes, attempts: int = 0):
        self.id = id
        self.body = body
        self.attempts = attempts
        self.redelivered = False


class _Queue:
    __slots__ = ("waiting", "out", "dead")

    def __init__(self) -> None:
        self.waiting: deque[_Message] = deque()
        self.out: dict[int, _Message] = {}
        self.dead: list[DeadLetter] = []


class Bus:
    """Queues and bindings of one named in-process bus (one lock for all)."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.bindings: dict[tuple[str, str], list[str]] = {}
        self.queues: dict[str, _Queue] = {}
        self.ids = itertools.count(1)

    def bind(self, queue: str, exchange: str, routing_key: str) -> None:
        self.queues.setdefault(queue, _Queue())
        names = self.bindings.setdefault((exchange, routing_key), [])
        if queue not in names:
            names.append(queue)

    def publish(self, exchange: str, routing_key: str, body: bytes) -> None:
        with self.cond:
            if (exchange, routing_key) not in self.bindings:
                self.bind(routing_key, exchange, routing_key)
            for name in self.bindings[(exchange, routing_key)]:
                self.queues[name].waiting.append(_Message(next(self.ids), body))
            self.cond.notify_all()


_buses: dict[str, Bus] = {}
_buses_lock = threading.Lock()


def bus(name: str = "default") -> Bus:
    """The bus called ``name`` in this process (created on first use)."""
    with _buses_lock:
        found = _buses.get(name)
        if found is None:
            found = _buses[name] = Bus()
        return found


class _MemoryDelivery(Delivery):
    __slots__ = ("_consumer", "_message")

    def __init__(self, consumer: _MemoryConsumer, queue: str, message: _Message):
        super().__init__(message.body, message.attempts, message.redelivered, queue)
        self._consumer = consumer
        self._message = message

    def _take_back(self) -> _Queue | None:
        self._consumer.held.pop(self._message.id, None)
        q = self._consumer.bus.queues[self.queue]
        return q if q.out.pop(self._message.id, None) is not None else None

    def ack(self) -> None:
        with self._consumer.bus.cond:
            self._take_back()

    def requeue(self) -> None:
        with self._consumer.bus.cond:
            q = self._take_back()
            if q is not None:
                self._message.redelivered = True
                q.waiting.appendleft(self._message)
                self._consumer.bus.cond.notify_all()

    def retry(self) -> None:
        with self._consumer.bus.cond:
            q = self._take_back()
            if q is not None:
                self._message.attempts += 1
                self._message.redelivered = True
                q.waiting.append(self._message)
                self._consumer.bus.cond.notify_all()

    def dead_letter(self, reason: str) -> None:
        with self._consumer.bus.cond:
            q = self._take_back()
            if q is not None:
                m = self._message
                q.dead.append(DeadLetter(str(m.id), self.queue, m.body, reason,
                                         m.attempts, time.time()))


class _MemoryConsumer(Consumer):
    def __init__(self, bus: Bus, queues: Sequence[QueueSpec], prefetch: int):
        self.bus = bus
        self.names = [q.name for q in queues]
        self.prefetch = max(1, prefetch)
        self.closed = False
        self.held: dict[int, tuple[str, _Message]] = {}
        with bus.cond:
            for spec in queues:
                bus.queues.setdefault(spec.name, _Queue())
                for exchange, key in spec.bindings:
                    bus.bind(spec.name, exchange, key)

    def poll(self, timeout: float) -> list[Delivery]:
        bus = self.bus
        deadline = time.monotonic() + timeout
        with bus.cond:
            while True:
                taken = self._take()
                if taken or self.closed:
                    return taken
                left = deadline - time.monotonic()
                if left <= 0:
                    return []
                bus.cond.wait(left)

    def _take(self) -> list[Delivery]:
        out: list[Delivery] = []
        for name in self.names:
            q = self.bus.queues[name]
            while q.waiting and len(out) < self.prefetch:
                m = q.waiting.popleft()
                q.out[m.id] = m
                self.held[m.id] = (name, m)
                out.append(_MemoryDelivery(self, name, m))
        return out

    def close(self) -> None:
        """Unsettled deliveries of this bus go back to the head of their queues."""
        with self.bus.cond:
            self.closed = True
            for name, m in reversed(list(self.held.values())):
                q = self.bus.queues[name]
                if q.out.pop(m.id, None) is not None:
                    m.redelivered = True
                    q.waiting.appendleft(m)
            self.held.clear()
            self.bus.cond.notify_all()


class MemoryTransport(Transport):
    """``memory://name`` (``fake://`` too, oslo's spelling for its test driver)."""

    def __init__(self, url: TransportURL, options: Mapping[str, Any] | None = None):
        super().__init__(url, options)
        self.bus = bus(url.path.strip("/") or "default")

    def send(self, exchange: str, routing_key: str, body: bytes) -> None:
        self.bus.publish(exchange, routing_key, body)

    def consumer(self, queues: Sequence[QueueSpec], prefetch: int = 64) -> Consumer:
        return _MemoryConsumer(self.bus, queues, prefetch)

    def _queue(self, queue: str) -> _Queue:
        return self.bus.queues.get(queue) or _Queue()

    def dead_letters(self, queue: str, limit: int = 1000) -> list[DeadLetter]:
        with self.bus.cond:
            return list(self._queue(queue).dead[:limit])

    def replay(self, queue: str, ids: Sequence[str] | None = None) -> int:
        with self.bus.cond:
            q = self.bus.queues.get(queue)
            if q is None:
                return 0
            chosen = [d for d in q.dead if ids is None or d.id in ids]
            q.dead = [d for d in q.dead if d not in chosen]
            for d in chosen:
                q.waiting.append(_Message(next(self.bus.ids), d.body))
            self.bus.cond.notify_all()
            return len(chosen)

    def pending(self, queue: str) -> int:
        with self.bus.cond:
            return len(self._queue(queue).waiting)

    def purge(self, queue: str) -> int:
        with self.bus.cond:
            q = self._queue(queue)
            count = len(q.waiting)
            q.waiting.clear()
            return count


TRANSPORT = MemoryTransport
