"""Renderers (json, Mako, Jinja2, custom) and the jsonify rules for user types."""

from __future__ import annotations

import datetime
import decimal
import uuid

import pytest

from carya import expose, render
from carya.jsonify import encode, jsonify
from carya.render import Renderer, RendererFactory


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y


@jsonify.register(Point)
def _point(obj):
    return {"x": obj.x, "y": obj.y}


class WithJson:
    def __json__(self):
        return {"custom": True}


class Upper(Renderer):
    def render(self, template, namespace):
        return f"{template}:{namespace['word'].upper()}"


@pytest.fixture
def templates(tmp_path):
    (tmp_path / "hello.mako").write_text("Hello ${name}!")
    (tmp_path / "hello.jinja").write_text("Hello {{ name }}!")
    (tmp_path / "extra.jinja").write_text("{{ site }}/{{ name }}")
    return tmp_path


class Root:
    @expose("mako:hello.mako")
    def mako(self, name="world"):
        return {"name": name}

    @expose("hello.jinja")
    def default_engine(self, name="world"):
        return {"name": name}

    @expose("jinja:extra.jinja")
    def extra(self):
        return {"name": "page"}

    @expose("upper:any")
    def custom(self):
        return {"word": "shout"}

    @expose("json")
    def types(self):
        return {
            "when": datetime.date(2026, 11, 24),
            "amount": decimal.Decimal("1.5"),
            "id": uuid.UUID(int=1),
            "point": Point(1, 2),
            "obj": WithJson(),
            "set": {3},
        }

    @expose()
    def manual(self):
        return render("json", {"manual": [1]})


@pytest.fixture
def app(client, templates):
    return client(
        Root(),
        template_path=str(templates),
        default_renderer="jinja",
        custom_renderers={"upper": Upper},
        extra_template_vars={"site": "carya"},
    )


def test_mako(app):
    assert app.get("/mako?name=<b>").text == "Hello &lt;b&gt;!"


def test_default_engine_jinja_autoescapes(app):
    assert app.get("/default_engine?name=<i>").text == "Hello &lt;i&gt;!"


def test_extra_template_vars(app):
    assert app.get("/extra").text == "carya/page"


def test_custom_renderer(app):
    assert app.get("/custom").text == "any:SHOUT"


def test_json_rules(app):
    assert app.get("/types").json == {
        "when": "2026-11-24",
        "amount": 1.5,
        "id": "00000000-0000-0000-0000-000000000001",
        "point": {"x": 1, "y": 2},
        "obj": {"custom": True},
        "set": [3],
    }


def test_render_function_inside_request(app):
    assert app.get("/manual").text == '{"manual": [1]}'


def test_unencodable_is_type_error():
    with pytest.raises(TypeError, match="register a rule"):
        encode({"x": object()})


def test_unknown_default_renderer_is_build_error():
    with pytest.raises(ValueError, match="default_renderer"):
        RendererFactory(default="nope")


def test_missing_template_is_500_not_traceback(client):
    class Missing:
        @expose("jinja:nope.html")
        def index(self):
            return {}

    resp = client(Missing(), template_path="/nonexistent").get("/", status=500)
    assert "Traceback" not in resp.text
