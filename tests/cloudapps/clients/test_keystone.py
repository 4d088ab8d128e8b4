"""The cloud behind a real Keystone: keystonemiddleware's auth_token, password logins.

Keystone is the ``keystone`` package from PyPI in its own virtualenv, bootstrapped
on SQLite by ``python -m cloudapps keystone`` (the README's command); the cloud
runs ``CLOUDAPPS_AUTH_STRATEGY=keystone``. Clients find the cloud in Keystone's
catalog, log in with passwords, and Keystone's roles meet the cloud's policies.
"""

from __future__ import annotations

import os
import subprocess
import sys

import openstack
import pytest
import requests
from aodhclient import client as aodh_client
from aodhclient import exceptions as aodh_exc
from cloudapps.cloud import db
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint
from novaclient import client as nova_client
from novaclient import exceptions as nova_exc
from openstack import exceptions as sdk_exc

from tests.cloudapps.system.conftest import wait_until

IMAGE = db.IMAGES[0]["id"]
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_novaclient_logs_in_with_a_password_and_finds_the_cloud_in_the_catalog(keystone_cloud):
    sess = keystone_cloud.session("demo", "demo-password")
    assert sess.get_endpoint(service_type="compute", interface="public") == \
        keystone_cloud.cloud_url
    nova = nova_client.Client("2.1", session=sess)
    server = nova.servers.create("ks-web", IMAGE, "1")
    wait_until(lambda: nova.servers.get(server.id).status == "ACTIVE", 30,
               "the server to go ACTIVE", keystone_cloud.logs)
    shown = nova.servers.get(server.id)
    # the identity is Keystone's: its user and project ids, not names
    assert shown.user_id == sess.get_user_id() and shown.tenant_id == sess.get_project_id()
    nova.servers.delete(server.id)


def test_roles_meet_the_policies(keystone_cloud):
    reader = nova_client.Client("2.1", session=keystone_cloud.session("viewer",
                                                                       "viewer-password"))
    assert reader.flavors.list()
    assert isinstance(reader.servers.list(), list)
    with pytest.raises(nova_exc.Forbidden, match="os_compute_api:servers:create"):
        reader.servers.create("nope", IMAGE, "1")
    admin = nova_client.Client("2.1", session=keystone_cloud.session("admin", "cloudapps-admin",
                                                                      "admin"))
    member = nova_client.Client("2.1", session=keystone_cloud.session("demo", "demo-password"))
    mine = member.servers.create("ks-private", IMAGE, "1")
    everyone = admin.servers.list(search_opts={"all_tenants": 1})
    assert mine.id in [s.id for s in everyone]
    with pytest.raises(nova_exc.Forbidden):
        member.servers.list(search_opts={"all_tenants": 1})
    member.servers.delete(mine)


def test_openstacksdk_with_a_password(keystone_cloud):
    conn = openstack.connect(auth_url=f"{keystone_cloud.keystone_url}/v3", username="demo",
                             password="demo-password", project_name="demo",
                             user_domain_id="default", project_domain_id="default",
                             load_yaml_config=False, load_envvars=False)
    assert {f.name for f in conn.compute.flavors()} >= {"m1.tiny", "m1.small"}
    assert conn.compute.get_endpoint() == keystone_cloud.cloud_url


def test_a_forged_token_is_a_401_for_the_sdk_not_a_discovery_failure(keystone_cloud):
    sess = ks_session.Session(auth=token_endpoint.Token(keystone_cloud.cloud_url, "forged"))
    conn = openstack.connection.Connection(session=sess)
    with pytest.raises(sdk_exc.HttpException) as raised:
        list(conn.compute.flavors())
    assert raised.value.status_code == 401
    with pytest.raises(nova_exc.Unauthorized, match="requires authentication"):
        nova_client.Client("2.1", session=sess).flavors.list()


def test_refusals_are_keystonemiddlewares_and_the_version_is_public(keystone_cloud):
    version = requests.get(keystone_cloud.cloud_url, timeout=10)
    assert version.status_code == 200 and version.json()["version"]["id"] == "v2.1"
    refused = requests.get(f"{keystone_cloud.cloud_url}/servers",
                           headers={"X-Auth-Token": "forged"}, timeout=10)
    assert refused.status_code == 401
    assert refused.json()["error"]["title"] == "Unauthorized"
    assert refused.headers["WWW-Authenticate"] == \
        f'Keystone uri="{keystone_cloud.keystone_url}"'
    assert requests.get(f"{keystone_cloud.cloud_url}/servers", timeout=10).status_code == 401
    # a wrong password: Keystone itself refuses the login, keystoneauth says so
    bad = nova_client.Client("2.1", session=keystone_cloud.session("demo", "wrong"))
    with pytest.raises(ks_exc.Unauthorized, match="The request you have made requires "
                                                  "authentication"):
        bad.flavors.list()


def nova_cli(keystone_cloud, *args: str) -> subprocess.CompletedProcess:
    """The ``nova`` CLI as a Keystone user runs it (``OS_*`` variables, password login)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update(OS_AUTH_URL=f"{keystone_cloud.keystone_url}/v3", OS_USERNAME="demo",
               OS_PASSWORD="demo-password", OS_PROJECT_NAME="demo",
               OS_USER_DOMAIN_ID="default", OS_PROJECT_DOMAIN_ID="default")
    return subprocess.run([os.path.join(os.path.dirname(sys.executable), "nova"), *args],
                          capture_output=True, text=True, timeout=120, env=env)


def test_the_nova_cli_negotiates_its_version(keystone_cloud):
    listed = nova_cli(keystone_cloud, "flavor-list")
    assert listed.returncode == 0 and "m1.tiny" in listed.stdout, listed
    version = nova_cli(keystone_cloud, "version-list")
    assert version.returncode == 0 and "2.2" in version.stdout, version
    too_new = nova_cli(keystone_cloud, "--os-compute-api-version", "2.60", "list")
    assert too_new.returncode != 0
    assert "The specified version isn't supported by server" in too_new.stderr, too_new


def test_aodhclient_logs_in_with_a_password_and_finds_the_alarm_service(keystone_cloud):
    sess = keystone_cloud.session("demo", "demo-password")
    assert sess.get_endpoint(service_type="alarming", interface="public") == \
        keystone_cloud.alarms_url
    aodh = aodh_client.Client("2", session=sess)
    alarm = aodh.alarm.create({"name": "ks-alarm", "type": "event",
                               "event_rule": {"event_type": "deployment.create.error"}})
    # the identity is the token's: auth_token replaced whatever headers the client sent
    assert alarm["project_id"] == sess.get_project_id()
    assert alarm["user_id"] == sess.get_user_id()
    assert [a["name"] for a in aodh.alarm.list(filters={"name": "ks-alarm"})] == ["ks-alarm"]
    aodh.alarm.delete(alarm["alarm_id"])
    assert requests.get(keystone_cloud.alarms_url, timeout=10).status_code == 200  # versions
    refused = requests.get(f"{keystone_cloud.alarms_url}/v2/alarms",
                           headers={"X-Project-Id": "forged"}, timeout=10)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == 401
    forged = ks_session.Session(auth=token_endpoint.Token(keystone_cloud.alarms_url, "forged"))
    with pytest.raises(aodh_exc.Unauthorized):
        aodh_client.Client("2", session=forged).alarm.list()
