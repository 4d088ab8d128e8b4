"""Fixtures for the deployer's tests: a real cloud (API + compute worker) on loopback.

The cloud runs as DESIGN.md says (``carya serve etc/cloud/api-paste.ini#osapi_compute``
and ``python -m cloudapps.cloud.compute``) in a temporary state dir; the deployer's
tests share its embedded notification transport.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from tests.support import EXAMPLES, free_port, running, wait_for_port

ETC = os.path.join(EXAMPLES, "cloudapps", "etc")
DEPLOYER_CONFIG = os.path.join(ETC, "deployer", "config.py")
ALARMS_CONFIG = os.path.join(ETC, "alarms", "config.py")
CARYA = os.path.join(os.path.dirname(sys.executable), "carya")


@dataclass
class Cloud:
    url: str
    port: int
    env: dict
    state_dir: str

    @property
    def transport_url(self) -> str:
        return self.env["CLOUDAPPS_TRANSPORT_URL"]


def system_env(state_dir: str, **extra: str) -> dict:
    env = dict(os.environ)
    env.update({
        "CLOUDAPPS_STATE_DIR": state_dir,
        "CLOUDAPPS_TRANSPORT_URL": f"embedded://{state_dir}/notify.sqlite",
        "CLOUDAPPS_BUILD_DELAY": "0.5",
        "CLOUDAPPS_FAIL_RATE": "0",
    })
    env.update(extra)
    return env


@contextmanager
def background(cmd: list[str], env: dict, log: str) -> Iterator[subprocess.Popen]:
    """A process without a port (worker, tracker), output to ``log``, SIGTERM at the end."""
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        time.sleep(0.3)
        if proc.poll() is not None:
            raise RuntimeError(f"{cmd} exited at once: {open(log).read()}")
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def cloud_running(state_dir: str, **extra: str) -> Iterator[Cloud]:
    port = free_port()
    env = system_env(state_dir, **extra)
    ini = os.path.join(ETC, "cloud", "api-paste.ini") + "#osapi_compute"
    with running([CARYA, "serve", ini, "--port", str(port)], port, env=env), \
            background([sys.executable, "-m", "cloudapps.cloud.compute"], env,
                       os.path.join(state_dir, "compute.log")):
        yield Cloud(f"http://127.0.0.1:{port}/v2.1", port, env, state_dir)


@contextmanager
def alarms_running(env: dict, state_dir: str) -> Iterator[str]:
    """The alarm service as DESIGN.md runs it: API (``carya serve``) + evaluator (``carya listen``).

    Both share ``env`` (state dir, transport) with the cloud and the deployer, so the
    evaluator hears the deployer's ``deployment.*`` events. Yields the API's base URL.
    """
    port = free_port()
    with background([CARYA, "serve", ALARMS_CONFIG, "--port", str(port)], env,
                    os.path.join(state_dir, "alarms-api.log")) as api, \
            background([CARYA, "listen", ALARMS_CONFIG], env,
                       os.path.join(state_dir, "alarms-evaluator.log")):
        wait_for_port(port, api)
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory) -> Iterator[Cloud]:
    state = str(tmp_path_factory.mktemp("cloudapps"))
    with cloud_running(state) as c:
        yield c


def wait_until(check: Callable[[], object], timeout: float = 15.0, what: str = "condition"):
    """Poll ``check`` until it returns something truthy; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")
