"""The shapes written the way a Falcon 4 user would: resources with ``on_*`` responders."""

from __future__ import annotations

import falcon

from benchmarks.shapes import BuiltApp, route_name


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
        return BuiltApp(app)
    routes = []
    for i in range(n_routes):
        path = "/" + route_name(i)
        app.add_route(path, Named(route_name(i)))
        routes.append(path)
    return BuiltApp(app, routes)
