"""Real servers for the deployment tests: the embedded server, gunicorn and Apache.

Every server runs as a subprocess in its own session on a free loopback port,
writes its output to a file (a pipe nobody reads would block a busy server),
and is stopped with SIGTERM. A server that leaves any process of its group
behind fails the test. Missing binaries (apache2, mod_wsgi-express, gunicorn)
fail loudly: ``scripts/ci-deps`` installs them.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from tests.support import EXAMPLES, ROOT, fetch, free_port

APACHE_EXAMPLES = os.path.join(EXAMPLES, "apache")
CATALOG = os.path.join(EXAMPLES, "catalog")
VENV = sys.prefix
#: The unprivileged account Apache's children and mod_wsgi daemons run as when
#: the tests run as root (Apache refuses root); ``scripts/ci-deps`` creates it.
WSGI_USER = os.environ.get("CARYA_WSGI_USER", "carya-wsgi")


def tool(name: str, hint: str) -> str:
    """The path of a required program, from the virtualenv or PATH; fail loudly if absent."""
    path = shutil.which(name, path=os.path.dirname(sys.executable)) or shutil.which(
        name, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
    if path is None:
        pytest.fail(f"{name} is not installed ({hint}); run scripts/ci-deps")
    return path


def run_as() -> list[str]:
    """``--user/--group`` for Apache when we are root (it will not serve as root)."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(WSGI_USER)
    except KeyError:
        pytest.fail(f"user {WSGI_USER} does not exist; run scripts/ci-deps")
    return ["--user", WSGI_USER, "--group", WSGI_USER]


@contextmanager
def shared_tempdir() -> Iterator[str]:
    """A scratch directory Apache's unprivileged children can traverse (pytest's
    ``tmp_path`` lives under a root-only directory)."""
    path = tempfile.mkdtemp(prefix="carya-deploy-")
    os.chmod(path, 0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@dataclass
class Running:
    proc: subprocess.Popen
    port: int
    log: str
    returncode: int | None = None

    def output(self) -> str:
        with open(self.log, errors="replace") as handle:
            return handle.read()

    def get(self, path: str, **kw):
        return fetch(self.port, "GET", path, **kw)

    def request(self, method: str, path: str, body=None, headers=None):
        return fetch(self.port, method, path, body, headers)


def wait_answering(server: Running, probe: str, timeout: float = 30.0) -> None:
    """Until ``probe`` answers over HTTP (app loaded, not merely the port open)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            pytest.fail(f"server exited early ({server.proc.returncode}):\n{server.output()}")
        try:
            server.get(probe)
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"server did not answer {probe} within {timeout}s:\n{server.output()}")


def process_group_members(pgid: int) -> list[int]:
    """Live processes (not zombies) whose process group is ``pgid``, from /proc."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry))
    return members


def alive(pid: int) -> bool:
    """``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def stop(server: Running, timeout: float = 30.0) -> int:
    """SIGTERM, wait for exit, then insist that nothing of its process group is left."""
    proc = server.proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            pytest.fail(f"server ignored SIGTERM for {timeout}s:\n{server.output()}")
    server.returncode = proc.returncode
    deadline = time.monotonic() + 10
    while (left := process_group_members(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    if left:
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        pytest.fail(f"processes {left} outlived the server:\n{server.output()}")
    return proc.returncode


@contextmanager
def running(cmd: Sequence[str], port: int, workdir: str, probe: str = "/",
            env: dict | None = None, cwd: str | None = None) -> Iterator[Running]:
    """Start ``cmd``, wait until ``probe`` answers, stop it (and check it) afterwards."""
    log = os.path.join(workdir, f"server-{port}.log")
    full_env = {**os.environ, "PYTHONPATH": ROOT, **(env or {})}
    with open(log, "w") as output:
        proc = subprocess.Popen(list(cmd), stdout=output, stderr=subprocess.STDOUT,
                                env=full_env, cwd=cwd or ROOT, start_new_session=True)
    server = Running(proc, port, log)
    try:
        wait_answering(server, probe)
        yield server
    finally:
        stop(server)


@pytest.fixture
def workdir() -> Iterator[str]:
    with shared_tempdir() as path:
        yield path


@pytest.fixture
def port() -> int:
    return free_port()


def gunicorn_cmd(app: str, port: int, *extra: str) -> list[str]:
    """The real ``gunicorn`` command for ``app`` on loopback ``port``."""
    from gunicorn.config import KNOWN_SETTINGS

    cmd = [tool("gunicorn", "pip install gunicorn"), "--bind", f"127.0.0.1:{port}", *extra]
    if any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS):
        cmd.append("--no-control-socket")  # gunicorn >= 24 would open one in $HOME
    return [*cmd, app]
