"""The API reference page of the cloudapps cloud API, rendered by a real headless Chromium."""

from __future__ import annotations

import json
import urllib.request

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from carya.openapi import operations

from .conftest import cloud_with_reference

RENDERED = """
return [...document.querySelectorAll("details.operation")].map((op) => ({
  method: op.dataset.method, path: op.dataset.path,
  actions: [...op.querySelectorAll(".action")].map((a) => a.dataset.action),
  statuses: [...op.querySelectorAll(".responses tr")].map((r) => r.dataset.status),
}));
"""


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    with cloud_with_reference(str(tmp_path_factory.mktemp("openapi-cloud"))) as url:
        yield url


def test_page_renders_every_operation_and_action(reference, browser):
    with urllib.request.urlopen(reference + "/openapi.json", timeout=10) as response:
        document = json.load(response)
    expected = {(m, p): op for m, p, op in operations(document)}
    assert len(expected) > 20
    browser.get(reference + "/api-ref/")
    WebDriverWait(browser, 20).until(
        lambda d: d.find_element("tag name", "body").get_attribute("data-rendered"))
    assert browser.find_element("tag name", "body").get_attribute("data-rendered") == str(
        len(expected))
    shown = browser.execute_script(RENDERED)
    assert {(row["method"], row["path"]) for row in shown} == set(expected)
    assert len(shown) == len(expected)
    for row in shown:
        op = expected[(row["method"], row["path"])]
        assert row["actions"] == [a["action"] for a in op.get("x-carya-actions", [])]
        assert row["statuses"] == list(op["responses"])
    actions = {a for row in shown for a in row["actions"]}
    assert actions == {"createImage", "os-start", "os-stop", "reboot"}
    assert "cloudapps cloud API" in browser.title
