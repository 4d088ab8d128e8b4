"""Object dispatch: attribute walk, index, _default, _lookup, _route, canonical URLs, args."""

from __future__ import annotations

import pytest

from carya import abort, expose, request
from carya.app import make_app


class Leaf:
    @expose()
    def index(self):
        return "leaf index"

    @expose()
    def page(self):
        return "leaf page"


class Branch:
    leaf = Leaf()

    @expose()
    def index(self):
        return "branch index"


class Defaulting:
    @expose()
    def index(self):
        return "defaulting index"

    @expose()
    def _default(self, *parts):
        return "default:" + "/".join(parts)


class Item:
    def __init__(self, key):
        self.key = key

    @expose()
    def index(self):
        return f"item {self.key}"

    @expose("json")
    def detail(self):
        return {"key": self.key}


class Items:
    @expose()
    def _lookup(self, key, *remainder):
        if key == "missing":
            abort(404)
        return Item(key), remainder


class CustomRoute:
    @expose()
    def _route(self, args, request):
        if args and args[0] == "special":
            return self.special, args[1:]
        return self.fallback, args

    @expose()
    def special(self, *rest):
        return "special " + ",".join(rest)

    @expose()
    def fallback(self, *rest):
        return "fallback " + ",".join(rest)


class Args:
    @expose()
    def one(self, a):
        return f"a={a}"

    @expose()
    def two(self, a, b="B"):
        return f"a={a} b={b}"

    @expose()
    def star(self, a, *rest):
        return f"a={a} rest={list(rest)}"

    @expose("json")
    def kw(self, a=None, **kw):
        return {"a": a, "kw": kw}

    @expose()
    def nothing(self):
        return "nothing"


class Root:
    branch = Branch()
    defaulting = Defaulting()
    items = Items()
    custom = CustomRoute()
    args = Args()

    def __init__(self):
        self.instance_child = Leaf()

    @expose()
    def index(self):
        return "root"

    @expose(route="some-path")
    def some_path(self):
        return "dashed"

    @expose()
    def _private(self):  # pragma: no cover - must never be reachable
        return "private"

    not_a_controller = "just a string"


@pytest.fixture
def app(client):
    return client(Root())


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/", "root"),
        ("/branch/", "branch index"),
        ("/branch/leaf/", "leaf index"),
        ("/branch/leaf/page", "leaf page"),
        ("/branch/leaf/page/", "leaf page"),
        ("/instance_child/page", "leaf page"),
        ("/some-path", "dashed"),
    ],
)
def test_attribute_walk(app, path, body):
    assert app.get(path).text == body


def test_static_table_holds_plain_paths():
    routes = make_app(Root()).router.static
    assert "/branch/leaf/page" in routes
    assert "/some-path" in routes
    assert "/some_path" not in routes  # renamed by route=


def test_route_name_replaces_function_name(app):
    app.get("/some_path", status=404)


@pytest.mark.parametrize("path", ["/_private", "/not_a_controller", "/__class__", "/nope"])
def test_unreachable_paths_are_404(app, path):
    app.get(path, status=404)


def test_index_without_slash_redirects(app):
    resp = app.get("/branch", status=302)
    assert resp.headers["Location"] == "/branch/"


def test_redirect_keeps_query_string(app):
    resp = app.get("/branch?x=1", status=302)
    assert resp.headers["Location"] == "/branch/?x=1"


def test_post_without_slash_gets_method_preserving_redirect(app):
    resp = app.post("/branch", {"a": "1"}, status=308)
    assert resp.headers["Location"] == "/branch/"


def test_force_canonical_off_serves_index(client):
    app = client(Root(), force_canonical=False)
    assert app.get("/branch").text == "branch index"


def test_default_catches_unknown(app):
    assert app.get("/defaulting/x/y").text == "default:x/y"
    assert app.get("/defaulting/").text == "defaulting index"


def test_lookup_returns_controller_and_remainder(app):
    assert app.get("/items/abc/").text == "item abc"
    assert app.get("/items/abc/detail").json == {"key": "abc"}


def test_lookup_may_abort(app):
    app.get("/items/missing/detail", status=404)


def test_lookup_without_arguments_is_404(app):
    app.get("/items/", status=404)


def test_custom_route(app):
    assert app.get("/custom/special/a/b").text == "special a,b"
    assert app.get("/custom/other").text == "fallback other"


class TestArguments:
    def test_positional_from_path(self, app):
        assert app.get("/args/one/x").text == "a=x"

    def test_positional_from_query(self, app):
        assert app.get("/args/one?a=q").text == "a=q"

    def test_default_used(self, app):
        assert app.get("/args/two/x").text == "a=x b=B"

    def test_path_and_query_mix(self, app):
        assert app.get("/args/two/x?b=y").text == "a=x b=y"

    def test_missing_argument_is_400_naming_it(self, app):
        resp = app.get("/args/one", status=400)
        assert "Missing argument 'a'" in resp.text

    def test_too_many_path_parts_is_404(self, app):
        app.get("/args/one/x/y", status=404)
        app.get("/args/nothing/extra", status=404)

    def test_varargs_take_the_rest(self, app):
        assert app.get("/args/star/1/2/3").text == "a=1 rest=['2', '3']"

    def test_kwargs_from_query_and_form(self, app):
        assert app.get("/args/kw?a=1&b=2").json == {"a": "1", "kw": {"b": "2"}}
        assert app.post("/args/kw", {"a": "1", "c": "3"}).json == {"a": "1", "kw": {"c": "3"}}

    def test_repeated_parameter_becomes_list(self, app):
        assert app.get("/args/kw?b=1&b=2").json == {"a": None, "kw": {"b": ["1", "2"]}}

    def test_kwargs_from_json_body(self, app):
        resp = app.post_json("/args/kw", {"a": 5, "nested": {"x": [1]}})
        assert resp.json == {"a": 5, "kw": {"nested": {"x": [1]}}}

    def test_malformed_json_body_is_left_to_the_handler(self, app):
        """Pecan's rule: a JSON content type with a body that is not JSON does not stop
        the request; arguments come from the query (the handler may answer 400/415)."""
        resp = app.post("/args/kw?a=1", "{not json", content_type="application/json")
        assert resp.json == {"a": "1", "kw": {}}

    def test_unknown_query_parameters_are_ignored(self, app):
        assert app.get("/args/one/x?zzz=1").text == "a=x"

    def test_percent_encoded_unicode_segment(self, app):
        assert app.get("/args/one/%C3%A9t%C3%A9").text == "a=été"


class Mutable:
    """Controllers whose attributes change after build still route by the walk."""

    @expose()
    def index(self):
        return request.path


def test_request_proxy_inside_handler(client):
    app = client(Mutable())
    assert app.get("/").text == "/"


def test_cyclic_controller_tree_builds(client):
    class Node:
        @expose()
        def index(self):
            return "node"

    root = Node()
    root.again = root
    app = client(root)
    assert app.get("/").text == "node"
