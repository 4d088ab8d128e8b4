"""Testing helpers built on WebTest (``carya.testing``)."""

from __future__ import annotations

from typing import Any

from webtest import TestApp

from .configuration import set_config
from .deploy import load_app

__all__ = ["load_test_app", "TestApp"]


def load_test_app(config: Any = None, **kwargs: Any) -> TestApp:
    """A WebTest ``TestApp`` for a carya app built from a config file, dict or app.

    ``config`` is a path to a ``config.py``, a dict shaped like one, or a WSGI
    application. As in Pecan, the loaded config becomes ``carya.conf``.
    """
    if callable(config) and not isinstance(config, (dict, str)):
        return TestApp(config, **kwargs)
    return TestApp(load_app(config), **kwargs)


def reset_global_config() -> None:
    """Put ``carya.conf`` back to the defaults (call between tests)."""
    set_config({}, overwrite=True)
