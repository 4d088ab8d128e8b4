"""Hooks: code that runs around every request, as Pecan's hooks do.

A hook overrides any of ``on_route``, ``before``, ``after`` and ``on_error``.
Hooks run by ``priority`` (lower first; ``after`` and ``on_error`` in reverse).
When the application is built, a :class:`HookChain` keeps, for each stage,
only the hooks that override it, so a stage nobody uses costs nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import webob
import webob.exc as exc

__all__ = [
    "PecanHook",
    "Hook",
    "HookController",
    "HookChain",
    "TransactionHook",
    "RequestViewerHook",
]


class PecanHook:
    """Base class for hooks; ``priority`` orders them (default 100)."""

    priority = 100

    def on_route(self, state: Any) -> None:
        """Before the URL is routed: ``state.request`` exists, no controller yet."""

    def before(self, state: Any) -> None:
        """After routing, before the controller runs: ``state.controller`` is set."""

    def after(self, state: Any) -> None:
        """After the response is ready (also after an error)."""

    def on_error(self, state: Any, e: BaseException) -> webob.Response | None:
        """When the controller or a hook raised; may return a response to send."""
        return None


Hook = PecanHook

STAGES = ("on_route", "before", "after", "on_error")


class HookController:
    """Mixin for controllers that carry hooks: ``__hooks__ = [MyHook()]``.

    The hooks apply to this controller's handlers and everything routed below it.
    """

    __hooks__: Sequence[PecanHook] = ()


def _overrides(hook: PecanHook, stage: str) -> bool:
    impl = getattr(type(hook), stage, None)
    return impl is not None and impl is not getattr(PecanHook, stage)


class HookChain:
    """One ordered set of hooks, split by stage at build time."""

    __slots__ = ("hooks", "on_route", "before", "after", "on_error")

    def __init__(self, hooks: Iterable[PecanHook]):
        unique: list[PecanHook] = []
        for hook in hooks:
            if not any(h is hook for h in unique):
                unique.append(hook)
        ordered = sorted(unique, key=lambda h: getattr(h, "priority", 100))
        self.hooks: tuple[PecanHook, ...] = tuple(ordered)
        self.on_route = self._stage(ordered, "on_route")
        self.before = self._stage(ordered, "before")
        self.after = self._stage(list(reversed(ordered)), "after")
        self.on_error = self._stage(list(reversed(ordered)), "on_error")

    @staticmethod
    def _stage(hooks: list[PecanHook], stage: str) -> tuple[Callable[..., Any], ...]:
        return tuple(getattr(h, stage) for h in hooks if _overrides(h, stage))

    def extended(self, more: Iterable[PecanHook]) -> HookChain:
        """This chain with a controller's hooks; of equal priority, the controller's run
        first (Pecan's order: the innermost controller's, then its parents', then the app's)."""
        more = list(more)
        return HookChain([*more, *self.hooks]) if more else self


# --- TransactionHook -----------------------------------------------------------

_WRITE_METHODS_EXEMPT = ("GET", "HEAD")


def _handler_extra(state: Any, key: str, default: Any = None) -> Any:
    handler = getattr(state, "handler", None)
    if handler is None:
        return default
    return handler.extra.get(key, default)


class TransactionHook(PecanHook):
    """Wrap each request in a transaction, with Pecan's rules.

    Requests other than GET/HEAD (or handlers marked ``@transactional()``) call
    ``start``; others call ``start_ro``. After the request, ``commit`` (or
    ``rollback`` when an error happened) runs, then the handler's
    ``@after_commit``/``@after_rollback`` actions, and ``clear`` always.
    A redirect raised by a write request still commits (configurable per
    handler with ``@transactional(ignore_redirects=False)``).
    """

    def __init__(
        self,
        start: Callable[[], Any],
        start_ro: Callable[[], Any],
        commit: Callable[[], Any],
        rollback: Callable[[], Any],
        clear: Callable[[], Any],
    ):
        self.start = start
        self.start_ro = start_ro
        self.commit = commit
        self.rollback = rollback
        self.clear = clear

    def is_transactional(self, state: Any) -> bool:
        if _handler_extra(state, "transactional", False):
            return True
        return state.request.method not in _WRITE_METHODS_EXEMPT

    def on_route(self, state: Any) -> None:
        req = state.request
        req.error = False
        if self.is_transactional(state):
            req.transactional = True
            self.start()
        else:
            req.transactional = False
            self.start_ro()

    def before(self, state: Any) -> None:
        req = state.request
        if self.is_transactional(state) and not getattr(req, "transactional", False):
            self.clear()
            req.transactional = True
            self.start()

    def on_error(self, state: Any, e: BaseException) -> None:
        ignore_redirects = state.request.method not in _WRITE_METHODS_EXEMPT
        ignore_redirects = _handler_extra(state, "transactional_ignore_redirects", ignore_redirects)
        if type(e) is exc.HTTPFound and ignore_redirects:
            return  # a 302 after a write is the usual success path (Pecan's rule)
        state.request.error = True

    def after(self, state: Any) -> None:
        req = state.request
        if getattr(req, "transactional", False):
            if getattr(req, "error", False):
                self.rollback()
                actions = _handler_extra(state, "after_rollback", ())
            else:
                self.commit()
                actions = _handler_extra(state, "after_commit", ())
            for action in actions:
                action()
        self.clear()


# --- RequestViewerHook ---------------------------------------------------------


class RequestViewerHook(PecanHook):
    """Report what happened to each request (for development), as Pecan's does.

    ``config`` may set ``items`` (what to report: ``path``, ``status``,
    ``method``, ``controller``, ``params``, ``hooks``, or any attribute of the
    request) and ``blacklist`` (URL prefixes to leave out). Each item is
    written as ``name - value`` to ``writer`` (when ``terminal``) and set as
    an ``X-Pecan-<item>`` response header (when ``headers``), Pecan's names.
    """

    available = ("path", "status", "method", "controller", "params", "hooks")

    def __init__(self, config: Any = None, writer: Any = None, terminal: bool = True,
                 headers: bool = True):
        if config is not None and hasattr(config, "to_dict"):
            config = config.to_dict()
        config = config or {}
        self.items = list(config.get("items", self.available))
        self.blacklist = list(config.get("blacklist", []))
        self.writer = writer or sys.stdout
        self.terminal = terminal
        self.headers = headers

    def after(self, state: Any) -> None:
        req = state.request
        if any(req.path.startswith(prefix) for prefix in self.blacklist):
            return
        report = [(name, self._value(state, name)) for name in self.items
                  if name in self.available or hasattr(req, name)]
        if self.terminal:
            self.writer.write("".join(f"{name:<12} - {value}\n" for name, value in report))
            self.writer.write("\n\n")
        if self.headers:
            for name, value in report:
                state.response.headers[f"X-Pecan-{name}"] = str(value)

    @staticmethod
    def format_hooks(hooks: Iterable[Any]) -> list[str]:
        """Hook class names from hook objects or their reprs (``<pkg.Hook object at ...>``)."""
        names = [str(h).split()[0].strip("<") for h in hooks]
        return [n.split(".")[-1] for n in names if "." in n]

    def _value(self, state: Any, name: str) -> Any:
        try:
            if name == "controller":
                return getattr(state.controller, "__qualname__", state.controller)
            if name == "status":
                return state.response.status
            if name == "params":
                return list(state.request.params.items())
            if name == "hooks":
                return [type(h).__name__ for h in state.app.hooks.hooks]
            return getattr(state.request, name)
        except Exception as error:  # noqa: BLE001 - report, as Pecan does, never fail
            return error
