"""Fixtures shared by the routing tests."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.parity import load_framework


@pytest.fixture
def carya_fw() -> SimpleNamespace:
    """carya's public names, as ``tests.parity.load_framework`` gives them."""
    return load_framework("carya")
