"""The reconciler against a real cloud (``carya serve`` + compute worker): every way a
killed process can leave a deployment ends ``active`` or ``deleted``, with no orphan."""

from __future__ import annotations

import time
import uuid

import pytest
from cloudapps.cloud import db as cloud_db
from cloudapps.deployer import db, service
from cloudapps.deployer.cloud import CloudClient
from cloudapps.deployer.reconciler import Reconciler
from sqlalchemy import insert, select, update

from carya.notify import Notifier

from .conftest import wait_until

IMAGE = cloud_db.IMAGES[0]["id"]


@pytest.fixture
def world(cloud, tmp_path):
    """A deployer database, a cloud client of a project of its own, a reconciler."""
    engine = db.engine_for(f"sqlite:///{tmp_path}/deployer.sqlite")
    db.migrate(engine)
    client = CloudClient(cloud.url, project=f"p-{uuid.uuid4().hex[:8]}", retries=1)
    reconciler = Reconciler(engine, client, Notifier(cloud.transport_url, "deployer.test"),
                            after=0.5)
    yield engine, client, reconciler
    engine.dispose()


def add(engine, state: str, servers: list[tuple[str, str]]) -> str:
    """A deployment in ``state`` with (id, status) server rows, all last touched 10 s ago."""
    dep, old = str(uuid.uuid4()), time.time() - 10
    with engine.begin() as conn:
        conn.execute(insert(db.deployments).values(
            id=dep, name="shop", template="web", image_id=IMAGE, image_name="cirros",
            flavor_id="1", flavor_name="m1.tiny", instances=len(servers), state=state,
            error=None, created_at=old, updated_at=old))
        for n, (server_id, status) in enumerate(servers, start=1):
            conn.execute(insert(db.servers).values(
                id=server_id, deployment_id=dep, role="web", name=f"shop-web-{n}",
                status=status, fault=None, created_at=old, updated_at=old))
    return dep


def age(engine, dep: str) -> None:
    with engine.begin() as conn:
        conn.execute(update(db.deployments).where(db.deployments.c.id == dep)
                     .values(updated_at=time.time() - 10))


def state(engine, dep: str) -> tuple[str, list[tuple[str, str]]]:
    with engine.connect() as conn:
        row = service.get(conn, dep)
        return row.state, [(s.id, s.status) for s in service.servers_of(conn, dep)]


def converge(engine, reconciler, dep: str, wanted: str) -> list[tuple[str, str]]:
    def done():
        age(engine, dep)
        reconciler.run_once()
        current, servers = state(engine, dep)
        return servers if current == wanted else None

    return wait_until(done, 30, f"deployment {dep} -> {wanted}")


def test_an_intent_the_cloud_never_got_is_sent(world):
    engine, client, reconciler = world
    dep = add(engine, "creating", [(f"{service.PENDING_PREFIX}{uuid.uuid4().hex[:28]}",
                                    service.REQUESTED)])
    servers = converge(engine, reconciler, dep, "active")
    assert reconciler.stats["resent"] == 1
    (server_id, status), = servers
    assert status == "ACTIVE" and not server_id.startswith(service.PENDING_PREFIX)
    assert [s["id"] for s in client.servers()] == [server_id]


def test_a_server_made_before_the_api_died_is_adopted_not_duplicated(world):
    engine, client, reconciler = world
    placeholder = f"{service.PENDING_PREFIX}{uuid.uuid4().hex[:28]}"
    dep = add(engine, "creating", [(placeholder, service.REQUESTED)])
    made = client.create_server("shop-web-1", IMAGE, "1",
                                {"deployment_id": dep, "role": "web", "intent": placeholder})
    servers = converge(engine, reconciler, dep, "active")
    assert servers == [(made, "ACTIVE")] and reconciler.stats["adopted"] == 1
    assert [s["id"] for s in client.servers()] == [made]


def test_a_deleting_deployment_finishes_and_orphans_are_removed(world):
    engine, client, reconciler = world
    # as if the API died after moving to deleting, before asking the cloud
    placeholder_dep = add(engine, "deleting", [])
    kept = client.create_server("shop-web-1", IMAGE, "1", {"deployment_id": placeholder_dep})
    with engine.begin() as conn:
        conn.execute(insert(db.servers).values(
            id=kept, deployment_id=placeholder_dep, role="web", name="shop-web-1",
            status="ACTIVE", fault=None, created_at=time.time(), updated_at=time.time()))
    dep = placeholder_dep
    orphan = client.create_server("lost", IMAGE, "1", {"deployment_id": str(uuid.uuid4())})
    stranger = client.create_server("not-ours", IMAGE, "1")  # no deployment tag: left alone
    converge(engine, reconciler, dep, "deleted")
    wait_until(lambda: (reconciler.run_once() or True) and
               {s["id"] for s in client.servers()} == {stranger}, 30,
               "the orphan to be deleted")
    assert reconciler.stats["orphans_deleted"] >= 1 and orphan != stranger
    with engine.connect() as conn:
        assert conn.execute(select(db.deployments.c.state)
                            .where(db.deployments.c.id == dep)).scalar() == "deleted"


def test_a_missed_notification_is_read_from_the_cloud(world):
    engine, client, reconciler = world
    dep = add(engine, "creating", [])
    made = client.create_server("shop-web-1", IMAGE, "1", {"deployment_id": dep})
    with engine.begin() as conn:  # the tracker never heard of its progress
        conn.execute(insert(db.servers).values(
            id=made, deployment_id=dep, role="web", name="shop-web-1", status="BUILD",
            fault=None, created_at=time.time(), updated_at=time.time()))
    servers = converge(engine, reconciler, dep, "active")
    assert servers == [(made, "ACTIVE")]
