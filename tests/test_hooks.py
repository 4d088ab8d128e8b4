"""Hooks: carya must run hooks the way Pecan does.

Every behaviour is written once and run against real Pecan and against carya
(the ``fw`` fixture), so each assertion is known to be Pecan's behaviour.
Tests that only run on carya document an intended difference from Pecan;
"""

from __future__ import annotations

from io import StringIO
from types import SimpleNamespace

import pytest
import webob
from webtest import TestApp

from tests.parity import FRAMEWORKS, Boom, load_framework


@pytest.fixture(params=FRAMEWORKS)
def fw(request) -> SimpleNamespace:
    return load_framework(request.param)



@pytest.fixture
def log() -> list:
    return []


def recorder(fw, log: list, name: str, priority: int | None = None, stages=None):
    """A hook that appends ``(name, stage)`` to ``log`` for each stage it overrides."""
    stages = stages or ("on_route", "before", "after", "on_error")

    class Recorder(fw.PecanHook):
        pass

    def make(stage):
        if stage == "on_error":
            def method(self, state, e):
                log.append((name, stage))
        else:
            def method(self, state):
                log.append((name, stage))
        return method

    for stage in stages:
        setattr(Recorder, stage, make(stage))
    hook = Recorder()
    if priority is not None:
        hook.priority = priority
    return hook


def basic_root(fw, log: list):
    class Root:
        @fw.expose()
        def index(self):
            log.append("handler")
            return "hello"

        @fw.expose()
        def forbidden(self):
            log.append("handler")
            fw.abort(403)

        @fw.expose()
        def boom(self):
            log.append("handler")
            raise Boom("kaput")

    return Root()


def stage(log: list, name: str) -> list:
    """The hook names that ran ``name``, in order."""
    return [entry[0] for entry in log if isinstance(entry, tuple) and entry[1] == name]


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


# --- TransactionHook --------------------------------------------------------------------------


def transaction_root(fw, log: list):
    expose, redirect = fw.expose, fw.redirect

    def action(name):
        return lambda: log.append(name)

    @fw.transactional()
    class AlwaysTransactional:
        @expose()
        def index(self):
            log.append("handler")
            return "class-level"

    class Root:
        tx_class = AlwaysTransactional()

        @expose()
        def index(self):
            log.append("handler")
            return "ok"

        @expose()
        def boom(self):
            raise Boom("kaput")

        @expose()
        def refuse(self):
            fw.abort(400)

        @expose()
        def move(self):
            redirect("/")

        @expose()
        def see_other(self):
            redirect("/", code=303)

        @expose()
        @fw.transactional()
        def tx_get(self):
            log.append("handler")
            return "tx"

        @fw.transactional()
        @expose()
        def tx_move(self):
            redirect("/")

        @expose()
        @fw.transactional(ignore_redirects=False)
        def strict_move(self):
            redirect("/")

        @expose()
        @fw.after_commit(action("after_commit"))
        @fw.after_rollback(action("after_rollback"))
        def actions(self, fail=None):
            log.append("handler")
            if fail:
                raise Boom("kaput")
            return "done"

        @expose()
        @fw.after_commit(action("first"))
        @fw.after_commit(action("second"))
        def two_actions(self):
            return "two"

    return Root()


@pytest.fixture
def tx(fw, log) -> TestApp:
    def step(name):
        return lambda: log.append(name)

    hook = fw.TransactionHook(
        start=step("start"),
        start_ro=step("start_ro"),
        commit=step("commit"),
        rollback=step("rollback"),
        clear=step("clear"),
    )
    return fw.client(transaction_root(fw, log), hooks=[hook])


def test_transaction_get_is_read_only(tx, log):
    assert tx.get("/").text == "ok"
    assert log == ["start_ro", "handler", "clear"]


def test_transaction_post_commits(tx, log):
    assert tx.post("/").text == "ok"
    assert log == ["start", "handler", "commit", "clear"]


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_transaction_other_writes_commit(tx, log, method):
    getattr(tx, method)("/")
    assert log == ["start", "handler", "commit", "clear"]


def test_transaction_post_that_raises_rolls_back(fw, tx, log):
    fw.unhandled(lambda: tx.post("/boom", expect_errors=True))
    assert log == ["start", "rollback", "clear"]


def test_transaction_post_that_aborts_rolls_back(tx, log):
    assert tx.post("/refuse", expect_errors=True).status_int == 400
    assert log == ["start", "rollback", "clear"]


def test_transaction_post_to_missing_path_rolls_back(tx, log):
    assert tx.post("/nowhere", expect_errors=True).status_int == 404
    assert log == ["start", "rollback", "clear"]


def test_transaction_post_that_redirects_commits(tx, log):
    resp = tx.post("/move")
    assert resp.status_int == 302
    assert log == ["start", "commit", "clear"]


def test_transaction_get_that_redirects_stays_read_only(tx, log):
    assert tx.get("/move").status_int == 302
    assert log == ["start_ro", "clear"]


def test_transaction_post_with_other_redirect_rolls_back(fw, tx, log):
    assert tx.post("/see_other").status_int == 303
    assert log == ["start", "rollback", "clear"]


def test_transactional_get_starts_a_write_transaction(tx, log):
    assert tx.get("/tx_get").text == "tx"
    # on_route cannot know the handler yet: it starts read-only, then switches.
    assert log == ["start_ro", "clear", "start", "handler", "commit", "clear"]


def test_transactional_get_that_redirects_commits(tx, log):
    assert tx.get("/tx_move").status_int == 302
    assert log == ["start_ro", "clear", "start", "commit", "clear"]


def test_transactional_without_ignore_redirects_rolls_back(tx, log):
    assert tx.post("/strict_move").status_int == 302
    assert log == ["start", "rollback", "clear"]


def test_transactional_class_decorator(fw, tx, log):
    assert tx.get("/tx_class/").text == "class-level"
    assert log == ["start_ro", "clear", "start", "handler", "commit", "clear"]


def test_after_commit_action_runs_after_commit(tx, log):
    assert tx.post("/actions").text == "done"
    assert log == ["start", "handler", "commit", "after_commit", "clear"]


def test_after_rollback_action_runs_after_rollback(fw, tx, log):
    fw.unhandled(lambda: tx.post("/actions", {"fail": "1"}, expect_errors=True))
    assert log == ["start", "handler", "rollback", "after_rollback", "clear"]


def test_after_actions_are_not_run_without_a_transaction(tx, log):
    assert tx.get("/actions").text == "done"
    assert log == ["start_ro", "handler", "clear"]


def test_after_commit_actions_run_in_decoration_order(tx, log):
    tx.post("/two_actions")
    assert log == ["start", "commit", "second", "first", "clear"]


def test_transaction_hook_has_the_default_priority(fw, log):
    def step(name):
        return lambda: log.append(name)

    hook = fw.TransactionHook(step("start"), step("start_ro"), step("commit"),
                              step("rollback"), step("clear"))
    other = recorder(fw, log, "other", priority=95, stages=("on_route",))
    fw.client(basic_root(fw, log), hooks=[hook, other]).get("/")
    assert hook.priority == 100
    assert log[:2] == [("other", "on_route"), "start_ro"]


# --- RequestViewerHook ------------------------------------------------------------------------


def viewer_app(fw, log, config=None):
    out = StringIO()
    hook = fw.RequestViewerHook(config=config, writer=out)
    return fw.client(basic_root(fw, log), hooks=[hook]), out


def reported(out: StringIO) -> dict[str, str]:
    """item name -> the rest of its line, for either framework's layout."""
    items = {}
    for line in out.getvalue().splitlines():
        if line.strip():
            name, rest = line.strip().split(None, 1)
            items[name.rstrip(":")] = rest
    return items


def test_request_viewer_reports_the_default_items(fw, log):
    app, out = viewer_app(fw, log)
    app.get("/?colour=red")
    items = reported(out)
    assert list(items) == ["path", "status", "method", "controller", "params", "hooks"]
    assert items["path"].endswith("/")
    assert "200 OK" in items["status"]
    assert "GET" in items["method"]
    assert "Root.index" in items["controller"]
    assert "colour" in items["params"] and "red" in items["params"]
    assert "['RequestViewerHook']" in items["hooks"]


def test_request_viewer_reports_only_the_configured_items(fw, log):
    app, out = viewer_app(fw, log, {"items": ["method", "path"]})
    app.post("/forbidden", expect_errors=True)
    items = reported(out)
    assert list(items) == ["method", "path"]
    assert "POST" in items["method"]
    assert "/forbidden" in items["path"]
    assert "403" not in out.getvalue()


def test_request_viewer_reports_error_status(fw, log):
    app, out = viewer_app(fw, log, {"items": ["status"]})
    app.get("/missing", expect_errors=True)
    assert "404 Not Found" in reported(out)["status"]


def test_request_viewer_blacklist(fw, log):
    app, out = viewer_app(fw, log, {"items": ["path"], "blacklist": ["/forb"]})
    app.get("/forbidden", expect_errors=True)
    assert out.getvalue() == ""
    app.get("/")
    assert "path" in reported(out)


def test_request_viewer_output_layout(fw, log):
    app, out = viewer_app(fw, log, {"items": ["path", "method", "status"]})
    app.get("/")
    assert out.getvalue() == "path         - /\nmethod       - GET\nstatus       - 200 OK\n\n\n"


def test_request_viewer_sets_headers(fw, log):
    app, out = viewer_app(fw, log, {"items": ["path", "method"]})
    resp = app.get("/")
    assert resp.headers["X-Pecan-path"] == "/"
    assert resp.headers["X-Pecan-method"] == "GET"


def test_request_viewer_reports_any_request_attribute(fw, log):
    app, out = viewer_app(fw, log, {"items": ["url", "method"]})
    app.get("/")
    items = reported(out)
    assert list(items) == ["url", "method"]
    assert "http://localhost/" in items["url"]
