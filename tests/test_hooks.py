"""Hooks: carya must run hooks the way Pecan does.

Every behaviour is written once and run against real Pecan and against carya
(the ``fw`` fixture), so each assertion is known to be Pecan's behaviour.
Tests that only run on carya document an intended difference from Pecan;
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import webob

from tests.parity import Boom, basic_root, recorder, stage

# --- order and priority ------------------------------------------------------------------


def test_single_hook_stages_around_the_handler(fw, log):
    app = fw.client(basic_root(fw, log), hooks=[recorder(fw, log, "h")])
    resp = app.get("/")
    assert resp.text == "hello"
    assert log == [("h", "on_route"), ("h", "before"), "handler", ("h", "after")]


def test_priority_orders_hooks_and_after_runs_in_reverse(fw, log):
    hooks = [
        recorder(fw, log, "late", priority=200),
        recorder(fw, log, "default"),
        recorder(fw, log, "early", priority=10),
    ]
    fw.client(basic_root(fw, log), hooks=hooks).get("/")
    assert log == [
        ("early", "on_route"), ("default", "on_route"), ("late", "on_route"),
        ("early", "before"), ("default", "before"), ("late", "before"),
        "handler",
        ("late", "after"), ("default", "after"), ("early", "after"),
    ]


def test_equal_priorities_keep_the_given_order(fw, log):
    hooks = [recorder(fw, log, "first"), recorder(fw, log, "second")]
    fw.client(basic_root(fw, log), hooks=hooks).get("/")
    assert stage(log, "before") == ["first", "second"]
    assert stage(log, "after") == ["second", "first"]


def test_hooks_may_be_given_as_a_callable(fw, log):
    app = fw.client(
        basic_root(fw, log),
        hooks=lambda: [recorder(fw, log, "b", priority=2), recorder(fw, log, "a", priority=1)],
    )
    assert app.get("/").text == "hello"
    assert stage(log, "on_route") == ["a", "b"]
    assert stage(log, "after") == ["b", "a"]


def test_a_hook_overriding_only_some_stages(fw, log):
    hooks = [recorder(fw, log, "partial", stages=("before",)), recorder(fw, log, "full")]
    fw.client(basic_root(fw, log), hooks=hooks).get("/")
    assert log == [
        ("full", "on_route"), ("partial", "before"), ("full", "before"), "handler",
        ("full", "after"),
    ]


# --- errors ---------------------------------------------------------------------------------


def test_on_error_runs_in_reverse_priority_then_after(fw, log):
    hooks = [recorder(fw, log, "a", priority=1), recorder(fw, log, "b", priority=2)]
    resp = fw.client(basic_root(fw, log), hooks=hooks).get("/forbidden", expect_errors=True)
    assert resp.status_int == 403
    assert log == [
        ("a", "on_route"), ("b", "on_route"), ("a", "before"), ("b", "before"), "handler",
        ("b", "on_error"), ("a", "on_error"), ("b", "after"), ("a", "after"),
    ]


def test_routing_error_runs_on_error_and_after_but_not_before(fw, log):
    app = fw.client(basic_root(fw, log), hooks=[recorder(fw, log, "h")])
    assert app.get("/missing", expect_errors=True).status_int == 404
    assert log == [("h", "on_route"), ("h", "on_error"), ("h", "after")]


def test_unhandled_exception_runs_on_error_and_after(fw, log):
    app = fw.client(basic_root(fw, log), hooks=[recorder(fw, log, "h")])
    fw.unhandled(lambda: app.get("/boom", expect_errors=True))
    assert log == [("h", "on_route"), ("h", "before"), "handler", ("h", "on_error"),
                   ("h", "after")]


@pytest.fixture
def caught(fw, log):
    """An app whose on_error hook keeps the exceptions it receives."""
    seen: list[BaseException] = []

    class Catch(fw.PecanHook):
        def on_error(self, state, e):
            seen.append(e)

    class Things(fw.RestController):
        @fw.expose()
        def get_one(self, thing_id):
            return thing_id

    root = basic_root(fw, log)
    root.things = Things()
    return SimpleNamespace(app=fw.client(root, hooks=[Catch()]), seen=seen)


def test_on_error_receives_an_http_error(caught):
    assert caught.app.get("/forbidden", expect_errors=True).status_int == 403
    assert len(caught.seen) == 1
    assert isinstance(caught.seen[0], webob.exc.HTTPForbidden)


def test_on_error_receives_an_unexpected_exception(fw, caught):
    fw.unhandled(lambda: caught.app.get("/boom", expect_errors=True))
    assert len(caught.seen) == 1
    assert isinstance(caught.seen[0], Boom)
    assert str(caught.seen[0]) == "kaput"


def test_on_error_receives_http_not_found_for_a_routing_miss(caught):
    """Routing misses reach on_error hooks as webob exceptions, as in Pecan."""
    assert caught.app.get("/missing", expect_errors=True).status_int == 404
    assert len(caught.seen) == 1
    assert isinstance(caught.seen[0], webob.exc.HTTPNotFound)


def test_on_error_receives_http_method_not_allowed(caught):
    assert caught.app.delete("/things/1", expect_errors=True).status_int == 405
    assert len(caught.seen) == 1
    assert isinstance(caught.seen[0], webob.exc.HTTPMethodNotAllowed)


@pytest.mark.parametrize("path", ["/boom", "/forbidden", "/missing"])
def test_on_error_response_is_sent(fw, log, path):
    seen_in_after = []

    class Replace(fw.PecanHook):
        priority = 1

        def on_error(self, state, e):
            return webob.Response(status=418, body=b"replaced", content_type="text/plain")

        def after(self, state):
            seen_in_after.append(state.response.status_int)

    hooks = [Replace(), recorder(fw, log, "other", priority=2)]
    resp = fw.client(basic_root(fw, log), hooks=hooks).get(path, expect_errors=True)
    assert resp.status_int == 418
    assert resp.body == b"replaced"
    # after hooks still run, and see the replacement response.
    assert seen_in_after == [418]
    assert stage(log, "after") == ["other"]


def test_first_on_error_response_stops_the_other_on_error_hooks(fw, log):
    """on_error runs in reverse priority; the first hook returning a response wins."""

    class Replace(fw.PecanHook):
        priority = 50

        def on_error(self, state, e):
            log.append(("replace", "on_error"))
            return webob.Response(status=503, body=b"later")

    hooks = [
        recorder(fw, log, "low", priority=10, stages=("on_error",)),
        Replace(),
        recorder(fw, log, "high", priority=90, stages=("on_error",)),
    ]
    resp = fw.client(basic_root(fw, log), hooks=hooks).get("/boom", expect_errors=True)
    assert resp.status_int == 503
    assert stage(log, "on_error") == ["high", "replace"]


@pytest.fixture
def aborting(fw, log):
    """A hook that aborts from on_route or before, by path."""

    class Gate(fw.PecanHook):
        def on_route(self, state):
            log.append(("gate", "on_route"))
            if state.request.path == "/deny-early":
                fw.abort(403)

        def before(self, state):
            log.append(("gate", "before"))
            if "deny" in state.request.params:
                fw.abort(401)

        def on_error(self, state, e):
            log.append(("gate", "on_error", e.status_int))

        def after(self, state):
            log.append(("gate", "after", state.response.status_int))

    class Root:
        @fw.expose()
        def index(self):
            log.append("handler")
            return "index"

        @fw.expose(route="deny-early")
        def deny_early(self):
            log.append("handler")
            return "never"

    return fw.client(Root(), hooks=[Gate()])


def test_on_route_hook_may_abort(aborting, log):
    assert aborting.get("/deny-early", expect_errors=True).status_int == 403
    assert log == [("gate", "on_route"), ("gate", "on_error", 403), ("gate", "after", 403)]


def test_before_hook_may_abort(aborting, log):
    assert aborting.get("/?deny=1", expect_errors=True).status_int == 401
    assert log == [
        ("gate", "on_route"), ("gate", "before"), ("gate", "on_error", 401),
        ("gate", "after", 401),
    ]


def test_on_route_rerouting_by_path_info(fw, log):
    """Intended difference: carya routes after ``on_route`` hooks, so a hook that
    rewrites ``path_info`` (version-prefix stripping, legacy URLs) re-routes the
    request; Pecan reads the path before its hooks run and ignores the change."""

    class Rewrite(fw.PecanHook):
        def on_route(self, state):
            if state.request.path_info == "/old":
                state.request.path_info = "/"

    resp = fw.client(basic_root(fw, log), hooks=[Rewrite()]).get("/old", expect_errors=True)
    if fw.name == "pecan":
        assert resp.status_int == 404
        assert "handler" not in log
    else:
        assert resp.status_int == 200
        assert "handler" in log


# --- the state object -----------------------------------------------------------------------


@pytest.fixture
def inspected(fw, log):
    """An app whose hook records what ``state`` holds at each stage."""
    seen: dict[str, dict] = {}

    class Inspect(fw.PecanHook):
        def look(self, stage_name, state):
            seen[stage_name] = {
                "path": state.request.path,
                "method": state.request.method,
                "response_is_response": isinstance(state.response, webob.Response),
                "status": state.response.status_int,
                "controller": state.controller,
                "app": state.app,
            }

        def on_route(self, state):
            self.look("on_route", state)
            state.request.context["user"] = "alice"

        def before(self, state):
            self.look("before", state)
            seen["arguments"] = state.arguments
            state.response.headers["X-Before"] = "1"

        def after(self, state):
            self.look("after", state)
            seen["body"] = state.response.body
            state.response.headers["X-After"] = "2"

        def on_error(self, state, e):
            self.look("on_error", state)

    class Things(fw.RestController):
        @fw.expose("json")
        def get_one(self, thing_id, **kw):
            return {"id": thing_id, "user": fw.request.context["user"], "kw": kw}

    class Root:
        things = Things()

        @fw.expose()
        def index(self):
            return "user=" + fw.request.context["user"]

    root = Root()
    return SimpleNamespace(app=fw.client(root, hooks=[Inspect()]), seen=seen, root=root)


def test_state_in_on_route(fw, inspected):
    inspected.app.get("/")
    on_route = inspected.seen["on_route"]
    assert on_route["path"] == "/"
    assert on_route["method"] == "GET"
    assert on_route["response_is_response"]
    assert on_route["controller"] is None
    assert isinstance(on_route["app"], fw.Pecan)
    assert on_route["app"].root is inspected.root


def test_state_in_before_and_after_names_the_controller(fw, inspected):
    inspected.app.get("/things/5")
    for name in ("before", "after"):
        controller = inspected.seen[name]["controller"]
        assert controller.__name__ == "get_one"
        assert controller.__self__ is inspected.root.things
        assert inspected.seen[name]["app"] is inspected.seen["on_route"]["app"]


def test_state_arguments_in_before(inspected):
    inspected.app.get("/things/5?colour=red")
    assert list(inspected.seen["arguments"].args) == ["5"]


def test_state_arguments_has_pecans_fields(fw, inspected):
    inspected.app.get("/things/5?colour=red")
    arguments = inspected.seen["arguments"]
    assert arguments.varargs == []
    assert arguments.varkw == {"colour": "red"}


def test_request_context_set_in_on_route_reaches_the_handler(inspected):
    assert inspected.app.get("/").text == "user=alice"
    assert inspected.app.get("/things/5").json["user"] == "alice"


def test_hooks_edit_the_response(inspected):
    resp = inspected.app.get("/")
    assert resp.headers["X-Before"] == "1"
    assert resp.headers["X-After"] == "2"
    assert inspected.seen["after"]["status"] == 200
    assert inspected.seen["body"] == b"user=alice"


def test_state_on_error_for_an_http_error(inspected):
    resp = inspected.app.get("/nowhere", expect_errors=True)
    assert resp.status_int == 404
    assert inspected.seen["on_error"]["status"] == 404
    assert inspected.seen["on_error"]["controller"] is None
    assert inspected.seen["after"]["status"] == 404
    assert "before" not in inspected.seen
    # after hooks may still edit an error response
    assert resp.headers["X-After"] == "2"


# --- hooks on controllers ---------------------------------------------------------------------


@pytest.fixture
def controller_hooks(fw, log):
    app_hook = recorder(fw, log, "app", priority=100)
    ctl_hook = recorder(fw, log, "ctl", priority=50)

    class Grandchild:
        @fw.expose()
        def index(self):
            log.append("grandchild")
            return "grandchild"

    class Hooked(fw.HookController):
        __hooks__ = [ctl_hook]
        child = Grandchild()

        @fw.expose()
        def index(self):
            log.append("hooked")
            return "hooked"

        @fw.expose()
        def fail(self):
            fw.abort(409)

    class Sibling:
        @fw.expose()
        def index(self):
            log.append("sibling")
            return "sibling"

    class Root:
        hooked = Hooked()
        sibling = Sibling()

        @fw.expose()
        def index(self):
            log.append("root")
            return "root"

    return fw.client(Root(), hooks=[app_hook])


def test_controller_hooks_apply_to_the_controller(controller_hooks, log):
    assert controller_hooks.get("/hooked/").text == "hooked"
    # on_route runs before routing, so only application hooks see it.
    assert log == [
        ("app", "on_route"), ("ctl", "before"), ("app", "before"), "hooked",
        ("app", "after"), ("ctl", "after"),
    ]


def test_controller_hooks_apply_to_sub_controllers(controller_hooks, log):
    assert controller_hooks.get("/hooked/child/").text == "grandchild"
    assert stage(log, "before") == ["ctl", "app"]
    assert stage(log, "after") == ["app", "ctl"]


@pytest.mark.parametrize("path", ["/sibling/", "/"])
def test_controller_hooks_do_not_apply_elsewhere(controller_hooks, log, path):
    controller_hooks.get(path)
    assert {entry[0] for entry in log if isinstance(entry, tuple)} == {"app"}


def test_controller_hooks_see_errors(controller_hooks, log):
    assert controller_hooks.get("/hooked/fail", expect_errors=True).status_int == 409
    assert stage(log, "on_error") == ["app", "ctl"]


def test_controller_hooks_are_inherited(fw, log):
    class Base(fw.HookController):
        __hooks__ = [recorder(fw, log, "base")]

    class Derived(Base):
        @fw.expose()
        def index(self):
            return "derived"

    class Root:
        derived = Derived()

    assert fw.client(Root()).get("/derived/").text == "derived"
    assert stage(log, "before") == ["base"]
    assert stage(log, "after") == ["base"]


def test_controller_hooks_on_a_rest_controller(fw, log):
    class Things(fw.RestController, fw.HookController):
        __hooks__ = [recorder(fw, log, "rest")]

        @fw.expose()
        def get_one(self, thing_id):
            return "thing " + thing_id

        @fw.expose()
        def delete(self, thing_id):
            return "deleted " + thing_id

    class Root:
        things = Things()

    app = fw.client(Root())
    assert app.get("/things/4").text == "thing 4"
    assert app.delete("/things/4").text == "deleted 4"
    assert stage(log, "before") == ["rest", "rest"]
