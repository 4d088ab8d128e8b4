"""JSON encoding of controller results, with rules for user types.

``jsonify`` is a :func:`functools.singledispatch` function, so a project adds
rules the way Pecan projects do::

    @jsonify.register(Person)
    def person_json(obj):
        return {"name": obj.name}

Objects with a ``__json__()`` method encode as what it returns; SQLAlchemy
mapped objects, result sets and rows encode as Pecan's encoder does (a dict of
the columns, ``{'count': n, 'rows': [...]}``, a dict). Dates and datetimes are
written as ``str()`` gives them (``2011-01-01 00:00:00``), Pecan's format. Encoding runs
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

__all__ = [
    "jsonify", "encode", "JSONEncoder", "GenericJSON", "is_saobject", "with_when_type",
]


def with_when_type(f: Any) -> Any:
    """Give a singledispatch function simplegeneric's ``when_type`` (Pecan's spelling)."""
    f.when_type = f.register
    return f


def is_saobject(obj: Any) -> bool:
    """Whether ``obj`` is an instance of an SQLAlchemy mapped class."""
    return hasattr(obj, "_sa_class_manager")


@with_when_type
@singledispatch
def jsonify(obj: Any) -> Any:
    """Turn ``obj`` into something the JSON encoder knows, or raise TypeError."""
    to_json = getattr(obj, "__json__", None)
    if to_json is not None and callable(to_json):
        return to_json()
    if is_saobject(obj):
        return {k: getattr(obj, k) for k in obj.__dict__ if not k.startswith("_sa_")}
    if type(obj).__module__.startswith("sqlalchemy."):
        encoded = _sqlalchemy_result(obj)
        if encoded is not None:
            return encoded
    if isinstance(obj, Mapping):
        return dict(obj)
    if isinstance(obj, (set, frozenset, tuple)) or _is_iterator(obj):
        return list(obj)
    raise TypeError(f"{type(obj).__name__} object is not JSON serializable; "
                    "register a rule with @carya.jsonify.jsonify.register")


def _sqlalchemy_result(obj: Any) -> Any:
    """A result set as ``{'count', 'rows'}``, a row as a dict (SQLAlchemy imported only here)."""
    from sqlalchemy.engine import CursorResult, Row

    if isinstance(obj, Row):
        return dict(obj._mapping)
    if isinstance(obj, CursorResult):
        rows = [dict(row._mapping) for row in obj]
        count = obj.rowcount
        return {"rows": rows, "count": count if count >= 0 else len(rows)}
    return None


def _is_iterator(obj: Any) -> bool:
    return hasattr(obj, "__next__") and hasattr(obj, "__iter__")


@jsonify.register(datetime.datetime)
@jsonify.register(datetime.date)
@jsonify.register(datetime.time)
def _datetime(obj: Any) -> str:
    return str(obj)


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


GenericJSON = JSONEncoder


def prebuilt_dumps(default: Any = None, ensure_ascii: bool = True) -> Any:
    """``json.JSONEncoder(default=..., ensure_ascii=...).encode`` with its C encoder
    built once instead of on every call.

    Same text (checked here on a sample; else the stdlib's encode is returned),
    about 1.3 µs less per response. Without a circular-reference check, as
    ``check_circular=False``: a self-containing value is a RecursionError, a 500
    either way. A shared ``markers`` dict would not be thread-safe.
    """
    stdlib = json.JSONEncoder(default=default, ensure_ascii=ensure_ascii)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return stdlib.encode
    quote = json.encoder.encode_basestring_ascii if ensure_ascii else json.encoder.encode_basestring
    try:
        chunks = make(None, stdlib.default, quote, None, ": ", ", ", False, False, True)
        sample = {"a": [1, 2.5, None, True, "é\n"], "b": {"c": float("nan")}, 3: "d"}
        if "".join(chunks(sample, 0)) != stdlib.encode(sample):
            return stdlib.encode
    except Exception:  # noqa: BLE001 - another interpreter's internals: keep the stdlib's
        return stdlib.encode

    def dumps(obj: Any) -> str:
        return "".join(chunks(obj, 0))

    return dumps


_dumps = prebuilt_dumps(jsonify, ensure_ascii=False)


def encode(obj: Any) -> str:
    """Encode ``obj`` as JSON text (Pecan's separators), applying the registered rules.

    ``None`` (a handler that sets a status and returns nothing) is ``null`` at once.
    """
    return "null" if obj is None else _dumps(obj)
