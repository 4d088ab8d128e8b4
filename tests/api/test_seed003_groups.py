"""Seed 003's "groups" extension (examples/groups), loaded from its entry point.

Collection actions ``add_group`` (POST) and ``get_groups`` (GET), member actions
``update`` (POST) and ``detail`` (GET), the ``create`` schema and the
``os_compute_api:groups*`` rules, with groups kept in SQLite. Driven through
WebTest and over real HTTP (``carya serve`` on the example's api-paste.ini,
noauth and request ids in the pipeline), and listed by ``carya routes``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from carya.middleware.auth import RequestContext
from tests.api.conftest import ADMIN, MEMBER
from tests.support import EXAMPLES, ROOT, fetch, free_port, running

GROUPS = os.path.join(EXAMPLES, "groups")
INI = os.path.join(GROUPS, "api-paste.ini")


@pytest.fixture
def groups_api(tmp_path, monkeypatch):
    monkeypatch.setenv("CARYA_GROUPS_DB", f"sqlite:///{tmp_path / 'groups.db'}")
    from groups_api.app import make_api

    return make_api


def test_collection_and_member_actions(groups_api, caller):
    api = groups_api()
    alice = caller(api, MEMBER)
    added = alice.post_json("/p1/groups/add_group", {"group": {"name": "web"}}).json
    assert added["ret_state"] == "success"
    group = added["group"]
    assert group["project_id"] == "p1" and group["name"] == "web" and len(group["group_id"]) == 36
    listed = alice.get("/p1/groups/get_groups").json
    assert listed["ret_state"] == "success" and [g["name"] for g in listed["data"]] == ["web"]
    detail = alice.get(f"/groups/{group['group_id']}/detail").json["group"]
    assert detail["group_id"] == group["group_id"]
    alice.get("/groups/nope/detail", status=404)
    other = caller(api, RequestContext(user_id="bob", project_id="p2", roles=["member"]))
    assert other.get("/groups/get_groups").json["data"] == [], "groups are per project"
    other.get(f"/groups/{group['group_id']}/detail", status=404)


def test_policies(groups_api, caller):
    api = groups_api()
    alice, admin = caller(api, MEMBER), caller(api, ADMIN)
    gid = alice.post_json("/groups/add_group", {"group": {"name": "db"}}).json["group"][
        "group_id"]
    denied = alice.post_json(f"/groups/{gid}/update", {"group": {"name": "x"}}, status=403)
    assert denied.json == {"forbidden": {
        "code": 403, "message": "Policy doesn't allow os_compute_api:groups to be performed."}}
    updated = admin.post_json(f"/groups/{gid}/update", {"group": {"name": "x"}}).json
    assert updated["group"]["name"] == "x"
    assert admin.put_json(f"/groups/{gid}", {"group": {"description": "d"}}).json[
        "group"]["description"] == "d", "PUT maps to the same update"
    alice.post_json("/groups", {"MyTest": {"myhost": "h"}}, status=403)
    admin.delete(f"/groups/{gid}", status=204)
    admin.delete(f"/groups/{gid}", status=404)


def test_create_schema(groups_api, caller):
    admin = caller(groups_api(), ADMIN)
    admin.post_json("/groups", {"MyTest": {"myhost": "compute-1.example"}}, status=204)
    admin.post_json("/groups", {}, status=204)
    for body, message in [
        ({"MyTest": {"myhost": 123}},
         "Invalid input for field/attribute MyTest/myhost. Value: 123. "
         "123 is not of type 'string'"),
        ({"MyTest": {"myhost": "bad host!"}},
         "Invalid input for field/attribute MyTest/myhost. Value: bad host!. "
         "'bad host!' does not match '^[a-zA-Z0-9-._]*$'"),
        ({"MyTest": {"other": 1}},
         "Invalid input for field/attribute MyTest. Value: {\"other\": 1}. "
         "Additional properties are not allowed ('other' was unexpected)"),
        ({"Other": {}}, "Additional properties are not allowed ('Other' was unexpected)"),
    ]:
        resp = admin.post_json("/groups", body, status=400)
        assert resp.json == {"badRequest": {"code": 400, "message": message}}


def test_bad_input_and_conflicts(groups_api, caller):
    alice = caller(groups_api(), MEMBER)
    body = {"group": {"name": "a", "group_id": "fixed-id"}}
    alice.post_json("/groups/add_group", body)
    dup = alice.post_json("/groups/add_group", body, status=409)
    assert dup.json["conflictingRequest"]["message"] == "Group fixed-id already exists."
    missing = alice.post_json("/groups/add_group", {"group": {}}, status=400)
    assert "'name' is a required property" in missing.json["badRequest"]["message"]
    alice.post("/groups/add_group", "not json", content_type="application/json", status=400)
    alice.post("/groups/add_group", status=400)


def test_policy_file_override(groups_api, caller, tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text('"os_compute_api:groups:show": "role:auditor"\n')
    alice = caller(groups_api(policy_file=str(policy)), MEMBER)
    alice.get("/groups/get_groups", status=403)
    auditor = RequestContext(user_id="eve", project_id="p1", roles=["auditor"])
    assert caller(groups_api(policy_file=str(policy)), auditor).get("/groups/get_groups")


def test_served_over_http(tmp_path):
    port = free_port()
    db = tmp_path / "groups.db"
    env = dict(os.environ, CARYA_GROUPS_DB=f"sqlite:///{db}")
    cmd = [sys.executable, "-m", "carya", "serve", INI, "--port", str(port)]
    json_headers = {"Content-Type": "application/json"}
    alice = {"X-Auth-User": "alice", "X-Auth-Project-Id": "demo", **json_headers}
    admin = {"X-Auth-User": "admin", "X-Auth-Project-Id": "demo", **json_headers}
    with running(cmd, port, cwd=ROOT, env=env) as proc:
        status, headers, body = fetch(port, "POST", "/v2.1/demo/groups/add_group",
                                      json.dumps({"group": {"name": "web"}}), alice)
        assert status == 200, body
        gid = json.loads(body)["group"]["group_id"]
        assert headers["OpenStack-API-Version"] == "compute 2.1"
        status, _, body = fetch(port, "GET", "/v2.1/demo/groups/get_groups", None, alice)
        assert status == 200 and [g["name"] for g in json.loads(body)["data"]] == ["web"]
        status, _, body = fetch(port, "GET", f"/v2.1/groups/{gid}/detail", None, alice)
        assert status == 200 and json.loads(body)["group"]["group_id"] == gid
        status, headers, body = fetch(port, "POST", f"/v2.1/groups/{gid}/update",
                                      json.dumps({"group": {"name": "api"}}), alice)
        assert status == 403
        fault = json.loads(body)["forbidden"]
        assert fault["request_id"] == headers["X-Openstack-Request-Id"]
        status, _, body = fetch(port, "POST", f"/v2.1/groups/{gid}/update",
                                json.dumps({"group": {"name": "api"}}), admin)
        assert status == 200 and json.loads(body)["group"]["name"] == "api"
        status, _, body = fetch(port, "POST", "/v2.1/groups",
                                json.dumps({"MyTest": {"myhost": 5}}), admin)
        assert status == 400 and "MyTest/myhost" in json.loads(body)["badRequest"]["message"]
        status, _, body = fetch(port, "GET", "/v2.1/demo/groups/get_groups", None,
                                {**alice, "OpenStack-API-Version": "compute 3.5"})
        assert status == 406 and "computeFault" in json.loads(body)
        status, _, body = fetch(port, "POST", "/v2.1/demo/groups/add_group", "{oops", alice)
        assert status == 400 and "Malformed request body" in body
        status, _, body = fetch(port, "GET", "/v2.1/extensions", None, alice)
        assert [e["alias"] for e in json.loads(body)["extensions"]] == ["groups"]
    assert "Traceback" not in proc.stdout.read()
    with sqlite3.connect(db) as conn:
        assert conn.execute("select name, project_id from instance_groups").fetchall() == [
            ("api", "demo")], "the server wrote to SQLite"


def test_carya_routes_lists_the_extension():
    out = subprocess.run([sys.executable, "-m", "carya", "routes", INI], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    expected = [
        ("POST", "/v2.1/{project_id}/groups/add_group", "GroupsController.add_group"),
        ("GET", "/v2.1/groups/get_groups", "GroupsController.get_groups"),
        ("POST", "/v2.1/groups/{id}/update", "GroupsController.update"),
        ("GET", "/v2.1/{project_id}/groups/{id}/detail", "GroupsController.detail"),
        ("POST", "/v2.1/groups", "GroupsController.create"),
    ]
    for method, path, handler in expected:
        assert any(line.split()[:2] == [method, path] and handler in line for line in lines), \
            (method, path)
