"""Securing controllers, with Pecan's ``secure``, ``unlocked`` and ``SecureController``.

- ``class Admin(SecureController)`` with a ``check_permissions()`` (class- or
  instance-level) guards every handler of the class and everything routed
  below it, except what is marked ``@unlocked`` / ``unlocked(obj)``.
- ``@secure('check_name')`` or ``@secure(callable)`` guards one handler.
- ``secure(SubController(), check)`` guards a sub-controller instance.

A failed check is a 401. The router runs these checks when it enters a
guarded controller and before calling a guarded handler; which checks apply
is decided when the controller's spec is built.
"""

from __future__ import annotations

import typing
from collections.abc import Callable

from .expose import _info_for, is_exposed

__all__ = [
    "secure", "unlocked", "SecureController", "SecureControllerBase", "run_check",
    "Any", "Protected",
]


class _SecureState:
    """Pecan's named security states: ``Protected`` is truthy, ``Any`` falsy."""

    def __init__(self, desc: str, boolean_value: bool):
        self.description = desc
        self.boolean_value = boolean_value

    def __repr__(self) -> str:
        return f"<SecureState {self.description}>"

    def __bool__(self) -> bool:
        return self.boolean_value


Any = _SecureState("Any", False)
Protected = _SecureState("Protected", True)

_SECURE_ATTR = "_carya_secure"
_UNLOCKED_ATTR = "_carya_unlocked"


class SecureControllerBase:
    """Base for controllers guarded by ``check_permissions``."""

    @classmethod
    def check_permissions(cls) -> bool:
        return False


SecureController = SecureControllerBase


def unlocked(func_or_obj: typing.Any) -> typing.Any:
    """Exempt a handler or sub-controller from its SecureController's check."""
    if is_exposed(func_or_obj) or callable(func_or_obj) and hasattr(func_or_obj, "__code__"):
        func = getattr(func_or_obj, "__func__", func_or_obj)
        func.__dict__[_UNLOCKED_ATTR] = True
        return func_or_obj
    _set_instance_attr(func_or_obj, _UNLOCKED_ATTR, True)
    return func_or_obj


def secure(func_or_obj: typing.Any, check_permissions_for_obj: typing.Any = None) -> typing.Any:
    """Guard a handler (as a decorator) or a sub-controller instance.

    ``@secure('name')`` calls the controller's method ``name``; ``@secure(fn)``
    calls ``fn()``. ``secure(obj, check)`` guards a controller instance.
    """
    if check_permissions_for_obj is not None:
        _check_kind(check_permissions_for_obj)
        _set_instance_attr(func_or_obj, _SECURE_ATTR, check_permissions_for_obj)
        return func_or_obj
    check = func_or_obj
    _check_kind(check)

    def decorate(func: Callable[..., typing.Any]) -> Callable[..., typing.Any]:
        _info_for(func).extra["secured"] = check  # either side of @expose
        return func

    return decorate


def _check_kind(check: typing.Any) -> None:
    if not (isinstance(check, str) or callable(check)):
        raise TypeError("a permission check is a method name or a callable")


def _set_instance_attr(obj: typing.Any, name: str, value: typing.Any) -> None:
    try:
        object.__setattr__(obj, name, value)
    except (AttributeError, TypeError) as exc:
        raise TypeError(f"cannot secure/unlock {obj!r}: it takes no attributes") from exc


def class_check(cls: type) -> typing.Any:
    """The class-level check of a SecureController subclass, else ``None``."""
    if isinstance(cls, type) and issubclass(cls, SecureControllerBase):
        return "check_permissions"
    return None


def instance_check(obj: typing.Any) -> typing.Any:
    """The check attached to a controller instance by ``secure(obj, check)``."""
    return getattr(obj, _SECURE_ATTR, None) if not _is_unlocked(obj) else None


def _is_unlocked(obj: typing.Any) -> bool:
    return bool(getattr(obj, _UNLOCKED_ATTR, False))


def handler_unlocked(func: typing.Any) -> bool:
    return bool(getattr(getattr(func, "__func__", func), _UNLOCKED_ATTR, False))


def run_check(check: typing.Any, controller: typing.Any) -> None:
    """Run one check against ``controller``; a falsy answer is a 401."""
    fn = getattr(controller, check) if isinstance(check, str) else check
    if not fn():
        import webob.exc as exc

        raise exc.HTTPUnauthorized()
