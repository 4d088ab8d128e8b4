"""What every transport provides: publish, consume with acknowledgements, dead letters.

The broker model is RabbitMQ's, because that is what oslo.messaging's
notifications use: a publisher sends a body to an *exchange* with a *routing
key* (``<topic>.<priority>``); queues bound to that key each get a copy;
consumers of one queue share its messages. Publishing also creates the
default queue named after the routing key, as oslo's rabbit driver does, so
notifications sent before any listener exists are kept for it.

A consumer takes :class:`Delivery` objects and settles each exactly one way:
``ack`` (done), ``requeue`` (try again, not counted), ``retry`` (a failed
attempt, counted) or ``dead_letter`` (kept aside, inspectable, replayable).
Anything not settled when a consumer closes or dies goes back to its queue.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import TransportURLError
from ..url import TransportURL

__all__ = [
    "Transport",
    "Consumer",
    "Delivery",
    "DeadLetter",
    "QueueSpec",
    "as_bool",
    "as_int",
    "as_float",
]

LOG = logging.getLogger("carya.notify.transport")


@dataclass(frozen=True)
class QueueSpec:
    """A queue to consume and its bindings, ``(exchange, routing_key)`` pairs."""

    name: str
    bindings: tuple[tuple[str, str], ...]

    @property
    def exchanges(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(exchange for exchange, _ in self.bindings))


@dataclass(frozen=True)
class DeadLetter:
    """A message that was set aside; ``id`` is what :meth:`Transport.replay` takes."""

    id: str
    queue: str
    body: bytes
    reason: str
    attempts: int
    dead_at: float | None = None


class Delivery(ABC):
    """One message handed to a consumer, waiting to be settled."""

    __slots__ = ("body", "attempts", "redelivered", "queue")

    def __init__(self, body: bytes, attempts: int, redelivered: bool, queue: str):
        self.body = body
        #: failed handling attempts recorded before this one
        self.attempts = attempts
        #: True when the message was handed out before and not settled
        self.redelivered = redelivered
        self.queue = queue

    @abstractmethod
    def ack(self) -> None:
        """Handled: remove it from the queue."""

    @abstractmethod
    def requeue(self) -> None:
        """Put it back unchanged (the endpoint asked for it)."""

    @abstractmethod
    def retry(self) -> None:
        """Count a failed attempt and put it back."""

    @abstractmethod
    def dead_letter(self, reason: str) -> None:
        """Move it to the queue's dead letters, with the reason."""


class Consumer(ABC):
    """Takes messages from one or more queues for one thread."""

    @abstractmethod
    def poll(self, timeout: float) -> list[Delivery]:
        """Wait up to ``timeout`` seconds for messages; ``[]`` when none came."""

    @abstractmethod
    def close(self) -> None:
        """Stop consuming; messages handed out and not settled go back to their queue."""


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"{value!r} is not a boolean (true/false)")


def as_int(value: Any) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(f"{value!r} is negative")
    return number


def as_float(value: Any) -> float:
    number = float(value)
    if number < 0:
        raise ValueError(f"{value!r} is negative")
    return number


class Transport(ABC):
    """A connection to a message bus, shared by the notifiers and listeners of a process.

    Subclasses declare ``OPTIONS`` (name -> converter, with ``DEFAULTS``); the
    values come from the URL's query string and from keyword arguments, and
    an unknown or malformed option is an error that names it.
    """

    OPTIONS: Mapping[str, Callable[[Any], Any]] = {"exchange": str}
    DEFAULTS: Mapping[str, Any] = {"exchange": "openstack"}

    def __init__(self, url: TransportURL, options: Mapping[str, Any] | None = None):
        self.url = url
        self.options = self._options(url, options or {})
        #: the exchange used when a target names none (oslo's ``control_exchange``)
        self.default_exchange: str = self.options["exchange"]

    def _options(self, url: TransportURL, given: Mapping[str, Any]) -> dict[str, Any]:
        values = dict(self.DEFAULTS)
        for source, items in (("URL", url.query), ("option", given)):
            for key, raw in items.items():
                name = self.ALIASES.get(key, key)
                convert = self.OPTIONS.get(name)
                if convert is None:
                    known = ", ".join(sorted(self.OPTIONS))
                    raise TransportURLError(
                        f"transport {url}: unknown {source} {key!r} for the "
                        f"{url.transport} transport (known: {known})"
                    )
                try:
                    values[name] = convert(raw)
                except (TypeError, ValueError) as error:
                    raise TransportURLError(
                        f"transport {url}: {source} {key}={raw!r} is invalid: {error}"
                    ) from None
        return values

    #: other spellings accepted for options (oslo.messaging's names)
    ALIASES: Mapping[str, str] = {"control_exchange": "exchange"}

    def connect(self, timeout: float | None = None) -> None:  # noqa: B027 - optional hook
        """Check the bus is reachable now; raise :class:`BrokerUnavailable` if not."""

    @abstractmethod
    def send(self, exchange: str, routing_key: str, body: bytes) -> None:
        """Publish one body; raise rather than lose it."""

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything sent so far is safely on the bus; False on timeout."""
        return True

    @abstractmethod
    def consumer(self, queues: Sequence[QueueSpec], prefetch: int = 64) -> Consumer:
        """Declare ``queues`` with their bindings and start taking messages from them."""

    @abstractmethod
    def dead_letters(self, queue: str, limit: int = 1000) -> list[DeadLetter]:
        """The dead letters of ``queue``, oldest first (they stay where they are)."""

    @abstractmethod
    def replay(self, queue: str, ids: Sequence[str] | None = None) -> int:
        """Put dead letters of ``queue`` (all, or those in ``ids``) back in it; how many."""

    @abstractmethod
    def pending(self, queue: str) -> int:
        """How many messages wait in ``queue`` (not counting those handed out)."""

    @abstractmethod
    def purge(self, queue: str) -> int:
        """Delete the waiting messages of ``queue``; how many."""

    def close(self, timeout: float | None = 10.0) -> None:  # noqa: B027 - optional hook
        """Flush (up to ``timeout``) and release connections and threads."""

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}>"
