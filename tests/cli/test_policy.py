"""``carya policy``: the effective policy of the APIs in a Paste pipeline."""

from __future__ import annotations

import json
import os

import pytest

from tests.cli.conftest import run_carya
from tests.support import EXAMPLES, ROOT

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


@pytest.mark.parametrize("missing", ["fastjsonschema", "jsonschema"])
def test_policy_without_the_api_extra_is_one_line_naming_it(tmp_path, missing):
    """The extra's modules are hidden from a fresh interpreter by stand-ins that fail
    to import, as they would when the extra is not installed."""
    for name in ("yaml", "fastjsonschema", "jsonschema"):
        if name == missing:
            (tmp_path / f"{name}.py").write_text(
                f"raise ModuleNotFoundError(\"No module named '{name}'\", name='{name}')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), ROOT])}
    done = run_carya("policy", INI, env=env)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "'api' extra" in done.stderr and f"{missing} is not installed" in done.stderr
