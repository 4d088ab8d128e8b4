"""static_root: files served in debug mode only, never outside the directory."""

from __future__ import annotations

import pytest
from webtest import TestApp

from carya import expose, make_app


class Root:
    @expose()
    def index(self):
        return "app"

    @expose()
    def page(self):
        return "page from app"


@pytest.fixture
def public(tmp_path):
    (tmp_path / "public").mkdir()
    (tmp_path / "public" / "style.css").write_text("body { color: red }")
    (tmp_path / "secret.txt").write_text("do not serve")
    return tmp_path / "public"


def test_debug_serves_static_files(public):
    app = TestApp(make_app(Root(), debug=True, static_root=str(public)))
    resp = app.get("/style.css")
    assert resp.text == "body { color: red }"
    assert resp.content_type == "text/css"
    assert app.get("/page").text == "page from app"
    assert app.get("/").text == "app"


def test_static_never_escapes_root(public):
    app = TestApp(make_app(Root(), debug=True, static_root=str(public)))
    app.get("/../secret.txt", status=404)
    app.get("/%2e%2e/secret.txt", status=404)


def test_static_off_without_debug(public):
    app = TestApp(make_app(Root(), static_root=str(public)))
    app.get("/style.css", status=404)
