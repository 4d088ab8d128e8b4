"""Behaviours Pecan 1.8.0's own suite checks, run on real Pecan and carya side by side.

scripts/pecan-suite runs Pecan's suite itself; these are the ones carya got wrong
before (issue 10), kept here so the regular test run guards them too.
"""

from __future__ import annotations

import datetime
import inspect
import json
import logging
from io import BytesIO

import pytest


def test_handler_that_sets_the_body_and_returns_none_is_200(fw):
    class Root:
        @fw.expose()
        def text(self):
            fw.response.text = "Hello"

        @fw.expose()
        def json_body(self):
            fw.response.json = {"a": 1}

        @fw.expose()
        def body_file(self):
            fw.response.body_file = BytesIO(b"from a file")

        @fw.expose()
        def empty(self):
            fw.response.text = ""

    app = fw.client(Root())
    assert (app.get("/text").status_int, app.get("/text").text) == (200, "Hello")
    assert json.loads(app.get("/json_body").body) == {"a": 1}
    assert app.get("/body_file").body == b"from a file"
    resp = app.get("/empty")
    assert (resp.status_int, resp.body) == (204, b"")
    assert resp.headers["Content-Length"] == "0"


def test_index_is_reachable_by_name(fw):
    class Sub:
        @fw.expose()
        def index(self, arg):
            return arg

    class Root:
        sub = Sub()

        @fw.expose()
        def index(self):
            return "index"

    app = fw.client(Root())
    assert app.get("/index").text == "index"
    assert app.get("/index.html").text == "index"
    assert app.get("/sub/index/foo").text == "foo"


def test_extension_is_in_request_pecan(fw):
    class Root:
        @fw.expose(content_type=None)
        def _default(self, *args):
            return fw.request.pecan["extension"] or "none"

    app = fw.client(Root())
    assert app.get("/picture.png").text == ".png"
    assert app.get("/plain").text == "none"


def test_webtest_namespace(fw):
    class Root:
        @fw.expose("json")
        def index(self):
            return {"name": "value"}

    assert fw.client(Root()).get("/").namespace == {"name": "value"}


def test_request_outside_a_request_is_an_attribute_error(fw):
    with pytest.raises(AttributeError):
        fw.request.path  # noqa: B018 - the access is the test
    assert not hasattr(fw.request, "method")


def test_state_arguments_is_inspect_arguments(fw):
    seen = []

    class Hook(fw.PecanHook):
        def before(self, state):
            seen.append(state.arguments)

    class Root:
        @fw.expose()
        def mixed(self, first, *rest, **kw):
            return "ok"

    fw.client(Root(), hooks=[Hook()]).get("/mixed/a/b/c?x=1")
    (arguments,) = seen
    assert isinstance(arguments, inspect.Arguments)
    assert (arguments.args, arguments.varargs) == (["a"], ["b", "c"])


def test_equal_priority_hooks_run_controller_first_and_mixins_merge(fw):
    ran = []

    def hook(name):
        class Named(fw.PecanHook):
            def before(self, state):
                ran.append(name)
        return Named()

    class Mixin:
        __hooks__ = [hook("mixin")]

    class Sub(fw.HookController, Mixin):
        __hooks__ = [hook("sub")]

        @fw.expose()
        def index(self):
            return "sub"

    class Root:
        sub = Sub()

    fw.client(Root(), hooks=[hook("app")]).get("/sub/")
    assert ran[-1] == "app"
    assert set(ran) == {"sub", "mixin", "app"}


def test_transactional_false_inside_a_transactional_class_rolls_back_on_redirect(fw):
    ran = []

    @fw.transactional()
    class Root:
        @fw.expose()
        def index(self):
            return "index"

        @fw.expose()
        @fw.transactional(False)
        def away(self):
            fw.redirect("/")

    hook = fw.TransactionHook(*(lambda e=e: ran.append(e)
                                for e in ("start", "start_ro", "commit", "rollback", "clear")))
    fw.client(Root(), hooks=[hook]).get("/away", status=302)
    assert "rollback" in ran and "commit" not in ran


def test_json_dates_and_separators_as_pecan(fw):
    class Root:
        @fw.expose("json")
        def index(self):
            when = datetime.datetime(2011, 1, 2, 3, 4, 5)
            return {"when": when, "day": when.date()}

    body = fw.client(Root()).get("/").text
    assert json.loads(body) == {"when": "2011-01-02 03:04:05", "day": "2011-01-02"}
    assert ": " in body and ", " in body


def test_json_body_that_is_not_json_reaches_the_handler(fw):
    class Root:
        @fw.expose()
        def index(self, value=None):
            return f"value={value}"

    resp = fw.client(Root()).post("/?value=q", "{not json", content_type="application/json")
    assert resp.text == "value=q"


def test_make_app_wraps_and_configures_logging(fw, tmp_path):
    wrapped = []

    class Root:
        @fw.expose()
        def index(self):
            return "ok"

    def wrap(app):
        wrapped.append(app)
        return app

    log_file = tmp_path / "app.log"
    logger = logging.getLogger("parity")
    try:
        app = fw.make_app(Root(), wrap_app=wrap, logging={
            "disable_existing_loggers": False,
            "loggers": {"parity": {"level": "INFO", "handlers": ["file"]}},
            "handlers": {"file": {"class": "logging.FileHandler", "filename": str(log_file)}},
        })
        assert len(wrapped) == 1 and app is not None
        logger.info("configured")
        assert "configured" in log_file.read_text()
    finally:
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            handler.close()


def test_pecan_route_for_segments_that_are_not_names(fw):
    class Sub:
        @fw.expose()
        def index(self):
            return "dashes"

    class Root:
        pass

    fw.route(Root, "with-dashes", Sub())
    assert fw.client(Root()).get("/with-dashes/").text == "dashes"
    with pytest.raises(ValueError):
        fw.route(Root, "bad/segment", Sub())
