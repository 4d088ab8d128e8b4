"""Errors raised by ``carya.notify``; each message says what to fix.

Every error a caller can meet derives from :class:`NotifyError`, so a service
can catch one class around its notification code.
"""

from __future__ import annotations

__all__ = [
    "NotifyError",
    "TransportURLError",
    "BrokerUnavailable",
    "BufferFull",
    "PayloadError",
    "UndecodableMessage",
    "NotificationConfigError",
]


class NotifyError(Exception):
    """Base class of every notification error."""


class TransportURLError(NotifyError, ValueError):
    """A transport URL is malformed or names an unknown transport.

    The message shows the URL with its password replaced by ``***``.
    """


class BrokerUnavailable(NotifyError, ConnectionError):
    """The broker could not be reached (at start-up, or within a timeout)."""


class BufferFull(NotifyError):
    """The local buffer of unsent notifications is full.

    Raised by a ``Notifier`` call when the broker has been away long enough
    that ``buffer_size`` notifications are waiting; the notification in the
    call was *not* accepted, so the caller still holds it.
    """


class PayloadError(NotifyError, TypeError):
    """A payload (or context) cannot be encoded as JSON; raised at the call."""


class UndecodableMessage(NotifyError, ValueError):
    """A message taken from a queue is not a notification carya can read."""


class NotificationConfigError(NotifyError, ValueError):
    """The ``notifications`` configuration is wrong; the message names the key."""
