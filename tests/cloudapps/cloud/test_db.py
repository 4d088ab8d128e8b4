"""The database layer on SQLite and PostgreSQL: migrations (idempotent, concurrent),
seed data, and the API + two racing workers on PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest
from cloudapps.cloud import db
from cloudapps.cloud.api import make_api
from sqlalchemy import func, inspect, select, text, update
from webtest import TestApp

from carya.middleware.auth import NoAuth

from .conftest import ALICE, wait_until


def _check_migrated(engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert {"schema_version", "servers", "flavors", "images", "outbox"} <= tables
    with engine.connect() as conn:
        assert list(conn.scalars(select(db.schema_version.c.version))) == [1, 2]
        names = set(conn.scalars(select(db.flavors.c.name)))
        assert {"m1.tiny", "m1.fail"} <= names
        assert conn.scalar(select(func.count()).select_from(db.images)) == len(db.IMAGES)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    pg_url = request.getfixturevalue("pg_url")
    engine = db.engine_for(pg_url)
    with engine.begin() as conn:  # each test starts from an empty schema
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return pg_url


def test_migrate_is_idempotent(fresh_url):
    engine = db.engine_for(fresh_url)
    assert db.migrate(engine) == [1, 2]
    assert db.migrate(engine) == []
    _check_migrated(engine)
    engine.dispose()


def test_concurrent_migrations_apply_once(fresh_url):
    engines = [db.engine_for(fresh_url) for _ in range(4)]
    results: list = []
    errors: list = []

    def run(engine):
        try:
            results.append(db.migrate(engine))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    assert sorted(results) == [[], [], [], [1, 2]]
    _check_migrated(engines[0])
    for engine in engines:
        engine.dispose()


def test_api_and_two_workers_on_postgresql(pg_url, collector, make_worker):
    engine = db.engine_for(pg_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    app = TestApp(NoAuth(make_api(engine, None, build_delay=lambda: 0.0)))
    body = {"server": {"name": "pg", "imageRef": db.IMAGES[0]["id"], "flavorRef": "1"}}
    ids = [app.post_json("/servers", body, headers=ALICE, status=202).json["server"]["id"]
           for _ in range(20)]
    with engine.begin() as conn:
        conn.execute(update(db.servers).values(due_at=time.time()))
    workers = [make_worker(pg_url, poll_interval=0.01), make_worker(pg_url, poll_interval=0.01)]

    def all_active():
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(db.servers)
                               .where(db.servers.c.status == "ACTIVE")) == len(ids)

    wait_until(all_active, 20, "20 servers ACTIVE on PostgreSQL")
    wait_until(lambda: all("compute.instance.create.end" in collector.of(s) for s in ids),
               10, "every create.end")
    time.sleep(0.3)
    assert sum(w.applied for w in workers) == len(ids)
    for server_id in ids:
        assert collector.of(server_id) == ["compute.instance.update",
                                           "compute.instance.create.end"]
    shown = app.get(f"/servers/{ids[0]}", headers=ALICE).json["server"]
    assert shown["status"] == "ACTIVE"
    engine.dispose()
