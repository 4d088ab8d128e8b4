"""carya.middleware.faultwrap: escaped exceptions become JSON faults; tracebacks only in logs."""

from __future__ import annotations

import logging

import pytest
import webob.exc
from webtest import TestApp

from carya.middleware.faultwrap import INTERNAL_MESSAGE, FaultWrapper
from carya.middleware.options import MiddlewareConfigError
from carya.middleware.request_id import HEADER, RequestId
from tests.middleware.apps import environ_app

LOGGER = "carya.middleware.faultwrap"


def raises_at_once(environ, start_response):
    raise KeyError("secret-key-name")


def raises_after_start_response(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    raise ValueError("half way")


def raises_in_generator(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    yield b""  # an empty chunk sends nothing: the fault can still replace it
    raise ZeroDivisionError("in the body")


def raises_after_first_chunk(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    yield b"partial "
    raise OSError("disk gone")


@pytest.mark.parametrize("app", [raises_at_once, raises_after_start_response,
                                 raises_in_generator])
def test_uncaught_exception_is_a_500_fault(app, caplog):
    caplog.set_level(logging.ERROR, logger=LOGGER)
    resp = TestApp(FaultWrapper(app)).get("/servers", status=500)
    assert resp.content_type == "application/json"
    assert resp.json == {"computeFault": {"code": 500, "message": INTERNAL_MESSAGE}}
    assert "Traceback" not in resp.text
    [record] = caplog.records
    assert record.exc_info is not None  # the traceback is in the log
    assert "GET /servers" in record.getMessage()


def test_fault_carries_the_request_id_in_body_header_and_log(caplog):
    caplog.set_level(logging.ERROR, logger=LOGGER)
    resp = TestApp(RequestId(FaultWrapper(raises_at_once))).get("/x", status=500)
    rid = resp.headers[HEADER]
    assert resp.json["computeFault"]["request_id"] == rid
    [record] = caplog.records
    assert rid in record.getMessage()
    assert "secret-key-name" in caplog.text  # logged for operators ...
    assert "secret-key-name" not in resp.text  # ... never shown to the client


def test_error_after_the_first_chunk_is_logged_and_reraised(caplog):
    caplog.set_level(logging.ERROR, logger=LOGGER)
    client = TestApp(FaultWrapper(raises_after_first_chunk), lint=False)
    with pytest.raises(OSError, match="disk gone"):
        client.get("/stream")
    assert "failed after the response started" in caplog.text
    assert "OSError: disk gone" in caplog.text


@pytest.mark.parametrize("error,code,name", [
    (webob.exc.HTTPBadRequest(detail="name is required"), 400, "badRequest"),
    (webob.exc.HTTPNotFound(detail="server 42 not found"), 404, "itemNotFound"),
    (webob.exc.HTTPConflict(detail="already exists"), 409, "conflictingRequest"),
    (webob.exc.HTTPRequestEntityTooLarge(detail="too big"), 413, "overLimit"),
    (webob.exc.HTTPTooManyRequests(detail="slow down"), 429, "overLimit"),
    (webob.exc.HTTPServiceUnavailable(detail="later"), 503, "serviceUnavailable"),
    (webob.exc.HTTPGone(detail="gone"), 410, "computeFault"),
])
def test_escaped_http_exceptions_keep_their_status(error, code, name):
    def app(environ, start_response):
        raise error

    resp = TestApp(FaultWrapper(app)).get("/", status=code)
    assert resp.json == {name: {"code": code, "message": error.detail}}


def test_http_exception_without_detail_uses_its_explanation():
    def app(environ, start_response):
        raise webob.exc.HTTPForbidden()

    resp = TestApp(FaultWrapper(app)).get("/", status=403)
    assert resp.json["forbidden"]["message"] == webob.exc.HTTPForbidden.explanation


def test_http_exception_headers_are_kept():
    def app(environ, start_response):
        raise webob.exc.HTTPMethodNotAllowed(headers={"Allow": "GET, HEAD"})

    resp = TestApp(FaultWrapper(app)).post("/", status=405)
    assert resp.headers["Allow"] == "GET, HEAD"
    assert resp.json["badMethod"]["code"] == 405
    assert resp.headers["Content-Length"] == str(len(resp.body))


def test_raised_redirect_is_sent_as_a_redirect():
    def app(environ, start_response):
        raise webob.exc.HTTPFound(location="/elsewhere")

    resp = TestApp(FaultWrapper(app)).get("/", status=302)
    assert resp.headers["Location"].endswith("/elsewhere")


def test_no_traceback_logged_for_http_exceptions(caplog):
    def app(environ, start_response):
        raise webob.exc.HTTPNotFound()

    caplog.set_level(logging.ERROR, logger=LOGGER)
    TestApp(FaultWrapper(app)).get("/", status=404)
    assert caplog.records == []


def test_fault_name_option():
    resp = TestApp(FaultWrapper(raises_at_once, fault_name="imageFault")).get("/", status=500)
    assert list(resp.json) == ["imageFault"]


def test_bad_option():
    with pytest.raises(MiddlewareConfigError, match="faultwrap: option 'fault_name'"):
        FaultWrapper(environ_app, fault_name="")


def test_good_responses_pass_through_and_are_closed():
    closed = []

    class Body:
        def __iter__(self):
            yield b""
            yield b"one "
            yield b"two"

        def close(self):
            closed.append(True)

    def app(environ, start_response):
        start_response("201 Created", [("Content-Type", "text/plain")])
        return Body()

    resp = TestApp(FaultWrapper(app)).get("/", status=201)
    assert resp.body == b"one two"
    assert closed == [True]


def test_iterable_is_closed_when_it_fails():
    closed = []

    class Body:
        def __iter__(self):
            raise RuntimeError("no body")

        def close(self):
            closed.append(True)

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Body()

    TestApp(FaultWrapper(app)).get("/", status=500)
    assert closed == [True]


def test_empty_body_iterable():
    def app(environ, start_response):
        start_response("204 No Content", [])
        return iter(())

    assert TestApp(FaultWrapper(app)).get("/", status=204).body == b""
