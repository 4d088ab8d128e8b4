"""What an API route resolves to: a handler and its node, or a small table picked per request.

:class:`~carya.api.mapper_router.MapperRouter` resolves every route once, when
the App is built, and keeps one *entry* per route. Most routes call exactly one
method, and their entry is the plain tuple ``(handler, node)``, which ``find``
returns with no further work. The few that cannot be decided from the path
alone get one of the tables here, each answering ``resolve(state, match)``
with one more dict lookup:

* :class:`Versioned`: the request's microversion picks the method
  (``@api_version``);
* :class:`BodyAction`: ``POST .../action``, where the body's only key names
  the method (Nova's server actions);
* :class:`ByName`: a route with ``{action}`` in its path.

Tables nest (a body action may be versioned), and ``targets()`` lists every
``(handler, node)`` a route can reach, for listings.
"""

from __future__ import annotations

from typing import Any

import webob.exc as exc

from ..errors import NotFound
from ..handler import Handler
from ..hooks import HookChain
from ..secure import class_check, instance_check
from .binding import request_body
from .versions import API_VERSION_KEY, VersionTable

__all__ = ["ApiNode", "BodyAction", "ByName", "Versioned", "targets_of"]

_SHOWN_KEY_LENGTH = 64


class ApiNode:
    """What the App needs of a routing node: the controller, its hooks, its guard.

    ``guard`` is the controller's own check, as object dispatch has it: a
    ``secure(controller, check)`` instance, else a SecureController's
    ``check_permissions``; a resource's controller is guarded like any other.
    """

    __slots__ = ("obj", "chain", "guard")

    def __init__(self, obj: Any, chain: HookChain):
        self.obj = obj
        self.chain = chain
        self.guard = instance_check(obj) or class_check(type(obj))

    def __repr__(self) -> str:
        return f"<ApiNode {type(self.obj).__qualname__}>"


def targets_of(entry: Any) -> list[tuple[Handler, ApiNode]]:
    """Every ``(handler, node)`` that ``entry`` (a tuple or a table) can answer with."""
    return [entry] if type(entry) is tuple else entry.targets()


class Versioned:
    """An action answered by different methods by microversion."""

    __slots__ = ("table", "default")

    def __init__(self, table: VersionTable, default: Any):
        self.table = table
        self.default = default

    def resolve(self, state: Any, match: dict) -> tuple[Handler, ApiNode]:
        version = state.environ.get(API_VERSION_KEY) or self.default
        return self.table.select(version)

    def targets(self) -> list[tuple[Handler, ApiNode]]:
        return [entry[2] for entry in self.table.entries]


class _Named:
    """Entries by name, one of them picked per request (the name's source varies)."""

    __slots__ = ("entries",)

    def __init__(self, entries: dict[str, Any]):
        self.entries = entries

    @staticmethod
    def _answer(entry: Any, state: Any, match: dict) -> tuple[Handler, ApiNode]:
        if type(entry) is tuple:
            return entry
        return entry.resolve(state, match)

    def targets(self) -> list[tuple[Handler, ApiNode]]:
        return [t for entry in self.entries.values() for t in targets_of(entry)]


class BodyAction(_Named):
    """``POST .../action``: the request body's only key names the method."""

    __slots__ = ()

    def resolve(self, state: Any, match: dict) -> tuple[Handler, ApiNode]:
        body = request_body(state, required=True)
        if not isinstance(body, dict) or len(body) != 1:
            raise exc.HTTPBadRequest(
                detail="Malformed request body: an action body is a JSON object with exactly "
                'one key, the action name (e.g. {"reboot": {"type": "SOFT"}}).'
            )
        key = next(iter(body))
        entry = self.entries.get(key)
        if entry is None:
            shown = key if len(key) <= _SHOWN_KEY_LENGTH else key[:_SHOWN_KEY_LENGTH] + "..."
            raise exc.HTTPBadRequest(detail=f"There is no such action: {shown}")
        return self._answer(entry, state, match)


class ByName(_Named):
    """A route with ``{action}`` in its path: the action is chosen per request."""

    __slots__ = ()

    def resolve(self, state: Any, match: dict) -> tuple[Handler, ApiNode]:
        entry = self.entries.get(match.get("action"))
        if entry is None:
            raise NotFound()
        return self._answer(entry, state, match)
