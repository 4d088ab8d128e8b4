"""``pecan.testing``."""

from carya.testing import load_test_app, reset_global_config

__all__ = ["load_test_app", "reset_global_config"]
