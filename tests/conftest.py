"""Shared fixtures: build a carya app from a root controller and drive it with WebTest."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

import pytest
from webtest import TestApp

import carya
from carya.testing import reset_global_config
from tests.parity import FRAMEWORKS, load_framework
from tests.support import EXAMPLES

# The seed-003 example package is importable in tests without installing it.
sys.path.insert(0, os.path.join(EXAMPLES, "catalog"))


@pytest.fixture
def client() -> Callable[..., TestApp]:
    """``client(RootController(), **make_app_options)`` -> a WebTest TestApp."""

    def build(root: Any, **kw: Any) -> TestApp:
        kw.setdefault("template_path", os.path.join(EXAMPLES, "catalog", "catalog", "templates"))
        return TestApp(carya.make_app(root, **kw))

    return build


@pytest.fixture(autouse=True)
def _fresh_config():
    """Each test starts with the default ``carya.conf``."""
    reset_global_config()
    yield
    reset_global_config()


@pytest.fixture(params=FRAMEWORKS)
def fw(request):
    """The parity suites' framework: each test runs on real Pecan and on carya."""
    return load_framework(request.param)


@pytest.fixture
def log() -> list:
    """A list tests append to from handlers and hooks, to check what ran in what order."""
    return []
