"""JSON encoding of controller results, with rules for user types.

``jsonify`` is a :func:`functools.singledispatch` function, so a project adds
rules the way Pecan projects do::

    @jsonify.register(Person)
    def person_json(obj):
        return {"name": obj.name}

Objects with a ``__json__()`` method encode as what it returns. Encoding runs
in the standard library's C encoder; ``jsonify`` is only consulted for the
values that encoder does not know, so plain dicts and lists cost nothing extra.
"""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from collections.abc import Mapping
from functools import singledispatch
from typing import Any

from webob.multidict import MultiDict

__all__ = ["jsonify", "encode", "JSONEncoder"]


@singledispatch
def jsonify(obj: Any) -> Any:
    """Turn ``obj`` into something the JSON encoder knows, or raise TypeError."""
    to_json = getattr(obj, "__json__", None)
    if to_json is not None and callable(to_json):
        return to_json()
    if isinstance(obj, Mapping):
        return dict(obj)
    if isinstance(obj, (set, frozenset, tuple)) or _is_iterator(obj):
        return list(obj)
    raise TypeError(f"{type(obj).__name__} object is not JSON serializable; "
                    "register a rule with @carya.jsonify.jsonify.register")


def _is_iterator(obj: Any) -> bool:
    return hasattr(obj, "__next__") and hasattr(obj, "__iter__")


@jsonify.register(datetime.datetime)
@jsonify.register(datetime.date)
@jsonify.register(datetime.time)
def _datetime(obj: Any) -> str:
    return obj.isoformat()


@jsonify.register(decimal.Decimal)
def _decimal(obj: decimal.Decimal) -> Any:
    return float(obj)


@jsonify.register(uuid.UUID)
def _uuid(obj: uuid.UUID) -> str:
    return str(obj)


@jsonify.register(bytes)
def _bytes(obj: bytes) -> str:
    return obj.decode("utf-8")


@jsonify.register(MultiDict)
def _multidict(obj: MultiDict) -> dict:
    return obj.mixed()


class JSONEncoder(json.JSONEncoder):
    """A ``json.JSONEncoder`` that applies the ``jsonify`` rules."""

    def default(self, o: Any) -> Any:
        return jsonify(o)


_dumps = json.JSONEncoder(default=jsonify, separators=(",", ":"), ensure_ascii=False).encode


def encode(obj: Any) -> str:
    """Encode ``obj`` as compact JSON text, applying the registered rules."""
    return _dumps(obj)
