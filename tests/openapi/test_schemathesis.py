"""schemathesis against the running cloudapps cloud and alarm APIs, from their own documents.

Each API runs as in production (``carya serve``) on loopback in a temporary
state dir; its document comes from ``carya openapi`` on the same config. The
run is bounded (examples per operation, seconds in all) and seeded, and checks
that no response is a server error or contradicts the document (status code,
content type, headers, body schema).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.support import free_port, running

from .conftest import ALARMS, CARYA, CLOUD

SCHEMATHESIS = os.path.join(os.path.dirname(sys.executable), "schemathesis")
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_headers_conformance,response_schema_conformance")
MAX_EXAMPLES = os.environ.get("CARYA_SCHEMATHESIS_EXAMPLES", "10")
MAX_SECONDS = os.environ.get("CARYA_SCHEMATHESIS_SECONDS", "40")


def _fuzz(config: str, tmp_path) -> str:
    env = dict(os.environ, CLOUDAPPS_STATE_DIR=str(tmp_path),
               CLOUDAPPS_TRANSPORT_URL=f"embedded://{tmp_path}/notify.sqlite",
               CLOUDAPPS_BUILD_DELAY="0.5")
    for name in ("CLOUD", "ALARMS"):
        env.pop(f"CLOUDAPPS_{name}_DB", None)
    document = tmp_path / "openapi.json"
    subprocess.run([CARYA, "openapi", config, "-o", str(document)], env=env, check=True,
                   timeout=60, capture_output=True)
    port = free_port()
    with running([CARYA, "serve", config, "--port", str(port)], port, env=env):
        run = subprocess.run(
            [SCHEMATHESIS, "run", str(document), "--url", f"http://127.0.0.1:{port}",
             "--checks", CHECKS, "--max-examples", MAX_EXAMPLES, "--max-time", MAX_SECONDS,
             "--seed", "20261206", "--workers", "1", "--no-color",
             "--generation-database", "none", "--request-timeout", "10"],
            cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=int(MAX_SECONDS) + 90,
        )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-6000:]
    return output


def _count(pattern: str, output: str) -> int:
    found = re.search(pattern, output)
    assert found, output[-3000:]
    return int(found.group(1))


@pytest.mark.parametrize("config", [CLOUD, ALARMS], ids=["cloud", "alarms"])
def test_api_answers_as_its_document_says(config, tmp_path):
    output = _fuzz(config, tmp_path)
    selected = _count(r"Selected:\s+(\d+)/", output)
    assert _count(r"Tested:\s+(\d+)", output) == selected
    assert _count(r"(\d+) generated", output) >= selected * 5
    assert "failure" not in output.rsplit("SUMMARY", 1)[-1].replace("0 failures", "")
    print(output.rsplit("SUMMARY", 1)[-1])  # counts for the CI log (pytest -s / -rP)
