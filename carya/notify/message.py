"""The notification message, as oslo.messaging's ``messagingv2`` driver puts it on the wire.

A body is a JSON object with two keys: ``"oslo.version": "2.0"`` and
``"oslo.message"``, a *string* holding the JSON of the message itself::

    {"message_id": "<uuid4>", "publisher_id": "api.host1",
     "event_type": "book.create.end", "priority": "INFO",
     "payload": {...}, "timestamp": "2024-05-01 12:00:00.123456",
     "_unique_id": "<uuid4 hex>",
     "_context_user_id": "...", "_context_project_id": "...", ...}

The request context is flattened into top-level keys prefixed ``_context_``,
the priority is upper-case, the timestamp is UTC without a zone (``str()`` of a
naive datetime). ``_unique_id`` is what oslo's AMQP listener uses to drop
duplicates it has already acknowledged. Bodies travel as
``application/json`` in UTF-8. Messages without the envelope (oslo's 1.0
format, driver ``messaging``) are accepted on the way in.
"""

from __future__ import annotations

import datetime
import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..jsonify import jsonify
from .errors import PayloadError, UndecodableMessage

__all__ = [
    "PRIORITIES",
    "ENVELOPE_VERSION",
    "Notification",
    "context_to_dict",
    "redact_context",
    "build",
    "encode",
    "decode",
]

#: The priorities a notification may have, as oslo.messaging names them.
PRIORITIES = ("audit", "debug", "info", "warn", "error", "critical", "sample")
ENVELOPE_VERSION = "2.0"
CONTENT_TYPE = "application/json"
CONTENT_ENCODING = "utf-8"

_VERSION_KEY = "oslo.version"
_MESSAGE_KEY = "oslo.message"
_CONTEXT_PREFIX = "_context_"
_PREFIX_LEN = len(_CONTEXT_PREFIX)
_SECRET_NAMES = frozenset({"password", "secret", "token", "auth_token_info", "passwd"})
_SECRET_SUFFIXES = ("_token", "_password", "_secret")


def _wire(obj: Any) -> Any:
    """carya's JSON rules, with ISO 8601 dates (the notification wire format; carya's
    HTTP JSON writes them as Pecan does, ``str()``)."""
    if isinstance(obj, (datetime.date, datetime.time)):
        return obj.isoformat()
    return jsonify(obj)


@dataclass(frozen=True, slots=True)
class Notification:
    """One notification, decoded. ``priority`` is lower-case."""

    message_id: str
    publisher_id: str | None
    event_type: str
    priority: str
    payload: Any
    timestamp: str | None
    context: dict = field(default_factory=dict)

    @property
    def metadata(self) -> dict:
        """What oslo.messaging hands an endpoint as ``metadata``."""
        return {"message_id": self.message_id, "timestamp": self.timestamp}


def _is_secret(key: str) -> bool:
    key = key.lower()
    return key in _SECRET_NAMES or key.endswith(_SECRET_SUFFIXES)


def redact_context(ctxt: Mapping[str, Any]) -> dict:
    """A copy of ``ctxt`` with tokens, passwords and secrets set to ``None``.

    The keys stay (as oslo.context's ``redacted_copy`` leaves ``auth_token``
    present but empty), so a consumer sees the same shape either way.
    """
    return {k: (None if _is_secret(k) and v is not None else v) for k, v in ctxt.items()}


def context_to_dict(ctxt: Any) -> dict:
    """The context to send: a dict, redacted.

    ``ctxt`` may be ``None``, a mapping, or a request-context object with
    ``to_dict()`` (oslo.context's ``RequestContext``, carya's auth context);
    when it has ``redacted_copy()`` that is used first, as oslo.messaging does.
    """
    if ctxt is None:
        return {}
    if isinstance(ctxt, Mapping):
        return redact_context(ctxt)
    redacted_copy = getattr(ctxt, "redacted_copy", None)
    obj = redacted_copy() if callable(redacted_copy) else ctxt
    to_dict = getattr(obj, "to_dict", None)
    if not callable(to_dict):
        raise PayloadError(
            f"a notification context is a dict or an object with to_dict(); "
            f"got {type(ctxt).__name__}"
        )
    return redact_context(to_dict())


_second: list = [-1, ""]  # the last whole second formatted, and its text


def _timestamp(now: float) -> str:
    seconds = int(now)
    micro = int((now - seconds) * 1_000_000)
    cached = _second
    if cached[0] != seconds:
        cached[:] = [seconds, time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds))]
    return f"{cached[1]}.{micro:06d}"


def build(ctxt: Any, publisher_id: str | None, event_type: str, priority: str,
          payload: Any) -> tuple[Notification, bytes]:
    """Make a notification and its wire body; a payload JSON cannot hold raises here."""
    if not isinstance(event_type, str) or not event_type:
        raise PayloadError(f"event_type must be a non-empty string, not {event_type!r}")
    note = Notification(
        message_id=str(uuid.uuid4()),
        publisher_id=publisher_id,
        event_type=event_type,
        priority=priority,
        payload=payload,
        timestamp=_timestamp(time.time()),
        context=context_to_dict(ctxt),
    )
    return note, encode(note)


def encode(note: Notification) -> bytes:
    """The wire body of ``note``."""
    inner: dict[str, Any] = {
        "message_id": note.message_id,
        "publisher_id": note.publisher_id,
        "event_type": note.event_type,
        "priority": note.priority.upper(),
        "payload": note.payload,
        "timestamp": note.timestamp,
        # oslo's AMQP listener drops a _unique_id it has acknowledged before; deriving
        # it from the message id lets it drop carya's re-sends (after a lost confirm) too
        "_unique_id": note.message_id.replace("-", ""),
    }
    for key, value in note.context.items():
        inner[_CONTEXT_PREFIX + key] = value
    try:
        text = json.dumps(inner, default=_wire, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError) as error:
        raise _encode_error(note, error) from None
    envelope = json.dumps({_VERSION_KEY: ENVELOPE_VERSION, _MESSAGE_KEY: text})
    return envelope.encode(CONTENT_ENCODING)


def _encode_error(note: Notification, error: Exception) -> PayloadError:
    try:
        json.dumps(note.payload, default=_wire, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        what = "payload"
    else:
        what = "context"
    return PayloadError(
        f"notification {note.event_type!r}: the {what} cannot be encoded as JSON: {error}"
    )


def decode(body: bytes | str | Mapping) -> Notification:
    """Read a body taken from a queue; :class:`UndecodableMessage` says why not."""
    outer = _loads(body, "message body") if not isinstance(body, Mapping) else dict(body)
    if not isinstance(outer, dict):
        raise UndecodableMessage(f"message body is JSON {type(outer).__name__}, not an object")
    if _VERSION_KEY in outer and _MESSAGE_KEY in outer:
        version = str(outer[_VERSION_KEY])
        if version.split(".")[0] != ENVELOPE_VERSION.split(".")[0]:
            raise UndecodableMessage(f"unsupported envelope version {version!r} (expected 2.x)")
        inner = _loads(outer[_MESSAGE_KEY], "'oslo.message'")
        if not isinstance(inner, dict):
            raise UndecodableMessage("'oslo.message' does not hold a JSON object")
    else:
        inner = outer  # oslo's 1.0 format: the message without an envelope
    return _from_inner(inner)


def _loads(text: Any, what: str) -> Any:
    if isinstance(text, (bytes, bytearray, memoryview)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as error:
            raise UndecodableMessage(f"{what} is not UTF-8: {error}") from None
    if not isinstance(text, str):
        raise UndecodableMessage(f"{what} is a {type(text).__name__}, not JSON text")
    try:
        return json.loads(text)
    except ValueError as error:
        raise UndecodableMessage(f"{what} is not valid JSON: {error}") from None


def _from_inner(inner: dict) -> Notification:
    event_type = inner.get("event_type")
    priority = inner.get("priority")
    if not isinstance(event_type, str) or not event_type:
        raise UndecodableMessage("message has no 'event_type' string")
    if not isinstance(priority, str) or priority.lower() not in PRIORITIES:
        raise UndecodableMessage(
            f"message {event_type!r} has priority {priority!r}, not one of {', '.join(PRIORITIES)}"
        )
    context = {}
    for key, value in inner.items():
        if key.startswith(_CONTEXT_PREFIX):
            context[key[_PREFIX_LEN:]] = value
    message_id = inner.get("message_id")
    return Notification(
        message_id=str(message_id) if message_id is not None else "",
        publisher_id=inner.get("publisher_id"),
        event_type=event_type,
        priority=priority.lower(),
        payload=inner.get("payload"),
        timestamp=inner.get("timestamp"),
        context=context,
    )
