"""``pecan.deploy``."""

from carya.deploy import deploy

__all__ = ["deploy"]
