"""The evaluator on SQLite and PostgreSQL: transitions, repeat_actions, de-duplication, actions."""

from __future__ import annotations

import json
import logging
import threading
import uuid

from cloudapps.alarms import db, store
from cloudapps.alarms.actions import ActionRunner
from cloudapps.alarms.evaluator import Evaluator
from sqlalchemy import func, select

from carya.notify import Deduplicator
from tests.cloudapps.alarms.conftest import alarm_body


def make_alarm(engine, **over) -> str:
    with engine.begin() as conn:
        return store.create(conn, alarm_body(**over)).id


def alarm(engine, alarm_id):
    with engine.connect() as conn:
        return store.get(conn, alarm_id)


def history(engine, alarm_id, kinds=("state transition", "repeat")):
    with engine.connect() as conn:
        return [h for h in store.history_of(conn, alarm_id) if h["type"] in kinds]


def send(ev, event_type="deployment.create.error", priority="error", message_id=None,
         **payload):
    payload.setdefault("state", "error")
    metadata = {"message_id": message_id or str(uuid.uuid4()), "timestamp": "t"}
    getattr(ev, priority)({}, "deployer.host1", event_type, payload, metadata)
    return metadata["message_id"]


def test_a_matching_event_moves_the_alarm_and_records_why(engine, evaluator):
    alarm_id = make_alarm(engine)
    send(evaluator, event_type="deployment.create.end", priority="info")  # wrong type
    send(evaluator, state="active")  # query does not hold
    assert alarm(engine, alarm_id).state == "insufficient data"
    mid = send(evaluator, deployment_id="d-1")
    row = alarm(engine, alarm_id)
    assert row.state == "alarm" and mid in row.state_reason
    [entry] = history(engine, alarm_id)
    assert (entry["previous"], entry["current"]) == ("insufficient data", "alarm")
    assert entry["event"]["payload"]["deployment_id"] == "d-1"
    assert entry["event"]["event_type"] == "deployment.create.error"
    assert entry["message_id"] == mid


def test_without_repeat_actions_actions_run_once(engine, evaluator, webhook):
    alarm_id = make_alarm(engine, alarm_actions=[webhook.url])
    for _ in range(3):
        send(evaluator)
    assert len(history(engine, alarm_id)) == 1
    assert len(webhook.delivered()) == 1
    body = webhook.delivered()[0]
    assert body["alarm_id"] == alarm_id and body["alarm_name"] == "deployment failed"
    assert (body["previous"], body["current"]) == ("insufficient data", "alarm")
    assert body["event"]["payload"]["state"] == "error" and body["reason"]


def test_with_repeat_actions_every_event_runs_the_actions(engine, evaluator, webhook):
    alarm_id = make_alarm(engine, alarm_actions=[webhook.url], repeat_actions=True)
    ids = [send(evaluator, n=n) for n in range(3)]
    kinds = [h["type"] for h in reversed(history(engine, alarm_id))]
    assert kinds == ["state transition", "repeat", "repeat"]
    delivered = webhook.delivered()
    assert [b["event"]["message_id"] for b in delivered] == ids
    assert [b["previous"] for b in delivered] == ["insufficient data", "alarm", "alarm"]


def test_disabled_alarms_and_other_types_are_left_alone(engine, evaluator):
    off = make_alarm(engine, enabled=False)
    on = make_alarm(engine, name="on")
    send(evaluator)
    assert alarm(engine, off).state == "insufficient data"
    assert alarm(engine, on).state == "alarm"


def test_one_event_several_alarms(engine, evaluator):
    broad = make_alarm(engine, event_rule={"event_type": "deployment.*"})
    narrow = make_alarm(engine, event_rule={"event_type": "deployment.delete.*"})
    send(evaluator)
    assert alarm(engine, broad).state == "alarm"
    assert alarm(engine, narrow).state == "insufficient data"


def test_a_redelivered_message_is_applied_once(engine, evaluator, webhook):
    alarm_id = make_alarm(engine, alarm_actions=[webhook.url], repeat_actions=True)
    mid = send(evaluator)
    send(evaluator, message_id=mid)
    assert evaluator.stats["duplicates"] == 1
    assert len(history(engine, alarm_id)) == 1 and len(webhook.delivered()) == 1


def test_the_database_dedups_what_the_local_file_forgot(engine, tmp_path, webhook):
    """A second evaluator (another machine: its own dedup file) gets the same message."""
    alarm_id = make_alarm(engine, alarm_actions=[webhook.url], repeat_actions=True)
    evaluators = [Evaluator(engine, runner=ActionRunner(engine, backoff=0.01),
                            dedup=Deduplicator(path=str(tmp_path / f"seen{n}.sqlite")),
                            inline_actions=True) for n in range(2)]
    try:
        mid = send(evaluators[0])
        send(evaluators[1], message_id=mid)
        assert evaluators[1].stats["duplicates"] == 0  # not known locally...
        assert len(history(engine, alarm_id)) == 1  # ...and still applied once
        assert len(webhook.delivered()) == 1
    finally:
        for ev in evaluators:
            ev.close()


def test_dedup_survives_a_restart(engine, tmp_path):
    path = str(tmp_path / "seen.sqlite")
    alarm_id = make_alarm(engine, repeat_actions=True)
    first = Evaluator(engine, runner=ActionRunner(engine), dedup=Deduplicator(path=path),
                      inline_actions=True)
    mid = send(first)
    first.close()
    again = Evaluator(engine, runner=ActionRunner(engine), dedup=Deduplicator(path=path),
                      inline_actions=True)
    try:
        send(again, message_id=mid)
        assert again.stats["duplicates"] == 1
        assert len(history(engine, alarm_id)) == 1
    finally:
        again.close()


def test_two_evaluators_racing_on_one_alarm_make_one_transition(engine, tmp_path):
    alarm_id = make_alarm(engine, repeat_actions=False)
    evaluators = [Evaluator(engine, runner=ActionRunner(engine),
                            dedup=Deduplicator(), inline_actions=True) for _ in range(2)]
    barrier = threading.Barrier(2)
    errors = []

    def run(ev):
        try:
            barrier.wait(5)
            for _ in range(5):
                send(ev)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(ev,)) for ev in evaluators]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    for ev in evaluators:
        ev.close()
    assert not errors, errors
    assert len(history(engine, alarm_id)) == 1
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(db.alarm_events)) == 10


def test_webhook_retries_until_the_receiver_answers(engine, evaluator, flaky_webhook):
    alarm_id = make_alarm(engine, alarm_actions=[flaky_webhook.url])
    send(evaluator)
    assert [c["status"] for c in flaky_webhook.calls] == [500, 500, 200]
    assert len({c["action_id"] for c in flaky_webhook.calls}) == 1
    assert flaky_webhook.delivered()[0]["alarm_id"] == alarm_id
    with engine.connect() as conn:
        row = conn.execute(select(db.actions)).one()
    assert (row.status, row.attempts) == ("done", 3)
    assert history(engine, alarm_id, kinds=("action",)) == []


def test_a_webhook_that_never_answers_is_recorded_not_raised(engine, evaluator, webhook):
    webhook.fail_first = 100  # always 500
    dead_port_url = "http://127.0.0.1:9/nothing-listens-here"
    alarm_id = make_alarm(engine, alarm_actions=[webhook.url, dead_port_url, "log://"])
    send(evaluator)  # returns: failures are history, not exceptions
    assert len(webhook.calls) == 4  # bounded: attempts=4
    failures = history(engine, alarm_id, kinds=("action",))
    assert {json.loads(f["detail"])["url"] for f in failures} == {webhook.url, dead_port_url}
    assert all("after 4 attempt(s)" in f["reason"] for f in failures)
    assert alarm(engine, alarm_id).state == "alarm"


def test_a_4xx_answer_is_not_retried(engine, evaluator, webhook):
    webhook.fail_first, webhook.fail_status = 100, 404
    alarm_id = make_alarm(engine, alarm_actions=[webhook.url])
    send(evaluator)
    assert len(webhook.calls) == 1
    [failure] = history(engine, alarm_id, kinds=("action",))
    assert "HTTP 404" in failure["reason"]


def test_log_action_writes_a_line(engine, evaluator, caplog):
    make_alarm(engine, name="logged alarm", alarm_actions=["log://"])
    with caplog.at_level(logging.WARNING, logger="cloudapps.alarms.actions"):
        send(evaluator)
    assert any("logged alarm" in r.getMessage() and "insufficient data -> alarm"
               in r.getMessage() for r in caplog.records)


def test_actions_left_pending_by_a_crash_are_run_later(engine, evaluator, webhook):
    """The commit happened, the process died before the POST: the outbox still has it."""
    alarm_id = make_alarm(engine, alarm_actions=[webhook.url])
    with engine.begin() as conn:  # what evaluate() commits, without running the actions
        ids = store.fire(conn, alarm_id, {"message_id": "m-crash", "event_type":
                                          "deployment.create.error", "payload": {}})
    assert ids and webhook.delivered() == []
    runner = ActionRunner(engine, backoff=0.01)
    assert runner.run_pending() == 1
    assert runner.run_pending() == 0  # done once
    assert len(webhook.delivered()) == 1


def test_a_claim_of_a_dead_local_process_is_released(engine, webhook):
    alarm_id = make_alarm(engine, alarm_actions=[webhook.url])
    with engine.begin() as conn:
        store.fire(conn, alarm_id, {"message_id": "m", "event_type": "x", "payload": {}})
    runner = ActionRunner(engine, backoff=0.01)
    with engine.begin() as conn:  # claimed by a pid that cannot exist
        conn.execute(db.actions.update().values(claimed_at=2e9, claimed_by=
                                                f"{runner.host}:999999999:0"))
    assert runner.run_pending() == 0  # the claim holds...
    assert runner.release_dead_claims() == 1  # ...until its owner is seen gone
    assert runner.run_pending() == 1 and len(webhook.delivered()) == 1


def test_the_action_thread_delivers_without_inline(engine, tmp_path, webhook):
    make_alarm(engine, alarm_actions=[webhook.url])
    ev = Evaluator(engine, runner=ActionRunner(engine, interval=0.1).start(),
                   dedup=Deduplicator())
    try:
        send(ev)
        import time

        deadline = time.monotonic() + 10
        while not webhook.delivered() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(webhook.delivered()) == 1
    finally:
        ev.close()
