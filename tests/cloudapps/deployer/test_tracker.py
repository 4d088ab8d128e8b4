"""The tracker as ``carya listen`` runs it: a Listener in pool ``deployer`` on the
embedded transport, fed Nova-style ``compute.instance.*`` notifications."""

from __future__ import annotations

import threading
import time

import pytest
from cloudapps.deployer import db
from cloudapps.deployer.cloud import CloudClient
from cloudapps.deployer.tracker import Tracker
from sqlalchemy import insert, select

from carya.notify import Listener, Notifier, get_transport

from .conftest import wait_until


class Recorder:
    def __init__(self):
        self.seen = []
        self.lock = threading.Lock()

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        with self.lock:
            self.seen.append(("info", event_type, payload))

    def error(self, ctxt, publisher_id, event_type, payload, metadata):
        with self.lock:
            self.seen.append(("error", event_type, payload))

    def of(self, prefix):
        with self.lock:
            return [(p, e, b) for p, e, b in self.seen if e.startswith(prefix)]


@pytest.fixture
def bus(tmp_path):
    url = f"embedded://{tmp_path}/bus.sqlite"
    engine = db.engine_for(f"sqlite:///{tmp_path}/deployer.sqlite")
    transport = get_transport(url)
    recorder = Recorder()
    watch = Listener(transport, ["notifications"], [recorder], pool="watch").start()
    tracker = Tracker(engine, Notifier(url, "deployer.test"),
                      CloudClient("http://127.0.0.1:9/v2.1", retries=0, timeout=1),
                      wait_unknown=5.0, reconcile_after=0)  # test_reconciler's part
    listener = Listener(transport, ["notifications"], [tracker], pool="deployer").start()
    compute = Notifier(url, "compute.test")
    yield engine, compute, recorder
    listener.stop()
    watch.stop()
    transport.close()


def add_deployment(engine, servers, state="creating"):
    now = time.time()
    with engine.begin() as conn:
        conn.execute(insert(db.deployments).values(
            id="dep-1", name="shop", template="web", image_id="img", image_name="cirros",
            flavor_id="1", flavor_name="m1.tiny", instances=len(servers), state=state,
            created_at=now, updated_at=now))
        for server_id in servers:
            add_server(conn, server_id)


def add_server(conn, server_id):
    now = time.time()
    conn.execute(insert(db.servers).values(
        id=server_id, deployment_id="dep-1", role="web", name=f"shop-{server_id}",
        status="BUILD", created_at=now, updated_at=now))


def event(compute, server_id, state, event_type="compute.instance.update", deployment="dep-1"):
    payload = {"instance_id": server_id, "state": state, "old_state": "building",
               "metadata": {"deployment_id": deployment} if deployment else {}}
    send = compute.error if state == "error" else compute.info
    send({}, event_type, payload)


def deployment_state(engine):
    with engine.connect() as conn:
        return conn.scalar(select(db.deployments.c.state).where(db.deployments.c.id == "dep-1"))


def test_all_servers_active_makes_the_deployment_active_once(bus):
    engine, compute, recorder = bus
    add_deployment(engine, ["s1", "s2"])
    event(compute, "s1", "active")
    event(compute, "s1", "active", "compute.instance.create.end")  # a second report
    time.sleep(0.5)
    assert deployment_state(engine) == "creating"  # s2 is still building
    event(compute, "s2", "active")
    wait_until(lambda: deployment_state(engine) == "active", 10, "active")
    wait_until(lambda: recorder.of("deployment.create.end"), 10, "deployment.create.end")
    event(compute, "s2", "active", "compute.instance.create.end")
    time.sleep(0.5)
    ends = recorder.of("deployment.create.end")
    assert len(ends) == 1
    assert ends[0][2]["state"] == "active" and sorted(ends[0][2]["server_ids"]) == ["s1", "s2"]


def test_a_server_in_error_fails_the_deployment_with_priority_error(bus):
    engine, compute, recorder = bus
    add_deployment(engine, ["s1"])
    event(compute, "s1", "error", "compute.instance.create.error")
    wait_until(lambda: deployment_state(engine) == "error", 10, "error")
    errors = wait_until(lambda: recorder.of("deployment.create.error"), 10, "create.error")
    priority, _, payload = errors[0]
    assert priority == "error"
    assert "went to ERROR" in payload["error"] and payload["deployment_id"] == "dep-1"


def test_an_event_before_the_server_is_recorded_waits_for_the_commit(bus):
    engine, compute, recorder = bus
    add_deployment(engine, [])
    event(compute, "late", "active")  # the API has not committed the server yet
    time.sleep(0.6)
    assert deployment_state(engine) == "creating"
    with engine.begin() as conn:
        add_server(conn, "late")
    wait_until(lambda: deployment_state(engine) == "active", 10, "active after the commit")


def test_notifications_of_other_servers_are_ignored(bus):
    engine, compute, recorder = bus
    add_deployment(engine, ["s1"])
    event(compute, "s1", "active", deployment=None)
    event(compute, "other", "active", deployment="someone-else")
    compute.info({}, "compute.instance.update", "not a dict")
    time.sleep(0.8)
    assert deployment_state(engine) == "creating"
    event(compute, "s1", "active")
    wait_until(lambda: deployment_state(engine) == "active", 10, "active")


def test_a_late_building_event_never_takes_an_active_server_back_to_build(tmp_path):
    """A requeued ``create.start`` seen after ``create.end`` (RabbitMQ redelivers at the
    back of the queue; two trackers race) leaves the server ACTIVE and the deployment
    active: a deployment never reads active while one of its servers reads BUILD."""
    from cloudapps.deployer import service

    engine = db.engine_for(f"sqlite:///{tmp_path}/deployer.sqlite")
    db.migrate(engine)
    add_deployment(engine, ["s1"])
    notifier = Notifier("memory://late-building", "deployer.test")
    for event_type, state in (("compute.instance.create.end", "active"),
                              ("compute.instance.create.start", "building")):
        body = {"instance_id": "s1", "state": state, "metadata": {"deployment_id": "dep-1"}}
        with engine.begin() as conn:
            assert service.server_event(conn, notifier, {}, event_type, body)
    with engine.connect() as conn:
        assert conn.scalar(select(db.servers.c.status).where(db.servers.c.id == "s1")) == "ACTIVE"
    assert deployment_state(engine) == "active"
