"""Notification drivers: what a :class:`~carya.notify.Notifier` does with a notification.

* ``messagingv2`` — send it on the transport, to ``<topic>.<priority>`` for
  each topic (oslo.messaging's default driver, same wire format);
* ``log`` — write it as JSON to the logger ``carya.notification.<event_type>``;
* ``noop`` — drop it (notifications switched off);
* ``routing`` — pick drivers per notification by event type and priority.

oslo.messaging's ``test`` driver name is accepted as ``noop``; its 1.0-format
``messaging`` driver is not offered (carya reads that format, it does not write it).
"""

from __future__ import annotations

import fnmatch
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import NotificationConfigError
from .message import PRIORITIES, Notification

__all__ = ["Driver", "MessagingDriver", "LogDriver", "NoopDriver", "RoutingDriver", "make_driver"]

_LOG_LEVELS = {
    "audit": logging.INFO, "debug": logging.DEBUG, "info": logging.INFO,
    "warn": logging.WARNING, "error": logging.ERROR, "critical": logging.CRITICAL,
    "sample": logging.INFO,
}


class Driver:
    """Handles encoded notifications; ``uses_transport`` says whether it needs the bus."""

    uses_transport = False

    def send(self, note: Notification, body: bytes) -> None:
        raise NotImplementedError


class MessagingDriver(Driver):
    """Publish to ``<topic>.<priority>`` on ``exchange`` for every topic."""

    uses_transport = True

    def __init__(self, transport: Any, topics: Sequence[str], exchange: str | None = None):
        self.transport = transport
        self.exchange = exchange or transport.default_exchange
        self.keys = {p: tuple(f"{topic}.{p}" for topic in topics) for p in PRIORITIES}

    def send(self, note: Notification, body: bytes) -> None:
        send, exchange = self.transport.send, self.exchange
        for key in self.keys[note.priority]:
            send(exchange, key, body)


class LogDriver(Driver):
    """Log the notification (context already redacted) at a level matching its priority."""

    def send(self, note: Notification, body: bytes) -> None:
        logger = logging.getLogger(f"carya.notification.{note.event_type}")
        level = _LOG_LEVELS[note.priority]
        if logger.isEnabledFor(level):
            logger.log(level, "%s", body.decode("utf-8"))


class NoopDriver(Driver):
    """Notifications are off."""

    def send(self, note: Notification, body: bytes) -> None:
        return None


class _Rule:
    __slots__ = ("driver", "events", "priorities")

    def __init__(self, driver: Driver, events: re.Pattern | None, priorities: frozenset | None):
        self.driver = driver
        self.events = events
        self.priorities = priorities

    def matches(self, note: Notification) -> bool:
        return ((self.priorities is None or note.priority in self.priorities)
                and (self.events is None or self.events.match(note.event_type) is not None))


class RoutingDriver(Driver):
    """Send each notification to every driver whose rule matches it.

    ``rules`` is a list of ``{"driver": name, "event_types": [globs],
    "priorities": [...]}`` (a missing key matches everything), or a mapping
    ``{glob: driver}``. A notification no rule matches is not sent anywhere,
    which is the point of routing; one matching several rules of the same
    driver is sent once.
    """

    def __init__(self, transport: Any, topics: Sequence[str], exchange: str | None,
                 rules: Sequence[Mapping[str, Any]] | Mapping[str, str]):
        if isinstance(rules, Mapping):
            rules = [{"driver": driver, "event_types": [glob]} for glob, driver in rules.items()]
        if not rules:
            raise NotificationConfigError("notifications.routing: the routing driver needs rules")
        made: dict[str, Driver] = {}
        self.rules: list[_Rule] = []
        for number, rule in enumerate(rules):
            where = f"notifications.routing[{number}]"
            name = rule.get("driver") if isinstance(rule, Mapping) else None
            if not isinstance(name, str) or name == "routing":
                raise NotificationConfigError(f"{where}: 'driver' must name a driver other than "
                                              f"routing, not {name!r}")
            if name not in made:
                made[name] = make_driver(name, transport, topics, exchange)
            self.rules.append(_Rule(made[name], _globs(rule.get("event_types"), where),
                                    _priorities(rule.get("priorities"), where)))
        self.uses_transport = any(d.uses_transport for d in made.values())

    def send(self, note: Notification, body: bytes) -> None:
        done: list[Driver] = []
        for rule in self.rules:
            if rule.driver not in done and rule.matches(note):
                done.append(rule.driver)
                rule.driver.send(note, body)


def _globs(globs: Any, where: str) -> re.Pattern | None:
    if globs is None:
        return None
    if isinstance(globs, str):
        globs = [globs]
    try:
        return re.compile("|".join(f"(?:{fnmatch.translate(g)})" for g in globs))
    except (TypeError, re.error) as error:
        raise NotificationConfigError(f"{where}.event_types: {error}") from None


def _priorities(values: Any, where: str) -> frozenset | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    chosen = frozenset("warn" if v.lower() == "warning" else v.lower() for v in values)
    unknown = chosen - set(PRIORITIES)
    if unknown:
        raise NotificationConfigError(f"{where}.priorities: unknown {sorted(unknown)}; "
                                      f"known: {', '.join(PRIORITIES)}")
    return chosen


_SIMPLE = {
    "messagingv2": MessagingDriver,
    "log": LogDriver,
    "noop": NoopDriver,
    "test": NoopDriver,
}


def make_driver(name: str, transport: Any, topics: Sequence[str], exchange: str | None = None,
                routing: Any = None) -> Driver:
    """The driver called ``name``; an unknown name is an error that lists the known ones."""
    if name == "routing":
        return RoutingDriver(transport, topics, exchange, routing or [])
    cls = _SIMPLE.get(name)
    if cls is None:
        raise NotificationConfigError(
            f"notifications.driver: unknown driver {name!r} "
            f"(known: {', '.join(sorted([*_SIMPLE, 'routing']))})")
    if cls is MessagingDriver:
        if transport is None:
            raise NotificationConfigError(f"notifications.driver {name!r} needs a transport")
        return MessagingDriver(transport, topics, exchange)
    return cls()
