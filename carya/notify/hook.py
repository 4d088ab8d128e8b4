"""NotificationHook: API requests announce themselves, and only what committed is announced.

For each request whose method is in ``methods`` (writes, by default) the hook
emits ``<resource>.<action>.start`` before the handler runs and
``<resource>.<action>.end`` (or ``.error``) after, with the request id and the
caller's user and project. The context sent is the request's auth context
(``environ['carya.auth_context']``: a RequestContext-like object or a dict),
redacted, with the request id (``environ['openstack.request_id']``) added.

The outbox: while a request runs, every notification made through a
:class:`~carya.notify.Notifier` in that request is held. With
:class:`~carya.hooks.TransactionHook`, they go out after the commit, and a
rolled-back request announces nothing; without one (or for a read-only
request) they go out at once. The hook's priority (80, lower than
TransactionHook's 100) runs its ``after`` after TransactionHook's, i.e. after
the commit or rollback.

``resource`` and ``action`` are worked out once per handler: from
``@notification_event("book", "create")`` when given, else the controller
class (``BooksController`` -> ``books``) and the handler (``post`` ->
``create``, ``put``/``patch`` -> ``update``, ``delete`` -> ``delete``,
``get_one``/``get`` -> ``get``, ``get_all`` -> ``list``, any other name as
it is; ``index`` and ``_default`` by HTTP method).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from ..expose import _info_for
from ..hooks import PecanHook
from .message import build, context_to_dict
from .notifier import Notifier
from .outbox import Outbox, activate, deactivate

__all__ = ["NotificationHook", "notification_event"]

F = TypeVar("F", bound=Callable[..., Any])

_BY_METHOD = {"POST": "create", "PUT": "update", "PATCH": "update", "DELETE": "delete",
              "GET": "get", "HEAD": "get"}
_BY_NAME = {"post": "create", "put": "update", "patch": "update", "delete": "delete",
            "get_one": "get", "get": "get", "get_all": "list"}
_GENERIC = frozenset({"index", "_default", "_lookup", "_route"})
_WRITES = ("POST", "PUT", "PATCH", "DELETE")

# environ keys
_BOX = "carya.notify.outbox"
_TOKEN = "carya.notify.token"
_ERROR = "carya.notify.error"
_STARTED = "carya.notify.started"
_EVENT = "carya.notify.event"


def notification_event(resource: str, action: str | None = None) -> Callable[[F], F]:
    """Name the events of a handler: ``@notification_event("book", "publish")``."""

    def decorate(func: F) -> F:
        _info_for(func).extra["notification_event"] = (resource, action)
        return func

    return decorate


def _names(handler: Any, method: str) -> tuple[str, str | None]:
    """(resource, action or None when it depends on the HTTP method)."""
    explicit = handler.extra.get("notification_event") if handler is not None else None
    qualname = getattr(handler, "name", "") or ""
    owner, _, func = qualname.rpartition(".")
    owner = owner.rpartition(".")[2]
    resource = owner[:-len("Controller")] if owner.endswith("Controller") else owner
    resource = resource.lower() or "root"
    action = None if func in _GENERIC else _BY_NAME.get(func, func or None)
    if explicit is not None:
        resource, action = explicit[0], explicit[1] or action
    return resource, action


def _who(auth: Any) -> tuple[Any, Any]:
    if auth is None:
        return None, None
    if isinstance(auth, dict):
        return auth.get("user_id", auth.get("user")), auth.get("project_id", auth.get("project"))
    return getattr(auth, "user_id", None), getattr(auth, "project_id", None)


class NotificationHook(PecanHook):
    """Emit request events through ``notifier`` and hold request notifications in an outbox.

    ``methods``: the HTTP methods that get start/end/error events (``None``:
    all). ``payload(state, phase)`` may return a dict merged into each event's
    payload. ``announce_rollbacks=True`` still sends ``.error`` for a request
    whose transaction rolled back (the held notifications are dropped anyway).
    """

    priority = 80

    def __init__(self, notifier: Notifier, methods: Iterable[str] | None = _WRITES,
                 payload: Callable[[Any, str], dict] | None = None,
                 announce_rollbacks: bool = False):
        self.notifier = notifier
        self.methods = None if methods is None else frozenset(m.upper() for m in methods)
        self.payload = payload
        self.announce_rollbacks = announce_rollbacks
        self._names: dict[Any, tuple[str, str | None]] = {}

    # --- stages -----------------------------------------------------------------

    def on_route(self, state: Any) -> None:
        self._open(state.environ)

    def before(self, state: Any) -> None:
        env = state.environ
        if _BOX not in env:  # a controller-level hook: on_route did not run
            self._open(env)
        req = state.request
        transactional = getattr(req, "transactional", None)
        if transactional is False and state.handler is not None \
                and state.handler.extra.get("transactional"):
            transactional = True  # TransactionHook.before will switch it on
        if not transactional:
            self._close(env, send=True)  # nothing to wait for: send as they come
        method = env["REQUEST_METHOD"]
        if self.methods is not None and method not in self.methods:
            return
        env[_EVENT] = self._event(state.handler, method)
        env[_STARTED] = time.monotonic()
        self._emit(state, "start", "info")

    def on_error(self, state: Any, e: BaseException) -> None:
        state.environ[_ERROR] = e

    def after(self, state: Any) -> None:
        env = state.environ
        req = state.request
        rolled_back = bool(getattr(req, "transactional", False) and getattr(req, "error", False))
        failed = _ERROR in env or state.response.status_int >= 500
        if _EVENT in env and not (rolled_back and not self.announce_rollbacks):
            if rolled_back:
                self._close(env, send=False)
            self._emit(state, "error" if failed else "end", "error" if failed else "info")
        self._close(env, send=not rolled_back)

    # --- helpers ----------------------------------------------------------------

    @staticmethod
    def _open(env: dict) -> None:
        box = Outbox()
        env[_BOX] = box
        env[_TOKEN] = activate(box)

    @staticmethod
    def _close(env: dict, send: bool) -> None:
        box = env.pop(_BOX, None)
        token = env.pop(_TOKEN, None)
        if token is not None:
            deactivate(token)
        if box is not None:
            if send:
                box.flush()
            else:
                box.discard()

    def _event(self, handler: Any, method: str) -> str:
        names = self._names.get(handler)
        if names is None:
            names = self._names[handler] = _names(handler, method)
        resource, action = names
        return f"{resource}.{action or _BY_METHOD.get(method, method.lower())}"

    def _emit(self, state: Any, phase: str, priority: str) -> None:
        env = state.environ
        auth = env.get("carya.auth_context")
        request_id = env.get("openstack.request_id") or _get(auth, "request_id")
        if not request_id:
            request_id = env["openstack.request_id"] = f"req-{uuid.uuid4()}"
        ctxt = context_to_dict(auth)
        if not ctxt.get("request_id"):
            ctxt["request_id"] = request_id
        user_id, project_id = _who(auth)
        event = env[_EVENT]
        payload: dict[str, Any] = {
            "request_id": request_id, "user_id": user_id, "project_id": project_id,
            "method": env["REQUEST_METHOD"], "path": env.get("PATH_INFO") or "/",
            "resource": event.rpartition(".")[0], "action": event.rpartition(".")[2],
        }
        if phase != "start":
            payload["status"] = state.response.status_int
            payload["duration_ms"] = round((time.monotonic() - env[_STARTED]) * 1000, 3)
        error = env.get(_ERROR)
        if phase == "error" and error is not None:
            payload["error"] = {"type": type(error).__name__, "message": str(error)[:500]}
        if self.payload is not None:
            payload.update(self.payload(state, phase) or {})
        note, body = build(ctxt, self.notifier.publisher_id, f"{event}.{phase}", priority, payload)
        box = env.get(_BOX)
        if box is not None:
            box.add(self.notifier.driver, note, body)
        else:
            self.notifier.driver.send(note, body)


def _get(obj: Any, key: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(key)
    return getattr(obj, key, None)
