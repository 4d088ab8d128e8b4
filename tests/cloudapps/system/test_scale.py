"""Scale-out: two of every worker in the same pools, on the embedded transport and on RabbitMQ.

Two compute workers, two deployer trackers and two alarm evaluators (one pool
per service: ``deployer``, ``alarms``) run beside the three APIs. Many
deployments go through; each is followed to its end state exactly once, and
each event an alarm waits for reaches the webhook exactly once (at-least-once
delivery, de-duplicated). Then the alarm service (service B) is killed while
events flow and started again: no alarm is lost.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from cloudapps.launcher import Child, Ports, System, environment, processes

from tests.cloudapps.system import flows
from tests.cloudapps.system.conftest import free_ports, wait_until

DEPLOYMENTS = 12
FAILING = 8


def doubled(ports: Ports) -> list[Child]:
    """The three APIs plus two of each worker (``... #1``, ``... #2``)."""
    children = []
    for child in processes(ports):
        if child.port is not None:
            children.append(child)
            continue
        for n in (1, 2):
            children.append(Child(f"{child.name} #{n}", child.argv, None, f"{child.slug}-{n}"))
    return children


@pytest.fixture(params=["embedded", "rabbit"])
def transport(request) -> str:
    """The notification transport: the embedded one (default) or a fresh RabbitMQ vhost."""
    if request.param == "rabbit":
        return request.getfixturevalue("rabbit_vhost")
    return ""


@contextmanager
def scaled(state_dir: str, transport_url: str) -> Iterator[tuple[System, Ports]]:
    ports = Ports.from_base(free_ports(3))
    settings = {"CLOUDAPPS_BUILD_DELAY": "0.3"}
    if transport_url:
        settings["CLOUDAPPS_TRANSPORT_URL"] = transport_url
    os.makedirs(state_dir, exist_ok=True)
    env = environment(state_dir, ports, {**os.environ, **settings})
    system = System(doubled(ports), env, os.path.join(state_dir, "log"), cwd=state_dir)
    system.start()
    try:
        system.wait_ready(90)
        yield system, ports
        assert system.dead() is None, logs(system)
    finally:
        killed = system.stop()
    assert not killed, f"ignored SIGTERM: {killed}\n{logs(system)}"


def logs(system: System) -> str:
    text = ""
    for child in system.children:
        with open(system.log_path(child), errors="replace") as handle:
            text += f"\n--- {child.name} ---\n" + "".join(handle.readlines()[-30:])
    return text


def hook_calls(webhook, alarm_id: str) -> list[dict]:
    return [b for b in webhook.bodies() if isinstance(b, dict) and b.get("alarm_id") == alarm_id]


def deployment_ids(calls: list[dict]) -> Counter:
    return Counter(call["event"]["payload"]["deployment_id"] for call in calls)


def test_two_of_each_worker_share_the_work_nothing_twice_nothing_lost(state_dir, transport,
                                                                      webhook):
    with scaled(state_dir, transport) as (system, ports):
        done = flows.create_alarm(ports.alarms, "every deployment done", "deployment.create.end",
                                  [webhook.url], repeat=True)
        cat = flows.catalog(ports.deployer)
        flavor, image = flows.good_flavor(cat), flows.image(cat)
        made = [flows.deploy(ports.deployer, f"app-{n}", flavor, image, instances=2,
                             template="web+db" if n % 2 else "web")
                for n in range(DEPLOYMENTS)]
        for deployment in made:
            final = flows.wait_state(ports.deployer, deployment["id"], "active", 120,
                                     lambda: logs(system))
            assert final["servers"] and all(s["status"] == "ACTIVE" for s in final["servers"])
        ids = {d["id"] for d in made}
        wait_until(lambda: set(deployment_ids(hook_calls(webhook, done["id"]))) >= ids, 60,
                   "a webhook call per deployment", lambda: logs(system))
        time.sleep(2)  # anything processed twice would show up by now
        counts = deployment_ids(hook_calls(webhook, done["id"]))
        assert set(counts) == ids
        assert max(counts.values()) == 1, f"processed twice: {counts}"
        # Each server's build was finished by exactly one of the two compute workers.
        builds = Counter()
        for child in system.children:
            if child.name.startswith("cloud compute worker"):
                with open(system.log_path(child)) as handle:
                    builds.update(re.findall(r"server ([0-9a-f-]{36}): BUILD -> ", handle.read()))
        servers = {s["id"] for d in made for s in flows.deployment(ports.deployer, d["id"])
                   ["servers"]}
        assert set(builds) == servers and max(builds.values()) == 1, builds
        for name, proc in system.procs.items():
            assert proc.poll() is None, f"{name} died\n{logs(system)}"


def test_killing_the_alarm_service_while_events_flow_loses_no_alarm(state_dir, transport,
                                                                    webhook):
    with scaled(state_dir, transport) as (system, ports):
        alarm = flows.create_alarm(ports.alarms, "failures", "deployment.create.error",
                                   [webhook.url], repeat=True)
        cat = flows.catalog(ports.deployer)
        image = flows.image(cat)
        evaluators = [c for c in system.children if c.name.startswith("alarm evaluator")]
        made = []
        for n in range(FAILING):
            made.append(flows.deploy(ports.deployer, f"doomed-{n}", flows.FAIL_FLAVOR, image))
            if n == 1:  # service B goes away with events in flight...
                for child in evaluators:
                    os.kill(system.procs[child.name].pid, signal.SIGKILL)
                for child in evaluators:
                    system.procs[child.name].wait(timeout=10)
        for deployment in made:  # ...the deployer keeps publishing while B is down
            flows.wait_state(ports.deployer, deployment["id"], "error", 120, lambda: logs(system))
        for child in evaluators:  # ...and B comes back
            system.start_child(child)
        ids = {d["id"] for d in made}
        wait_until(lambda: set(deployment_ids(hook_calls(webhook, alarm["id"]))) >= ids, 90,
                   "an alarm for every failed deployment", lambda: logs(system))
        time.sleep(2)
        counts = deployment_ids(hook_calls(webhook, alarm["id"]))
        assert set(counts) == ids
        # A message in hand when its evaluator was killed may be delivered again (at least
        # once); the evaluators de-duplicate, so at most those in hand can repeat.
        assert sum(counts.values()) <= len(ids) + len(evaluators), counts
        assert flows.alarm(ports.alarms, alarm["id"])["state"] == "alarm"
