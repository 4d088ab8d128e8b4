"""Reaching RabbitMQ: kombu connections to every host of a cluster URL, with backoff.

The publisher thread, each consumer and the admin operations of
:class:`~carya.notify.transport.rabbit.RabbitTransport` all connect the same
way, so the rules live here once: hosts are tried in turn (a host that failed
goes to the back of the list), waits between attempts grow exponentially up to
a cap and reset after a success, and a wait ends early when its owner is
closing. A caller either makes one attempt (:meth:`Connector.open`, for loops
that must not block, like a consumer's ``poll``) or keeps trying
(:meth:`Connector.open_with_retries`), optionally for a bounded number of
attempts, after which :class:`~carya.notify.errors.BrokerUnavailable` names the
URL (never its password), the purpose and how long it tried.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import quote

import kombu

from ..errors import BrokerUnavailable
from ..url import TransportURL

if TYPE_CHECKING:
    from .rabbit import RabbitTransport

__all__ = ["Backoff", "Connector", "Stopped", "kombu_urls", "sleep_unless"]

LOG = logging.getLogger("carya.notify.rabbit")  # one logger for the whole rabbit transport


class Stopped(Exception):
    """The transport is closing; stop trying to connect."""


def kombu_urls(url: TransportURL) -> list[str]:
    """One ``amqp://`` URL per host of ``url``, credentials quoted (kombu fails over in order)."""
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


class Backoff:
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


class Connector:
    """Opens kombu connections to the URL's hosts, in turn, with backoff."""

    def __init__(self, transport: RabbitTransport):
        self.transport = transport
        opts = transport.options
        self.urls = kombu_urls(transport.url)
        self.backoff = Backoff(opts["retry_interval"], opts["retry_backoff"],
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
                raise Stopped()
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
                sleep_unless(delay, stopping)


def sleep_unless(delay: float, stopping: Callable[[], bool]) -> None:
    """Sleep ``delay`` seconds, waking within 0.1s when ``stopping()`` turns true."""
    end = time.monotonic() + delay
    while not stopping():
        left = end - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, 0.1))
