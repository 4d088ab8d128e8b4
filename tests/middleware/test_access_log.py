"""carya.middleware.access_log: one line per request, written when the response is closed."""

from __future__ import annotations

import logging
import re

import pytest
import webob
from webtest import TestApp

from carya.middleware.access_log import DEFAULT_LOGGER, AccessLog
from carya.middleware.faultwrap import FaultWrapper
from carya.middleware.options import MiddlewareConfigError
from carya.middleware.request_id import HEADER, RequestId
from tests.middleware.apps import environ_app

LINE = re.compile(
    r'(?P<remote>\S+) "(?P<method>\S+) (?P<path>\S+)" status: (?P<status>\S+) '
    r"len: (?P<len>\d+) time: (?P<ms>[\d.]+)ms request_id: (?P<rid>\S+)\Z"
)


@pytest.fixture
def lines(caplog):
    caplog.set_level(logging.INFO, logger=DEFAULT_LOGGER)

    def get(logger: str = DEFAULT_LOGGER) -> list[re.Match]:
        return [LINE.match(r.getMessage()) for r in caplog.records if r.name == logger]

    return get


def test_one_line_per_request(lines):
    client = TestApp(AccessLog(RequestId(environ_app)), extra_environ={"REMOTE_ADDR": "192.0.2.9"})
    resp = client.get("/v2/servers?secret=token")
    [line] = lines()
    assert line is not None
    assert line["remote"] == "192.0.2.9"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/v2/servers", "200")
    assert int(line["len"]) == len(resp.body)
    assert line["rid"] == resp.headers[HEADER]
    assert "secret" not in line.string  # the query string is not logged


def test_written_on_close_with_bytes_sent_and_duration(lines):
    events = []

    class Body:
        def __iter__(self):
            events.append("iter")
            yield b"12345"
            yield b"678"

        def close(self):
            events.append(f"close, lines so far: {len(lines())}")

    def app(environ, start_response):
        start_response("201 Created", [("Content-Type", "text/plain")])
        return Body()

    middleware = AccessLog(app)
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/a", "SCRIPT_NAME": "/v2"}
    result = middleware(environ, lambda status, headers, exc_info=None: None)
    assert lines() == []  # not yet: nothing was sent
    assert b"".join(result) == b"12345678"
    assert lines() == []  # still not: the server has not closed the response
    result.close()
    [line] = lines()
    assert events == ["iter", "close, lines so far: 0"]
    assert (line["method"], line["path"], line["status"], line["len"]) == (
        "POST", "/v2/a", "201", "8")
    assert float(line["ms"]) >= 0
    assert line["rid"] == "-" and line["remote"] == "-"
    result.close()
    assert len(lines()) == 1  # a second close does not log twice


def test_write_callable_bytes_are_counted(lines):
    def app(environ, start_response):
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"abc")
        return [b"de"]

    TestApp(AccessLog(app)).get("/")
    assert lines()[0]["len"] == "5"


def test_control_characters_cannot_forge_lines(lines):
    environ = webob.Request.blank("/", remote_addr="1.2.3.4").environ
    environ["PATH_INFO"] = '/x\n127.0.0.1 "GET /admin" status: 200'
    result = AccessLog(environ_app)(environ, lambda *a: None)
    result.close()
    [line] = lines()
    assert line is not None  # still one well-formed line
    assert "\n" not in line.string
    assert line["path"].startswith("/x%0A127.0.0.1%20%22GET%20/admin%22")


def test_non_ascii_path_is_escaped(lines):
    TestApp(AccessLog(environ_app)).get("/caf%C3%A9")
    assert lines()[0]["path"] == "/caf%C3%A9"


def test_app_that_raises_is_logged_as_500(lines):
    def app(environ, start_response):
        raise RuntimeError("broken")

    with pytest.raises(RuntimeError):
        TestApp(AccessLog(app)).get("/broken")
    [line] = lines()
    assert (line["path"], line["status"]) == ("/broken", "500")


def test_fault_inside_is_logged_with_its_status(lines):
    def app(environ, start_response):
        raise RuntimeError("broken")

    client = TestApp(AccessLog(RequestId(FaultWrapper(app))))
    resp = client.get("/broken", status=500)
    [line] = lines()
    assert line["status"] == "500"
    assert line["rid"] == resp.headers[HEADER]
    assert int(line["len"]) == len(resp.body)


def test_structured_fields_on_the_record(caplog):
    caplog.set_level(logging.INFO, logger=DEFAULT_LOGGER)
    TestApp(AccessLog(environ_app), extra_environ={"REMOTE_ADDR": "192.0.2.1"}).get("/s")
    # Only the access logger's records: other code may log at INFO meanwhile.
    [record] = [r for r in caplog.records if r.name == DEFAULT_LOGGER]
    assert (record.method, record.path, record.status, record.remote_addr) == (
        "GET", "/s", "200", "192.0.2.1")
    assert record.length > 0 and record.duration_ms >= 0
    assert record.levelno == logging.INFO


def test_logger_name_option(lines):
    TestApp(AccessLog(environ_app, logger_name="myservice.access")).get("/")
    assert lines() == []
    # caplog only listens to its logger when set; check the named one directly:
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    logger = logging.getLogger("myservice.access")
    logger.addHandler(Keep())
    logger.setLevel(logging.INFO)
    try:
        TestApp(AccessLog(environ_app, logger_name="myservice.access")).get("/named")
    finally:
        logger.handlers.clear()
    assert [LINE.match(r.getMessage())["path"] for r in records] == ["/named"]


def test_nothing_formatted_when_info_is_off(caplog):
    caplog.set_level(logging.WARNING, logger=DEFAULT_LOGGER)
    TestApp(AccessLog(environ_app)).get("/")
    assert caplog.records == []


def test_bad_options():
    with pytest.raises(MiddlewareConfigError, match="access_log: option 'logger_name'"):
        AccessLog(environ_app, logger_name=" ")
    with pytest.raises(MiddlewareConfigError, match="unknown option"):
        AccessLog(environ_app, logger="x")
