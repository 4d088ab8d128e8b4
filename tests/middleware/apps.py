"""Small WSGI applications the middleware tests put behind each middleware.

Module-level objects here are also what the real servers load
(``gunicorn tests.middleware.apps:limited_echo``,
``python -m tests.middleware.serve tests.middleware.apps:proxied``).
"""

from __future__ import annotations

import json
import logging

from carya.middleware.auth import get_context
from carya.middleware.cors import CORS
from carya.middleware.proxy import HTTPProxyToWSGI
from carya.middleware.request_id import ENV_REQUEST_ID, current_request_id
from carya.middleware.sizelimit import RequestBodySizeLimiter

log = logging.getLogger("tests.middleware.apps")


def environ_app(environ, start_response):
    """Answers with the environ facts middleware may change, as JSON; ``/boom`` raises."""
    if environ.get("PATH_INFO") == "/boom":
        raise RuntimeError("boom: secret internal detail")
    ctx = get_context(environ)
    facts = {
        "method": environ["REQUEST_METHOD"],
        "url_scheme": environ["wsgi.url_scheme"],
        "host": environ.get("HTTP_HOST"),
        "remote_addr": environ.get("REMOTE_ADDR"),
        "script_name": environ.get("SCRIPT_NAME", ""),
        "path_info": environ.get("PATH_INFO", ""),
        "request_id": environ.get(ENV_REQUEST_ID),
        "contextvar_request_id": current_request_id(),
        "context": ctx.redacted_copy().to_dict() if ctx is not None else None,
    }
    log.info("environ_app answered %s", facts["path_info"])
    body = json.dumps(facts).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]


def body_app(environ, start_response):
    """Reads the whole body (by Content-Length if given, else to EOF); answers its size."""
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    data = stream.read(int(length)) if length else stream.read()
    body = json.dumps({
        "received": len(data),
        "content_length": length,
        "input": type(stream).__name__,
    }).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]


def chunked_body_app(environ, start_response):
    """Reads the body in 100-byte pieces, the way a streaming parser would."""
    stream = environ["wsgi.input"]
    total = 0
    while True:
        piece = stream.read(100)
        if not piece:
            break
        total += len(piece)
    body = json.dumps({"received": total}).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]


def app_factory(global_conf, **local_conf):
    """Paste ``paste.app_factory`` for the INI pipeline tests."""
    return environ_app


def body_app_factory(global_conf, **local_conf):
    return body_app


# What the real servers load.
limited_body = RequestBodySizeLimiter(body_app, max_request_body_size=1024)
limited_chunked_reader = RequestBodySizeLimiter(chunked_body_app, max_request_body_size=1024)
proxied = HTTPProxyToWSGI(environ_app, enable_proxy_headers_parsing=True)
not_proxied = HTTPProxyToWSGI(environ_app)
cors = CORS(
    environ_app,
    allowed_origin="https://dashboard.example.com",
    allow_headers="X-Auth-Token",
    expose_headers="X-Openstack-Request-Id",
    max_age="600",
)
