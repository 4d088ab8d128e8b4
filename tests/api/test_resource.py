"""Nova's controller model: actions by body key, @response, @expected_errors, extensions."""

from __future__ import annotations

import logging

import pytest
import webob.exc

from carya.api import (
    APIRouter,
    Controller,
    ControllerExtension,
    ExtensionBase,
    Microversions,
    Resource,
    ResourceExtension,
    action,
    api_version,
    expected_errors,
    response,
)
from carya.api.router import RouteConfigError


class NovaStyleError(Exception):
    """Like nova.exception.*: a message and an HTTP code."""

    code = 409


class Servers(Controller):
    def index(self, req):
        return {"servers": []}

    @response(202)
    def create(self, req, body):
        return {"server": body["server"]}

    @response(204)
    def delete(self, req, id):
        return None

    @action("reboot")
    @response(202)
    def _reboot(self, req, id, body):
        return {"rebooted": id, "type": body["reboot"]["type"]}

    @action("revertResize")
    @expected_errors((404, 409))
    @response(202)
    def _revert_resize(self, req, id, body):
        if id == "busy":
            raise webob.exc.HTTPConflict(explanation="Server is resizing")
        if id == "locked":
            raise NovaStyleError("Server is locked")
        if id == "oops":
            raise KeyError("internal detail")
        if id == "teapot":
            raise webob.exc.HTTPForbidden(detail="not yours")
        if id == "unexpected":
            raise webob.exc.HTTPGone()

    @action("migrate")
    @api_version("2.1", "2.55")
    def _migrate(self, req, id, body):
        return {"migrate": "old"}

    @action("migrate")
    @api_version("2.56")
    def _migrate(self, req, id, body):  # noqa: F811
        return {"migrate": "new", "host": body["migrate"].get("host")}


class ServerTags(Controller):
    @action("addTag")
    def _add_tag(self, req, id, body):
        return {"tagged": id, "tag": body["addTag"]}


class Tagging(ExtensionBase):
    """Tags on servers."""

    name = "Tagging"
    alias = "os-tagging"

    def get_controller_extensions(self):
        return [ControllerExtension(self, "servers", ServerTags())]


@pytest.fixture
def api(caller):
    return caller(APIRouter(
        resources=[ResourceExtension("servers", Servers(), member_actions={"action": "POST"})],
        extensions=[Tagging],
        microversions=Microversions("compute", "2.1", "2.60"),
    ))


def test_collection_and_member_and_status(api):
    assert api.get("/servers").json == {"servers": []}
    created = api.post_json("/servers", {"server": {"name": "a"}}, status=202)
    assert created.json == {"server": {"name": "a"}}
    gone = api.delete("/servers/1", status=204)
    assert gone.body == b"" and "Content-Type" not in gone.headers


def test_body_keyed_actions(api):
    resp = api.post_json("/servers/7/action", {"reboot": {"type": "SOFT"}}, status=202)
    assert resp.json == {"rebooted": "7", "type": "SOFT"}
    revert = api.post_json("/servers/7/action", {"revertResize": None}, status=202)
    assert revert.body == b""
    tagged = api.post_json("/servers/7/action", {"addTag": "blue"})
    assert tagged.json == {"tagged": "7", "tag": "blue"}, "added by a ControllerExtension"


def test_versioned_actions(api):
    assert api.post_json("/servers/1/action", {"migrate": {}}).json == {"migrate": "old"}
    new = api.post_json("/servers/1/action", {"migrate": {"host": "h"}},
                        headers={"OpenStack-API-Version": "compute 2.56"})
    assert new.json == {"migrate": "new", "host": "h"}


@pytest.mark.parametrize("body, message", [
    ({"nonsense": {}}, "There is no such action: nonsense"),
    ({"reboot": {}, "shutdown": {}}, "Malformed request body: an action body is a JSON object "
                                     "with exactly one key"),
    ({}, "exactly one key"),
    (["reboot"], "exactly one key"),
    ("reboot", "exactly one key"),
    ({"x" * 500: 1}, "There is no such action: " + "x" * 64 + "..."),
])
def test_bad_action_bodies(api, body, message):
    resp = api.post_json("/servers/7/action", body, status=400)
    assert message in resp.json["badRequest"]["message"]
    assert resp.json["badRequest"]["code"] == 400


def test_missing_malformed_and_foreign_bodies(api):
    missing = api.post("/servers/7/action", status=400)
    assert missing.json["badRequest"]["message"] == (
        "This request needs a JSON body: POST /servers/7/action was sent without one.")
    bad = api.post("/servers/7/action", b'{"reboot": ', content_type="application/json",
                   status=400)
    assert bad.json["badRequest"]["message"].startswith("Malformed request body: Expecting")
    latin = api.post("/servers", b'{"server": "\xff"}', content_type="application/json",
                     status=400)
    assert "Malformed request body" in latin.json["badRequest"]["message"]
    form = api.post("/servers", {"server": "x"}, status=415)
    assert form.json["badMediaType"]["message"].startswith(
        "Unsupported Content-Type 'application/x-www-form-urlencoded'")
    vendor = api.post("/servers", b'{"server": 1}', status=202,
                      content_type="application/vnd.openstack.compute+json; charset=utf-8")
    assert vendor.json == {"server": 1}


def test_expected_errors(api, caplog):
    conflict = api.post_json("/servers/busy/action", {"revertResize": None}, status=409)
    assert conflict.json == {"conflictingRequest": {"code": 409,
                                                    "message": "Server is resizing"}}
    locked = api.post_json("/servers/locked/action", {"revertResize": None}, status=409)
    assert locked.json["conflictingRequest"]["message"] == "Server is locked"
    api.post_json("/servers/teapot/action", {"revertResize": None}, status=403)
    with caplog.at_level(logging.ERROR, logger="carya.api"):
        oops = api.post_json("/servers/oops/action", {"revertResize": None}, status=500)
    fault = oops.json["computeFault"]
    assert fault["code"] == 500 and fault["message"].startswith("Unexpected API Error.")
    assert "internal detail" not in oops.text and "Traceback" not in oops.text
    assert "Unexpected exception in API method Servers._revert_resize" in caplog.text
    assert "internal detail" in caplog.text
    gone = api.post_json("/servers/unexpected/action", {"revertResize": None}, status=500)
    assert "HTTPGone" in gone.json["computeFault"]["message"]


def test_expected_errors_declaration():
    with pytest.raises(ValueError, match="not an HTTP error status"):
        expected_errors(200)
    with pytest.raises(ValueError, match="success status"):
        response(404)


def test_method_not_allowed_and_head(api):
    resp = api.put_json("/servers", {}, status=405)
    assert resp.headers["Allow"] == "GET, HEAD, POST"
    assert resp.json["badMethod"]["code"] == 405
    head = api.head("/servers")
    assert head.status_int == 200 and head.body == b""
    api.get("/servers/1/nothing/here", status=404)


def test_duplicate_unversioned_actions_fail_at_class_creation():
    with pytest.raises(TypeError, match="action 'go' is answered by several methods"):
        class Twice(Controller):
            @action("go")
            def _a(self, req, id, body):
                pass

            @action("go")
            def _b(self, req, id, body):
                pass


def test_action_clash_with_controller_extension(caller):
    class Clash(Controller):
        @action("reboot")
        def _other(self, req, id, body):
            pass

    class Ext(ExtensionBase):
        name, alias = "Clash", "clash"

        def get_controller_extensions(self):
            return [ControllerExtension(self, "servers", Clash())]

    with pytest.raises(RouteConfigError, match="action 'reboot' is defined by both"):
        APIRouter(resources=[ResourceExtension("servers", Servers(),
                                               member_actions={"action": "POST"})],
                  extensions=[Ext], microversions=Microversions("compute", "2.1", "2.60"))


def test_controller_extension_for_unknown_resource():
    with pytest.raises(RouteConfigError, match="no resource of that name"):
        APIRouter(extensions=[Tagging])


def test_resource_is_not_a_wsgi_app():
    with pytest.raises(RuntimeError, match="routed by carya.api.MapperRouter"):
        Resource(Servers())({}, None)
