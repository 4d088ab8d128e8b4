"""``pecan.testing``: ``load_test_app`` and ``reset_global_config`` (Pecan's defaults)."""

from carya.testing import load_test_app

from .configuration import initconf, set_config

__all__ = ["load_test_app", "reset_global_config"]


def reset_global_config() -> None:
    """Put the global configuration back to Pecan's defaults (call between tests)."""
    set_config(dict(initconf()), overwrite=True)
