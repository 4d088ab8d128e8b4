"""expose(): templates, content types, generic handlers, negotiation by extension and Accept."""

from __future__ import annotations

import pytest

from carya import expose, override_template, response
from carya.expose import exposed_info


class Root:
    @expose()
    def text(self):
        return "plain"

    @expose(content_type="text/plain")
    def explicit(self):
        return "explicit plain"

    @expose("json")
    def data(self):
        return {"a": 1}

    @expose(template="json")
    def data_kw(self):
        return [1, 2]

    @expose("mako:error.html")
    @expose("json")
    def both(self):
        return {"status": 200, "message": "ok"}

    @expose()
    def raw(self):
        return b"\x00\x01"

    @expose()
    def empty(self):
        return None

    @expose("json")
    def created(self):
        response.status = 201
        return {"made": True}

    @expose("json")
    def swapped(self):
        override_template("mako:error.html", "text/html")
        return {"status": 418, "message": "teapot"}

    @expose()
    def wrong_type(self):
        return 42

    @expose(generic=True, template="json")
    def thing(self):
        return {"method": "GET"}

    @thing.when(method="POST", template="json")
    def thing_post(self, **kw):
        return {"method": "POST", "kw": kw}

    @thing.when(method="DELETE")
    def thing_delete(self):
        response.status = 204


@pytest.fixture
def app(client):
    return client(Root())


def test_plain_string_is_html_utf8(app):
    resp = app.get("/text")
    assert resp.content_type == "text/html"
    assert resp.charset.lower() == "utf-8"
    assert resp.text == "plain"


def test_explicit_content_type(app):
    assert app.get("/explicit").content_type == "text/plain"


@pytest.mark.parametrize("path", ["/data", "/data_kw"])
def test_json_template(app, path):
    resp = app.get(path)
    assert resp.content_type == "application/json"
    assert resp.json in ({"a": 1}, [1, 2])


def test_bytes_body(app):
    assert app.get("/raw").body == b"\x00\x01"


def test_empty_body_is_204_without_content_type(app):
    resp = app.get("/empty", status=204)
    assert "Content-Type" not in resp.headers
    assert resp.body == b""


def test_status_set_on_response(app):
    resp = app.get("/created", status=201)
    assert resp.json == {"made": True}
    assert resp.content_type == "application/json"


def test_override_template(app):
    resp = app.get("/swapped")
    assert resp.content_type == "text/html"
    assert "Error 418" in resp.text and "teapot" in resp.text


def test_unrenderable_result_is_500_without_traceback(app):
    resp = app.get("/wrong_type", status=500)
    assert "Traceback" not in resp.text


class TestNegotiation:
    def test_last_expose_applied_is_default(self, app):
        assert "Error 200" in app.get("/both").text

    def test_stacked_exposes_default_matches_pecan(self, fw):
        class Root:
            @fw.expose(content_type="text/html")
            @fw.expose(content_type="application/json")
            def index(self):
                return "Foo"

        assert fw.client(Root()).get("/").content_type == "text/html"

    def test_extension_selects_type(self, app):
        resp = app.get("/both.json")
        assert resp.json == {"status": 200, "message": "ok"}

    def test_extension_sets_request_state(self, client):
        class R:
            @expose("json")
            def info(self):
                from carya import state

                return {"ext": state.extension}

        assert client(R()).get("/info.json").json == {"ext": ".json"}

    def test_unsupported_extension_is_404(self, app):
        app.get("/data.xml", status=404)

    def test_unknown_extension_is_part_of_the_name(self, app):
        app.get("/data.nosuchext", status=404)

    def test_accept_header_selects(self, app):
        resp = app.get("/both", headers={"Accept": "application/json"})
        assert resp.json["message"] == "ok"

    def test_accept_nothing_offered_is_406(self, app):
        resp = app.get("/data", headers={"Accept": "image/png"}, status=406)
        assert "application/json" in resp.text

    def test_browser_accept_gets_default(self, app):
        browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        assert app.get("/text", headers={"Accept": browser}).text == "plain"

    def test_accept_answers_are_remembered_per_handler(self, app):
        """Clients repeat their Accept header: its answer (and a 406) is worked out once,
        and the memo stays bounded while unknown headers still get WebOb's reading."""
        for _ in range(2):
            assert app.get("/both", headers={"Accept": "application/json"}).json["status"] == 200
            assert app.get("/both", headers={"Accept": "text/html"}).text.startswith("<")
            app.get("/data", headers={"Accept": "image/png"}, status=406)
        flood = [f"application/x-{i}, application/json;q=0.5" for i in range(100)]
        for accept in flood:
            assert app.get("/both", headers={"Accept": accept}).json["message"] == "ok"
        app.get("/data", headers={"Accept": "image/gif"}, status=406)
        assert app.get("/both", headers={"Accept": "application/json"}).json["status"] == 200
        handler, _ = app.app.static["/both"]
        assert len(handler.accepted) == 64
        assert handler.accepted["application/json"] == "application/json"

    def test_extension_off(self, client):
        app = client(Root(), guess_content_type_from_ext=False)
        app.get("/data.json", status=404)


class TestGeneric:
    def test_get_goes_to_default(self, app):
        assert app.get("/thing").json == {"method": "GET"}

    def test_post_goes_to_when(self, app):
        assert app.post("/thing", {"x": "1"}).json == {"method": "POST", "kw": {"x": "1"}}

    def test_delete_handler(self, app):
        app.delete("/thing", status=204)

    def test_unregistered_method_is_405_with_allow(self, app):
        resp = app.put("/thing", status=405)
        assert resp.headers["Allow"] == "DELETE, GET, HEAD, POST"

    def test_when_handler_not_routable_by_name(self, app):
        app.get("/thing_post", status=404)

    def test_duplicate_method_rejected(self):
        class Bad:
            @expose(generic=True)
            def index(self):
                return ""

            @index.when(method="POST")
            def a(self):
                return ""

        with pytest.raises(ValueError, match="POST already has a handler"):

            @Bad.index.when(method="POST")
            def b(self):
                return ""


def test_expose_records_metadata_only():
    def f(self):
        return "x"

    decorated = expose("json", content_type="application/vnd.x+json")(f)
    assert decorated is f
    info = exposed_info(f)
    assert info.content_types == {"application/vnd.x+json": "json"}
    assert info.explicit_content_type is True


@pytest.mark.parametrize("route", ["", "a/b", ".."])
def test_bad_route_segment_rejected(route):
    with pytest.raises(ValueError, match="one path segment"):
        expose(route=route)


def test_unknown_expose_argument_rejected():
    with pytest.raises(TypeError, match="unexpected"):
        expose(templat="json")


def test_route_name_collision_is_build_error(client):
    class Clash:
        @expose(route="x")
        def a(self):
            return "a"

        @expose(route="x")
        def b(self):
            return "b"

    with pytest.raises(ValueError, match="claimed twice"):
        client(Clash())


def test_stacked_expose_default_is_the_last_applied_as_in_pecan(fw):
    """A wrapper that re-exposes a function (WSME: XML, then JSON) sets the default."""

    class Root:
        @fw.expose("json")
        @fw.expose(content_type="text/plain")
        def both(self):
            return {"a": 1}

        @fw.expose(content_type="text/plain")
        @fw.expose("json")
        def plain(self):
            return "text"

    app = fw.client(Root())
    resp = app.get("/both")
    assert (resp.content_type, resp.json) == ("application/json", {"a": 1})
    resp = app.get("/plain")
    assert (resp.content_type, resp.text) == ("text/plain", "text")


def test_handler_choosing_no_content_type_gets_an_empty_204(fw):
    """WSME's "no content": ``request.pecan['content_type'] = None`` skips rendering."""

    class Root:
        @fw.expose("json")
        def nothing(self):
            fw.request.pecan["content_type"] = None
            return ""

    resp = fw.client(Root()).get("/nothing", status=204)
    assert resp.body == b"" and "Content-Type" not in resp.headers


def test_handler_choosing_another_offered_content_type(fw):
    class Root:
        @fw.expose(content_type="text/plain")
        @fw.expose("json")
        def either(self):
            fw.request.pecan["content_type"] = "text/plain"
            return "as text"

    resp = fw.client(Root()).get("/either", headers={"Accept": "application/json"})
    assert (resp.content_type, resp.text) == ("text/plain", "as text")


def test_json_with_a_status_set_has_no_charset(fw):
    class Root:
        @fw.expose("json")
        def made(self):
            fw.response.status = 201
            return {"made": True}

    resp = fw.client(Root()).get("/made", status=201)
    assert resp.headers["Content-Type"] == "application/json"
    assert resp.json == {"made": True}
