"""Renderers (json, Mako, Jinja2, custom) and the jsonify rules for user types."""

from __future__ import annotations

import datetime
import decimal
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carya import expose, render
from carya.jsonify import encode, jsonify, prebuilt_dumps
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


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=5) | st.integers(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(json_values)
def test_encode_writes_what_the_stdlib_encoder_writes(value):
    """The C encoder is built once (jsonify.prebuilt_dumps), not per call: same text."""
    import json

    assert encode(value) == json.JSONEncoder(default=jsonify, ensure_ascii=False).encode(value)
    assert ascii_dumps(value) == json.dumps(value)  # WSME's settings (carya.compat.wsexpose)


ascii_dumps = prebuilt_dumps()


def test_encode_uses_the_prebuilt_encoder_and_rules_still_apply():
    from carya import jsonify as module

    assert module._dumps.__name__ == "dumps"  # CPython: the C encoder, built once
    assert encode({"p": Point(1, 2), "w": [WithJson()]}) == (
        '{"p": {"x": 1, "y": 2}, "w": [{"custom": true}]}'
    )


def test_a_result_that_contains_itself_is_an_error_not_a_hang():
    loop: list = []
    loop.append(loop)
    with pytest.raises((ValueError, RecursionError)):
        encode(loop)
