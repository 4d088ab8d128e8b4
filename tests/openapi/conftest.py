"""Fixtures for the OpenAPI tests: the example applications as ``carya routes`` loads them."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from carya.cli import main
from carya.cli.loading import load
from tests.support import EXAMPLES, free_port, headless_chromium, running

CLOUDAPPS_ETC = os.path.join(EXAMPLES, "cloudapps", "etc")
CLOUD = os.path.join(CLOUDAPPS_ETC, "cloud", "api-paste.ini") + "#osapi_compute"
ALARMS = os.path.join(CLOUDAPPS_ETC, "alarms", "config.py")
DEPLOYER = os.path.join(CLOUDAPPS_ETC, "deployer", "config.py")
CARYA = os.path.join(os.path.dirname(sys.executable), "carya")
TARGETS = {
    "catalog": os.path.join(EXAMPLES, "catalog", "config.py"),
    "groups": os.path.join(EXAMPLES, "groups", "api-paste.ini"),
    "cloud": CLOUD,
    "alarms": ALARMS,
    "deployer": DEPLOYER,
}


@pytest.fixture
def cloudapps_env(tmp_path, monkeypatch):
    """The cloudapps services' settings pointed at a temporary state dir."""
    monkeypatch.setenv("CLOUDAPPS_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("CLOUDAPPS_TRANSPORT_URL", f"embedded://{tmp_path}/notify.sqlite")
    for name in ("CLOUD", "ALARMS", "DEPLOYER"):
        monkeypatch.delenv(f"CLOUDAPPS_{name}_DB", raising=False)
    return tmp_path


@pytest.fixture
def document_of(cloudapps_env, capsys):
    """``carya openapi TARGET`` run as the CLI runs it: the parsed document and the app."""

    def build(name: str) -> tuple[dict, object]:
        out = cloudapps_env / f"{name}.json"
        root = logging.getLogger()
        before = list(root.handlers)
        try:
            assert main(["openapi", TARGETS[name], "--output", str(out)]) == 0
        finally:  # main() logs to the captured stderr: do not keep that handler
            root.handlers[:] = before
        capsys.readouterr()
        return json.loads(out.read_text()), load(TARGETS[name]).wsgiapp

    return build


@contextmanager
def cloud_with_reference(state_dir: str) -> Iterator[str]:
    """The cloud API under ``carya serve``, wrapped in the openapi filter; yields its URL.

    A copy of ``etc/cloud/api-paste.ini`` in ``state_dir`` gains a pipeline
    that puts ``carya.openapi``'s filter in front of ``osapi_compute``, as an
    operator would opt in.
    """
    ini = os.path.join(state_dir, "reference.ini")
    with open(CLOUD.partition("#")[0]) as source, open(ini, "w") as out:
        out.write(source.read() + "\n" + REFERENCE_INI)
    env = dict(os.environ, CLOUDAPPS_STATE_DIR=state_dir,
               CLOUDAPPS_TRANSPORT_URL=f"embedded://{state_dir}/notify.sqlite")
    port = free_port()
    with running([CARYA, "serve", ini + "#main", "--port", str(port)], port, env=env):
        yield f"http://127.0.0.1:{port}"


REFERENCE_INI = """\
[pipeline:main]
pipeline = openapi osapi_compute

[filter:openapi]
paste.filter_factory = carya.openapi:filter_factory
title = cloudapps cloud API
version = 2.1
"""


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's) driven by Selenium, with a throwaway profile."""
    with headless_chromium() as driver:
        yield driver
