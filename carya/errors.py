"""Errors: ``abort``, ``redirect``, and how any exception becomes a response.

Every error leaves the application through :func:`error_response`, so there is
one place that decides what a client may see: the status, a short explanation
as JSON or text (by what the client accepts), and never a traceback unless the
application runs with ``debug=True``.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from collections.abc import Callable
from typing import Any, NoReturn
from urllib.parse import urljoin

import webob
import webob.exc as exc

__all__ = [
    "NotFound",
    "MethodNotAllowed",
    "RouteError",
    "fast_error",
    "abort",
    "redirect",
    "InternalRedirect",
    "error_response",
    "ErrorFormatter",
    "exc",
]

log = logging.getLogger("carya")


class RouteError(Exception):
    """A routing miss (404/405). Cheap to raise: it becomes a ``webob.exc``
    exception only when a hook or the errors map needs to see one."""

    status_int = 404

    def __init__(self, allow: str | None = None):
        super().__init__()
        self.allow = allow

    def to_webob(self) -> exc.HTTPException:
        headers = {"Allow": self.allow} if self.allow else None
        return exc.status_map[self.status_int](headers=headers)


class NotFound(RouteError):
    status_int = 404


class MethodNotAllowed(RouteError):
    status_int = 405


class InternalRedirect(Exception):
    """Raised by ``redirect(..., internal=True)``: route the request again at ``location``."""

    def __init__(self, location: str):
        super().__init__(location)
        self.location = location


def abort(
    status_code: int,
    detail: str = "",
    headers: dict | list | None = None,
    comment: str | None = None,
    **kw: Any,
) -> NoReturn:
    """Stop handling the request and answer with an HTTP error, as Pecan's ``abort``."""
    cls = exc.status_map.get(status_code)
    if cls is None:
        raise ValueError(f"abort({status_code}): not an HTTP error status")
    error = cls(detail=detail, headers=headers, comment=comment, **kw)
    handling = sys.exc_info()[2]
    if handling is not None:
        # Called while handling another exception: keep its traceback (Pecan's rule).
        raise error.with_traceback(handling)
    raise error


def redirect(
    location: str | None = None,
    internal: bool = False,
    code: int | None = None,
    headers: dict | None = None,
    add_slash: bool = False,
    request: webob.Request | None = None,
) -> NoReturn:
    """Redirect the client (302 by default), or re-route internally with ``internal=True``."""
    if request is None:
        from .context import current

        request = current().request
    if add_slash:
        if location is None:
            url = request.path_url + "/"
            if request.query_string:
                url += "?" + request.query_string
            location = url
        else:
            location = location.rstrip("/") + "/"
    if location is None:
        raise ValueError("redirect() needs a location (or add_slash=True)")
    if internal:
        if code is not None:
            raise ValueError("an internal redirect has no status code")
        raise InternalRedirect(location)
    location = urljoin(request.url, location)
    cls = exc.status_map.get(code or 302)
    if cls is None or not (300 <= (code or 302) < 400):
        raise ValueError(f"redirect(code={code}): not a redirect status")
    raise cls(location=location, headers=headers or {})


def _prefers_json(environ: dict) -> bool:
    accept = environ.get("HTTP_ACCEPT", "")
    if not accept or "json" not in accept:
        return False
    offers = webob.acceptparse.create_accept_header(accept).acceptable_offers(
        ("text/plain", "text/html", "application/json")
    )
    return bool(offers) and offers[0][0] == "application/json"


ErrorFormatter = Callable[[int, str, str, dict], tuple[bytes, str]]


def http_error_response(err: exc.HTTPException, environ: dict,
                        formatter: ErrorFormatter | None = None) -> webob.Response:
    """The response for an ``webob.exc`` exception, as JSON when the client prefers it.

    With a ``formatter`` (an application's own error format, e.g. OpenStack
    faults), it writes the body of every error that does not carry one.
    """
    resp: webob.Response = err  # webob's HTTP exceptions are responses
    if formatter is not None and resp.status_int >= 400 and not err.has_body:
        body, ctype = formatter(resp.status_int, resp.title, _message(err), environ)
        extra = [(k, v) for k, v in err.headerlist if k.lower() not in _BODY_HEADERS]
        resp = _body_response(resp.status, body, ctype)
        resp.headerlist.extend(extra)
        return resp
    if resp.status_int >= 400 and _prefers_json(environ):
        body = {
            "code": resp.status_int,
            "title": resp.title,
            "description": str(getattr(err, "detail", "") or getattr(err, "explanation", "")),
        }
        extra = [(k, v) for k, v in err.headerlist if k.lower() not in _BODY_HEADERS]
        resp = _body_response(resp.status, json.dumps(body).encode(), "application/json")
        resp.headerlist.extend(extra)
    return resp


def _body_response(status: str | int, body: bytes, ctype: str) -> webob.Response:
    resp = webob.Response(status=status, body=body)
    resp.headers["Content-Type"] = ctype if "json" in ctype else ctype + "; charset=UTF-8"
    return resp


_BODY_HEADERS = {"content-type", "content-length"}


def _message(err: exc.HTTPException) -> str:
    """What went wrong, for a formatter: the detail, else the explanation."""
    return str(getattr(err, "detail", "") or getattr(err, "explanation", "") or "")


def server_error_response(error: BaseException, environ: dict, debug: bool,
                          formatter: ErrorFormatter | None = None) -> webob.Response:
    """A 500 for an unexpected exception: logged in full, shown in full only in debug."""
    log.error(
        "%s %s failed with an uncaught exception",
        environ.get("REQUEST_METHOD"),
        environ.get("PATH_INFO"),
        exc_info=(type(error), error, error.__traceback__),
    )
    if debug:
        detail = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    else:
        detail = "The server could not complete the request because of an internal error."
    if formatter is not None:
        body, ctype = formatter(500, "Internal Server Error", detail, environ)
        return _body_response(500, body, ctype)
    if _prefers_json(environ):
        body = json.dumps(
            {"code": 500, "title": "Internal Server Error", "description": detail}
        ).encode()
        ctype = "application/json"
    else:
        body = ("500 Internal Server Error\n\n" + detail + "\n").encode()
        ctype = "text/plain"
    return _body_response(500, body, ctype)


_PLAIN = "text/plain; charset=UTF-8"
_fast_bodies: dict[tuple[int, bool], bytes] = {}


def fast_error(error: BaseException, environ: dict,
               formatter: ErrorFormatter | None = None) -> tuple[str, list, bytes] | None:
    """``(status, headers, body)`` for an HTTP error nobody will inspect, else ``None``.

    Used when no hook or error page wants a response object: the body is a
    short text (or JSON, if the client prefers it) made without WebOb's
    templating. Errors that carry their own body take the full path.
    """
    if isinstance(error, RouteError):
        status_int, status = error.status_int, exc.status_map[error.status_int]
        headers = [("Allow", error.allow)] if error.allow else []
        detail = ""
    elif isinstance(error, exc.HTTPException) and not error.has_body:
        status_int, status = error.status_int, type(error)
        headers = [(k, v) for k, v in error.headerlist if k.lower() not in _BODY_HEADERS]
        detail = error.detail or ""
    else:
        return None
    if formatter is not None:
        message = detail or getattr(error, "explanation", "") or status.explanation
        body, ctype = formatter(status_int, status.title, str(message), environ)
        headers.append(("Content-Type", ctype))
        headers.append(("Content-Length", str(len(body))))
        return f"{status_int} {status.title}", headers, body
    as_json = "json" in environ.get("HTTP_ACCEPT", "") and _prefers_json(environ)
    body = _fast_bodies.get((status_int, as_json)) if not detail else None
    if body is None:
        body = _error_body(status_int, status.title, status.explanation, detail, as_json)
        if not detail:
            _fast_bodies[(status_int, as_json)] = body
    headers.append(("Content-Type", "application/json" if as_json else _PLAIN))
    headers.append(("Content-Length", str(len(body))))
    return f"{status_int} {status.title}", headers, body


def _error_body(code: int, title: str, explanation: str, detail: str, as_json: bool) -> bytes:
    if as_json:
        return json.dumps(
            {"code": code, "title": title, "description": detail or explanation}
        ).encode()
    text = f"{code} {title}\n\n{explanation}"
    if detail:
        text += f"\n\n{detail}"
    return (text + "\n").encode()


def error_response(error: BaseException, environ: dict, debug: bool,
                   formatter: ErrorFormatter | None = None) -> webob.Response:
    """Turn any exception into the response a client may see.

    ``formatter(code, title, message, environ) -> (body, content_type)``, when
    given, writes the body (an application's own error format).
    """
    if isinstance(error, RouteError):
        error = error.to_webob()
    if isinstance(error, exc.HTTPException):
        return http_error_response(error, environ, formatter)
    return server_error_response(error, environ, debug, formatter)
