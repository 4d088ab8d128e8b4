"""The front's strict request reader, without a socket: heads and chunked framing."""

from __future__ import annotations

import pytest

from carya.front.http11 import BadRequest, ChunkedDecoder, Limits, parse_head

LIMITS = Limits()


def test_a_head_gives_what_the_environ_needs():
    head = parse_head(b"GET /a%20b/%C3%A9?x=1 HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nX_B: 2", LIMITS)
    assert (head.method, head.path, head.query, head.version) == (
        "GET", "/a b/é".encode(), "x=1", (1, 1))
    assert head.headers == [("Host", "h"), ("X-A", "1")], "underscored names are dropped"
    assert head.keep_alive and head.content_length is None and not head.chunked


def test_absolute_form_keeps_only_path_and_query():
    head = parse_head(b"GET http://evil.example/p?q HTTP/1.1\r\nHost: h", LIMITS)
    assert (head.path, head.query) == (b"/p", "q")


@pytest.mark.parametrize("raw, status", [
    (b"GET / HTTP/2.0\r\nHost: h", 505),
    (b"CONNECT h:22 HTTP/1.1\r\nHost: h", 405),
    (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: h", 414),
    (b"GET / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok", 417),
    (b"GET / HTTP/1.1\r\nHost: h\r\nX: " + b"v" * 9000, 431),
    (b"GET / HTTP/1.0\r\nContent-Length: -1", 400),
])
def test_refusals_carry_the_fitting_status(raw, status):
    with pytest.raises(BadRequest) as refused:
        parse_head(raw, LIMITS)
    assert refused.value.status == status


def test_http10_keeps_alive_only_when_asked():
    assert not parse_head(b"GET / HTTP/1.0", LIMITS).keep_alive
    assert parse_head(b"GET / HTTP/1.0\r\nConnection: Keep-Alive", LIMITS).keep_alive
    assert not parse_head(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close", LIMITS).keep_alive


def test_chunked_decoding_byte_by_byte():
    raw = b"4;a=b\r\nWiki\r\n5\r\npedia\r\n0\r\nExpires: never\r\n\r\n"
    decoder, buf = ChunkedDecoder(100, LIMITS), bytearray()
    finished = [decoder.feed(buf) for byte in raw if not buf.extend(bytes([byte]))]
    assert finished[-1] and not any(finished[:-1])
    assert bytes(decoder.body) == b"Wikipedia"


def test_a_chunked_body_over_the_limit_is_413_before_its_data_is_read():
    decoder = ChunkedDecoder(10, LIMITS)
    with pytest.raises(BadRequest) as refused:
        decoder.feed(bytearray(b"b\r\n"))
    assert refused.value.status == 413
