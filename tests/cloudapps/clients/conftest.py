"""The running system, driven by the real OpenStack clients (the judges of its APIs).

One ``python -m cloudapps up`` serves the whole directory (real processes on
loopback, embedded defaults); each client authenticates the way it does
against Nova and Aodh deployed with ``noauth``: novaclient and openstacksdk send
a ``user:project`` token (Nova's ``noauth2`` form), aodhclient its
``aodh-noauth`` plugin's ``X-User-Id``/``X-Project-Id``/``X-Roles``.

``keystone_cloud`` is the other deployment: a real Keystone, the cloud API
behind keystonemiddleware, and clients logging in with passwords.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint

from tests.cloudapps.system.conftest import Launched, start_launcher, wait_until, wait_up
from tests.deploy.conftest import alive
from tests.support import EXAMPLES, free_port, wait_for_port

INI = os.path.join(EXAMPLES, "cloudapps", "etc", "cloud", "api-paste.ini")
ALARMS_CONFIG = os.path.join(EXAMPLES, "cloudapps", "etc", "alarms", "config.py")


@pytest.fixture(scope="session")
def system(tmp_path_factory) -> Iterator[Launched]:
    """The six processes of DESIGN.md, up; stopped (and checked for leftovers) after."""
    launched = start_launcher(str(tmp_path_factory.mktemp("clients") / "state"))
    try:
        wait_up(launched, 150)
        yield launched
    except BaseException:
        launched.kill_all()
        raise
    assert launched.stop() == 0, launched.output()


def cloud_url(system: Launched) -> str:
    return f"http://127.0.0.1:{system.cloud}/v2.1"


def alarms_url(system: Launched) -> str:
    return f"http://127.0.0.1:{system.alarms}"


def nova_session(system: Launched, user: str = "alice", project: str = "demo"
                 ) -> ks_session.Session:
    """A keystoneauth session on the cloud with the noauth2 token ``user:project``."""
    return ks_session.Session(auth=token_endpoint.Token(cloud_url(system), f"{user}:{project}"))


# --- a real Keystone in front of the cloud ---------------------------------------------


@dataclass
class KeystoneCloud:
    """Keystone (``python -m cloudapps keystone``), the cloud API and the alarm API behind
    keystonemiddleware (``CLOUDAPPS_AUTH_STRATEGY`` and ``CLOUDAPPS_ALARMS_AUTH_STRATEGY``
    ``keystone``) and a compute worker, all on loopback."""

    keystone_url: str
    cloud_url: str
    alarms_url: str
    state_dir: str
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    started_in: float = 0.0

    def logs(self) -> str:
        out = []
        for name in sorted(os.listdir(self.state_dir)):
            if name.endswith(".out"):
                with open(os.path.join(self.state_dir, name), errors="replace") as handle:
                    out.append(f"--- {name} ---\n" + "".join(handle.readlines()[-40:]))
        return "\n".join(out)

    def password_auth(self, user: str, password: str, project: str = "demo") -> Any:
        from keystoneauth1.identity import v3

        return v3.Password(auth_url=f"{self.keystone_url}/v3", username=user, password=password,
                           project_name=project, user_domain_id="default",
                           project_domain_id="default")

    def session(self, user: str, password: str, project: str = "demo") -> ks_session.Session:
        return ks_session.Session(auth=self.password_auth(user, password, project))


def _spawn(kc: KeystoneCloud, name: str, cmd: list[str], env: dict) -> subprocess.Popen:
    with open(os.path.join(kc.state_dir, f"{name}.out"), "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
    kc.procs[name] = proc
    return proc


def _stop(kc: KeystoneCloud) -> None:
    """SIGTERM everything (Keystone's command stops its gunicorn), then make sure."""
    for proc in kc.procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in kc.procs.values():
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    pid_file = os.path.join(kc.state_dir, "keystone", "gunicorn.pid")
    if os.path.exists(pid_file):
        with open(pid_file) as handle:
            gunicorn = int(handle.read())
        if alive(gunicorn):
            os.killpg(gunicorn, signal.SIGKILL)


@pytest.fixture(scope="session")
def keystone_cloud(tmp_path_factory) -> Iterator[KeystoneCloud]:
    """Keystone bootstrapped and provisioned (the venv is built first if missing), then the
    cloud API and worker using it; everything stopped afterwards, even on failure."""
    state = str(tmp_path_factory.mktemp("keystone"))
    ks_port, cloud_port, alarms_port = free_port(), free_port(), free_port()
    kc = KeystoneCloud(f"http://127.0.0.1:{ks_port}", f"http://127.0.0.1:{cloud_port}/v2.1",
                       f"http://127.0.0.1:{alarms_port}", state)
    env = {**os.environ, "CLOUDAPPS_STATE_DIR": os.path.join(state, "cloud"),
           "CLOUDAPPS_AUTH_STRATEGY": "keystone", "CLOUDAPPS_KEYSTONE_URL": kc.keystone_url,
           "CLOUDAPPS_ALARMS_AUTH_STRATEGY": "keystone",
           "CLOUDAPPS_BUILD_DELAY": "0.5"}
    started = time.monotonic()
    try:
        keystone = _spawn(kc, "keystone", [
            sys.executable, "-m", "cloudapps", "keystone", "--state-dir",
            os.path.join(state, "keystone"), "--port", str(ks_port),
            "--cloud-url", kc.cloud_url, "--alarms-url", kc.alarms_url], env)

        def keystone_up() -> bool:
            assert keystone.poll() is None, f"keystone command exited:\n{kc.logs()}"
            with open(os.path.join(state, "keystone.out"), errors="replace") as handle:
                return "keystone: up at" in handle.read()

        # a first run builds Keystone's virtualenv (minutes); scripts/ci-deps does it ahead
        wait_until(keystone_up, 900, "Keystone to be bootstrapped and provisioned", kc.logs)
        kc.started_in = time.monotonic() - started
        carya = os.path.join(os.path.dirname(sys.executable), "carya")
        cloud = _spawn(kc, "cloud-api", [carya, "serve", f"{INI}#osapi_compute",
                                         "--port", str(cloud_port)], env)
        _spawn(kc, "compute", [sys.executable, "-m", "cloudapps.cloud.compute"], env)
        alarms = _spawn(kc, "alarms-api", [carya, "serve", ALARMS_CONFIG, "--port",
                                           str(alarms_port)], env)
        wait_for_port(cloud_port, cloud, timeout=60)
        wait_for_port(alarms_port, alarms, timeout=60)
        yield kc
    finally:
        _stop(kc)
