"""Extensions found through entry points, given directly, and listed at /extensions."""

from __future__ import annotations

import importlib.metadata
import logging

import pytest

from carya.api import APIRouter, ExtensionBase, load_extensions
from carya.api.extensions import ExtensionError

NAMESPACE = "carya.example.v21.extensions"  # examples/groups registers "groups" here


def test_groups_found_through_its_entry_point():
    points = importlib.metadata.entry_points(group=NAMESPACE)
    assert [p.name for p in points] == ["groups"], "pip install -e examples/groups"
    info = load_extensions(NAMESPACE)
    groups = info.get_extensions()["groups"]
    assert groups.name == "Groups" and groups.extension_info is info
    assert "groups = groups_api.extension:Groups" in info.origins["groups"]


def test_enabled_and_disabled():
    assert len(load_extensions(NAMESPACE, enabled=["groups"])) == 1
    assert len(load_extensions(NAMESPACE, enabled=["other"])) == 0
    assert len(load_extensions(NAMESPACE, disabled=["groups"])) == 0
    assert len(load_extensions("no.such.namespace")) == 0


def test_loaded_extensions_are_logged(caplog):
    with caplog.at_level(logging.INFO, logger="carya.api"):
        APIRouter(extension_namespace=NAMESPACE)
    assert "Loaded extensions: ['groups']" in caplog.text


class Quiet(ExtensionBase):
    """Does nothing.

    Longer explanation that /extensions leaves out.
    """

    name = "Quiet"
    alias = "os-quiet"
    updated = "2024-01-01T00:00:00Z"


def test_extensions_listed_over_the_api(caller):
    app = caller(APIRouter(extension_namespace=NAMESPACE, extensions=[Quiet]))
    listed = app.get("/extensions").json["extensions"]
    assert [e["alias"] for e in listed] == ["groups", "os-quiet"]
    assert listed[1] == {"name": "Quiet", "alias": "os-quiet", "description": "Does nothing.",
                         "namespace": "https://docs.openstack.org/os-quiet",
                         "updated": "2024-01-01T00:00:00Z", "links": []}
    assert app.get("/extensions/os-quiet").json["extension"]["name"] == "Quiet"
    missing = app.get("/extensions/os-loud", status=404)
    assert missing.json["itemNotFound"]["message"] == "Extension 'os-loud' is not loaded."


def test_bad_extensions_stop_start_up():
    class NoAlias(ExtensionBase):
        name = "Nameless"

    with pytest.raises(ExtensionError, match="has no alias"):
        APIRouter(extensions=[NoAlias])
    with pytest.raises(ExtensionError, match="alias 'os-quiet' is claimed twice"):
        APIRouter(extensions=[Quiet, Quiet()])

    class Exploding(ExtensionBase):
        name, alias = "Boom", "boom"

        def __init__(self):
            raise RuntimeError("no database")

    with pytest.raises(ExtensionError, match="creating it failed: RuntimeError"):
        APIRouter(extensions=[Exploding])
    with pytest.raises(ExtensionError, match="is not an extension class"):
        APIRouter(extensions=[object()])


def test_broken_entry_point_names_it(tmp_path, monkeypatch):
    dist = tmp_path / "broken_ext-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-ext\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[carya.test.broken]\nbroken = no_such_module_anywhere:Thing\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ExtensionError) as error:
        load_extensions("carya.test.broken")
    text = str(error.value)
    assert "broken = no_such_module_anywhere:Thing" in text
    assert "carya.test.broken" in text and "ModuleNotFoundError" in text
