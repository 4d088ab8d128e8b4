"""The opt-in reference: ``/openapi.json`` and the page, served by OpenAPIMiddleware."""

from __future__ import annotations

import json

import webtest

from carya import App, expose
from carya.openapi import OpenAPIMiddleware, filter_factory, operations


class Root:
    @expose("json")
    def index(self):
        return {"hello": "world"}

    @expose("json")
    def echo(self, word, times="1"):
        """Repeat a word."""
        return {"echo": [word] * int(times)}


def _served(**options):
    return webtest.TestApp(OpenAPIMiddleware(App(Root()), title="Echo <API>", **options))


def test_document_and_page_are_served_and_the_rest_passes_through():
    app = _served()
    document = app.get("/openapi.json").json
    assert {(m, p) for m, p, _ in operations(document)} == {("GET", "/"), ("GET", "/echo")}
    echo = document["paths"]["/echo"]["get"]
    assert echo["summary"] == "Repeat a word."
    assert [(p["name"], p["required"]) for p in echo["parameters"]] == [
        ("word", True), ("times", False)]
    page = app.get("/api-ref/")
    assert page.content_type == "text/html"
    assert "Echo &lt;API&gt;" in page.text and "<API>" not in page.text
    assert 'src="reference.js"' in page.text
    assert app.get("/api-ref/reference.js").content_type == "text/javascript"
    assert app.get("/api-ref/reference.css").content_type == "text/css"
    assert app.get("/api-ref").location.endswith("/api-ref/")
    assert app.get("/echo?word=hi&times=2").json == {"echo": ["hi", "hi"]}
    assert app.post("/openapi.json", status=405).headers["Allow"] == "GET, HEAD"


def test_page_fetches_nothing_from_elsewhere():
    app = _served()
    for name in ("", "reference.js", "reference.css"):
        text = app.get("/api-ref/" + name).text
        assert "http://" not in text and "https://" not in text and "//cdn" not in text


def test_paths_are_configurable_and_the_filter_factory_reads_the_ini_section():
    app = _served(spec_path="/v1/spec.json", page_path="/docs")
    assert app.get("/v1/spec.json").json["info"]["title"] == "Echo <API>"
    assert app.get("/docs/").status_int == 200
    wrapped = filter_factory({}, title="From INI", version="2.0")(App(Root()))
    body = webtest.TestApp(wrapped).get("/openapi.json").body
    assert json.loads(body)["info"] == {"title": "From INI", "version": "2.0"}
