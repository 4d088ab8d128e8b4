"""Fixtures for the cloud: an environment per test, the API from its INI, a collector of
notifications on the real embedded transport, a scratch PostgreSQL database."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from cloudapps.cloud import db, events
from cloudapps.cloud.compute import Worker
from webtest import TestApp

from carya.notify import Listener, Notifier, get_transport
from carya.paste import loadapp
from tests.support import EXAMPLES

INI = os.path.join(EXAMPLES, "cloudapps", "etc", "cloud", "api-paste.ini")
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
BUILD_DELAY = 0.2
ALICE = {"X-Auth-User": "alice", "X-Auth-Project-Id": "demo"}
BOB = {"X-Auth-User": "bob", "X-Auth-Project-Id": "other"}
ADMIN = {"X-Auth-User": "admin", "X-Auth-Project-Id": "admin"}
READER = {"X-Auth-Token": "cloud-demo-reader"}
MEMBER_TOKEN = {"X-Auth-Token": "cloud-demo-member"}


def wait_until(predicate: Callable[[], object], timeout: float = 10.0,
               what: str = "condition") -> object:
    """Poll ``predicate`` until it returns something true; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def cloud_env(tmp_path, monkeypatch) -> dict[str, str]:
    """The environment every cloudapps process reads, pointing into ``tmp_path``."""
    env = {
        "CLOUDAPPS_STATE_DIR": str(tmp_path),
        "CLOUDAPPS_TRANSPORT_URL": f"embedded://{tmp_path / 'notify.sqlite'}",
        "CLOUDAPPS_CLOUD_DB": f"sqlite:///{tmp_path / 'cloud.sqlite'}",
        "CLOUDAPPS_BUILD_DELAY": str(BUILD_DELAY),
        "CLOUDAPPS_FAIL_RATE": "0",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("CLOUDAPPS_AUTH_STRATEGY", raising=False)
    monkeypatch.delenv("CARYA_AUTH_STRATEGY", raising=False)
    monkeypatch.delenv("CLOUDAPPS_CLOUD_POLICY", raising=False)
    return env


@pytest.fixture
def engine(cloud_env):
    engine = db.engine_for(cloud_env["CLOUDAPPS_CLOUD_DB"])
    db.migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def api(cloud_env, engine) -> TestApp:
    """The whole INI pipeline (noauth2), as ``carya serve`` loads it."""
    return TestApp(loadapp(INI, "osapi_compute"))


@pytest.fixture
def token_api(cloud_env, engine, monkeypatch) -> TestApp:
    monkeypatch.setenv("CLOUDAPPS_AUTH_STRATEGY", "static_token")
    return TestApp(loadapp(INI, "osapi_compute"))


class Collector:
    """Every cloud notification, in arrival order, from a real Listener."""

    filter_rule = None

    def __init__(self) -> None:
        self.notes: list[tuple[str, str, dict]] = []
        self.lock = threading.Lock()

    def _add(self, priority: str, event_type: str, payload: dict) -> None:
        with self.lock:
            self.notes.append((priority, event_type, payload))

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        self._add("info", event_type, payload)

    def error(self, ctxt, publisher_id, event_type, payload, metadata):
        self._add("error", event_type, payload)

    def of(self, server_id: str) -> list[str]:
        with self.lock:
            return [t for _, t, p in self.notes if p.get("instance_id") == server_id]

    def wait_for(self, server_id: str, event_type: str, timeout: float = 10.0) -> list[str]:
        return wait_until(lambda: event_type in self.of(server_id) and self.of(server_id),
                          timeout, f"{event_type} for {server_id} (have {self.of(server_id)})")


@pytest.fixture
def collector(cloud_env) -> Iterator[Collector]:
    found = Collector()
    transport = get_transport(cloud_env["CLOUDAPPS_TRANSPORT_URL"])
    listener = Listener(transport, ["notifications"], [found], poll_interval=0.05)
    listener.start()
    try:
        yield found
    finally:
        listener.stop()
        assert listener.wait(10)


@pytest.fixture
def make_worker(cloud_env) -> Iterator[Callable[..., Worker]]:
    """Start compute workers on threads (each with its own engine); stopped afterwards."""
    started: list[tuple[Worker, threading.Thread]] = []

    def start(url: str | None = None, **options) -> Worker:
        engine = db.engine_for(url or cloud_env["CLOUDAPPS_CLOUD_DB"])
        db.migrate(engine)
        notifier = Notifier(cloud_env["CLOUDAPPS_TRANSPORT_URL"], events.publisher_id(),
                            outbox=False)
        options.setdefault("poll_interval", 0.05)
        worker = Worker(engine, notifier, **options)
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        started.append((worker, thread))
        return worker

    yield start
    for worker, thread in started:
        worker.stop()
        thread.join(10)
        assert not thread.is_alive(), "a compute worker did not stop"
        worker.engine.dispose()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A scratch PostgreSQL database for the session (dropped afterwards); never skipped."""
    import psycopg

    name = f"cloudapps_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
