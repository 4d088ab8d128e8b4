"""The shapes written the way a Falcon 4 user would: resources with ``on_*`` responders."""

from __future__ import annotations

import falcon

from benchmarks.shapes import CREATED_ID, REQUEST_ID, BuiltApp, created_server, route_name


class Hello:
    """Falcon defaults to JSON, so plain text must be asked for explicitly."""

    def on_get(self, req, resp):
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = "Hello, World!"


class User:
    def on_get(self, req, resp, uid):
        resp.media = {"id": uid, "name": "user" + uid}


class Thing:
    def on_get(self, req, resp, thing_id):
        resp.media = {"id": thing_id}


class Echo:
    def on_post(self, req, resp):
        resp.media = req.get_media()


class Token:
    def on_get(self, req, resp, token_id):
        resp.media = {"id": token_id, "token": req.get_header("X-Auth-Token")}


def _context(req, resp, resource, params):
    """The context hook's work, as a Falcon ``before`` hook."""
    req.context.token = req.get_header("X-Auth-Token")


def _request_id(req, resp, resource):
    resp.set_header("X-OpenStack-Request-Id", REQUEST_ID)


class Hooked:
    @falcon.before(_context)
    @falcon.after(_request_id)
    def on_get(self, req, resp, thing_id):
        resp.media = {"id": thing_id, "token": req.context.token}


class Gone:
    def on_get(self, req, resp, server_id):
        raise falcon.HTTPNotFound(description=f"Server {server_id} could not be found.")


class Volume:
    def on_delete(self, req, resp, volume_id):
        resp.status = falcon.HTTP_204


class Flavors:
    def on_get(self, req, resp):
        resp.media = {"flavors": [], "limit": req.get_param("limit"),
                      "marker": req.get_param("marker")}


class Items:
    def on_post(self, req, resp):
        resp.status = falcon.HTTP_201
        resp.media = req.get_media()


class Servers:
    """The "create" shape: a header, the JSON body, 201 and an absolute Location."""

    def on_post(self, req, resp):
        token = req.get_header("X-Auth-Token")
        body = req.get_media()
        resp.status = falcon.HTTP_201
        resp.location = f"{req.prefix}/servers/{CREATED_ID}"
        resp.media = created_server(token, body)


class Named:
    """One instance per lookup route, answering its own name."""

    def __init__(self, name):
        self.name = name

    def on_get(self, req, resp):
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = self.name


def build(n_routes=None):
    """The fixed-shape app, or (with ``n_routes``) one with N static routes ``/rI``."""
    app = falcon.App()
    if n_routes is None:
        app.add_route("/hello", Hello())
        app.add_route("/user/{uid}", User())
        app.add_route("/things/{thing_id}", Thing())
        app.add_route("/echo", Echo())
        app.add_route("/tokens/{token_id}", Token())
        app.add_route("/hooked/{thing_id}", Hooked())
        app.add_route("/gone/{server_id}", Gone())
        app.add_route("/volumes/{volume_id}", Volume())
        app.add_route("/flavors", Flavors())
        app.add_route("/items", Items())
        app.add_route("/servers", Servers())
        return BuiltApp(app)
    routes = []
    for i in range(n_routes):
        path = "/" + route_name(i)
        app.add_route(path, Named(route_name(i)))
        routes.append(path)
    return BuiltApp(app, routes)


def build_api():
    """The Nova-style servers resource, hand-written on Falcon (benchmarks.api)."""
    from benchmarks.api import impl_falcon

    return impl_falcon.build()
