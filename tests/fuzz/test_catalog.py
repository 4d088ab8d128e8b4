"""Malformed requests against the seed-003 catalog app, in process: never a 5xx.

Paths with bytes that are not UTF-8, dot segments and extensions; queries and
forms with stray ``%`` and ``&``; bodies shorter or longer than their
Content-Length, JSON nested deep, multipart without a boundary; odd methods
and Accept headers. Each request must get a status below 500, no traceback in
its body, no exception out of the application, and no ERROR in the log.
"""

from __future__ import annotations

import io
import logging
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carya.deploy import deploy
from tests.fuzz.conftest import FUZZ
from tests.support import EXAMPLES

SEGMENTS = ["catalog", "books", "bestsellers", "my_restcontroller", "basemethod", "lookup",
            "error", "404", "13579", "forbidden", "index.json", "x.html", "..", ".", "",
            "%ff", "\xff", "\xc3\x28", "%00", "a;b", "~", "catalog.json"]
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "PROPFIND", "get"]
ACCEPTS = [None, "*/*", "application/json", "text/html", "text/plain;q=0", "garbage/",
           "application/json;q=0.5, text/html;q=0.1", "*/*;q=x"]
CTYPES = [None, "application/json", "application/x-www-form-urlencoded",
          "multipart/form-data", "multipart/form-data; boundary=zz", "text/plain", ";;",
          "application/json; charset=latin-9"]

latin1 = st.text(st.characters(min_codepoint=0, max_codepoint=255), max_size=30)
bodies = st.one_of(
    st.binary(max_size=200),
    st.integers(1, 100000).map(lambda n: b"[" * n),
    st.just(b'{"a": 1}'), st.just(b"a=%zz&b=\xff&&=c"),
    st.just(b"--zz\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n--zz--\r\n"),
    st.just(b"--zz\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv"),
)


@pytest.fixture(scope="module")
def catalog():
    return deploy(os.path.join(EXAMPLES, "catalog", "config.py"))


def environ_for(method, segments, query, accept, ctype, body, length) -> dict:
    environ = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": "/" + "/".join(segments),
        "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8080",
        "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1:8080",
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(), "wsgi.multithread": True, "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if accept is not None:
        environ["HTTP_ACCEPT"] = accept
    if ctype is not None:
        environ["CONTENT_TYPE"] = ctype
    if length is not None:
        environ["CONTENT_LENGTH"] = length
    return environ


@FUZZ
@given(method=st.sampled_from(METHODS),
       segments=st.lists(st.one_of(st.sampled_from(SEGMENTS), latin1), max_size=4),
       query=st.one_of(st.just(""), latin1, st.just("q=%ff&x=%&&y")),
       accept=st.sampled_from(ACCEPTS), ctype=st.sampled_from(CTYPES), body=bodies,
       length_delta=st.one_of(st.none(), st.integers(-5, 50), st.just("abc"), st.just("-1")))
def test_no_request_makes_the_catalog_fail(catalog, caplog, method, segments, query, accept,
                                           ctype, body, length_delta):
    if length_delta is None:
        length = None
    elif isinstance(length_delta, str):
        length = length_delta
    else:
        length = str(max(0, len(body) + length_delta))
    environ = environ_for(method, segments, query, accept, ctype, body, length)
    statuses = []
    caplog.clear()
    with caplog.at_level(logging.INFO):
        result = catalog(environ, lambda status, headers, exc_info=None: statuses.append(status))
        payload = b"".join(result)
        getattr(result, "close", lambda: None)()
    assert int(statuses[-1][:3]) < 500, (environ["PATH_INFO"], statuses, payload[:300])
    assert b"Traceback" not in payload
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
