"""The Listener: consume notifications and call endpoints, at least once.

``Listener(transport, targets, endpoints, pool=None)`` works like
oslo.messaging's notification listener: endpoint methods are named by
priority (``info``, ``error``, ...) and called as ``(ctxt, publisher_id,
event_type, payload, metadata)``; an endpoint may carry a ``filter_rule``
(:class:`~carya.notify.filter.NotificationFilter`); listeners in one ``pool``
share the messages, each pool gets its own copy.

Delivery, message by message:

* decoded, dispatched to every matching endpoint method, then acknowledged —
  only after the endpoints return, so a crash mid-way means it comes again;
* an endpoint returning :data:`REQUEUE` puts it back as it is;
* an endpoint raising is logged; the message is retried ``max_retries``
  times, then dead-lettered (kept, see :meth:`Listener.dead_letters` and
  :meth:`Listener.replay_dead_letters`);
* a message that cannot be decoded is dead-lettered at once, with a log line
  that says why;
* ``stop()`` lets the message in hand finish; what was fetched and not
  started goes back to the queue.

Nothing is dropped silently, so a consumer can see a message twice; the
:mod:`~carya.notify.dedup` helper skips what was already handled.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import UndecodableMessage
from .message import PRIORITIES, Notification, decode
from .transport import DeadLetter, Delivery, QueueSpec, Transport, get_transport
from .url import TransportURL

__all__ = ["Listener", "Target", "REQUEUE", "HANDLED", "queues_for"]

LOG = logging.getLogger("carya.notify.listener")

#: Return this from an endpoint method to have the message delivered again.
REQUEUE = "requeue"
#: What a handled message counts as (returning ``None`` is the same).
HANDLED = "handled"


@dataclass(frozen=True)
class Target:
    """Where notifications are published: a topic on an exchange (``None``: the default)."""

    topic: str
    exchange: str | None = None


def _targets(targets: Iterable[Target | str | Any]) -> list[Target]:
    out = []
    for t in targets:
        if isinstance(t, str):
            out.append(Target(t))
        elif isinstance(t, Target):
            out.append(t)
        elif getattr(t, "topic", None):  # oslo_messaging.Target
            out.append(Target(t.topic, getattr(t, "exchange", None)))
        else:
            raise ValueError(f"a listener target is a topic name or a Target, not {t!r}")
    if not out:
        raise ValueError("a listener needs at least one target")
    return out


def queues_for(targets: Sequence[Target], priorities: Iterable[str], pool: str | None,
               default_exchange: str) -> list[QueueSpec]:
    """The queues a listener consumes, named as oslo.messaging's rabbit driver names them.

    Without a pool: one queue ``<topic>.<priority>`` per target and priority.
    In a pool: one queue named after the pool, bound to all of those keys.
    """
    bindings = [(t.exchange or default_exchange, f"{t.topic}.{p}")
                for t in targets for p in priorities]
    if pool:
        return [QueueSpec(pool, tuple(dict.fromkeys(bindings)))]
    return [QueueSpec(key, ((exchange, key),)) for exchange, key in dict.fromkeys(bindings)]


Callback = Callable[[Any, Any, Any, Any, Any], Any]


def _callbacks(endpoints: Sequence[Any]) -> dict[str, list[tuple[Any, Callback]]]:
    """Priority -> [(filter_rule, bound method)], found once."""
    table: dict[str, list[tuple[Any, Callback]]] = {}
    for endpoint in endpoints:
        rule = getattr(endpoint, "filter_rule", None)
        for priority in PRIORITIES:
            method = getattr(endpoint, priority, None)
            if method is None and priority == "warn":
                method = getattr(endpoint, "warning", None)
            if callable(method):
                table.setdefault(priority, []).append((rule, method))
    if not table:
        names = ", ".join(type(e).__name__ for e in endpoints) or "none given"
        raise ValueError(f"no endpoint has a method named after a priority "
                         f"({', '.join(PRIORITIES)}): {names}")
    return table


class Listener:
    """Consume ``targets`` and dispatch to ``endpoints`` on a thread of its own."""

    def __init__(self, transport: Transport | str | TransportURL | None,
                 targets: Iterable[Target | str | Any], endpoints: Sequence[Any],
                 pool: str | None = None, *, max_retries: int = 3, prefetch: int = 64,
                 poll_interval: float = 0.2):
        if not isinstance(transport, Transport):
            transport = get_transport(transport)
        self.transport = transport
        self.targets = _targets(targets)
        self.endpoints = list(endpoints)
        self.pool = pool
        self.max_retries = max_retries
        self.prefetch = prefetch
        self.poll_interval = poll_interval
        self._callbacks = _callbacks(self.endpoints)
        self.queues = queues_for(self.targets, self._callbacks, pool, transport.default_exchange)
        self.stats = dict.fromkeys(
            ("received", "handled", "filtered", "requeued", "retried", "dead_lettered"), 0)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._consumer: Any = None

    @property
    def name(self) -> str:
        return self.pool or ",".join(q.name for q in self.queues)

    # --- life cycle -------------------------------------------------------------

    def start(self) -> Listener:
        """Declare the queues and start consuming; a broker that is down raises here."""
        if self._thread is not None:
            raise RuntimeError(f"listener {self.name} is already started")
        self._stopping.clear()
        self._consumer = self.transport.consumer(self.queues, self.prefetch)
        self._thread = threading.Thread(target=self._run, name=f"carya-listener-{self.name}",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the listener to stop after the message in hand; returns at once."""
        self._stopping.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end after :meth:`stop`; False if still running."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        if thread.is_alive():
            return False
        self._thread = None
        return True

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> Listener:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
        self.wait(30)

    # --- the loop ---------------------------------------------------------------

    def _run(self) -> None:
        consumer = self._consumer
        try:
            while not self._stopping.is_set():
                try:
                    deliveries = consumer.poll(self.poll_interval)
                except Exception:  # noqa: BLE001 - keep consuming; the transport recovers
                    LOG.exception("listener %s: polling failed; trying again", self.name)
                    time.sleep(min(1.0, self.poll_interval * 5))
                    continue
                for delivery in deliveries:
                    if self._stopping.is_set():
                        break  # the rest go back to the queue when the consumer closes
                    try:
                        self.handle(delivery)
                    except Exception:  # noqa: BLE001 - settling failed: it will come again
                        LOG.exception("listener %s: could not settle a message from %s; it "
                                      "stays in its queue and will be delivered again",
                                      self.name, delivery.queue)
        finally:
            try:
                consumer.close()
            except Exception:  # noqa: BLE001
                LOG.exception("listener %s: closing the consumer failed", self.name)

    def handle(self, delivery: Delivery) -> str:
        """Decode, dispatch and settle one delivery; returns what was done with it."""
        self.stats["received"] += 1
        try:
            note = decode(delivery.body)
        except UndecodableMessage as error:
            LOG.error("listener %s: undecodable message on queue %s dead-lettered: %s "
                      "(first bytes: %r)", self.name, delivery.queue, error, delivery.body[:80])
            return self._settle(delivery, "dead_lettered", f"undecodable: {error}")
        try:
            outcome = self.dispatch(note)
        except Exception as error:  # noqa: BLE001 - an endpoint failed: retry, then dead-letter
            return self._failed(delivery, note, error)
        if outcome == REQUEUE:
            return self._settle(delivery, "requeued")
        return self._settle(delivery, outcome)

    def dispatch(self, note: Notification) -> str:
        """Call each matching endpoint method; ``REQUEUE`` from one stops the others."""
        callbacks = self._callbacks.get(note.priority)
        if not callbacks:
            return "filtered"
        called = False
        ctxt, metadata = note.context, note.metadata
        for rule, method in callbacks:
            if rule is not None and not rule.match(ctxt, note.publisher_id, note.event_type,
                                                   metadata, note.payload):
                continue
            called = True
            if method(ctxt, note.publisher_id, note.event_type, note.payload, metadata) \
                    == REQUEUE:
                return REQUEUE
        return "handled" if called else "filtered"

    def _failed(self, delivery: Delivery, note: Notification, error: Exception) -> str:
        attempt = delivery.attempts + 1
        if attempt > self.max_retries:
            LOG.error("listener %s: %s (%s) failed %d time(s), dead-lettered: %s: %s",
                      self.name, note.event_type, note.message_id, attempt,
                      type(error).__name__, error, exc_info=error)
            return self._settle(delivery, "dead_lettered",
                                f"{type(error).__name__}: {error} (after {attempt} attempts)")
        LOG.warning("listener %s: %s (%s) failed (attempt %d of %d), will retry: %s: %s",
                    self.name, note.event_type, note.message_id, attempt,
                    self.max_retries + 1, type(error).__name__, error, exc_info=error)
        return self._settle(delivery, "retried")

    def _settle(self, delivery: Delivery, outcome: str, reason: str = "") -> str:
        if outcome == "dead_lettered":
            delivery.dead_letter(reason)
        elif outcome == "retried":
            delivery.retry()
        elif outcome == "requeued":
            delivery.requeue()
        else:
            delivery.ack()
        self.stats[outcome] += 1
        return outcome

    # --- dead letters -----------------------------------------------------------

    def dead_letters(self, limit: int = 1000) -> list[DeadLetter]:
        """The dead letters of this listener's queues (left in place)."""
        out: list[DeadLetter] = []
        for name in dict.fromkeys(q.name for q in self.queues):
            out += self.transport.dead_letters(name, limit)
        return out

    def replay_dead_letters(self, ids: Sequence[str] | None = None) -> int:
        """Put dead letters back in their queues for another try; how many."""
        return sum(self.transport.replay(name, ids)
                   for name in dict.fromkeys(q.name for q in self.queues))

    def __repr__(self) -> str:
        return f"<Listener {self.name} on {self.transport!r}>"
