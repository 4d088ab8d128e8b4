"""``python -m cloudapps up``: the README's first command, run for real.

The launcher starts the six real processes of DESIGN.md on embedded defaults,
the system works end to end through them, and however it is stopped (SIGTERM,
Ctrl-C, a dying child, even ``kill -9`` of the launcher) no process is left.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import pytest

from tests.cloudapps.system import flows
from tests.cloudapps.system.conftest import (
    UP_LINE,
    call,
    child_pids,
    launched,
    start_launcher,
    wait_until,
    wait_up,
)
from tests.support import fetch


def test_up_runs_the_whole_system_and_sigterm_stops_it(state_dir, webhook):
    with launched(state_dir) as system:
        out = system.launcher_output()
        assert f"{UP_LINE}http://127.0.0.1:{system.deployer}/" in out
        kids = child_pids(system.proc.pid)
        assert len(kids) == 6, kids
        assert sum("carya serve" in cmd for cmd in kids) == 3
        assert sum("carya listen" in cmd for cmd in kids) == 2
        assert sum("cloudapps.cloud.compute" in cmd for cmd in kids) == 1

        status, _, page = fetch(system.deployer, "GET", "/")
        assert status == 200 and "<html" in page.lower()
        status, versions = call(system.cloud, "GET", "/")
        assert status in (200, 300) and "versions" in versions
        assert call(system.alarms, "GET", "/v2/alarms")[0] == 200
        # SQLite files and the embedded queue live in the state directory given.
        wait_until(lambda: os.path.exists(os.path.join(state_dir, "notify.sqlite")), 10,
                   "the embedded notification queue in the state directory")

        # The seed's story through the launched processes: a failing deployment raises
        # an alarm that reaches a real webhook, a good one becomes active.
        alarm = flows.create_alarm(system.alarms, "deploy failed", "deployment.create.error",
                                   [webhook.url])
        cat = flows.catalog(system.deployer)
        bad = flows.deploy(system.deployer, "bad", flows.FAIL_FLAVOR, flows.image(cat))
        flows.wait_state(system.deployer, bad["id"], "error", 60, system.output)
        hook = wait_until(lambda: [b for b in webhook.bodies()
                                   if isinstance(b, dict) and b.get("alarm_id") == alarm["id"]],
                          30, "the alarm's webhook call", system.output)
        assert hook[0]["current"] == "alarm"
        good = flows.deploy(system.deployer, "good", flows.good_flavor(cat), flows.image(cat))
        flows.wait_state(system.deployer, good["id"], "active", 60, system.output)
    assert system.proc.returncode == 0
    assert "cloudapps: stopped" in system.launcher_output()


def test_ctrl_c_stops_everything(state_dir):
    with launched(state_dir) as system:
        assert len(child_pids(system.proc.pid)) == 6
        assert system.stop(signal.SIGINT) == 0, system.output()


def test_kill_9_of_the_launcher_leaves_no_orphans(state_dir):
    """The kernel tells each child (PR_SET_PDEATHSIG); they shut down on their own."""
    system = start_launcher(state_dir)
    try:
        wait_up(system)
        assert len(child_pids(system.proc.pid)) == 6
        system.remember_processes()
        system.proc.kill()
        system.proc.wait(timeout=10)
        system.assert_no_orphans(timeout=45)
    finally:
        system.kill_all()


def test_a_process_failing_at_start_up_is_named(state_dir):
    """The alarm API cannot bind its port: the launcher says so, and stops the others."""
    system = start_launcher(state_dir, timeout=60)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", system.alarms))
        squatter.listen()
        try:
            system.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            system.kill_all()
            pytest.fail(f"launcher kept running without its alarm API:\n{system.output()}")
    out = system.launcher_output()
    assert system.proc.returncode == 1, out
    assert "FAILED: alarm API exited with status" in out and "at start-up" in out
    assert UP_LINE not in out
    system.assert_no_orphans()


def test_a_dead_child_is_restarted_and_the_launcher_says_so(state_dir):
    with launched(state_dir) as system:
        kids = child_pids(system.proc.pid)
        (worker,) = [pid for cmd, pid in kids.items() if "cloudapps.cloud.compute" in cmd]
        os.kill(worker, signal.SIGKILL)
        wait_until(lambda: "cloud compute worker restarted: pid" in system.launcher_output(),
                   30, "the launcher to restart the compute worker", system.output)
        out = system.launcher_output()
        assert "cloud compute worker exited with status -9 while running" in out
        assert "restarting cloud compute worker in 0.5s (restart 1)" in out
        again = [pid for cmd, pid in child_pids(system.proc.pid).items()
                 if "cloudapps.cloud.compute" in cmd]
        assert len(again) == 1 and again != [worker]
        # the restarted worker does the work: a deployment still becomes active
        cat = flows.catalog(system.deployer)
        good = flows.deploy(system.deployer, "after", flows.good_flavor(cat), flows.image(cat))
        flows.wait_state(system.deployer, good["id"], "active", 60, system.output)
        system.remember_processes()
    assert "FAILED" not in system.launcher_output()


def test_bad_arguments_are_clear_errors(tmp_path):
    done = subprocess.run([sys.executable, "-m", "cloudapps", "up", "--base-port", "70000",
                           "--state-dir", str(tmp_path)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert "--base-port 70000" in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run([sys.executable, "-m", "cloudapps"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and "up" in done.stderr
