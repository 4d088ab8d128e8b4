"""``pecan.log``."""

from carya.log import ColorFormatter

__all__ = ["ColorFormatter"]
