"""Fixtures of the alarm service's tests: databases (SQLite and PostgreSQL), the API, a webhook."""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy
import webtest
from cloudapps.alarms import db
from cloudapps.alarms.actions import ActionRunner
from cloudapps.alarms.evaluator import Evaluator

from carya.deploy import load_app
from carya.notify import Deduplicator

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A scratch PostgreSQL database for this session, dropped at its end."""
    name = f"alarms_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sqlalchemy.create_engine(PG_SERVER + "postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # PostgreSQL down: fails loudly here, never skipped
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield PG_SERVER + name
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def reset_pg(url: str) -> None:
    """Drop the alarm service's tables: the next process migrates from scratch."""
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as conn:
        for table in ("alarm_actions_outbox", "alarm_history", "alarm_events", "alarms",
                      "schema_version"):
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table} CASCADE")
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """The alarms database URL, once per backend; each test starts from an empty schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'alarms.sqlite'}"
    url = request.getfixturevalue("pg_url")
    reset_pg(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'alarms.sqlite'}"


@pytest.fixture
def engine(db_url) -> Iterator[sqlalchemy.Engine]:
    engine = db.engine_for(db_url)
    db.migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def api(db_url) -> webtest.TestApp:
    """The alarm API as ``carya serve etc/alarms/config.py`` builds it, over ``db_url``."""
    app = load_app({"app": {"root": "cloudapps.alarms.api.RootController",
                            "modules": ["cloudapps.alarms"], "db_url": db_url}})
    yield webtest.TestApp(app)
    app.engine.dispose()


@pytest.fixture
def evaluator(engine, tmp_path) -> Iterator[Evaluator]:
    """An evaluator that runs actions inline (fast retries), with a persistent dedup file."""
    runner = ActionRunner(engine, attempts=4, backoff=0.02, timeout=2.0)
    ev = Evaluator(engine, runner=runner, dedup=Deduplicator(path=str(tmp_path / "seen.sqlite")),
                   inline_actions=True)
    yield ev
    ev.close()


class Webhook:
    """A real HTTP receiver on 127.0.0.1; the first ``fail_first`` POSTs get ``fail_status``."""

    def __init__(self, fail_first: int = 0, fail_status: int = 500):
        self.fail_first, self.fail_status = fail_first, fail_status
        self.calls: list[dict] = []  # every POST: {"status", "body", "action_id"}
        self.lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with hook.lock:
                    status = hook.fail_status if len(hook.calls) < hook.fail_first else 200
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        body = raw.decode("utf-8", "replace")
                    hook.calls.append({"status": status, "body": body,
                                       "action_id": self.headers.get("X-Alarm-Action-Id"),
                                       "path": self.path})
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def delivered(self) -> list[dict]:
        """Bodies of the POSTs answered 200."""
        with self.lock:
            return [c["body"] for c in self.calls if c["status"] == 200]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.close()


@pytest.fixture
def flaky_webhook() -> Iterator[Webhook]:
    """Fails the first two POSTs with a 500, then answers 200."""
    hook = Webhook(fail_first=2)
    yield hook
    hook.close()


def alarm_body(**over) -> dict:
    body = {"name": "deployment failed", "type": "event",
            "event_rule": {"event_type": "deployment.*.error",
                           "query": [{"field": "payload.state", "op": "eq", "value": "error"}]},
            "alarm_actions": ["log://"], "ok_actions": [], "repeat_actions": False}
    body.update(over)
    return body
