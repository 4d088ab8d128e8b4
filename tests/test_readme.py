"""The README's tour is real code: run it and check what it claims."""

from __future__ import annotations

import re

import pytest
from webtest import TestApp

from tests.support import ROOT


@pytest.fixture(scope="module")
def tour():
    text = open(f"{ROOT}/README.md", encoding="utf-8").read()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {"__name__": "readme_tour"}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    return TestApp(namespace["app"])


def test_tour_rest_controller(tour):
    assert tour.get("/books").json == [{"id": "1"}]
    assert tour.get("/books/1").json == {"id": "1"}
    assert "no such book" in tour.get("/books/2", status=404).text
    assert tour.post_json("/books", {"title": "x"}, status=201).json == {"title": "x"}
    assert tour.post("/books/1/publish").json == {"published": "1"}


def test_tour_generic_index_and_hook(tour):
    assert tour.get("/", headers={"X-User": "ana"}).json == {"hello": "ana"}
    assert tour.post("/", {"q": "wsgi"}, status=302).headers["Location"].endswith("/search?q=wsgi")
    assert "Missing argument 'q'" in tour.post("/", status=400).text
