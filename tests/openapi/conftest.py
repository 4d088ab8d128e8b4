"""Fixtures for the OpenAPI tests: the example applications as ``carya routes`` loads them."""

from __future__ import annotations

import json
import logging
import os

import pytest

from carya.cli import main
from carya.cli.loading import load
from tests.support import EXAMPLES

CLOUDAPPS_ETC = os.path.join(EXAMPLES, "cloudapps", "etc")
CLOUD = os.path.join(CLOUDAPPS_ETC, "cloud", "api-paste.ini") + "#osapi_compute"
ALARMS = os.path.join(CLOUDAPPS_ETC, "alarms", "config.py")
DEPLOYER = os.path.join(CLOUDAPPS_ETC, "deployer", "config.py")
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
