"""Decorators that add routing or transaction facts to exposed handlers (``carya.decorators``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from .expose import _info_for, expose, is_exposed

__all__ = [
    "expose",
    "transactional",
    "after_commit",
    "after_rollback",
    "accept_noncanonical",
]

F = TypeVar("F", bound=Callable[..., Any])


def transactional(ignore_redirects: bool = True) -> Callable[[F], F]:
    """Make GET/HEAD handlers run in a write transaction under ``TransactionHook``.

    On a function, marks that handler; on a controller class, every handler
    the class exposes.
    """

    def mark(func: Any, keep_own: bool) -> None:
        extra = _info_for(func).extra
        extra["transactional"] = True
        if keep_own:  # a method's own @transactional(...) wins over its class's
            extra.setdefault("transactional_ignore_redirects", ignore_redirects)
        else:
            extra["transactional_ignore_redirects"] = ignore_redirects

    def decorate(obj: F) -> F:
        if isinstance(obj, type):
            for name in dir(obj):
                member = getattr(obj, name, None)
                if is_exposed(member):
                    mark(getattr(member, "__func__", member), keep_own=True)
        else:
            mark(obj, keep_own=False)
        return obj

    return decorate


def _action_decorator(key: str, doc: str) -> Callable[[Callable[[], Any]], Callable[[F], F]]:
    def outer(action: Callable[[], Any]) -> Callable[[F], F]:
        def decorate(func: F) -> F:
            extra = _info_for(func).extra
            extra[key] = (*extra.get(key, ()), action)
            return func

        return decorate

    outer.__doc__ = doc
    outer.__name__ = key
    return outer


after_commit = _action_decorator(
    "after_commit", "Run ``action()`` after TransactionHook commits this handler's transaction."
)
after_rollback = _action_decorator(
    "after_rollback",
    "Run ``action()`` after TransactionHook rolls this handler's transaction back.",
)


def accept_noncanonical(func: F) -> F:
    """Let ``/path`` reach this ``index`` without redirecting to ``/path/``."""
    _info_for(func).extra["accept_noncanonical"] = True
    return func
