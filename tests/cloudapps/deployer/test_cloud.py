"""The cloud client against the real cloud, and its retry rules against real HTTP servers."""

from __future__ import annotations

import http.server
import threading

import pytest
from cloudapps.deployer.cloud import CloudClient, CloudError

from tests.support import free_port


def test_lists_creates_shows_and_deletes_on_the_real_cloud(cloud):
    client = CloudClient(cloud.url, project="client-test")
    assert "m1.fail" in {f["name"] for f in client.flavors()}
    image = client.images()[0]
    server_id = client.create_server("c1", image["id"], "m1.tiny", {"deployment_id": "d-1"})
    shown = client.server(server_id)
    assert shown["metadata"] == {"deployment_id": "d-1"} and shown["status"] in ("BUILD",
                                                                               "ACTIVE")
    assert server_id in {s["id"] for s in client.servers()}
    assert client.delete_server(server_id) is True


def test_a_refusal_names_the_call_and_the_clouds_message(cloud):
    client = CloudClient(cloud.url)
    with pytest.raises(CloudError) as info:
        client.create_server("c1", "no-such-image", "m1.tiny")
    assert info.value.status == 400
    assert "POST " in str(info.value) and "no-such-image" in str(info.value)
    assert CloudClient(cloud.url).delete_server("00000000-0000-0000-0000-000000000000") is False


def test_an_unreachable_cloud_is_a_clear_error():
    client = CloudClient(f"http://127.0.0.1:{free_port()}/v2.1", retries=1, backoff=0.01)
    with pytest.raises(CloudError, match="the cloud is not reachable") as info:
        client.flavors()
    assert info.value.status is None


class Flaky(http.server.BaseHTTPRequestHandler):
    """Answers 503 to the first request of each path, then 200."""

    seen: dict[str, int] = {}

    def _answer(self):
        self.seen[self.path] = self.seen.get(self.path, 0) + 1
        status = 503 if self.seen[self.path] == 1 else 200
        body = b'{"flavors": [], "server": {"id": "x"}}'
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def flaky():
    Flaky.seen = {}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v2.1"
    server.shutdown()
    server.server_close()


def test_gets_are_retried_on_5xx_but_a_create_is_not(flaky):
    client = CloudClient(flaky, backoff=0.01)
    assert client.flavors() == []
    assert Flaky.seen["/v2.1/flavors/detail"] == 2
    with pytest.raises(CloudError, match="answered 503"):
        client.create_server("x", "img", "1")
    assert Flaky.seen["/v2.1/servers"] == 1  # a second POST could make a second server
