"""``carya.routing.listing`` in-process: WSGI stacks, URL maps, and other routers joining."""

from __future__ import annotations

import pytest
from webtest import TestApp

import carya
from carya.paste import URLMap
from carya.routing.listing import (
    MatchInfo,
    RouteInfo,
    list_routes,
    match,
    mounted_apps,
    register,
    unregister,
)
from carya.static import StaticCascade


class Hello:
    @carya.expose()
    def index(self):
        return "hello"

    @carya.expose("json")
    def item(self, item_id):
        return {"item": item_id}


class Other:
    @carya.expose()
    def index(self):
        return "other"


class Outer:
    """Middleware keeping the next app in ``.app``."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


def _paths(routes: list[RouteInfo]) -> list[tuple[str, str]]:
    return [(route.path, route.handler.rsplit(".", 1)[-1]) for route in routes]


def test_wrappers_are_seen_through(tmp_path):
    app = carya.make_app(Hello())
    wrapped = Outer(StaticCascade(app, str(tmp_path)))
    assert mounted_apps(wrapped) == [("", app)]
    assert list_routes(wrapped) == list_routes(app)
    assert _paths(list_routes(app)) == [("/", "index"), ("/item", "item")]


def test_carya_url_map_prefixes_paths_and_matches():
    hello, other = carya.make_app(Hello()), carya.make_app(Other())
    urlmap = URLMap({"/v1": hello, "/": other})
    assert _paths(list_routes(urlmap)) == [("/", "index"), ("/v1/", "index"),
                                           ("/v1/item", "item")]
    info = match(urlmap, "GET", "/v1/item?item_id=3")
    assert (info.handler.endswith("Hello.item"), info.args, info.mount) == (True, ["3"], "/v1")
    assert TestApp(urlmap).get("/v1/item?item_id=3").json == {"item": "3"}
    assert match(urlmap, "GET", "/").handler.endswith("Other.index")


def test_not_a_carya_app():
    def plain(environ, start_response):
        start_response("200 OK", [])
        return [b""]

    with pytest.raises(ValueError, match="not a carya application"):
        list_routes(plain)
    with pytest.raises(ValueError, match="not a carya application"):
        match(plain, "GET", "/")


class PrefixRouter:
    """A router of another kind (what a Routes-style mapper is to listing)."""

    def __init__(self, routes: dict[str, str]):
        self.routes = routes

    def __call__(self, environ, start_response):
        body = self.routes.get(environ["PATH_INFO"], "").encode()
        start_response("200 OK" if body else "404 Not Found", [])
        return [body]


def _list_prefix_router(router: PrefixRouter):
    for path, name in router.routes.items():
        yield RouteInfo(("GET",), path, f"prefix.{name}", "mapper", name=name)


def _match_prefix_router(router: PrefixRouter, method: str, path: str, headers: dict):
    name = router.routes.get(path)
    return MatchInfo(method, path, 200 if name else 404,
                     handler=f"prefix.{name}" if name else None)


@pytest.fixture
def prefix_router_registered():
    register(PrefixRouter, _list_prefix_router, _match_prefix_router)
    yield
    unregister(PrefixRouter)


def test_other_routers_register(prefix_router_registered):
    hello = carya.make_app(Hello())
    urlmap = URLMap({"/api": PrefixRouter({"/servers": "servers"}), "/": hello})
    routes = list_routes(urlmap)
    assert RouteInfo(("GET",), "/api/servers", "prefix.servers", "mapper",
                     name="servers") in routes
    assert ("/", "index") in _paths(routes)
    found = match(urlmap, "GET", "/api/servers")
    assert (found.status, found.handler, found.mount) == (200, "prefix.servers", "/api")
    assert match(urlmap, "GET", "/api/nothing").status == 404


def test_unregistered_router_shows_its_static_table():
    source = carya.make_app(Hello())

    class Delegating:
        """A router that is not carya's Router class but speaks its protocol."""

        def __init__(self, router):
            self.static = router.static
            self.find = router.find
            self.authorize = router.authorize

    app = carya.make_app(Hello(), router=Delegating(source.router))
    routes = list_routes(app)
    assert ("/item", "item") in _paths(routes)
    assert all(r.kind == "static" and "Delegating has no lister" in r.notes[0] for r in routes)
    assert match(app, "GET", "/item/9").args == ["9"]
