"""Over real HTTP: ``carya serve etc/cloud/api-paste.ini#osapi_compute`` and
``python -m cloudapps.cloud.compute`` as subprocesses; a server goes ACTIVE."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from tests.support import ROOT, fetch, free_port, running

from .conftest import ALICE, INI, wait_until
from .test_api import IMAGE


def test_serve_and_worker_over_http(cloud_env):
    port = free_port()
    env = {**os.environ, **cloud_env}
    carya = os.path.join(os.path.dirname(sys.executable), "carya")
    worker = subprocess.Popen([sys.executable, "-m", "cloudapps.cloud.compute"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        with running([carya, "serve", f"{INI}#osapi_compute", "--port", str(port)], port,
                     cwd=ROOT, env=env):
            status, _, body = fetch(port, "GET", "/")
            assert status == 200 and json.loads(body)["versions"][0]["id"] == "v2.1"
            headers = {**ALICE, "Content-Type": "application/json"}
            request = {"server": {"name": "http-1", "imageRef": IMAGE, "flavorRef": "1"}}
            status, _, body = fetch(port, "POST", "/v2.1/servers", json.dumps(request),
                                    headers)
            assert status == 202, body
            server_id = json.loads(body)["server"]["id"]

            def server_status():
                code, _, text = fetch(port, "GET", f"/v2.1/servers/{server_id}", None, ALICE)
                return code == 200 and json.loads(text)["server"]["status"] == "ACTIVE"

            wait_until(server_status, 15, "the server to go ACTIVE over HTTP")
            status, _, body = fetch(port, "POST", "/v2.1/servers", "{bad json", headers)
            assert status == 400 and "Traceback" not in body
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            out, _ = worker.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            out, _ = worker.communicate()
    assert worker.returncode == 0, out
    assert "compute worker stopped after 1 transitions" in out, out
