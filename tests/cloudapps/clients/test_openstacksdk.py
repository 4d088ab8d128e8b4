"""openstacksdk's compute proxy against the cloud (``openstack.connection.Connection``).

Covered: endpoint and microversion discovery through the version document,
flavors, servers create/get/list/reboot/stop/start/create_server_image/delete,
``wait_for_server``/``wait_for_delete``, and errors as the SDK's exceptions.
"""

from __future__ import annotations

import openstack
import pytest
from cloudapps.cloud import db
from openstack import exceptions as sdk_exc

from tests.cloudapps.system.conftest import wait_until

from .conftest import nova_session

IMAGE = db.IMAGES[0]["id"]
#: the SDK warns about its own future API changes (RemovedInSDK50Warning...): not ours
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def connect(system, user: str = "sdk", project: str = "sdk") -> openstack.connection.Connection:
    return openstack.connection.Connection(session=nova_session(system, user, project))


def test_discovery_and_flavors(system):
    conn = connect(system)
    data = conn.session.get_endpoint_data(service_type="compute")
    assert data.min_microversion == (2, 1) and data.max_microversion == (2, 2)
    flavors = {f.name: f for f in conn.compute.flavors()}
    assert flavors["m1.small"].ram == 2048 and flavors["m1.fail"].id == db.FAIL_FLAVOR_ID
    assert conn.compute.find_flavor("m1.tiny").id == "1"


def test_server_lifecycle(system):
    conn = connect(system)
    server = conn.compute.create_server(name="sdk-web", image_id=IMAGE, flavor_id="1",
                                        metadata={"role": "web"})
    server = conn.compute.wait_for_server(server, status="ACTIVE", interval=0.2, wait=30)
    assert server.name == "sdk-web" and server.metadata == {"role": "web"}
    assert server.power_state == 1 and server.availability_zone == "nova"
    assert server.launched_at and server.host_id
    assert [s.id for s in conn.compute.servers()] == [server.id]
    conn.compute.reboot_server(server, "SOFT")
    wait_until(lambda: conn.compute.get_server(server).task_state is None, 30,
               "the reboot to finish")
    conn.compute.stop_server(server)
    conn.compute.wait_for_server(server, status="SHUTOFF", interval=0.2, wait=30)
    conn.compute.start_server(server)
    conn.compute.wait_for_server(server, status="ACTIVE", interval=0.2, wait=30)
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, interval=0.2, wait=30)
    assert list(conn.compute.servers()) == []


def test_errors_are_sdk_exceptions_with_the_server_message(system):
    conn = connect(system)
    with pytest.raises(sdk_exc.NotFoundException, match="Instance nope could not be found"):
        conn.compute.get_server("nope")
    with pytest.raises(sdk_exc.BadRequestException, match="flavor 'm9.huge' does not exist"):
        conn.compute.create_server(name="bad", image_id=IMAGE, flavor_id="m9.huge")
    with pytest.raises(sdk_exc.BadRequestException, match="'name' is a required property"):
        conn.compute.create_server(image_id=IMAGE, flavor_id="1")
