"""The whole system running for real: the launcher, the APIs over HTTP, a webhook receiver.

Every process is a real subprocess on loopback; every wait is bounded and a
failure shows the logs of the process that misbehaved. Nothing is skipped: a
missing service (RabbitMQ, PostgreSQL, Apache) fails the test loudly.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.deploy.conftest import alive
from tests.support import fetch, free_port

#: The cloud's noauth filter reads these (DESIGN.md); the other APIs ignore them.
ADMIN = {"X-Auth-User": "admin", "X-Auth-Project-Id": "demo", "X-Roles": "admin",
         "Content-Type": "application/json"}
UP_LINE = "up. Open the GUI at "


def wait_until(predicate: Callable[[], object], timeout: float, what: str,
               on_fail: Callable[[], str] | None = None) -> object:
    """Poll ``predicate`` (every 0.1 s) until it returns something true; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            extra = on_fail() if on_fail else ""
            pytest.fail(f"timed out after {timeout}s waiting for {what}\n{extra}")
        time.sleep(0.1)


def free_ports(count: int) -> int:
    """A base port with ``count`` consecutive free loopback ports above it."""
    for _ in range(50):
        base = free_port()
        if base + count > 65535:
            continue
        socks = []
        try:
            for port in range(base, base + count):
                sock = socket.socket()
                sock.bind(("127.0.0.1", port))
                socks.append(sock)
            return base
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    pytest.fail(f"no {count} consecutive free ports on 127.0.0.1")


def call(port: int, method: str, path: str, body: object = None,
         headers: dict | None = None) -> tuple[int, object]:
    """One JSON request over a real socket: (status, decoded body or text)."""
    data = None if body is None else json.dumps(body)
    status, _, text = fetch(port, method, path, data, {**ADMIN, **(headers or {})})
    try:
        return status, json.loads(text) if text else None
    except ValueError:
        return status, text


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (children, their children...), from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            parents.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def child_pids(pid: int) -> dict[str, int]:
    """The launcher's direct children by command line (``cloudapps.cloud.compute``...)."""
    kids = {}
    for child in descendants(pid):
        try:
            with open(f"/proc/{child}/stat") as handle:
                if int(handle.read().rsplit(")", 1)[1].split()[1]) != pid:
                    continue
            with open(f"/proc/{child}/cmdline", "rb") as handle:
                kids[" ".join(handle.read().decode().split("\0")).strip()] = child
        except OSError:
            continue
    return kids


@dataclass
class Launched:
    """A ``python -m cloudapps up`` in its own session, its output in a file."""

    proc: subprocess.Popen
    base: int
    state_dir: str
    log: str
    seen: set[int] = field(default_factory=set)

    @property
    def deployer(self) -> int:
        return self.base

    @property
    def alarms(self) -> int:
        return self.base + 1

    @property
    def cloud(self) -> int:
        return self.base + 2

    def output(self) -> str:
        with open(self.log, errors="replace") as handle:
            text = handle.read()
        logs = os.path.join(self.state_dir, "log")
        for name in sorted(os.listdir(logs)) if os.path.isdir(logs) else []:
            with open(os.path.join(logs, name), errors="replace") as handle:
                text += f"\n--- {name} (last 40 lines) ---\n" + "".join(handle.readlines()[-40:])
        return text

    def launcher_output(self) -> str:
        with open(self.log, errors="replace") as handle:
            return handle.read()

    def remember_processes(self) -> set[int]:
        self.seen |= descendants(self.proc.pid)
        return self.seen

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        """Signal the launcher, wait for it, and insist every process it started is gone."""
        self.remember_processes()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill_all()
                pytest.fail(f"launcher ignored {signal.Signals(sig).name} for {timeout}s:\n"
                            f"{self.output()}")
        self.assert_no_orphans()
        return self.proc.returncode

    def assert_no_orphans(self, timeout: float = 15) -> None:
        wait_until(lambda: not [p for p in self.seen if alive(p)], timeout,
                   "every process of the system to exit",
                   lambda: f"left: {[p for p in self.seen if alive(p)]}\n{self.output()}")

    def kill_all(self) -> None:
        for pid in self.remember_processes():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def start_launcher(state_dir: str, env: dict | None = None, base: int | None = None,
                   timeout: float = 90) -> Launched:
    """Start ``python -m cloudapps up`` (not waiting for it)."""
    base = base or free_ports(3)
    log = os.path.join(state_dir, "launcher.out")
    os.makedirs(state_dir, exist_ok=True)
    full_env = {**os.environ, "CLOUDAPPS_BUILD_DELAY": "0.5", **(env or {})}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cloudapps", "up", "--state-dir", state_dir,
             "--base-port", str(base), "--timeout", str(timeout)],
            stdout=out, stderr=subprocess.STDOUT, env=full_env, start_new_session=True)
    return Launched(proc, base, state_dir, log)


def wait_up(system: Launched, timeout: float = 120) -> None:
    """Until the launcher prints that the system is up; fail if it exits first."""
    wait_until(lambda: UP_LINE in system.launcher_output() or system.proc.poll() is not None,
               timeout, "the launcher to report the system up", system.output)
    if system.proc.poll() is not None:
        pytest.fail(f"launcher exited ({system.proc.returncode}):\n{system.output()}")
    system.remember_processes()


@contextmanager
def launched(state_dir: str, env: dict | None = None, timeout: float = 90
             ) -> Iterator[Launched]:
    """The whole system up (the launcher said so); stopped, and checked, afterwards."""
    system = start_launcher(state_dir, env, timeout=timeout)
    try:
        wait_up(system, timeout + 30)
        yield system
    except BaseException:
        system.kill_all()
        raise
    else:
        assert system.stop() == 0, system.output()


@pytest.fixture
def state_dir(tmp_path) -> str:
    return str(tmp_path / "state")


# --- a real webhook receiver -----------------------------------------------------------


class Receiver:
    """An HTTP server on loopback that records every POST (path, JSON body)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw.decode(errors="replace")
                with receiver.lock:
                    receiver.calls.append((self.path, body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def bodies(self) -> list[object]:
        with self.lock:
            return [body for _, body in self.calls]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook() -> Iterator[Receiver]:
    receiver = Receiver()
    try:
        yield receiver
    finally:
        receiver.close()


# --- RabbitMQ and PostgreSQL, private to one test ---------------------------------------


@pytest.fixture
def rabbit_vhost() -> Iterator[str]:
    """A fresh RabbitMQ virtual host (so runs never share queues); deleted afterwards,
    with every exchange and queue the system declared in it."""
    from tests.notify.conftest import ensure_rabbit_up, rabbitmqctl

    ensure_rabbit_up()
    name = f"cloudapps-{uuid.uuid4().hex[:12]}"
    rabbitmqctl("add_vhost", name)
    try:
        rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
        yield f"rabbit://guest:guest@127.0.0.1:5672/{name}"
    finally:
        rabbitmqctl("delete_vhost", name)


def rabbit_queues(url: str) -> dict[str, int]:
    """Queue name -> messages ready, in the URL's virtual host."""
    from tests.notify.conftest import rabbitmqctl

    vhost = url.rsplit("/", 1)[1]
    out = rabbitmqctl("list_queues", "-p", vhost, "-q", "--no-table-headers", "name", "messages")
    return {line.split()[0]: int(line.split()[1]) for line in out.splitlines() if line.strip()}


PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def pg_connect(conninfo: str = PG_ADMIN):
    import psycopg

    try:
        return psycopg.connect(conninfo, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as error:
        pytest.fail(f"PostgreSQL on 127.0.0.1:5432 refused user postgres ({error}); "
                    "run scripts/ci-deps")


@pytest.fixture
def pg_databases() -> Iterator[dict[str, str]]:
    """One new PostgreSQL database per service (SQLAlchemy URLs); dropped afterwards."""
    tag = uuid.uuid4().hex[:10]
    names = {service: f"cloudapps_{tag}_{service}" for service in ("cloud", "deployer", "alarms")}
    with pg_connect() as conn:
        for name in names.values():
            conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {service: f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
               for service, name in names.items()}
    finally:
        with pg_connect() as conn:
            for name in names.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_tables(url: str) -> set[str]:
    dbname = url.rsplit("/", 1)[1]
    with pg_connect(f"host=127.0.0.1 port=5432 user=postgres dbname={dbname}") as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {row[0] for row in rows}


def pg_db_env(urls: dict[str, str]) -> dict[str, str]:
    return {f"CLOUDAPPS_{service.upper()}_DB": url for service, url in urls.items()}
