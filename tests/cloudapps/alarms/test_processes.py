"""The alarm service as it runs: ``carya serve`` and ``carya listen`` on etc/alarms/config.py.

Real processes, the embedded notification transport in a temporary state
directory, SQLite, a real webhook receiver; events published with
``carya.notify.Notifier`` as the deployer publishes them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from carya.notify import Notifier, get_transport
from tests.cloudapps.alarms.conftest import alarm_body, reset_pg
from tests.support import EXAMPLES, fetch, free_port, running

CONFIG = os.path.join(EXAMPLES, "cloudapps", "etc", "alarms", "config.py")


def wait_until(check: Callable[[], object], timeout: float, what: str,
               explain: Callable[[], str] = lambda: "") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{explain()}")


class Service:
    """The alarm API on ``port`` and the evaluator (restartable), sharing ``env``."""

    def __init__(self, state_dir: str, db_url: str | None = None):
        self.state_dir = state_dir
        self.env = {**os.environ, "CLOUDAPPS_STATE_DIR": state_dir, "PYTHONUNBUFFERED": "1"}
        for key in ("CLOUDAPPS_ALARMS_DB", "CLOUDAPPS_TRANSPORT_URL"):
            self.env.pop(key, None)
        if db_url:
            self.env["CLOUDAPPS_ALARMS_DB"] = db_url
        self.url = f"embedded://{os.path.join(state_dir, 'notify.sqlite')}"
        self.port = free_port()
        self.listener: subprocess.Popen | None = None
        self.starts = 0

    def start_listener(self) -> None:
        self.starts += 1
        log = os.path.join(self.state_dir, f"listen-{self.starts}.log")
        with open(log, "w") as out:
            self.listener = subprocess.Popen(
                [sys.executable, "-m", "carya", "listen", CONFIG], env=self.env,
                stdout=out, stderr=subprocess.STDOUT)
        wait_until(lambda: "consuming" in open(log).read() or self.listener.poll() is not None,
                   30, "the evaluator to start", self.logs)
        assert self.listener.poll() is None, self.logs()

    def logs(self) -> str:
        text = ""
        for n in range(1, self.starts + 1):
            with open(os.path.join(self.state_dir, f"listen-{n}.log"), errors="replace") as f:
                text += f"--- listener run {n} ---\n" + f.read()[-3000:]
        return text

    def stop_listener(self, sig: int = signal.SIGTERM) -> None:
        if self.listener is not None and self.listener.poll() is None:
            self.listener.send_signal(sig)
            try:
                self.listener.wait(15)
            except subprocess.TimeoutExpired:
                self.listener.kill()
                self.listener.wait(5)

    def call(self, method: str, path: str, body: object = None) -> tuple[int, object]:
        status, _, text = fetch(self.port, method, path,
                                None if body is None else json.dumps(body),
                                {"Content-Type": "application/json",
                                 "Accept": "application/json"})
        return status, json.loads(text) if text else None


@pytest.fixture(params=["sqlite", "postgresql"])
def service(request, tmp_path) -> Iterator[Service]:
    """The service on SQLite (the default URL) or on the session's PostgreSQL database."""
    db_url = None
    if request.param == "postgresql":
        db_url = request.getfixturevalue("pg_url")
        reset_pg(db_url)
    svc = Service(str(tmp_path), db_url)
    cmd = [sys.executable, "-m", "carya", "serve", CONFIG, "--port", str(svc.port)]
    with running(cmd, svc.port, env=svc.env):
        svc.start_listener()
        try:
            yield svc
        finally:
            svc.stop_listener()


def publisher(service: Service) -> Notifier:
    return Notifier(get_transport(service.url), "deployer.test", topics=["notifications"],
                    outbox=False)


def test_a_failed_deployment_raises_the_alarm_at_the_webhook(service, webhook):
    status, alarm = service.call("POST", "/v2/alarms",
                                 alarm_body(alarm_actions=[webhook.url, "log://"]))
    assert status == 201, alarm
    notifier = publisher(service)
    notifier.info({}, "deployment.create.end", {"deployment_id": "d-0", "state": "active"})
    notifier.error({}, "deployment.create.error",
                   {"deployment_id": "d-1", "state": "error", "error": "flavor m1.fail"})
    [body] = wait_until(webhook.delivered, 20, "the webhook call", service.logs)
    assert body["alarm_id"] == alarm["id"] and body["current"] == "alarm"
    assert body["event"]["payload"]["deployment_id"] == "d-1"
    assert body["event"]["publisher_id"] == "deployer.test"
    status, state = service.call("GET", f"/v2/alarms/{alarm['id']}/state")
    assert (status, state) == (200, "alarm")
    status, history = service.call("GET", f"/v2/alarms/{alarm['id']}/history")
    [transition] = [h for h in history if h["type"] == "state transition"]
    assert transition["event"]["event_type"] == "deployment.create.error"
    assert (transition["previous"], transition["current"]) == ("insufficient data", "alarm")
    time.sleep(0.5)
    assert len(webhook.delivered()) == 1  # the .end event matched nothing
    assert "insufficient data -> alarm" in service.logs()  # the log:// action's line


def test_retries_reach_a_receiver_that_fails_twice(service, flaky_webhook):
    status, alarm = service.call("POST", "/v2/alarms",
                                 alarm_body(alarm_actions=[flaky_webhook.url]))
    assert status == 201
    publisher(service).error({}, "deployment.create.error", {"state": "error"})
    wait_until(flaky_webhook.delivered, 30, "the webhook's third attempt", service.logs)
    assert [c["status"] for c in flaky_webhook.calls] == [500, 500, 200]


def test_killing_the_evaluator_while_events_flow_loses_and_doubles_nothing(service, webhook):
    events = 40
    status, alarm = service.call("POST", "/v2/alarms", alarm_body(
        alarm_actions=[webhook.url], repeat_actions=True))
    assert status == 201
    notifier = publisher(service)
    sent: list[str] = []

    def publish() -> None:
        for n in range(events):
            note = notifier.error({}, "deployment.create.error",
                                  {"deployment_id": f"d-{n}", "state": "error",
                                   "nonce": uuid.uuid4().hex})
            sent.append(note.message_id)
            time.sleep(0.04)

    flow = threading.Thread(target=publish)
    flow.start()

    def applied() -> list[dict]:
        status, history = service.call("GET", f"/v2/alarms/{alarm['id']}/history")
        assert status == 200, history
        return [h for h in history if h["type"] in ("state transition", "repeat")]

    wait_until(lambda: len(applied()) >= 5, 30, "the first events", service.logs)
    service.stop_listener(signal.SIGKILL)  # mid-flow: the publisher goes on
    assert service.listener.returncode == -signal.SIGKILL
    seen_at_kill = len(applied())
    flow.join(30)
    assert len(sent) == events and seen_at_kill < events, "the kill came after the flow"
    service.start_listener()
    wait_until(lambda: len(applied()) >= events, 60, "every event applied", service.logs)
    wait_until(lambda: len({c["action_id"] for c in webhook.calls}) >= events, 30,
               "every webhook call", service.logs)
    time.sleep(1.0)  # a doubled transition or call would show by now

    entries = applied()
    assert len(entries) == events, f"{len(entries)} transitions for {events} events"
    assert sorted(h["message_id"] for h in entries) == sorted(sent)
    assert [h["type"] for h in entries].count("state transition") == 1
    delivered = webhook.delivered()
    assert sorted({b["event"]["message_id"] for b in delivered}) == sorted(sent)
    assert len({c["action_id"] for c in webhook.calls}) == events
    # A POST that reached the receiver just before SIGKILL, not yet marked done, is
    # sent again (at least once); it carries the same X-Alarm-Action-Id to drop it by.
    assert len(webhook.calls) <= events + 1, len(webhook.calls)
    assert service.call("GET", f"/v2/alarms/{alarm['id']}/state")[1] == "alarm"
