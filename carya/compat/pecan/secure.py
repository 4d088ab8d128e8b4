"""``pecan.secure``."""

from carya.secure import (
    Any,
    Protected,
    SecureController,
    SecureControllerBase,
    secure,
    unlocked,
)

__all__ = ["secure", "unlocked", "SecureController", "SecureControllerBase", "Any", "Protected"]
