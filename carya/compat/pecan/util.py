"""``pecan.util``: ``_cfg`` (a controller's ``_pecan`` dict), ``iscontroller``, ``getargspec``."""

from __future__ import annotations

from typing import Any

from carya.expose import _info_for, exposed_info

from .compat import ArgSpec
from .compat import getargspec as _getargspec

__all__ = ["iscontroller", "getargspec", "_cfg"]


def iscontroller(obj: Any) -> bool:
    return exposed_info(obj) is not None


def _cfg(f: Any) -> dict:
    """The function's ``_pecan`` dict (carya's expose record is that dict)."""
    return _info_for(getattr(f, "__func__", f))


def getargspec(method: Any) -> ArgSpec:
    """The argspec of the function under any decorators (the one taking ``self``)."""
    spec = _getargspec(method)
    if spec.args and spec.args[0] == "self":
        return spec
    func = getattr(method, "__func__", method)
    cells = [
        c.cell_contents for c in (getattr(func, "__closure__", None) or ())
        if callable(c.cell_contents) and hasattr(c.cell_contents, "__code__")
    ]
    if not cells:
        return spec
    cells.sort(key=lambda fn: "self" in fn.__code__.co_varnames, reverse=True)
    return getargspec(cells[0])
