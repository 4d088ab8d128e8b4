"""Kill each of the six processes in turn, under load: the system converges every time.

One launched system (``CLOUDAPPS_RECONCILE_AFTER=3``). For each process, in turn:
deployments are created (and some deleted) by a bounded load loop while the
process is killed with ``SIGKILL`` mid-way; the launcher restarts it; then

- every deployment the deployer knows ends ``active`` or ``deleted`` (none stuck in
  ``creating``/``updating``/``deleting``);
- the cloud holds exactly the servers of the active deployments: no orphan, none
  missing, each ACTIVE;
- every active deployment's ``deployment.create.end`` reached the alarm webhook.
"""

from __future__ import annotations

import os
import signal
import threading
import time

from tests.cloudapps.system import flows
from tests.cloudapps.system.conftest import call, child_pids, launched, wait_until

#: launcher child -> a piece of its command line
PROCESSES = {
    "cloud API": "api-paste.ini",
    "cloud compute worker": "cloudapps.cloud.compute",
    "alarm API": "alarms/config.py --port",
    "alarm evaluator": "listen",  # with "alarms" below
    "deployer API + GUI": "deployer/config.py --port",
    "deployer tracker": "listen",  # with "deployer" below
}
CLOUD_HEADERS = {"X-Auth-User": "deployer", "X-Auth-Project-Id": "cloudapps"}


def pid_of(system, name: str) -> int | None:
    """The pid of the launcher's child ``name`` (None while it is being restarted)."""
    needle, service = PROCESSES[name], "alarms" if "alarm" in name else (
        "deployer" if "deployer" in name else "cloud")
    found = [pid for cmd, pid in child_pids(system.proc.pid).items()
             if needle in cmd and (service in cmd or service == "cloud")]
    assert len(found) <= 1, (name, child_pids(system.proc.pid))
    return found[0] if found else None


def load(system, tag: str, cat: dict, made: list[str], stop: threading.Event) -> None:
    """Create deployments (deleting every third), bounded: 6 creates, 20 s."""
    deadline = time.monotonic() + 20
    for n in range(6):
        if stop.is_set() or time.monotonic() > deadline:
            return
        body = {"name": f"{tag}-{n}", "template": "web", "image": flows.image(cat),
                "flavor": flows.good_flavor(cat), "instances": 1 + n % 2}
        try:
            status, answer = call(system.deployer, "POST", "/v1/deployments", body)
        except OSError:
            status, answer = 0, None  # the deployer API is the one being killed
        if status == 201:
            made.append(answer["deployment"]["id"])
            if n % 3 == 2:
                try:
                    call(system.deployer, "DELETE", f"/v1/deployments/{made[-1]}")
                except OSError:
                    pass
        time.sleep(0.3)


def deployments(system) -> list[dict] | None:
    """The deployer's list; None while its API is not answering (being restarted)."""
    try:
        status, body = call(system.deployer, "GET", "/v1/deployments")
    except OSError:
        return None
    return body["deployments"] if status == 200 else None


def converged(system) -> bool:
    listed = deployments(system)
    return listed is not None and all(d["state"] in ("active", "deleted", "error")
                                      for d in listed)


def cloud_servers(system) -> list[dict] | None:
    """The deployer's servers in the cloud; None while the cloud API is not answering."""
    try:
        status, body = call(system.cloud, "GET", "/v2.1/servers/detail",
                            headers=CLOUD_HEADERS)
    except OSError:
        return None
    return body["servers"] if status == 200 else None


def test_killing_each_process_under_load_converges(tmp_path, webhook):
    env = {"CLOUDAPPS_RECONCILE_AFTER": "3"}
    with launched(str(tmp_path / "state"), env) as system:
        flows.create_alarm(system.alarms, "created", "deployment.create.end", [webhook.url],
                           repeat=True)
        cat = flows.catalog(system.deployer)
        report = []
        for name in PROCESSES:
            report.append(kill_and_converge(system, name, cat, webhook))
        system.remember_processes()
        print("\n".join(report))
    assert "restarted: pid" in system.launcher_output()


def kill_and_converge(system, name: str, cat: dict, webhook) -> str:
    """One round: load, SIGKILL ``name`` mid-way, wait for the restart and convergence."""
    started = time.monotonic()
    victim = pid_of(system, name)
    assert victim is not None, (name, child_pids(system.proc.pid))
    made: list[str] = []
    stop = threading.Event()
    worker = threading.Thread(target=load, args=(system, name.split()[0] + "-"
                                                 + name.split()[-1], cat, made, stop))
    worker.start()
    time.sleep(1.0)  # mid-load
    os.kill(victim, signal.SIGKILL)
    worker.join(40)
    stop.set()
    wait_until(lambda: pid_of(system, name) not in (None, victim), 60,
               f"the launcher to restart the {name}", system.output)
    wait_until(lambda: converged(system), 90,
               f"every deployment to settle after killing the {name}",
               lambda: f"{deployments(system)}\n{system.output()}")
    states = {d["id"]: d for d in deployments(system)}
    active = {i for i, d in states.items() if d["state"] == "active"}
    stuck_error = [d for d in states.values() if d["state"] == "error"]
    assert not stuck_error, (name, stuck_error)
    expected = {s["id"] for i in active for s in states[i]["servers"]
                if s["status"] not in ("DELETED", "DELETING")}

    def cloud_matches() -> bool:
        servers = cloud_servers(system)
        return servers is not None and {s["id"] for s in servers} == expected and all(
            s["status"] == "ACTIVE" for s in servers)

    wait_until(cloud_matches, 60, f"the cloud to hold exactly the active deployments' "
               f"servers after killing the {name}",
               lambda: f"expected {expected}\ncloud {cloud_servers(system)}\n"
               f"{system.output()}")
    for ident in active:
        live = [s for s in states[ident]["servers"] if s["status"] == "ACTIVE"]
        assert len(live) == states[ident]["instances"], states[ident]

    def announced() -> bool:
        seen = {(b.get("event") or {}).get("payload", {}).get("deployment_id")
                for b in webhook.bodies() if isinstance(b, dict)}
        return active <= seen

    wait_until(announced, 60, f"every active deployment's create.end at the webhook "
               f"after killing the {name}", system.output)
    return (f"{name}: {len(made)} created, killed pid {victim}, converged in "
            f"{time.monotonic() - started:.1f}s")
