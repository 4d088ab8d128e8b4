"""The one Pecan-idiom app, parameterised only by the framework module it imports.

``pecan_app`` and ``carya_app`` both call :func:`build` here, so carya runs
byte-for-byte the same controllers as Pecan: the only difference is whether
``expose``, ``make_app``, ``request`` and ``RestController`` come from
``pecan`` or from ``carya``. That is the drop-in claim, tested directly.
"""

from __future__ import annotations

import importlib

from benchmarks.shapes import BuiltApp, route_name


def load(framework):
    """Return ``expose, make_app, request, RestController`` from ``framework``.

    Equivalent to ``from <framework> import expose, make_app, request`` and
    ``from <framework>.rest import RestController``.
    """
    module = importlib.import_module(framework)
    rest = importlib.import_module(framework + ".rest")
    return module.expose, module.make_app, module.request, rest.RestController


def define_root(expose, request, RestController):
    """Define the controllers exactly as a Pecan user would write them at module level."""

    class ThingsController(RestController):
        @expose("json")
        def get_one(self, thing_id):
            return {"id": thing_id}

    class RootController:
        things = ThingsController()

        @expose()
        def hello(self):
            return "Hello, World!"

        @expose("json")
        def user(self, uid):
            return {"id": uid, "name": "user" + uid}

        @expose("json")
        def echo(self):
            return request.json

    return RootController


def text_route(expose, name):
    """An exposed method answering its own name (a fresh function per route)."""

    def handler(self):
        return name

    handler.__name__ = handler.__qualname__ = name
    return expose()(handler)


def define_lookup_root(expose, n_routes):
    """A root controller class with N exposed sibling methods ``r0 .. r{N-1}``.

    Methods (not N sub-controllers with ``index``) because that is the flattest
    object-dispatch shape: one attribute lookup on the root per request.
    """
    names = [route_name(i) for i in range(n_routes)]
    body = {name: text_route(expose, name) for name in names}
    return type("LookupRootController", (), body), ["/" + name for name in names]


def build(framework, n_routes=None):
    """Build the fixed-shape app, or the N-route lookup app, on ``framework``."""
    expose, make_app, request, RestController = load(framework)
    if n_routes is None:
        root = define_root(expose, request, RestController)
        return BuiltApp(make_app(root(), hooks=[]))
    root, routes = define_lookup_root(expose, n_routes)
    return BuiltApp(make_app(root(), hooks=[]), routes)
