"""The whole system under real Apache mod_wsgi, with RabbitMQ and PostgreSQL.

One private Apache on loopback (``examples/apache/httpd.conf``, the helper of
``tests/deploy``) serves the three APIs, each a VirtualHost from ``carya
apache-conf`` with its own ``WSGIDaemonProcess``/``WSGIProcessGroup`` in
``%{GLOBAL}``, loading an ``app.wsgi`` that ``python -m cloudapps apache-site``
wrote with the settings baked in (daemons do not inherit an environment). The
three workers run as processes. Notifications go over RabbitMQ in a virtual host
of their own; each service has its own new PostgreSQL database. The REST calls
all go through Apache; the alarm reaches a real webhook receiver.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest
from cloudapps.launcher import Ports, System, apache_site, environment, processes

from tests.cloudapps.system import flows
from tests.cloudapps.system.conftest import (
    call,
    free_ports,
    pg_db_env,
    pg_tables,
    rabbit_queues,
    wait_until,
)
from tests.deploy.conftest import WSGI_USER, shared_tempdir
from tests.deploy.test_apache import account, apache


@pytest.fixture
def apache_dir():
    """A scratch directory Apache's unprivileged daemons can traverse."""
    with shared_tempdir() as path:
        yield path


def logs(*directories: str) -> str:
    """Every log file under ``directories`` (Apache's, the daemons', the workers')."""
    text = ""
    for directory in directories:
        for root, _, files in os.walk(directory):
            for name in sorted(files):
                if name.endswith((".log", "_log")):
                    with open(os.path.join(root, name), errors="replace") as handle:
                        lines = handle.readlines()[-40:]
                    text += f"\n--- {os.path.join(root, name)} ---\n" + "".join(lines)
    return text


def test_system_under_apache_mod_wsgi_rabbitmq_postgresql(apache_dir, rabbit_vhost,
                                                          pg_databases, webhook):
    ports = Ports.from_base(free_ports(3))
    state = os.path.join(apache_dir, "state")
    os.makedirs(state)
    if os.geteuid() == 0:
        shutil.chown(state, WSGI_USER, WSGI_USER)  # the daemons write here, as carya-wsgi
    settings = {"CLOUDAPPS_STATE_DIR": state, "CLOUDAPPS_TRANSPORT_URL": rabbit_vhost,
                "CLOUDAPPS_BUILD_DELAY": "0.5", **pg_db_env(pg_databases)}
    site_dir = os.path.join(apache_dir, "site")
    site = apache_site(site_dir, ports, settings, account(), account(), processes_per_app=1,
                       threads=4)

    text = open(site).read()
    for name in ("cloudapps_cloud", "cloudapps_deployer", "cloudapps_alarms"):
        assert f"WSGIDaemonProcess {name}" in text and f"WSGIProcessGroup {name}" in text
    assert text.count("WSGIApplicationGroup %{GLOBAL}") == 3
    for service in ("cloud", "deployer", "alarms"):
        wsgi = open(os.path.join(site_dir, service, "app.wsgi")).read()
        assert rabbit_vhost in wsgi and pg_databases[service] in wsgi
        assert re.search(r"^application = (deploy|loadapp)\(", wsgi, re.M)

    env = environment(state, ports, {**os.environ, **settings})
    workers = System([c for c in processes(ports) if c.port is None], env,
                     os.path.join(apache_dir, "workers"), cwd=state)
    workers.start()

    def explain() -> str:
        return logs(apache_dir)

    try:
        with apache(site, ports.deployer, apache_dir, probe="/") as server:
            for port in (ports.cloud, ports.alarms):
                wait_until(lambda port=port: _answers(port), 60, f"Apache on {port}", explain)
            status, versions = call(ports.cloud, "GET", "/")
            assert status in (200, 300) and "versions" in versions, versions

            alarm = flows.create_alarm(ports.alarms, "deployment failed",
                                       "deployment.create.error", [webhook.url, "log://"])
            cat = flows.catalog(ports.deployer)
            bad = flows.deploy(ports.deployer, "doomed", flows.FAIL_FLAVOR, flows.image(cat))
            flows.wait_state(ports.deployer, bad["id"], "error", 90, explain)
            calls = wait_until(
                lambda: [b for b in webhook.bodies()
                         if isinstance(b, dict) and b.get("alarm_id") == alarm["id"]],
                60, "the alarm at the webhook", explain)
            assert calls[0]["current"] == "alarm" and calls[0]["alarm_name"] == "deployment failed"
            assert calls[0]["event"]["event_type"] == "deployment.create.error"
            assert calls[0]["event"]["payload"]["deployment_id"] == bad["id"]
            assert flows.alarm(ports.alarms, alarm["id"])["state"] == "alarm"
            assert flows.history(ports.alarms, alarm["id"]), "no history for the alarm"

            good = flows.deploy(ports.deployer, "web", flows.good_flavor(cat), flows.image(cat),
                                instances=2)
            done = flows.wait_state(ports.deployer, good["id"], "active", 90, explain)
            assert len(done["servers"]) == 2
            assert all(s["status"] == "ACTIVE" for s in done["servers"]), done

            # It really went through Apache, RabbitMQ and PostgreSQL.
            with open(os.path.join(site_dir, "cloudapps_deployer_access.log")) as handle:
                assert "POST /v1/deployments" in handle.read()
            with open(os.path.join(site_dir, "cloudapps_alarms_access.log")) as handle:
                assert "POST /v2/alarms" in handle.read()
            with open(os.path.join(site_dir, "cloudapps_cloud_access.log")) as handle:
                assert "POST /v2.1/servers" in handle.read()
            for service, url in pg_databases.items():
                assert "schema_version" in pg_tables(url), f"{service} is not in PostgreSQL"
            queues = rabbit_queues(rabbit_vhost)
            assert "deployer" in queues and "alarms" in queues, queues
            assert workers.dead() is None, explain()
        assert server.returncode == 0
    finally:
        killed = workers.stop()
    assert not killed, f"workers ignored SIGTERM: {killed}\n{explain()}"


def _answers(port: int) -> bool:
    try:
        call(port, "GET", "/")
        return True
    except OSError:
        return False
