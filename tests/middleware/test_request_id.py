"""carya.middleware.request_id: ids made or accepted, in environ, header, contextvar, logs."""

from __future__ import annotations

import logging
import re
import threading
import uuid

import pytest
from webtest import TestApp

from carya.middleware.options import MiddlewareConfigError
from carya.middleware.request_id import (
    ENV_REQUEST_ID,
    HEADER,
    RequestId,
    RequestIdFilter,
    current_request_id,
)
from tests.middleware.apps import environ_app

ID = re.compile(r"req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\Z")


@pytest.fixture
def client():
    return TestApp(RequestId(environ_app))


def test_new_id_in_environ_header_and_contextvar(client):
    resp = client.get("/")
    rid = resp.headers[HEADER]
    assert ID.match(rid)
    assert resp.json["request_id"] == rid
    assert resp.json["contextvar_request_id"] == rid
    assert current_request_id() is None  # reset once the request is over


def test_each_request_gets_its_own_id(client):
    ids = {client.get("/").headers[HEADER] for _ in range(5)}
    assert len(ids) == 5


def test_valid_client_id_is_kept(client):
    rid = f"req-{uuid.uuid4()}"
    resp = client.get("/", headers={HEADER: rid})
    assert resp.headers[HEADER] == rid
    assert resp.json["request_id"] == rid


def test_valid_client_id_is_lower_cased(client):
    rid = f"req-{uuid.uuid4()}"
    resp = client.get("/", headers={HEADER: rid.upper().replace("REQ-", "req-")})
    assert resp.headers[HEADER] == rid


@pytest.mark.parametrize("sent", [
    "hello",
    "req-not-a-uuid",
    f"req-{uuid.uuid4()}-and-more",
    f"{uuid.uuid4()}",
    f"req-{uuid.uuid4().hex}",
    f"req-{uuid.uuid4()} <script>",
    f" req-{uuid.uuid4()}",
    "x" * 5000,
])
def test_other_client_text_is_never_echoed(client, sent):
    resp = client.get("/", headers={HEADER: sent})
    rid = resp.headers[HEADER]
    assert ID.match(rid)
    assert rid != sent.strip().lower()
    assert resp.json["request_id"] == rid


def test_apps_own_header_is_replaced_not_duplicated():
    def app(environ, start_response):
        start_response("200 OK", [("x-openstack-request-id", "req-from-app"),
                                  ("Content-Type", "text/plain")])
        return [b"ok"]

    resp = TestApp(RequestId(app)).get("/")
    values = [v for k, v in resp.headerlist if k.lower() == HEADER.lower()]
    assert len(values) == 1 and ID.match(values[0])


def test_error_responses_carry_the_header_too():
    def app(environ, start_response):
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"no"]

    resp = TestApp(RequestId(app)).get("/", status=404)
    assert ID.match(resp.headers[HEADER])


def test_contextvar_is_set_while_a_generator_runs_and_closes():
    seen = []

    class Body:
        def __iter__(self):
            seen.append(("iter", current_request_id()))
            yield b"a"
            seen.append(("next", current_request_id()))
            yield b"b"

        def close(self):
            seen.append(("close", current_request_id()))

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Body()

    resp = TestApp(RequestId(app)).get("/")
    rid = resp.headers[HEADER]
    assert resp.body == b"ab"
    assert seen == [("iter", rid), ("next", rid), ("close", rid)]
    assert current_request_id() is None


def test_log_records_carry_the_id():
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Keep()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter("[%(request_id)s] %(message)s"))
    logger = logging.getLogger("tests.middleware.apps")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        resp = TestApp(RequestId(environ_app)).get("/logged")
        logger.info("outside any request")
    finally:
        logger.removeHandler(handler)
    rid = resp.headers[HEADER]
    assert records == [f"[{rid}] environ_app answered /logged", "[-] outside any request"]


def test_filter_keeps_an_explicit_request_id():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", (), None)
    record.request_id = "req-given"
    assert RequestIdFilter().filter(record) and record.request_id == "req-given"


def test_concurrent_requests_keep_their_own_ids():
    barrier = threading.Barrier(4, timeout=10)
    results = {}

    def app(environ, start_response):
        barrier.wait()  # all four requests are inside the app at once
        results[environ[ENV_REQUEST_ID]] = current_request_id()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    client = TestApp(RequestId(app))
    threads = [threading.Thread(target=client.get, args=("/",)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert len(results) == 4
    assert all(env_id == ctx_id for env_id, ctx_id in results.items())


def test_takes_no_options():
    with pytest.raises(MiddlewareConfigError, match="request_id: unknown option"):
        RequestId(environ_app, header="X-Req")
