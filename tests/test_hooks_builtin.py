"""Pecan's built-in hooks, TransactionHook and RequestViewerHook, on Pecan and carya.

Every behaviour runs against real Pecan and against carya (the ``fw`` fixture in
conftest), so each assertion is known to be Pecan's behaviour.
"""

from __future__ import annotations

from io import StringIO

import pytest
from webtest import TestApp

from tests.parity import Boom, basic_root, recorder

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
