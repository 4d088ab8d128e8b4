"""``pecan.rest``."""

from carya.rest import RestController

__all__ = ["RestController"]
