"""``filter_rule``: which notifications an endpoint wants, by regular expression.

Same rules as oslo.messaging's ``NotificationFilter``, so an endpoint written
for one works with the other: each pattern must *match* (``re.match``, i.e.
anchored at the start) the field; for ``context``, ``metadata`` and
``payload`` each key's pattern must match that key's value, and a missing key
or a non-string value is a mismatch. Patterns are compiled once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["NotificationFilter"]


def _compile(pattern: str | None, what: str) -> re.Pattern | None:
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error as error:
        raise ValueError(f"filter_rule: {what} pattern {pattern!r} is not a regex: {error}") \
            from None


def _compile_map(patterns: Mapping[str, str] | None, what: str) -> dict[str, re.Pattern]:
    if not patterns:
        return {}
    return {key: _compile(value, f"{what}[{key!r}]") for key, value in patterns.items()}


def _mismatch(value: Any, regex: re.Pattern | None) -> bool:
    return regex is not None and (not isinstance(value, str) or regex.match(value) is None)


def _mismatch_map(data: Any, regexes: dict[str, re.Pattern]) -> bool:
    if not regexes:
        return False
    if not isinstance(data, Mapping):
        return True
    return any(key not in data or _mismatch(data[key], rx) for key, rx in regexes.items())


class NotificationFilter:
    """``NotificationFilter(event_type=r'^book\\.', context={'project_id': '^p1$'})``."""

    def __init__(self, context: Mapping[str, str] | None = None, publisher_id: str | None = None,
                 event_type: str | None = None, metadata: Mapping[str, str] | None = None,
                 payload: Mapping[str, str] | None = None):
        self.publisher_id = _compile(publisher_id, "publisher_id")
        self.event_type = _compile(event_type, "event_type")
        self.context = _compile_map(context, "context")
        self.metadata = _compile_map(metadata, "metadata")
        self.payload = _compile_map(payload, "payload")

    def match(self, context: Any, publisher_id: Any, event_type: Any, metadata: Any,
              payload: Any) -> bool:
        """True when every pattern given matches (the argument order is oslo's)."""
        return not (
            _mismatch(event_type, self.event_type)
            or _mismatch(publisher_id, self.publisher_id)
            or _mismatch_map(context, self.context)
            or _mismatch_map(metadata, self.metadata)
            or _mismatch_map(payload, self.payload)
        )
