"""The one Pecan-idiom app, parameterised only by the framework module it imports.

``pecan_app`` and ``carya_app`` both call :func:`build` here, so carya runs
byte-for-byte the same controllers as Pecan: the only difference is whether
``expose``, ``make_app``, ``request``, ``response`` and ``RestController`` come
from ``pecan`` or from ``carya``. That is the drop-in claim, tested directly.

The WSME controller (``/books``) needs ``wsmeext.pecan``, which imports
``pecan``: on carya it is mounted only when carya's ``pecan`` import alias
(``carya.compat.alias``) exists; otherwise :attr:`BuiltApp.skipped` says why.
"""

from __future__ import annotations

import importlib
from types import SimpleNamespace

from benchmarks.shapes import (
    BOOK_PAYLOAD,
    CREATED_ID,
    REQUEST_ID,
    BuiltApp,
    created_server,
    route_name,
)

WSME_SHAPES = ("wsme_get", "wsme_create")


def load(framework):
    """The names a Pecan user imports, taken from ``framework``.

    Equivalent to ``from <framework> import expose, make_app, abort, request, response``,
    ``from <framework>.rest import RestController`` and ``from <framework>.hooks
    import PecanHook, HookController``.
    """
    module = importlib.import_module(framework)
    rest = importlib.import_module(framework + ".rest")
    hooks = importlib.import_module(framework + ".hooks")
    return SimpleNamespace(
        expose=module.expose,
        make_app=module.make_app,
        abort=module.abort,
        request=module.request,
        response=module.response,
        RestController=rest.RestController,
        PecanHook=hooks.PecanHook,
        HookController=hooks.HookController,
    )


def define_root(fw, books=None):
    """Define the controllers exactly as a Pecan user would write them at module level."""
    expose, request, response = fw.expose, fw.request, fw.response

    class ThingsController(fw.RestController):
        @expose("json")
        def get_one(self, thing_id):
            return {"id": thing_id}

    class TokensController(fw.RestController):
        @expose("json")
        def get_one(self, token_id):
            return {"id": token_id, "token": request.headers.get("X-Auth-Token")}

    class ContextHook(fw.PecanHook):
        """What services' context hooks do: the caller's identity on request.context."""

        def before(self, state):
            state.request.context["token"] = state.request.headers.get("X-Auth-Token")

    class RequestIdHook(fw.PecanHook):
        def after(self, state):
            state.response.headers["X-OpenStack-Request-Id"] = REQUEST_ID

    class HookedController(fw.RestController, fw.HookController):
        __hooks__ = [ContextHook(), RequestIdHook()]

        @expose("json")
        def get_one(self, thing_id):
            return {"id": thing_id, "token": request.context["token"]}

    class GoneController(fw.RestController):
        @expose("json")
        def get_one(self, server_id):
            fw.abort(404, f"Server {server_id} could not be found.")

    class VolumesController(fw.RestController):
        @expose("json")
        def delete(self, volume_id):
            response.status = 204

    class FlavorsController(fw.RestController):
        @expose("json")
        def get_all(self, **params):  # Designate's idiom (Pecan 404s on limit=None here)
            return {"flavors": [], "limit": params.get("limit"),
                    "marker": params.get("marker")}

    class ItemsController(fw.RestController):
        @expose("json")
        def post(self):
            response.status = 201
            return request.json

    class ServersController(fw.RestController):
        @expose("json")
        def post(self):
            token = request.headers.get("X-Auth-Token")
            body = request.json
            response.status = 201
            response.location = request.host_url + "/servers/" + CREATED_ID
            return created_server(token, body)

    class RootController:
        things = ThingsController()
        tokens = TokensController()
        hooked = HookedController()
        gone = GoneController()
        volumes = VolumesController()
        flavors = FlavorsController()
        items = ItemsController()
        servers = ServersController()

        @expose()
        def hello(self):
            return "Hello, World!"

        @expose("json")
        def user(self, uid):
            return {"id": uid, "name": "user" + uid}

        @expose("json")
        def echo(self):
            return request.json

    if books is not None:
        RootController.books = books
    return RootController


def define_books(RestController):
    """A WSME-typed RestController, as Ironic/Aodh-style projects write them."""
    from wsme import types as wtypes
    from wsmeext.pecan import wsexpose

    class Book(wtypes.Base):
        id = wtypes.text
        title = wtypes.text
        year = int

    class BooksController(RestController):
        @wsexpose(Book, wtypes.text)
        def get_one(self, book_id):
            return Book(**dict(BOOK_PAYLOAD, id=book_id))

        @wsexpose(Book, body=Book, status_code=201)
        def post(self, book):
            return book

    return BooksController()


def wsme_books(framework, fw):
    """``(controller, None)``, or ``(None, why not)`` when WSME cannot run on ``framework``."""
    if framework == "carya":
        try:
            from carya.compat import alias
        except ImportError:
            return None, "carya has no pecan import alias yet (carya.compat.alias)"
        alias.install()
    try:
        return define_books(fw.RestController), None
    except Exception as error:  # noqa: BLE001 - reported as a skipped shape
        return None, f"WSME on {framework}: {type(error).__name__}: {error}"


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


def build(framework, n_routes=None, wsme=True):
    """Build the fixed-shape app, or the N-route lookup app, on ``framework``.

    ``wsme=False`` leaves WSME out (not even imported): the driver reads peak RSS on
    that app, so the figure compares the frameworks, not who also loaded WSME.
    """
    fw = load(framework)
    if n_routes is None:
        books, why_not = wsme_books(framework, fw) if wsme else (None, "built without WSME")
        root = define_root(fw, books)
        skipped = dict.fromkeys(WSME_SHAPES, why_not) if why_not else {}
        return BuiltApp(fw.make_app(root(), hooks=[]), skipped=skipped)
    root, routes = define_lookup_root(fw.expose, n_routes)
    return BuiltApp(fw.make_app(root(), hooks=[]), routes)
