"""``carya policy``: the effective policy of the APIs in a Paste pipeline."""

from __future__ import annotations

import json
import os

from tests.support import EXAMPLES

INI = os.path.join(EXAMPLES, "groups", "api-paste.ini")


def test_policy_lists_groups_rules_as_json(carya):
    result = carya("policy", INI, "--format", "json")
    assert result.returncode == 0, result.stderr
    rules = json.loads(result.stdout)
    assert any(name.startswith("os_compute_api:groups") for name in rules)


def test_policy_yaml_is_commented(carya):
    result = carya("policy", INI)
    assert result.returncode == 0, result.stderr
    assert "os_compute_api:groups" in result.stdout
    assert "#" in result.stdout


def test_policy_without_api_is_clear(carya):
    config = os.path.join(EXAMPLES, "catalog", "config.py")
    result = carya("policy", config)
    assert result.returncode == 2
    assert "no carya.api application" in result.stderr
