"""``pecan.routing``: ``route()`` for path segments that are not Python names."""

from carya.expose import route

__all__ = ["route"]
