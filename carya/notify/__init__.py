"""carya notifications: publish/subscribe between services, wire-compatible with oslo.messaging.

Publisher::

    from carya.notify import Notifier, get_transport
    transport = get_transport("rabbit://guest:guest@127.0.0.1:5672/")  # or embedded://
    notifier = Notifier(transport, publisher_id="catalog.api", topics=["notifications"])
    notifier.info(ctxt, "book.create.end", {"id": 1})

Subscriber::

    from carya.notify import Listener

    class Alarms:
        def info(self, ctxt, publisher_id, event_type, payload, metadata): ...

    Listener(transport, ["notifications"], [Alarms()], pool="alarming").start()

See ``carya.notify.message`` for the wire format, ``carya.notify.transport``
for the transports, ``carya.notify.hook`` for the web side.
"""

from .dedup import Deduplicator, deduplicated
from .errors import (
    BrokerUnavailable,
    BufferFull,
    NotificationConfigError,
    NotifyError,
    PayloadError,
    TransportURLError,
    UndecodableMessage,
)
from .filter import NotificationFilter
from .listener import HANDLED, REQUEUE, Listener, Target
from .message import PRIORITIES, Notification
from .notifier import Notifier
from .outbox import Outbox, deferred
from .transport import Transport, get_transport
from .url import TransportURL, parse_url

__all__ = [
    "Notifier",
    "Listener",
    "Target",
    "NotificationFilter",
    "REQUEUE",
    "HANDLED",
    "PRIORITIES",
    "Notification",
    "Transport",
    "TransportURL",
    "get_transport",
    "parse_url",
    "Deduplicator",
    "deduplicated",
    "Outbox",
    "deferred",
    "NotificationHook",
    "notification_event",
    "NotifyError",
    "TransportURLError",
    "BrokerUnavailable",
    "BufferFull",
    "PayloadError",
    "UndecodableMessage",
    "NotificationConfigError",
]


def __getattr__(name: str):
    # The hook imports the web stack (carya.hooks); load it only when asked for.
    if name in ("NotificationHook", "notification_event"):
        from . import hook

        return getattr(hook, name)
    raise AttributeError(f"module 'carya.notify' has no attribute {name!r}")
