"""The compute API through its whole INI pipeline (WebTest): servers, actions, flavors,
images, validation, policy, microversions, and the notifications the API publishes."""

from __future__ import annotations

import json

from cloudapps.cloud import db
from sqlalchemy import update

from .conftest import ADMIN, ALICE, BOB, MEMBER_TOKEN, READER

IMAGE = db.IMAGES[0]["id"]


def create(api, headers=ALICE, **server):
    body = {"server": {"name": "web-1", "imageRef": IMAGE, "flavorRef": "1", **server}}
    return api.post_json("/v2.1/servers", body, headers=headers, status=202).json["server"]["id"]


def set_status(engine, server_id, status):
    with engine.begin() as conn:
        conn.execute(update(db.servers).where(db.servers.c.id == server_id)
                     .values(status=status, task_state=None, due_at=None))


def error_message(response) -> str:
    (fault,) = response.json.values()
    return fault["message"]


def test_versions_document_at_root(api):
    versions = api.get("/").json["versions"]
    assert [(v["id"], v["min_version"], v["version"]) for v in versions] == [
        ("v2.1", "2.1", "2.2")]
    assert versions[0]["links"][0]["href"].endswith("/v2.1/")


def test_create_list_show_delete(api, collector):
    server_id = create(api, metadata={"deployment_id": "d-1"})
    listed = api.get("/v2.1/servers", headers=ALICE).json["servers"]
    assert [s["id"] for s in listed] == [server_id]
    detail = api.get("/v2.1/servers/detail", headers=ALICE).json["servers"]
    assert detail[0]["status"] == "BUILD" and detail[0]["metadata"] == {"deployment_id": "d-1"}
    shown = api.get(f"/v2.1/servers/{server_id}", headers=ALICE).json["server"]
    assert shown["name"] == "web-1" and shown["tenant_id"] == "demo"
    assert shown["flavor"]["id"] == "1" and shown["image"]["id"] == IMAGE
    assert shown["flavor"]["links"][0]["href"].endswith("/v2.1/flavors/1")
    api.delete(f"/v2.1/servers/{server_id}", headers=ALICE, status=204)
    collector.wait_for(server_id, "compute.instance.delete.start")
    start = [p for _, t, p in collector.notes if t == "compute.instance.create.start"][0]
    assert start["state"] == "building" and start["tenant_id"] == "demo"
    assert start["metadata"] == {"deployment_id": "d-1"} and start["flavor_id"] == "1"


def test_flavor_and_image_by_name_or_link(api):
    server_id = create(api, imageRef="ubuntu-22.04",
                       flavorRef="http://localhost/v2.1/flavors/2")
    shown = api.get(f"/v2.1/servers/{server_id}", headers=ALICE).json["server"]
    assert shown["flavor"]["id"] == "2" and shown["image"]["id"] == db.IMAGES[1]["id"]


def test_unknown_flavor_or_image_is_a_clear_400(api):
    body = {"server": {"name": "x", "imageRef": IMAGE, "flavorRef": "m9.huge"}}
    resp = api.post_json("/v2.1/servers", body, headers=ALICE, status=400)
    assert "flavor 'm9.huge' does not exist" in error_message(resp)
    body["server"].update(flavorRef="1", imageRef="windows")
    resp = api.post_json("/v2.1/servers", body, headers=ALICE, status=400)
    assert "image 'windows' does not exist" in error_message(resp)
    assert api.get("/v2.1/servers", headers=ALICE).json["servers"] == []


def test_create_validation(api):
    resp = api.post_json("/v2.1/servers", {"server": {"name": "x", "flavorRef": "1"}},
                         headers=ALICE, status=400)
    assert "'imageRef' is a required property" in error_message(resp)
    resp = api.post_json("/v2.1/servers", {"server": {"name": "", "imageRef": IMAGE,
                                                      "flavorRef": "1"}},
                         headers=ALICE, status=400)
    assert "server/name" in error_message(resp)
    resp = api.post_json("/v2.1/servers", {"server": {"name": "x", "imageRef": IMAGE,
                                                      "flavorRef": "1", "color": "red"}},
                         headers=ALICE, status=400)
    assert "color" in error_message(resp)
    resp = api.post("/v2.1/servers", "{not json", headers={**ALICE,
                    "Content-Type": "application/json"}, status=400)
    assert "Traceback" not in resp.text


def test_actions_validation_and_conflicts(api, engine):
    server_id = create(api)
    url = f"/v2.1/servers/{server_id}/action"
    resp = api.post_json(url, {"reboot": {"type": "SOFT"}}, headers=ALICE, status=409)
    assert "vm_state building" in error_message(resp)
    set_status(engine, server_id, "ACTIVE")
    resp = api.post_json(url, {"reboot": {"type": "GENTLE"}}, headers=ALICE, status=400)
    assert "reboot/type" in error_message(resp)
    resp = api.post_json(url, {"os-stop": {"now": True}}, headers=ALICE, status=400)
    assert "os-stop" in error_message(resp)
    resp = api.post_json(url, {"explode": None}, headers=ALICE, status=400)
    assert "no such action: explode" in error_message(resp)
    resp = api.post_json(url, {"createImage": {}}, headers=ALICE, status=400)
    assert "'name' is a required property" in error_message(resp)
    api.post_json(url, {"os-start": None}, headers=ALICE, status=409)  # already running
    api.post_json(url, {"reboot": {"type": "HARD"}}, headers=ALICE, status=202)
    shown = api.get(f"/v2.1/servers/{server_id}", headers=ALICE).json["server"]
    assert shown["OS-EXT-STS:task_state"] == "rebooting"
    api.post_json(url, {"os-stop": None}, headers=ALICE, status=409)  # busy rebooting


def test_create_image_adds_a_saving_image(api, engine):
    server_id = create(api)
    set_status(engine, server_id, "ACTIVE")
    resp = api.post_json(f"/v2.1/servers/{server_id}/action",
                         {"createImage": {"name": "snap"}}, headers=ALICE, status=202)
    assert resp.body == b""  # below 2.45 Nova answers with Location only
    image_id = resp.headers["Location"].rsplit("/", 1)[1]
    assert resp.headers["Location"] == f"http://localhost/v2.1/images/{image_id}"
    image = api.get(f"/v2.1/images/{image_id}", headers=ALICE).json["image"]
    assert image["status"] == "SAVING" and image["server"] == {"id": server_id}
    api.get(f"/v2.1/images/{image_id}", headers=BOB, status=404)  # other project
    body = {"server": {"name": "y", "imageRef": image_id, "flavorRef": "1"}}
    resp = api.post_json("/v2.1/servers", body, headers=ALICE, status=400)
    assert "not active" in error_message(resp)


def test_other_projects_servers_are_404(api, engine):
    server_id = create(api)
    set_status(engine, server_id, "ACTIVE")
    api.get(f"/v2.1/servers/{server_id}", headers=BOB, status=404)
    api.delete(f"/v2.1/servers/{server_id}", headers=BOB, status=404)
    api.post_json(f"/v2.1/servers/{server_id}/action", {"os-stop": None}, headers=BOB,
                  status=404)
    assert api.get("/v2.1/servers", headers=BOB).json["servers"] == []
    # admin sees everything, but lists other projects only when asking for all_tenants
    assert api.get(f"/v2.1/servers/{server_id}", headers=ADMIN).status_int == 200
    assert api.get("/v2.1/servers", headers=ADMIN).json["servers"] == []
    everyone = api.get("/v2.1/servers?all_tenants=1", headers=ADMIN).json["servers"]
    assert [s["id"] for s in everyone] == [server_id]
    resp = api.get("/v2.1/servers?all_tenants=1", headers=ALICE, status=403)
    assert "get_all_tenants" in error_message(resp)


def test_reader_may_look_but_not_act(token_api, engine):
    server_id = create(token_api, headers=MEMBER_TOKEN)
    set_status(engine, server_id, "ACTIVE")
    listed = token_api.get("/v2.1/servers", headers=READER).json["servers"]
    assert [s["id"] for s in listed] == [server_id]
    token_api.get(f"/v2.1/servers/{server_id}", headers=READER, status=200)
    token_api.get("/v2.1/flavors", headers=READER, status=200)
    body = {"server": {"name": "x", "imageRef": IMAGE, "flavorRef": "1"}}
    resp = token_api.post_json("/v2.1/servers", body, headers=READER, status=403)
    assert "os_compute_api:servers:create" in error_message(resp)
    token_api.post_json(f"/v2.1/servers/{server_id}/action", {"os-stop": None},
                           headers=READER, status=403)
    token_api.delete(f"/v2.1/servers/{server_id}", headers=READER, status=403)
    token_api.get("/v2.1/servers", status=401)  # no token at all
    token_api.get("/v2.1/servers", headers={"X-Auth-Token": "forged"}, status=401)


def test_policy_file_overrides_defaults(cloud_env, engine, tmp_path, monkeypatch):
    from webtest import TestApp

    from carya.paste import loadapp

    from .conftest import INI

    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"os_compute_api:servers:create": "rule:admin_api"}))
    monkeypatch.setenv("CLOUDAPPS_CLOUD_POLICY", str(path))
    api = TestApp(loadapp(INI, "osapi_compute"))
    body = {"server": {"name": "x", "imageRef": IMAGE, "flavorRef": "1"}}
    api.post_json("/v2.1/servers", body, headers=ALICE, status=403)
    api.post_json("/v2.1/servers", body, headers=ADMIN, status=202)


def test_server_document_has_nova_2_1_keys_at_every_microversion(api):
    server_id = create(api)
    for version in ("2.1", "2.2"):
        res = api.get(f"/v2.1/servers/{server_id}",
                      headers={**ALICE, "OpenStack-API-Version": f"compute {version}"})
        assert res.headers["OpenStack-API-Version"] == f"compute {version}"
        server = res.json["server"]
        assert server["progress"] == 0 and server["OS-EXT-STS:power_state"] == 0
        assert server["addresses"] == {} and server["OS-SRV-USG:launched_at"] is None
        for key in ("accessIPv4", "accessIPv6", "config_drive", "hostId", "key_name",
                    "OS-DCF:diskConfig", "OS-EXT-AZ:availability_zone",
                    "OS-SRV-USG:terminated_at", "os-extended-volumes:volumes_attached"):
            assert key in server, key
    api.get(f"/v2.1/servers/{server_id}",
            headers={**ALICE, "OpenStack-API-Version": "compute 2.9"}, status=406)


def test_create_takes_nova_counts_and_reservation_ids(api):
    body = {"server": {"name": "many", "imageRef": IMAGE, "flavorRef": "1",
                       "min_count": 1, "max_count": "3"}}
    res = api.post_json("/v2.1/servers", body, headers=ALICE, status=202)
    assert res.headers["Location"].endswith(f"/v2.1/servers/{res.json['server']['id']}")
    names = sorted(s["name"] for s in api.get("/v2.1/servers", headers=ALICE).json["servers"])
    assert names == ["many-1", "many-2", "many-3"]
    body["server"].update(max_count=1, return_reservation_id=True, name="one")
    res = api.post_json("/v2.1/servers", body, headers=ALICE, status=202)
    assert set(res.json) == {"reservation_id"} and res.json["reservation_id"].startswith("r-")
    body["server"].update(min_count=3, max_count=2)
    resp = api.post_json("/v2.1/servers", body, headers=ALICE, status=400)
    assert "min_count (3) must be <= max_count (2)" in error_message(resp)
    body["server"].update(min_count=0, max_count=2)
    api.post_json("/v2.1/servers", body, headers=ALICE, status=400)
    body["server"].update(min_count=11, max_count=11)
    resp = api.post_json("/v2.1/servers", body, headers=ALICE, status=403)
    assert "Quota exceeded" in error_message(resp)


def test_version_document_without_token_and_request_ids(token_api):
    res = token_api.get("/v2.1")
    assert res.json["version"]["id"] == "v2.1" and res.json["version"]["version"] == "2.2"
    assert res.json["version"]["links"][0]["href"] == "http://localhost/v2.1/"
    assert token_api.get("/v2.1/").json == res.json
    refused = token_api.get("/v2.1/servers", headers={"X-Auth-Token": "forged"}, status=401)
    assert refused.json["error"]["code"] == 401
    assert refused.json["error"]["message"] == "The X-Auth-Token is not valid"
    assert refused.headers["WWW-Authenticate"].startswith("Keystone uri=")
    assert refused.headers["X-Compute-Request-Id"] == refused.headers["X-Openstack-Request-Id"]


def test_flavors_and_images_read_only(api):
    flavors = api.get("/v2.1/flavors/detail", headers=ALICE).json["flavors"]
    assert {"id": "99", "name": "m1.fail", "vcpus": 1, "ram": 256, "disk": 1} in flavors
    assert api.get("/v2.1/flavors/2", headers=ALICE).json["flavor"]["name"] == "m1.small"
    api.get("/v2.1/flavors/1234", headers=ALICE, status=404)
    names = [i["name"] for i in api.get("/v2.1/images", headers=ALICE).json["images"]]
    assert names == sorted(i["name"] for i in db.IMAGES)
    api.post_json("/v2.1/flavors", {"flavor": {}}, headers=ADMIN, status=(404, 405))
    api.delete(f"/v2.1/images/{IMAGE}", headers=ADMIN, status=(404, 405))


def test_delete_is_accepted_while_the_worker_changes_the_server(api, engine, monkeypatch):
    """Nova accepts a delete in any state. The compute worker may commit (a build
    finishing) between the API's read and its claim; the delete then reads again instead
    of answering 409 (CI saw novaclient's delete fail so). The race is made certain here:
    the row's version moves right after each of the first two reads."""
    from cloudapps.cloud import api as api_module

    server_id = create(api)
    read = api_module.ServersController._get
    raced = []

    def read_then_race(self, req, id):
        row = read(self, req, id)
        if len(raced) < 2:
            raced.append(row.version)
            with engine.begin() as conn:
                conn.execute(update(db.servers).where(db.servers.c.id == id)
                             .values(version=row.version + 1))
        return row

    monkeypatch.setattr(api_module.ServersController, "_get", read_then_race)
    api.delete(f"/v2.1/servers/{server_id}", headers=ALICE, status=204)
    assert raced == [0, 1]
    monkeypatch.setattr(api_module.ServersController, "_get", read)
    shown = api.get(f"/v2.1/servers/{server_id}", headers=ALICE).json["server"]
    assert shown["OS-EXT-STS:task_state"] == "deleting"
