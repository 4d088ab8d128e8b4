"""python-novaclient against the cloud: what ``nova``/``openstack server`` users run.

Covered: version discovery (``versions.get_current``, ``api_versions.discover_version``
with ``2.latest``, a pinned version and unsupported ones), flavors and images,
servers create (novaclient's ``min_count``/``max_count``, multi-create, reservation
ids)/list/get/reboot/stop/start/createImage/delete, request ids, and errors as
novaclient's own exceptions carrying the server's message.
"""

from __future__ import annotations

import pytest
from cloudapps.cloud import db
from novaclient import api_versions
from novaclient import client as nova_client
from novaclient import exceptions as nova_exc

from tests.cloudapps.system.conftest import wait_until

from .conftest import nova_session

#: The cirros image the cloud seeds (novaclient's ``glance`` talks to an image service;
#: this cloud has Nova's own ``/images``, read below through novaclient's HTTP client).
IMAGE = db.IMAGES[0]["id"]


def nova(system, version: str = "2.1", **kwargs):
    return nova_client.Client(version, session=nova_session(system, **kwargs))


def status_is(client, server_id: str, status: str):
    return lambda: client.servers.get(server_id).status == status


def negotiated(system, **kwargs):
    """What the ``nova`` CLI does: discover the newest version both sides support, use it."""
    probe = nova(system, "2.1", **kwargs)
    version = api_versions.discover_version(probe, api_versions.APIVersion("2.latest"))
    return nova(system, version.get_string(), **kwargs)


def test_discovery_negotiates_and_refuses_unsupported_versions(system):
    client = nova(system, "2.1")
    current = client.versions.get_current()
    assert current.id == "v2.1" and current.min_version == "2.1" and current.version == "2.2"
    assert api_versions.discover_version(client, api_versions.APIVersion("2.latest")) == \
        api_versions.APIVersion("2.2")
    assert api_versions.discover_version(client, api_versions.APIVersion("2.1")) == \
        api_versions.APIVersion("2.1")
    with pytest.raises(nova_exc.UnsupportedVersion, match="valid version range is '2.1' to "
                                                          "'2.2'"):
        api_versions.discover_version(client, api_versions.APIVersion("2.60"))
    # a client pinned above the server's maximum: the server itself answers 406
    pinned = nova(system, "2.60")
    with pytest.raises(nova_exc.ClientException) as raised:
        pinned.flavors.list()
    assert raised.value.code == 406 and "2.60" in str(raised.value)


def test_flavors_and_images(system):
    client = nova(system)
    flavors = {f.name: f for f in client.flavors.list()}
    assert {"m1.tiny", "m1.small", "m1.fail"} <= set(flavors)
    assert client.flavors.get(flavors["m1.small"].id).ram == 2048
    resp, body = client.client.get(f"/images/{IMAGE}")
    assert resp.status_code == 200 and body["image"]["name"] == "cirros-0.6.2"
    with pytest.raises(nova_exc.NotFound, match="Flavor 404 could not be found"):
        client.flavors.get("404")


def test_server_lifecycle(system):
    client = negotiated(system)
    assert client.api_version == api_versions.APIVersion("2.2")
    image = IMAGE
    flavor = client.flavors.find(name="m1.tiny")
    server = client.servers.create("nc-web", image, flavor, meta={"role": "web"})
    assert server.request_ids and server.request_ids[0].startswith("req-")
    assert server.adminPass
    wait_until(status_is(client, server.id, "ACTIVE"), 30, "the server to go ACTIVE")
    shown = client.servers.get(server.id)
    assert shown.name == "nc-web" and shown.metadata == {"role": "web"}
    assert shown.networks == {} and shown.progress == 100
    assert getattr(shown, "OS-EXT-STS:power_state") == 1
    assert getattr(shown, "OS-SRV-USG:launched_at")
    assert server.id in [s.id for s in client.servers.list()]
    assert [s.name for s in client.servers.list(search_opts={"status": "ACTIVE"})
            if s.id == server.id] == ["nc-web"]

    shown.reboot()
    wait_until(lambda: client.servers.get(server.id).to_dict()["OS-EXT-STS:task_state"]
               is None, 30, "the reboot to finish")
    shown.stop()
    wait_until(status_is(client, server.id, "SHUTOFF"), 30, "the server to stop")
    with pytest.raises(nova_exc.Conflict, match="Cannot 'stop' instance .* vm_state stopped"):
        client.servers.stop(server.id)
    image_id = client.servers.create_image(server.id, "nc-snap")
    assert image_id.request_ids  # StrWithMeta: read from Location below 2.45
    wait_until(lambda: client.client.get(f"/images/{image_id}")[1]["image"]["status"]
               == "ACTIVE", 30, "the snapshot image to be saved")
    wait_until(lambda: client.servers.get(server.id).to_dict()["OS-EXT-STS:task_state"]
               is None, 30, "the snapshot to finish")
    client.servers.start(server.id)
    wait_until(status_is(client, server.id, "ACTIVE"), 30, "the server to start")

    client.servers.delete(server.id)

    def gone():
        try:
            client.servers.get(server.id)
        except nova_exc.NotFound:
            return True
        return False

    wait_until(gone, 30, "the server to be deleted")


def test_multi_create_and_reservation_id(system):
    client = nova(system, user="multi", project="multi")
    image = IMAGE
    first = client.servers.create("batch", image, "1", min_count=2, max_count=3)
    names = sorted(s.name for s in client.servers.list())
    assert names == ["batch-1", "batch-2", "batch-3"] and first.id
    reservation = client.servers.create("held", image, "1", reservation_id=True)
    assert reservation.startswith("r-") and reservation.request_ids  # StrWithMeta
    for server in client.servers.list():
        client.servers.delete(server)


def test_errors_are_novaclient_exceptions_with_the_server_message(system):
    client = nova(system)
    image = IMAGE
    with pytest.raises(nova_exc.BadRequest, match="flavor 'm9.huge' does not exist"):
        client.servers.create("bad", image, "m9.huge")
    # novaclient clamps min_count to max_count itself: send the body through its HTTP client
    body = {"server": {"name": "bad", "imageRef": image, "flavorRef": "1",
                       "min_count": 3, "max_count": 2}}
    with pytest.raises(nova_exc.BadRequest, match=r"min_count \(3\) must be <= max_count"):
        client.client.post("/servers", body=body)
    with pytest.raises(nova_exc.NotFound, match="Instance nope could not be found"):
        client.servers.get("nope")
    with pytest.raises(nova_exc.Forbidden, match="Quota exceeded"):
        client.servers.create("many", image, "1", min_count=11)
    # another project's server is invisible (404, never 403)
    mine = client.servers.create("private", image, "1")
    other = nova(system, user="eve", project="evil")
    with pytest.raises(nova_exc.NotFound):
        other.servers.get(mine.id)
    client.servers.delete(mine)
