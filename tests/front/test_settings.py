"""The front's settings: safe defaults, refusals that name the option."""

from __future__ import annotations

import pytest

from carya.front.settings import SETTING_NAMES, FrontSettings
from carya.server import _settings


def test_defaults_are_bounded():
    settings = FrontSettings()
    assert 0 < settings.header_timeout <= 30 and 0 < settings.body_timeout <= 120
    assert 0 < settings.request_timeout and settings.max_connections <= 10000
    assert settings.buffer_body == 2**20


def test_pick_splits_front_and_gunicorn_options():
    front, rest = FrontSettings.pick({"header_timeout": 2, "graceful_timeout": 5})
    assert front.header_timeout == 2 and rest == {"graceful_timeout": 5}


@pytest.mark.parametrize("options, message", [
    ({"header_timeout": 0}, "header_timeout=0"),
    ({"max_connections": -1}, "max_connections=-1"),
    ({"request_timeout": "soon"}, "request_timeout='soon'"),
    ({"no_such_option": 1}, "unknown server option 'no_such_option'"),
    ({"worker_class": "gthread", "header_timeout": 3}, "header_timeout need carya's own worker"),
])
def test_bad_options_are_value_errors_naming_them(options, message):
    with pytest.raises(ValueError, match=message):
        _settings(8, 2, options)


def test_the_default_worker_carries_the_settings():
    settings = _settings(8, 2, {"request_timeout": 5, "keepalive": 3})
    worker = settings["worker_class"]
    assert worker.settings.request_timeout == 5
    assert worker.settings.keepalive_timeout == 3, "gunicorn's keepalive name is honoured"
    assert SETTING_NAMES.isdisjoint(settings)
