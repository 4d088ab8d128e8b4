"""Seed 003, section 2.3: a member action added to Servers, and body-keyed actions.

``member_actions = {'action': 'POST', 'create_snapshot_test': 'POST'}`` maps
``POST /servers/{id}/create_snapshot_test``; ``POST /servers/{id}/action`` with
``{"revertResize": null}`` or ``{"revertSnapshot": {...}}`` reaches the methods
decorated ``@action``, as novaclient sends them.
"""

from __future__ import annotations

import itertools

import pytest
import webob.exc

from carya.api import (
    APIRouter,
    Controller,
    ResourceExtension,
    action,
    expected_errors,
    response,
)
from carya.api.policy import RuleDefault, policy
from carya.api.validation import validate
from tests.api.conftest import ADMIN, MEMBER

SNAPSHOT = {
    "type": "object",
    "properties": {
        "snapshot": {
            "type": "object",
            "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 64}},
            "required": ["name"],
            "additionalProperties": False,
        },
    },
    "required": ["snapshot"],
    "additionalProperties": False,
}
REVERT = {
    "type": "object",
    "properties": {
        "revertSnapshot": {
            "type": "object",
            "properties": {"snapshot_id": {"type": "integer"}},
            "required": ["snapshot_id"],
        },
    },
}
POLICIES = [
    RuleDefault("os_compute_api:servers:create_snapshot_test", "rule:admin_or_owner"),
    RuleDefault("os_compute_api:servers:revert_resize", "rule:admin_or_owner"),
    RuleDefault("admin_or_owner", "is_admin:True or project_id:%(project_id)s"),
]


class ServersController(Controller):
    def __init__(self):
        self.servers = {"s1": {"id": "s1", "project_id": "p1", "status": "VERIFY_RESIZE",
                               "snapshots": {}}}
        self.ids = itertools.count(1)

    def _get(self, req, id):
        server = self.servers.get(id)
        if server is None or server["project_id"] != req.environ[
                "carya.auth_context"].project_id:
            raise webob.exc.HTTPNotFound(explanation=f"Instance {id} could not be found.")
        return server

    def show(self, req, id):
        server = self._get(req, id)
        return {"server": {"id": id, "status": server["status"],
                           "snapshots": sorted(server["snapshots"].values(),
                                               key=lambda s: s["id"])}}

    @expected_errors(404)
    @response(202)
    @validate(body=SNAPSHOT)
    @policy("os_compute_api:servers:create_snapshot_test")
    def create_snapshot_test(self, req, id, body):
        server = self._get(req, id)
        snapshot = {"id": next(self.ids), "name": body["snapshot"]["name"]}
        server["snapshots"][snapshot["id"]] = snapshot
        return {"snapshot": snapshot}

    @action("revertResize")
    @expected_errors((404, 409))
    @response(202)
    @policy("os_compute_api:servers:revert_resize")
    def _revert_resize(self, req, id, body):
        server = self._get(req, id)
        if server["status"] != "VERIFY_RESIZE":
            raise webob.exc.HTTPConflict(
                explanation=f"Cannot 'revertResize' instance {id} while it is in "
                f"vm_state {server['status']}")
        server["status"] = "ACTIVE"

    @action("revertSnapshot")
    @expected_errors(404)
    @response(202)
    @validate(body=REVERT)
    def _revert_snapshot(self, req, id, body):
        server = self._get(req, id)
        wanted = body["revertSnapshot"]["snapshot_id"]
        if wanted not in server["snapshots"]:
            raise webob.exc.HTTPNotFound(explanation=f"Snapshot {wanted} could not be found.")
        server["status"] = f"REVERTED_TO_{wanted}"
        return {"server": {"id": id, "status": server["status"]}}


@pytest.fixture
def servers(caller):
    def build(context=MEMBER):
        controller = ServersController()
        api = APIRouter(
            resources=[ResourceExtension(
                "servers", controller,
                member_actions={"action": "POST", "create_snapshot_test": "POST"})],
            policies=POLICIES, project_id="optional",
        )
        return caller(api, context)

    return build


def test_create_snapshot_member_action(servers):
    app = servers()
    snap = app.post_json("/p1/servers/s1/create_snapshot_test", {"snapshot": {"name": "n1"}},
                         status=202)
    assert snap.json == {"snapshot": {"id": 1, "name": "n1"}}
    app.post_json("/servers/s1/create_snapshot_test", {"snapshot": {"name": "n2"}}, status=202)
    assert [s["name"] for s in app.get("/servers/s1").json["server"]["snapshots"]] == [
        "n1", "n2"]
    bad = app.post_json("/servers/s1/create_snapshot_test", {"snapshot": {}}, status=400)
    assert "'name' is a required property" in bad.json["badRequest"]["message"]
    app.post_json("/servers/s9/create_snapshot_test", {"snapshot": {"name": "x"}}, status=404)
    app.get("/servers/s1/create_snapshot_test", status=405)


def test_revert_resize_action(servers):
    app = servers()
    app.post_json("/servers/s1/action", {"revertResize": None}, status=202)
    assert app.get("/servers/s1").json["server"]["status"] == "ACTIVE"
    again = app.post_json("/servers/s1/action", {"revertResize": None}, status=409)
    assert again.json["conflictingRequest"]["message"].startswith("Cannot 'revertResize'")


def test_revert_snapshot_action(servers):
    app = servers()
    app.post_json("/servers/s1/create_snapshot_test", {"snapshot": {"name": "n1"}}, status=202)
    resp = app.post_json("/servers/s1/action", {"revertSnapshot": {"snapshot_id": 1}},
                         status=202)
    assert resp.json == {"server": {"id": "s1", "status": "REVERTED_TO_1"}}
    missing = app.post_json("/servers/s1/action", {"revertSnapshot": {"snapshot_id": 7}},
                            status=404)
    assert missing.json["itemNotFound"]["message"] == "Snapshot 7 could not be found."
    wrong = app.post_json("/servers/s1/action", {"revertSnapshot": {"snapshot_id": "7"}},
                          status=400)
    assert "revertSnapshot/snapshot_id. Value: 7. '7' is not of type 'integer'" in \
        wrong.json["badRequest"]["message"]


def test_unknown_actions_and_bodies(servers):
    app = servers()
    resp = app.post_json("/servers/s1/action", {"createBackup": {}}, status=400)
    assert resp.json == {"badRequest": {"code": 400,
                                        "message": "There is no such action: createBackup"}}
    app.post_json("/servers/s1/action", {"revertResize": None, "x": 1}, status=400)
    app.post("/servers/s1/action", status=400)


def test_policies_and_projects(servers):
    from carya.middleware.auth import RequestContext

    stranger = servers(RequestContext(user_id="eve", project_id="p2", roles=[]))
    stranger.post_json("/servers/s1/action", {"revertResize": None}, status=404)
    admin_elsewhere = servers(RequestContext(user_id="root", project_id="p2", is_admin=True,
                                             roles=["admin"]))
    admin_elsewhere.post_json("/p1/servers/s1/action", {"revertResize": None}, status=400)
    servers(ADMIN).post_json("/servers/s1/action", {"revertResize": None}, status=202)
