"""Fixtures for the ``carya`` command: run it for real in a subprocess.

``carya(*args)`` runs ``python -m carya`` and returns the finished process;
``zoo`` is a test application using every routing feature
(``tests/cli/apps/zoo``); ``project`` is a project made by ``carya create``
once per session.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import pytest

from tests.support import EXAMPLES

HERE = os.path.dirname(os.path.abspath(__file__))
ZOO_DIR = os.path.join(HERE, "apps", "zoo")
CATALOG_CONFIG = os.path.join(EXAMPLES, "catalog", "config.py")
PROJECT_NAME = "cli_made_svc"

Runner = Callable[..., subprocess.CompletedProcess]


def run_carya(*args: str, cwd: str | None = None, input: str | None = None,
              timeout: float = 120, python: str = sys.executable,
              env: dict | None = None) -> subprocess.CompletedProcess:
    """``python -m carya ARGS`` to completion, output captured as text."""
    return subprocess.run(
        [python, "-m", "carya", *args], cwd=cwd, input=input, capture_output=True,
        text=True, timeout=timeout, env=env,
    )


def carya_command(*args: str, python: str = sys.executable) -> list[str]:
    """The argv of a ``carya`` command, for servers started with ``running()``."""
    return [python, "-m", "carya", *args]


@pytest.fixture
def carya() -> Runner:
    return run_carya


@pytest.fixture
def zoo() -> str:
    """Directory of the zoo app: config.py, zoo.ini, bad_root.py, broken.ini."""
    return ZOO_DIR


@pytest.fixture(scope="session")
def project(tmp_path_factory) -> str:
    """A project created by ``carya create``; tests must not modify it."""
    target = str(tmp_path_factory.mktemp("created") / PROJECT_NAME)
    done = run_carya("create", PROJECT_NAME, target)
    assert done.returncode == 0, done.stderr
    return target
