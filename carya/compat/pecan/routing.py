"""``pecan.routing``: ``route()``, and ``lookup_controller`` for custom routing code."""

from __future__ import annotations

from typing import Any

from carya.expose import route

__all__ = ["route", "lookup_controller"]


def lookup_controller(obj: Any, remainder: list[str], request: Any = None) -> tuple[Any, list]:
    """Where routing goes on from: ``(obj, remainder)``, for carya's router to walk.

    Pecan walks ``obj`` here and returns the handler found. Services call it from
    their ``_route``/``_lookup``/``_handle_<verb>`` overrides and return its
    result; carya's router walks that itself (``_lookup``/``_default`` included),
    so the request reaches the same handler.
    """
    return obj, list(remainder)
