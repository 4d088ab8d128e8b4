"""``App(router=...)``: any object with the router protocol replaces object dispatch."""

from __future__ import annotations

from webtest import TestApp

from carya import expose
from carya.app import App
from carya.errors import NotFound
from carya.handler import build_target
from carya.hooks import HookChain, PecanHook


class Greeter:
    @expose("json")
    def hello(self, name="world"):
        return {"hello": name}


class Node:
    def __init__(self, obj, chain):
        self.obj, self.chain, self.guard = obj, chain, None


class TableRouter:
    """The smallest router: a static table plus ``/hello/<name>`` found by ``find``."""

    def __init__(self):
        self.static = {}
        self.bound_to = None

    def bind(self, app):
        self.bound_to = app
        handler = build_target(Greeter.hello, app.renderers, leading=1)
        self.node = Node(Greeter(), app.hooks)
        self.handler = handler
        self.static["/hello"] = (handler, self.node)

    def find(self, state, path, method):
        if path.startswith("/hello/"):
            return self.handler, self.node, [path[len("/hello/"):]]
        raise NotFound()

    def authorize(self, handler, node):
        raise AssertionError("nothing here is secured")


class Count(PecanHook):
    def __init__(self):
        self.before_calls = 0

    def before(self, state):
        self.before_calls += 1


def test_ready_router_is_bound_and_used():
    router = TableRouter()
    hook = Count()
    app = App(None, router=router, hooks=[hook])
    assert router.bound_to is app and app.router is router
    client = TestApp(app)
    assert client.get("/hello").json == {"hello": "world"}        # static table
    assert client.get("/hello/carya").json == {"hello": "carya"}  # find()
    client.get("/elsewhere", status=404)
    assert hook.before_calls == 2, "the App's hooks run for a router's handlers"


def test_router_without_bind_is_used_as_is():
    class Plain:
        static = {}

        def find(self, state, path, method):
            raise NotFound()

        def authorize(self, handler, node):
            pass

    router = Plain()
    app = App(None, router=router)
    assert app.router is router and app.static is router.static
    assert isinstance(app.hooks, HookChain)
    TestApp(app).get("/", status=404)
