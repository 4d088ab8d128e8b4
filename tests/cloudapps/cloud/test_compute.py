"""The compute worker: transitions, their notifications on the real embedded transport
(event types, payloads, order per server), exactly-once under two racing workers,
graceful stop, and the outbox that sends what a dead process left behind."""

from __future__ import annotations

import time

from cloudapps.cloud import db, events
from cloudapps.cloud.compute import Worker
from sqlalchemy import func, insert, select, update

from carya.notify import Notifier

from .conftest import ALICE, BUILD_DELAY, wait_until
from .test_api import IMAGE, create


def status(api, server_id, headers=ALICE):
    resp = api.get(f"/v2.1/servers/{server_id}", headers=headers, expect_errors=True)
    return resp.json["server"]["status"] if resp.status_int == 200 else resp.status_int


def wait_status(api, server_id, wanted, timeout=10.0):
    wait_until(lambda: status(api, server_id) == wanted, timeout,
               f"server {server_id} to be {wanted} (is {status(api, server_id)})")


def test_build_becomes_active_after_the_delay(api, collector, make_worker):
    make_worker()
    started = time.monotonic()
    server_id = create(api, metadata={"deployment_id": "d-7"})
    wait_status(api, server_id, "ACTIVE")
    assert time.monotonic() - started >= BUILD_DELAY * 0.9
    seen = collector.wait_for(server_id, "compute.instance.create.end")
    assert seen == ["compute.instance.create.start", "compute.instance.update",
                    "compute.instance.create.end"]
    update_note = [p for _, t, p in collector.notes if t == "compute.instance.update"][0]
    assert update_note == {
        "instance_id": server_id, "display_name": "web-1", "state": "active",
        "old_state": "building", "flavor_id": "1", "image_id": IMAGE, "tenant_id": "demo",
        "user_id": "alice", "metadata": {"deployment_id": "d-7"},
    }


def test_fail_flavor_ends_in_error_with_an_error_notification(api, collector, make_worker):
    make_worker()
    server_id = create(api, flavorRef="99")
    wait_status(api, server_id, "ERROR")
    seen = collector.wait_for(server_id, "compute.instance.create.error")
    assert seen == ["compute.instance.create.start", "compute.instance.update",
                    "compute.instance.create.error"]
    priority, _, payload = [n for n in collector.notes
                            if n[1] == "compute.instance.create.error"][0]
    assert priority == "error" and payload["state"] == "error"
    shown = api.get(f"/v2.1/servers/{server_id}", headers=ALICE).json["server"]
    assert "m1.fail" in shown["fault"]["message"]


def test_fail_rate_injects_errors(api, collector, make_worker):
    make_worker(fail_rate=1.0)
    server_id = create(api, flavorRef="1")
    wait_status(api, server_id, "ERROR")
    assert "injected" in api.get(f"/v2.1/servers/{server_id}",
                                 headers=ALICE).json["server"]["fault"]["message"]


def test_reboot_stop_start_snapshot_delete(api, collector, make_worker):
    make_worker()
    server_id = create(api)
    wait_status(api, server_id, "ACTIVE")
    url = f"/v2.1/servers/{server_id}/action"
    api.post_json(url, {"reboot": {"type": "SOFT"}}, headers=ALICE, status=202)
    collector.wait_for(server_id, "compute.instance.reboot.end")
    wait_until(lambda: api.get(f"/v2.1/servers/{server_id}", headers=ALICE)
               .json["server"]["OS-EXT-STS:task_state"] is None, 10, "reboot to finish")
    api.post_json(url, {"os-stop": None}, headers=ALICE, status=202)
    wait_status(api, server_id, "SHUTOFF")
    image_id = api.post_json(url, {"createImage": {"name": "snap"}}, headers=ALICE,
                             status=202).headers["Location"].rsplit("/", 1)[1]
    wait_until(lambda: api.get(f"/v2.1/images/{image_id}", headers=ALICE)
               .json["image"]["status"] == "ACTIVE", 10, "the snapshot to be ACTIVE")
    api.post_json(url, {"os-start": None}, headers=ALICE, status=202)
    wait_status(api, server_id, "ACTIVE")
    # the worker commits the status, then sends its events: wait for them, or the API's
    # delete.start (sent at once) may overtake them and the order below would be a race
    collector.wait_for(server_id, "compute.instance.power_on.end")
    api.delete(f"/v2.1/servers/{server_id}", headers=ALICE, status=204)
    wait_status(api, server_id, 404)
    seen = collector.wait_for(server_id, "compute.instance.delete.end")
    assert seen == [
        "compute.instance.create.start", "compute.instance.update",
        "compute.instance.create.end",
        "compute.instance.update", "compute.instance.reboot.end",
        "compute.instance.update", "compute.instance.power_off.end",
        "compute.instance.snapshot.end",
        "compute.instance.update", "compute.instance.power_on.end",
        "compute.instance.delete.start", "compute.instance.update",
        "compute.instance.delete.end",
    ]
    states = [(p["old_state"], p["state"]) for _, t, p in collector.notes
              if t == "compute.instance.update" and p["instance_id"] == server_id]
    assert states == [("building", "active"), ("active", "active"), ("active", "stopped"),
                      ("stopped", "active"), ("active", "deleted")]


def test_two_workers_never_apply_a_transition_twice(api, collector, make_worker, engine):
    count = 30
    ids = [create(api, name=f"s-{i}") for i in range(count)]
    # make them all due at once, then let two workers race for them
    with engine.begin() as conn:
        conn.execute(update(db.servers).values(due_at=time.time()))
    first, second = make_worker(poll_interval=0.01), make_worker(poll_interval=0.01)
    wait_until(lambda: all(status(api, s) == "ACTIVE" for s in ids), 20, "all ACTIVE")
    wait_until(lambda: all("compute.instance.create.end" in collector.of(s) for s in ids),
               10, "every create.end")
    time.sleep(0.3)  # anything duplicated would arrive now
    for server_id in ids:
        assert collector.of(server_id) == ["compute.instance.create.start",
                                           "compute.instance.update",
                                           "compute.instance.create.end"]
    assert first.applied + second.applied == count
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(db.outbox)) == 0


def test_sweeper_sends_what_a_dead_process_left(collector, engine, cloud_env):
    """Rows committed to the outbox but never sent (the sender died) go out later."""
    with engine.begin() as conn:
        conn.execute(insert(db.outbox).values(
            server_id="lost-1", event_type="compute.instance.update", priority="info",
            context="{}", payload='{"instance_id": "lost-1", "state": "active"}',
            created_at=time.time() - 60))
    notifier = Notifier(cloud_env["CLOUDAPPS_TRANSPORT_URL"], "compute.test", outbox=False)
    publisher = events.Publisher(engine, notifier)
    assert publisher.sweep() == 1
    assert publisher.sweep() == 0  # sent once, then gone
    collector.wait_for("lost-1", "compute.instance.update")
    assert publisher.pending() == []


def test_worker_stops_promptly(engine, cloud_env):
    import threading

    notifier = Notifier(cloud_env["CLOUDAPPS_TRANSPORT_URL"], "compute.test", outbox=False)
    worker = Worker(engine, notifier, poll_interval=0.2)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    time.sleep(0.1)
    started = time.monotonic()
    worker.stop()
    thread.join(5)
    assert not thread.is_alive() and time.monotonic() - started < 1.0
