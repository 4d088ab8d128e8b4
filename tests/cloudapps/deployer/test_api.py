"""The deployer's REST API through WebTest, against a real cloud and a real tracker.

The app is built exactly as ``carya serve``/``app.wsgi`` build it
(``deploy(etc/deployer/config.py)``); the tracker runs in-process as
``carya listen`` would run it (pool ``deployer``), on the cloud's embedded
transport; a second pool records what the deployer announces.
"""

from __future__ import annotations

import os
import threading

import pytest
import webtest
from cloudapps.deployer import db
from cloudapps.deployer.cloud import CloudClient
from cloudapps.deployer.tracker import Tracker

from carya.deploy import deploy
from carya.notify import Listener, get_transport

from .conftest import DEPLOYER_CONFIG, wait_until


class Recorder:
    """Keeps every ``deployment.*`` notification (priority, event type, payload)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, dict]] = []
        self.lock = threading.Lock()

    def _keep(self, priority, event_type, payload):
        if event_type.startswith("deployment."):
            with self.lock:
                self.seen.append((priority, event_type, payload))

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        self._keep("info", event_type, payload)

    def error(self, ctxt, publisher_id, event_type, payload, metadata):
        self._keep("error", event_type, payload)

    def events(self, deployment_id: str) -> list[tuple[str, str]]:
        with self.lock:
            return [(p, e) for p, e, body in self.seen
                    if body.get("deployment_id") == deployment_id]


@pytest.fixture(scope="module")
def system(cloud):
    with pytest.MonkeyPatch.context() as mp:
        for key in ("CLOUDAPPS_STATE_DIR", "CLOUDAPPS_TRANSPORT_URL", "CLOUDAPPS_BUILD_DELAY"):
            mp.setenv(key, cloud.env[key])
        mp.setenv("CLOUDAPPS_CLOUD_URL", cloud.url)
        mp.setenv("CLOUDAPPS_DEPLOYER_DB",
                  f"sqlite:///{os.path.join(cloud.state_dir, 'deployer-api.sqlite')}")
        mp.setenv("CLOUDAPPS_ALARMS_URL", "http://127.0.0.1:9")  # nothing listens there
        app = deploy(DEPLOYER_CONFIG)
        transport = get_transport(cloud.transport_url)
        recorder = Recorder()
        watch = Listener(transport, ["notifications"], [recorder], pool="test-watch").start()
        tracker = Listener(transport, ["notifications"],
                           [Tracker(db.engine_for(os.environ["CLOUDAPPS_DEPLOYER_DB"]),
                                    reconcile_after=0)],
                           pool="deployer").start()
        try:
            yield webtest.TestApp(app), recorder, CloudClient(cloud.url, project="cloudapps")
        finally:
            tracker.stop()
            watch.stop()
            transport.close()


def state_of(client, deployment_id):
    return client.get(f"/v1/deployments/{deployment_id}").json["deployment"]


def settled(client, deployment_id, state, timeout=15.0):
    return wait_until(lambda: (lambda d: d if d["state"] == state else None)(
        state_of(client, deployment_id)), timeout, f"deployment {deployment_id} to be {state}")


def test_catalog_lists_templates_and_the_clouds_images_and_flavors(system):
    client, _, _ = system
    catalog = client.get("/v1/catalog").json
    assert [t["name"] for t in catalog["templates"]] == ["web", "web+db"]
    assert "cirros-0.6.2" in {i["name"] for i in catalog["images"]}
    assert {"m1.tiny", "m1.fail"} <= {f["name"] for f in catalog["flavors"]}
    assert catalog["max_instances"] == 10


@pytest.mark.parametrize("body, words", [
    ({"template": "lamp", "image": "cirros-0.6.2", "flavor": "m1.tiny", "instances": 1},
     "unknown template 'lamp'"),
    ({"template": "web", "image": "windows-95", "flavor": "m1.tiny", "instances": 1},
     "unknown image 'windows-95'"),
    ({"template": "web", "image": "cirros-0.6.2", "flavor": "m9.huge", "instances": 1},
     "unknown flavor 'm9.huge'"),
    ({"template": "web", "image": "cirros-0.6.2", "flavor": "m1.tiny", "instances": 0},
     "from 1 to 10"),
    ({"template": "web", "image": "cirros-0.6.2", "flavor": "m1.tiny", "instances": 11},
     "from 1 to 10"),
    ({"template": "web", "image": "cirros-0.6.2", "flavor": "m1.tiny", "instances": "2"},
     "whole number"),
    ({"template": "web", "image": "cirros-0.6.2", "flavor": "m1.tiny", "instances": True},
     "whole number"),
    ({"template": "web", "image": "cirros-0.6.2", "flavor": "m1.tiny", "colour": "red"},
     "unknown field(s): colour"),
    ({"template": "web", "flavor": "m1.tiny"}, "'image' is required"),
    ([1, 2], "send a JSON object"),
])
def test_bad_create_bodies_are_clear_400s_and_create_nothing(system, body, words):
    client, _, _ = system
    before = len(client.get("/v1/deployments").json["deployments"])
    resp = client.post_json("/v1/deployments", body, status=400)
    assert resp.content_type == "application/json"
    assert words in resp.json["error"]["message"]
    assert len(client.get("/v1/deployments").json["deployments"]) == before


def test_a_body_that_is_not_json_is_a_400(system):
    client, _, _ = system
    resp = client.post("/v1/deployments", "template=web", status=400,
                       headers={"Content-Type": "application/json"})
    assert "send a JSON object" in resp.json["error"]["message"]


def test_web_db_deployment_goes_active_and_is_announced_after_commit(system):
    client, recorder, cloud = system
    resp = client.post_json("/v1/deployments", {"name": "shop", "template": "web+db",
                                                "image": "cirros-0.6.2", "flavor": "m1.tiny",
                                                "instances": 2}, status=201)
    assert resp.headers["X-Openstack-Request-Id"].startswith("req-")
    d = resp.json["deployment"]
    assert d["state"] == "creating" and d["instances"] == 2
    assert sorted(s["role"] for s in d["servers"]) == ["db", "web", "web"]
    on_cloud = {s["id"]: s for s in cloud.servers()}
    for server in d["servers"]:
        assert on_cloud[server["id"]]["metadata"]["deployment_id"] == d["id"]
    done = settled(client, d["id"], "active")
    assert {s["status"] for s in done["servers"]} == {"ACTIVE"}
    wait_until(lambda: ("info", "deployment.create.end") in recorder.events(d["id"]),
               10, "deployment.create.end")
    assert recorder.events(d["id"])[0] == ("info", "deployment.create.start")
    assert recorder.events(d["id"]).count(("info", "deployment.create.end")) == 1
    listed = client.get("/v1/deployments").json["deployments"]
    assert d["id"] in {x["id"] for x in listed}


def test_failing_flavor_ends_in_error_with_the_reason(system):
    client, recorder, _ = system
    d = client.post_json("/v1/deployments", {"template": "web", "image": "cirros-0.6.2",
                                             "flavor": "m1.fail", "instances": 1},
                         status=201).json["deployment"]
    failed = settled(client, d["id"], "error")
    assert "went to ERROR" in failed["error"]
    assert failed["servers"][0]["status"] == "ERROR"
    wait_until(lambda: ("error", "deployment.create.error") in recorder.events(d["id"]),
               10, "deployment.create.error")
    body = [b for p, e, b in recorder.seen if e == "deployment.create.error"
            and b["deployment_id"] == d["id"]][0]
    assert body["state"] == "error" and "went to ERROR" in body["error"]


def test_scale_up_down_then_delete(system):
    client, recorder, cloud = system
    d = client.post_json("/v1/deployments", {"template": "web", "image": "cirros-0.6.2",
                                             "flavor": "m1.tiny", "instances": 1},
                         status=201).json["deployment"]
    conflict = client.put_json(f"/v1/deployments/{d['id']}", {"instances": 2}, status=409)
    assert "creating" in conflict.json["error"]["message"]
    settled(client, d["id"], "active")
    client.put_json(f"/v1/deployments/{d['id']}", {"instances": 0}, status=400)
    client.put_json(f"/v1/deployments/{d['id']}", {"size": 3}, status=400)
    up = client.put_json(f"/v1/deployments/{d['id']}", {"instances": 3}).json["deployment"]
    assert up["state"] == "updating" and len(up["servers"]) == 3
    done = settled(client, d["id"], "active")
    assert [s["status"] for s in done["servers"]] == ["ACTIVE"] * 3
    down = client.put_json(f"/v1/deployments/{d['id']}", {"instances": 1}).json["deployment"]
    assert down["instances"] == 1
    done = settled(client, d["id"], "active")
    live = [s for s in done["servers"] if s["status"] != "DELETED"]
    assert len(live) == 1
    wait_until(lambda: ("info", "deployment.update.end") in recorder.events(d["id"]),
               10, "deployment.update.end")
    gone = client.delete(f"/v1/deployments/{d['id']}", status=202).json["deployment"]
    assert gone["state"] in ("deleting", "deleted")
    settled(client, d["id"], "deleted")
    ids = {s["id"] for s in done["servers"]}
    wait_until(lambda: not ids & {s["id"] for s in cloud.servers()}, 10,
               "the cloud to forget the servers")
    assert ("info", "deployment.delete.start") in recorder.events(d["id"])
    wait_until(lambda: ("info", "deployment.delete.end") in recorder.events(d["id"]),
               10, "deployment.delete.end")


def test_unknown_deployment_is_a_404(system):
    client, _, _ = system
    for method in ("get", "delete"):
        resp = getattr(client, method)("/v1/deployments/nope", status=404)
        assert "no deployment nope" in resp.json["error"]["message"]
    client.put_json("/v1/deployments/nope", {"instances": 2}, status=404)


def test_alarms_proxy_says_clearly_when_the_alarm_service_is_down(system):
    client, _, _ = system
    resp = client.get("/v1/alarms", status=503)
    assert "alarm service at http://127.0.0.1:9 is not reachable" in resp.json["error"]["message"]


def test_gui_and_its_files_are_served(system):
    client, _, _ = system
    page = client.get("/")
    assert page.content_type == "text/html"
    assert 'data-testid="deploy"' in page.text and "/static/app.js" in page.text
    js = client.get("/static/app.js")
    assert "/v1/deployments" in js.text
    assert client.get("/static/style.css").content_type == "text/css"
    client.get("/static/missing.js", status=404)
