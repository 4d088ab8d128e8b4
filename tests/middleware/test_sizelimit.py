"""carya.middleware.sizelimit: declared and streamed bodies over the limit are 413s.

Unit tests drive the middleware with WebTest; the wire tests send real uploads,
sized and chunked, to waitress (``carya.server.make_server``, which turns a
chunked body into a sized one) and to gunicorn (which streams it to the app).
"""

from __future__ import annotations

import io
import json

import pytest
import webob.exc
from webtest import TestApp

from carya.middleware.options import MiddlewareConfigError
from carya.middleware.sizelimit import (
    DEFAULT_MAX_REQUEST_BODY_SIZE,
    LimitedInput,
    RequestBodySizeLimiter,
    RequestBodyTooLarge,
)
from tests.middleware.apps import body_app, chunked_body_app
from tests.middleware.wire import chunked, gunicorn, raw_request, waitress

TOO_LARGE = {
    "code": 413,
    "title": "Request Entity Too Large",
    "description": "Request body is larger than the limit of 1024 bytes",
}


class CountingStream(io.BytesIO):
    """A body stream that remembers how many bytes were taken from it."""

    def read(self, size=-1):
        data = super().read(size)
        self.taken = getattr(self, "taken", 0) + len(data)
        return data

    def readline(self, size=-1):
        data = super().readline(size)
        self.taken = getattr(self, "taken", 0) + len(data)
        return data


def test_default_is_oslos_112_kib():
    assert DEFAULT_MAX_REQUEST_BODY_SIZE == 114688
    assert RequestBodySizeLimiter(body_app).limit == 114688


def test_declared_length_over_limit_is_413_without_calling_the_app():
    calls = []

    def app(environ, start_response):
        calls.append(1)
        return body_app(environ, start_response)

    client = TestApp(RequestBodySizeLimiter(app, max_request_body_size="1024"))
    resp = client.post("/", b"x" * 1025, status=413)
    assert resp.json == TOO_LARGE
    assert calls == []


def test_declared_length_at_limit_passes():
    client = TestApp(RequestBodySizeLimiter(body_app, max_request_body_size=1024))
    resp = client.post("/", b"x" * 1024)
    assert resp.json["received"] == 1024
    assert resp.json["input"] != "LimitedInput"  # a sized body needs no wrapper


def test_declared_length_is_checked_before_reading_anything():
    stream = CountingStream(b"x" * 5000)

    def start_response(status, headers, exc_info=None):
        start_response.status = status

    app = RequestBodySizeLimiter(body_app, max_request_body_size=1024)
    environ = {"REQUEST_METHOD": "POST", "CONTENT_LENGTH": "5000", "wsgi.input": stream}
    app(environ, start_response)
    assert start_response.status.startswith("413")
    assert getattr(stream, "taken", 0) == 0


@pytest.mark.parametrize("length", ["abc", "-1", "1.5", "１２", "²", " 5"])
def test_non_numeric_content_length_is_400(length):
    app = RequestBodySizeLimiter(body_app, max_request_body_size=1024)
    out = {}

    def start_response(status, headers, exc_info=None):
        out["status"] = status

    environ = {"REQUEST_METHOD": "POST", "CONTENT_LENGTH": length,
               "wsgi.input": io.BytesIO(b"")}
    body = b"".join(app(environ, start_response))
    assert out["status"] == "400 Bad Request"
    assert b"Content-Length must be a whole number" in body


def unsized_environ(data: bytes, **extra) -> dict:
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "wsgi.input": CountingStream(data)}
    environ.update(extra)
    return environ


def call(app, environ):
    out = {}

    def start_response(status, headers, exc_info=None):
        out["status"] = status

    body = b"".join(app(environ, start_response))
    return out["status"], body


@pytest.mark.parametrize("inner", [body_app, chunked_body_app])
def test_unsized_body_over_limit_is_413(inner):
    app = RequestBodySizeLimiter(inner, max_request_body_size=1024)
    environ = unsized_environ(b"x" * 100_000, HTTP_TRANSFER_ENCODING="chunked")
    status, body = call(app, environ)
    assert status == "413 Request Entity Too Large"
    assert b"limit of 1024 bytes" in body
    assert environ["wsgi.input"].stream.taken <= 1025  # one byte past the limit, no more


@pytest.mark.parametrize("inner", [body_app, chunked_body_app])
def test_unsized_body_within_limit_passes(inner):
    app = RequestBodySizeLimiter(inner, max_request_body_size=1024)
    status, body = call(app, unsized_environ(b"x" * 1024))
    assert status == "200 OK"
    assert b'"received": 1024' in body


def test_transfer_encoding_wins_over_a_content_length():
    """A server passing both gives no trustworthy length: the stream is limited instead."""
    app = RequestBodySizeLimiter(body_app, max_request_body_size=10)
    environ = unsized_environ(b"x" * 50, HTTP_TRANSFER_ENCODING="chunked", CONTENT_LENGTH="5")
    status, _ = call(app, environ)
    assert status == "200 OK"  # the app read its 5 bytes, within the limit
    environ = unsized_environ(b"x" * 50, HTTP_TRANSFER_ENCODING="chunked")
    assert call(app, environ)[0].startswith("413")


def test_limited_input_read_variants():
    def limited(data: bytes, limit: int) -> LimitedInput:
        return LimitedInput(io.BytesIO(data), limit)

    assert limited(b"abc", 3).read() == b"abc"
    assert limited(b"abc", 3).read(0) == b""
    stream = limited(b"abcdef", 5)
    assert stream.read(2) == b"ab"
    assert stream.read(3) == b"cde"
    with pytest.raises(RequestBodyTooLarge):
        stream.read(1)
    with pytest.raises(RequestBodyTooLarge):
        stream.read(1)  # and stays refused
    with pytest.raises(RequestBodyTooLarge):
        limited(b"abcdef", 5).read()
    assert limited(b"a\nb\n", 4).readlines() == [b"a\n", b"b\n"]
    assert list(limited(b"a\nb\n", 4)) == [b"a\n", b"b\n"]
    with pytest.raises(RequestBodyTooLarge):
        limited(b"a\nbbbbbb\n", 4).readlines()
    assert limited(b"abc\n", 10).readline(2) == b"ab"


def test_too_large_is_a_webob_413():
    assert issubclass(RequestBodyTooLarge, webob.exc.HTTPRequestEntityTooLarge)


def test_bad_limit_option():
    with pytest.raises(MiddlewareConfigError, match="sizelimit: option 'max_request_body_size'"):
        RequestBodySizeLimiter(body_app, max_request_body_size="100KB")
    with pytest.raises(MiddlewareConfigError, match=">= 0"):
        RequestBodySizeLimiter(body_app, max_request_body_size=-5)


# --- over the wire -----------------------------------------------------------------------

SERVERS = {"waitress": waitress, "gunicorn": gunicorn}


@pytest.fixture(scope="module", params=sorted(SERVERS))
def server(request):
    with SERVERS[request.param]("tests.middleware.apps:limited_body") as (port, _):
        yield request.param, port


def post_chunked(port: int, data: bytes) -> tuple[int, dict, bytes]:
    head = ("POST /upload HTTP/1.1\nHost: 127.0.0.1\nTransfer-Encoding: chunked\n"
            "Content-Type: application/octet-stream\nConnection: close")
    return raw_request(port, head, chunked(data))


def post_sized(port: int, data: bytes) -> tuple[int, dict, bytes]:
    head = (f"POST /upload HTTP/1.1\nHost: 127.0.0.1\nContent-Length: {len(data)}\n"
            "Content-Type: application/octet-stream\nConnection: close")
    return raw_request(port, head, data)


def test_wire_chunked_upload_within_limit(server):
    name, port = server
    status, _, body = post_chunked(port, b"y" * 1024)
    assert status == 200
    facts = json.loads(body)
    assert facts["received"] == 1024
    if name == "gunicorn":  # streamed: no length, read through the limiting reader
        assert (facts["content_length"], facts["input"]) == (None, "LimitedInput")
    else:  # waitress buffered the chunks and declared the length
        assert facts["content_length"] == "1024"


@pytest.mark.parametrize("size", [1025, 5000, 200_000])
def test_wire_chunked_upload_over_limit_is_413(server, size):
    _, port = server
    status, headers, body = post_chunked(port, b"z" * size)
    assert status == 413
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == TOO_LARGE


@pytest.mark.parametrize("size,expected", [(1024, 200), (1025, 413), (50_000, 413)])
def test_wire_sized_upload(server, size, expected):
    _, port = server
    assert post_sized(port, b"s" * size)[0] == expected


def test_wire_bad_content_length_is_a_clear_error(server):
    _, port = server
    status, _, body = raw_request(
        port, "POST /upload HTTP/1.1\nHost: 127.0.0.1\nContent-Length: lots\nConnection: close"
    )
    assert status == 400  # the server itself refuses it; either way the client is told
    assert body
