"""etc/alarms: the config both commands read, and the app.wsgi Apache loads."""

from __future__ import annotations

import logging
import os
import runpy

import pytest
import webtest

from carya.notify.config import load
from tests.support import EXAMPLES

ETC = os.path.join(EXAMPLES, "cloudapps", "etc", "alarms")


def test_the_config_declares_the_evaluator_in_pool_alarms(tmp_path, monkeypatch):
    monkeypatch.setenv("CLOUDAPPS_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("CLOUDAPPS_TRANSPORT_URL", raising=False)
    cfg = load(os.path.join(ETC, "config.py"))
    [listener] = cfg.listeners
    assert (listener.name, listener.pool, listener.topics) == ("evaluator", "alarms",
                                                              ["notifications"])
    assert listener.endpoints == ["cloudapps.alarms.evaluator:Evaluator"]
    assert cfg.transport_url.scheme == "embedded"
    assert cfg.transport_url.path.endswith(str(tmp_path / "notify.sqlite"))


def test_the_transport_url_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CLOUDAPPS_TRANSPORT_URL", "rabbit://guest:guest@127.0.0.1:5672/")
    cfg = load(os.path.join(ETC, "config.py"))
    assert cfg.transport_url.scheme == "rabbit"


@pytest.fixture
def own_logging():
    """deploy() applies the config's ``logging``: give the root logger back as it was."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def test_app_wsgi_builds_the_api(tmp_path, monkeypatch, own_logging):
    monkeypatch.setenv("CLOUDAPPS_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("CLOUDAPPS_ALARMS_DB", f"sqlite:///{tmp_path / 'a.sqlite'}")
    application = runpy.run_path(os.path.join(ETC, "app.wsgi"))["application"]
    api = webtest.TestApp(application)
    assert api.get("/v2/alarms").json == []
    assert os.path.exists(tmp_path / "a.sqlite")
