"""The ``notifications`` configuration, from a ``config.py`` or an INI file.

In ``config.py``::

    notifications = {
        "transport_url": "rabbit://user:pass@127.0.0.1:5672/",  # default: embedded://
        "driver": "messagingv2",            # or log, noop, routing (or a list of them)
        "topics": ["notifications"],
        "publisher_id": "catalog.api",       # default: the host name
        "control_exchange": "openstack",
        "transport_options": {"durable": True, "buffer_size": 50000},
        "routing": [{"driver": "messagingv2", "event_types": ["book.*"]},
                    {"driver": "log", "priorities": ["error", "critical"]}],
        "listeners": {
            "alarms": {"topics": ["notifications"], "pool": "alarming",
                       "endpoints": ["alarms.endpoints:AlarmEndpoint"], "max_retries": 3},
        },
    }

The INI equivalent (``[oslo_messaging_notifications]`` is read as
``[notifications]``, and the options carya knows from ``[oslo_messaging_rabbit]``
and ``[DEFAULT] control_exchange`` are honoured, so an OpenStack service's
file works as it is)::

    [notifications]
    transport_url = rabbit://user:pass@127.0.0.1:5672/
    driver = messagingv2
    topics = notifications
    publisher_id = catalog.api

    [notifications:transport]
    durable = true

    [notifications:routing]
    book.* = messagingv2

    [listener:alarms]
    topics = notifications
    pool = alarming
    endpoints = alarms.endpoints:AlarmEndpoint
    max_retries = 3

Every error names the file and the key; a transport URL is shown with its
password replaced by ``***``.
"""

from __future__ import annotations

import configparser
import importlib
import os
import socket
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import NotificationConfigError, NotifyError
from .listener import Listener
from .notifier import Notifier
from .transport import Transport, get_transport
from .url import TransportURL, parse_url

__all__ = ["NotificationsConfig", "ListenerConfig", "from_mapping", "load", "SECTION"]

SECTION = "notifications"
_KEYS = frozenset({"transport_url", "driver", "topics", "publisher_id", "control_exchange",
                   "exchange", "transport_options", "routing", "listeners"})
_LISTENER_KEYS = frozenset({"topics", "endpoints", "pool", "max_retries", "prefetch",
                            "exchange"})


@dataclass
class ListenerConfig:
    """One ``listeners`` entry: what ``carya listen`` runs."""

    name: str
    topics: list[str]
    endpoints: list[str]
    pool: str | None = None
    max_retries: int = 3
    prefetch: int = 64
    exchange: str | None = None


@dataclass
class NotificationsConfig:
    """The checked ``notifications`` section; builds transports, notifiers and listeners."""

    where: str
    transport_url: TransportURL = field(default_factory=lambda: parse_url(None))
    driver: str = "messagingv2"
    topics: list[str] = field(default_factory=lambda: ["notifications"])
    publisher_id: str = field(default_factory=socket.gethostname)
    control_exchange: str = "openstack"
    transport_options: dict[str, Any] = field(default_factory=dict)
    routing: Any = None
    listeners: list[ListenerConfig] = field(default_factory=list)

    def transport(self) -> Transport:
        """A new transport for ``transport_url`` with ``transport_options``."""
        try:
            return get_transport(self.transport_url,
                                 {"exchange": self.control_exchange, **self.transport_options})
        except NotifyError as error:
            raise NotificationConfigError(f"{self.where}: {error}") from None

    def notifier(self, transport: Transport | None = None, connect: bool = True) -> Notifier:
        """The service's notifier (``transport`` shared if given)."""
        needs = self.driver != "noop"
        return Notifier(transport or (self.transport() if needs else None), self.publisher_id,
                        self.driver, self.topics, routing=self.routing, connect=connect)

    def build_listeners(self, transport: Transport,
                        only: Sequence[str] | None = None) -> list[Listener]:
        """The declared listeners (those named in ``only``, when given), not started."""
        chosen = self.listeners
        if only:
            unknown = set(only) - {lc.name for lc in chosen}
            if unknown:
                raise NotificationConfigError(
                    f"{self.where}: no listener named {', '.join(sorted(unknown))} "
                    f"(declared: {', '.join(lc.name for lc in chosen) or 'none'})")
            chosen = [lc for lc in chosen if lc.name in only]
        out = []
        for lc in chosen:
            endpoints = [_endpoint(path, f"{self.where}: listener {lc.name!r}")
                         for path in lc.endpoints]
            targets = [t if lc.exchange is None else _target(t, lc.exchange) for t in lc.topics]
            try:
                out.append(Listener(transport, targets, endpoints, pool=lc.pool,
                                    max_retries=lc.max_retries, prefetch=lc.prefetch))
            except ValueError as error:
                raise NotificationConfigError(f"{self.where}: listener {lc.name!r}: {error}") \
                    from None
        return out


def _target(topic: str, exchange: str) -> Any:
    from .listener import Target

    return Target(topic, exchange)


def _endpoint(path: str, where: str) -> Any:
    """Import ``pkg.mod:Name`` (or ``pkg.mod.Name``); a class is instantiated."""
    module, colon, attr = path.partition(":")
    if not colon:
        module, _, attr = path.rpartition(".")
    if not module or not attr:
        raise NotificationConfigError(f"{where}: endpoint {path!r} is not 'package.module:Name'")
    try:
        obj = importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as error:
        raise NotificationConfigError(f"{where}: cannot import endpoint {path!r}: {error}") \
            from None
    return obj() if isinstance(obj, type) else obj


def _str_list(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",")]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v for v in value):
        raise NotificationConfigError(f"{where} must be a list of names, not {value!r}")
    return list(value)


def _int(value: Any, where: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise NotificationConfigError(f"{where} must be a whole number, not {value!r}") from None
    if number < 0:
        raise NotificationConfigError(f"{where} must not be negative")
    return number


def from_mapping(section: Mapping[str, Any], where: str = "<config>") -> NotificationsConfig:
    """Check a ``notifications`` dict; errors name ``where`` and the key."""
    if not isinstance(section, Mapping):
        raise NotificationConfigError(f"{where}: '{SECTION}' must be a dict")
    unknown = set(section) - _KEYS
    if unknown:
        raise NotificationConfigError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))} in '{SECTION}' "
            f"(known: {', '.join(sorted(_KEYS))})")
    cfg = NotificationsConfig(where)
    try:
        cfg.transport_url = parse_url(section.get("transport_url"))
    except NotifyError as error:
        raise NotificationConfigError(f"{where}: {SECTION}.transport_url: {error}") from None
    driver = section.get("driver", "messagingv2")
    routing = section.get("routing")
    if isinstance(driver, (list, tuple)):
        if len(driver) == 1:
            driver = driver[0]
        else:  # several drivers: each gets every notification
            routing, driver = [{"driver": d} for d in driver], "routing"
    if not isinstance(driver, str):
        raise NotificationConfigError(f"{where}: {SECTION}.driver must be a name, not {driver!r}")
    cfg.driver, cfg.routing = driver, routing
    if "topics" in section:
        cfg.topics = _str_list(section["topics"], f"{where}: {SECTION}.topics")
    if section.get("publisher_id"):
        cfg.publisher_id = str(section["publisher_id"])
    cfg.control_exchange = str(section.get("control_exchange") or section.get("exchange")
                               or "openstack")
    options = section.get("transport_options") or {}
    if not isinstance(options, Mapping):
        raise NotificationConfigError(f"{where}: {SECTION}.transport_options must be a dict")
    cfg.transport_options = dict(options)
    listeners = section.get("listeners") or {}
    if not isinstance(listeners, Mapping):
        raise NotificationConfigError(f"{where}: {SECTION}.listeners must be a dict of name -> "
                                      "{topics, endpoints, ...}")
    cfg.listeners = [_listener(name, spec, where) for name, spec in listeners.items()]
    _check_driver(cfg)
    return cfg


def _check_driver(cfg: NotificationsConfig) -> None:
    from .drivers import make_driver

    try:  # builds nothing that connects: drivers only remember the transport
        make_driver(cfg.driver, _NoTransport(), cfg.topics, None, cfg.routing)
    except NotificationConfigError as error:
        raise NotificationConfigError(f"{cfg.where}: {error}") from None


class _NoTransport:
    default_exchange = "openstack"


def _listener(name: str, spec: Any, where: str) -> ListenerConfig:
    here = f"{where}: {SECTION}.listeners.{name}"
    if not isinstance(spec, Mapping):
        raise NotificationConfigError(f"{here} must be a dict")
    unknown = set(spec) - _LISTENER_KEYS
    if unknown:
        raise NotificationConfigError(f"{here}: unknown key(s) {', '.join(sorted(unknown))} "
                                      f"(known: {', '.join(sorted(_LISTENER_KEYS))})")
    if not spec.get("endpoints"):
        raise NotificationConfigError(f"{here}: 'endpoints' is required "
                                      "(e.g. ['myservice.endpoints:AlarmEndpoint'])")
    return ListenerConfig(
        name=name,
        topics=_str_list(spec.get("topics", ["notifications"]), f"{here}.topics"),
        endpoints=_str_list(spec["endpoints"], f"{here}.endpoints"),
        pool=spec.get("pool") or None,
        max_retries=_int(spec.get("max_retries", 3), f"{here}.max_retries"),
        prefetch=max(1, _int(spec.get("prefetch", 64), f"{here}.prefetch")),
        exchange=spec.get("exchange") or None,
    )


# --- files --------------------------------------------------------------------------

_RABBIT_SECTION_KEYS = ("amqp_durable_queues", "amqp_auto_delete", "heartbeat_timeout_threshold",
                        "rabbit_retry_interval", "rabbit_retry_backoff", "rabbit_interval_max",
                        "ssl")


def from_ini(path: str) -> NotificationsConfig:
    """Read the INI form (see the module docstring)."""
    # DEFAULT is read as a plain section: its keys must not leak into the others
    parser = configparser.ConfigParser(interpolation=None, default_section="\0none")
    parser.optionxform = str  # keys such as event globs keep their case
    try:
        with open(path, encoding="utf-8") as fh:
            parser.read_file(fh)
    except (OSError, configparser.Error) as error:
        raise NotificationConfigError(f"{path}: cannot read: {error}") from None
    name = SECTION if parser.has_section(SECTION) else "oslo_messaging_notifications"
    section: dict[str, Any] = {}
    if parser.has_section(name):
        section.update(parser.items(name))
        section.pop("retry", None)  # oslo's option; carya keeps trying instead
    if "control_exchange" not in section and parser.has_option("DEFAULT", "control_exchange"):
        section["control_exchange"] = parser.get("DEFAULT", "control_exchange")
    options: dict[str, Any] = {}
    if parser.has_section("oslo_messaging_rabbit"):
        options.update((k, v) for k, v in parser.items("oslo_messaging_rabbit")
                       if k in _RABBIT_SECTION_KEYS)
    if parser.has_section(f"{SECTION}:transport"):
        options.update(parser.items(f"{SECTION}:transport"))
    if options:
        section["transport_options"] = options
    if "driver" in section and "," in section["driver"]:
        section["driver"] = [d.strip() for d in section["driver"].split(",")]
    if parser.has_section(f"{SECTION}:routing"):
        section["routing"] = dict(parser.items(f"{SECTION}:routing"))
    listeners = {sect.partition(":")[2]: dict(parser.items(sect))
                 for sect in parser.sections() if sect.startswith("listener:")}
    if listeners:
        section["listeners"] = listeners
    return from_mapping(section, path)


def load(path: str) -> NotificationsConfig:
    """The ``notifications`` of a ``config.py`` or an INI file (by extension)."""
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        raise NotificationConfigError(f"config file {path!r} does not exist")
    here = os.path.dirname(path)
    if here not in sys.path:
        sys.path.insert(0, here)  # endpoints may live beside the config, as in Pecan apps
    if path.endswith(".py"):
        from ..configuration import Config, ConfigError, conf_from_file

        try:
            conf = conf_from_file(path)
        except ConfigError as error:
            raise NotificationConfigError(str(error)) from None
        section = conf.get(SECTION)
        if section is None:
            raise NotificationConfigError(f"{path}: no '{SECTION}' section")
        if isinstance(section, Config):
            section = section.to_dict()
        return from_mapping(section, path)
    return from_ini(path)
