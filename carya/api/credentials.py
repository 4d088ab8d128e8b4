"""Policy credentials: who is calling, read once per request from its context.

Authentication middleware leaves a request context in the environ (carya's
:class:`~carya.middleware.auth.RequestContext`, an oslo.context, a dict, or any
object with the usual fields). :func:`credentials` turns it into the
:class:`~carya.api.check_strings.Credentials` that policy rules are evaluated
against; how a context type is read is decided once per type, not per request.
:func:`request_credentials` does it at most once per request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .check_strings import Credentials

__all__ = ["AUTH_CONTEXT_KEY", "credentials", "request_credentials"]

AUTH_CONTEXT_KEY = "carya.auth_context"
_CREDS_KEY = "carya.policy.creds"
_CONTEXT_FIELDS = (
    "user_id", "project_id", "roles", "is_admin", "domain_id", "user_domain_id",
    "project_domain_id", "system_scope", "service_user_id", "service_project_id",
    "service_roles",
)
_CONTEXT_FIELD_SET = frozenset(_CONTEXT_FIELDS)


def credentials(context: Any) -> Credentials:
    """Credentials from a request context (dict, oslo.context, or any object with fields)."""
    if context is None:
        return Credentials({})
    if isinstance(context, Credentials):
        return context
    cls = type(context)
    read = _READERS.get(cls)
    if read is None:
        read = _READERS[cls] = _reader_for(cls)
    data = read(context)
    if data.get("system_scope"):
        data["system"] = data["system_scope"]  # what oslo.policy checks read
    return Credentials(data)


_READERS: dict[type, Callable[[Any], dict]] = {}


def _reader_for(cls: type) -> Callable[[Any], dict]:
    """How to read one context type's fields, decided once per type (not per request).

    A mapping is copied; anything else asks ``to_policy_values`` when it has one
    (looked up on the instance, as before, unless the type's fields live in its
    ``__dict__``, where an instance attribute would show up), else reads fields.
    """
    if issubclass(cls, Mapping):
        return dict
    if hasattr(cls, "to_policy_values"):
        return _from_policy_values
    plain = not hasattr(cls, "__getattr__")  # else ``hasattr`` could answer per instance
    if plain and _fields_in_dict(cls):
        return _from_instance_dict  # a dataclass such as carya's RequestContext
    return _from_attributes


_DICT_TYPES: dict[type, bool] = {}


def _fields_in_dict(cls: type) -> bool:
    """Whether a context type keeps every field in its instance ``__dict__`` (decided once)."""
    known = _DICT_TYPES.get(cls)
    if known is None:
        import dataclasses

        known = _DICT_TYPES[cls] = dataclasses.is_dataclass(cls) and "__slots__" not in vars(cls)
    return known


def _from_policy_values(context: Any) -> dict:
    return dict(context.to_policy_values())


def _from_instance_dict(context: Any) -> dict:
    fields = context.__dict__
    if "to_policy_values" in fields:
        return _from_policy_values(context)
    data = {k: v for k, v in fields.items() if k in _CONTEXT_FIELD_SET and v is not None}
    data.setdefault("roles", [])
    return data


def _from_attributes(context: Any) -> dict:
    if hasattr(context, "to_policy_values"):
        return _from_policy_values(context)
    if _fields_in_dict(type(context)):
        fields = context.__dict__
    else:  # class attributes, slots or properties: ask field by field
        fields = {name: getattr(context, name, None) for name in _CONTEXT_FIELDS}
    data = {k: v for k, v in fields.items() if k in _CONTEXT_FIELD_SET and v is not None}
    data.setdefault("roles", [])
    return data


def request_credentials(environ: dict) -> Credentials:
    """The request's credentials, built once per request."""
    creds = environ.get(_CREDS_KEY)
    if creds is None:
        creds = environ[_CREDS_KEY] = credentials(environ.get(AUTH_CONTEXT_KEY))
    return creds
