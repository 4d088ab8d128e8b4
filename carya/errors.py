"""Errors: ``abort``, ``redirect``, and how any exception becomes a response.

Every error leaves the application through :func:`error_response`, so there is
one place that decides what a client may see: the status, a short explanation
as JSON or text (by what the client accepts), and never a traceback unless the
application runs with ``debug=True``.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from typing import Any, NoReturn
from urllib.parse import quote, urljoin

import webob
import webob.exc as exc

from .jsonify import prebuilt_dumps

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
    template = _TEMPLATES.get(cls, False) if not (headers or kw) else None
    if template is False:
        template = _TEMPLATES[cls] = _state_template(cls)
    if template is None:
        error = cls(detail=detail, headers=headers, comment=comment, **kw)
    else:
        error = _from_template(cls, template, detail, comment)
    handling = sys.exc_info()[2]
    if handling is not None:
        # Called while handling another exception: keep its traceback (Pecan's rule).
        raise error.with_traceback(handling)
    raise error


#: webob.exc class -> the instance state its constructor leaves, or None (see below)
_TEMPLATES: dict[type, dict | None] = {}
_PLAIN_STATE = {"_status", "_headers", "_headerlist", "conditional_response", "_app_iter",
                "detail", "comment"}


def _from_template(cls: type, template: dict, detail: Any, comment: Any) -> exc.HTTPException:
    error = cls.__new__(cls)
    Exception.__init__(error, detail)
    state = error.__dict__
    state.update(template)
    state["_headerlist"] = template["_headerlist"][:]
    state["_app_iter"] = template["_app_iter"][:]
    state["detail"] = detail
    state["comment"] = comment
    return error


def _state_template(cls: type) -> dict | None:
    """What ``cls(detail=..., comment=...)`` leaves on the instance besides those two,
    to copy instead of running WebOb's constructor (4 µs, a third of a 404's cost).

    Only for the plain ``webob.exc`` constructor and a state of known fields, and
    only when a copy made this way equals the constructor's own instance; else None
    (the constructor runs).
    """
    if cls.__init__ is not exc.WSGIHTTPException.__init__:
        return None
    try:
        probe = cls()
    except Exception:  # noqa: BLE001 - a class that needs arguments: its constructor
        return None
    template = dict(vars(probe))
    if set(template) != _PLAIN_STATE or template["_headers"] is not None:
        return None
    made = _from_template(cls, template, "detail", "comment")
    real = cls(detail="detail", comment="comment")
    if vars(made) != vars(real) or made.args != real.args:
        return None
    return template


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
            location = request_path(request.environ) + "/"
            if request.query_string:
                location += "?" + request.query_string
        else:
            location = location.rstrip("/") + "/"
    if location is None:
        raise ValueError("redirect() needs a location (or add_slash=True)")
    if internal:
        if code is not None:
            raise ValueError("an internal redirect has no status code")
        raise InternalRedirect(location)
    raise redirect_to(code or 302, location, request.environ, headers)


def request_path(environ: dict) -> str:
    """The request's path, URL-quoted, from the environ's bytes: never decoded as
    UTF-8 (a path that is not UTF-8 must not make a redirect fail)."""
    raw = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")).encode("latin-1")
    return quote(raw, safe="/:@!$&'()*+,;=-._~%")


def redirect_to(code: int, location: str, environ: dict,
                headers: dict | None = None) -> exc.HTTPException:
    """A redirect whose ``Location`` never comes from the client's ``Host`` header.

    A location without a scheme stays relative (resolved against the request's
    path only; RFC 9110 allows a relative Location), and WebOb is kept from
    making it absolute with the Host the client sent (``Host: evil.example``
    would otherwise send the next request there): see :func:`http_error_response`.
    """
    cls = exc.status_map.get(code)
    if cls is None or not 300 <= code < 400:
        raise ValueError(f"redirect(code={code}): not a redirect status")
    location = location.replace("\t", "").replace("\r", "").replace("\n", "")
    if "://" not in location.split("?", 1)[0]:
        if location.startswith("//"):
            location = "/%2F" + location[2:]  # protocol-relative: keep it on this host
        elif not location.startswith("/"):
            location = urljoin(request_path(environ), location)
    return cls(location=location, headers=headers or {})


class _AsGiven(webob.Response):
    """A response that sends its ``Location`` as given: WebOb's would make a relative
    one absolute with the Host header the client sent."""

    def _abs_headerlist(self, environ: dict) -> list:
        return list(self._headerlist)


def _redirect_response(err: exc.HTTPException) -> webob.Response:
    body = f"{err.status}\n\nThe resource is at {err.location}\n".encode()
    resp = _AsGiven(status=err.status, body=body)
    resp.headers["Content-Type"] = _PLAIN
    resp.headerlist.extend((k, v) for k, v in err.headerlist if k.lower() not in _BODY_HEADERS)
    return resp


_PREFERS_JSON: dict[str, bool] = {}  # Accept header -> answer; clients repeat theirs
_PREFERS_JSON_MAX = 64


def _prefers_json(environ: dict) -> bool:
    accept = environ.get("HTTP_ACCEPT", "")
    if not accept or "json" not in accept:
        return False
    known = _PREFERS_JSON.get(accept)
    if known is not None:
        return known
    offers = webob.acceptparse.create_accept_header(accept).acceptable_offers(
        ("text/plain", "text/html", "application/json")
    )
    answer = bool(offers) and offers[0][0] == "application/json"
    if len(_PREFERS_JSON) < _PREFERS_JSON_MAX:
        _PREFERS_JSON[accept] = answer
    return answer


ErrorFormatter = Callable[[int, str, str, dict], tuple[bytes, str]]


def http_error_response(err: exc.HTTPException, environ: dict,
                        formatter: ErrorFormatter | None = None) -> webob.Response:
    """The response for an ``webob.exc`` exception, as JSON when the client prefers it.

    With a ``formatter`` (an application's own error format, e.g. OpenStack
    faults), it writes the body of every error that does not carry one.
    """
    resp: webob.Response = err  # webob's HTTP exceptions are responses
    if 300 <= resp.status_int < 400 and err.location and not err.has_body:
        return _redirect_response(err)
    if formatter is not None and resp.status_int >= 400 and not err.has_body:
        body, ctype = formatter(resp.status_int, resp.title, _message(err), environ)
        extra = [(k, v) for k, v in err.headerlist if k.lower() not in _BODY_HEADERS]
        resp = _body_response(resp.status, body, ctype)
        resp.headerlist.extend(extra)
        return resp
    if resp.status_int >= 400 and not err.has_body:
        # a short text or JSON body, never WebOb's HTML page (README: "Errors")
        as_json = _prefers_json(environ)
        body = _error_body(resp.status_int, resp.title, err.explanation or "",
                           str(getattr(err, "detail", "") or ""), as_json)
        extra = [(k, v) for k, v in err.headerlist if k.lower() not in _BODY_HEADERS]
        resp = _body_response(resp.status, body, "application/json" if as_json else "text/plain")
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
        body = _json_dumps(
            {"code": 500, "title": "Internal Server Error", "description": detail}
        ).encode()
        ctype = "application/json"
    else:
        body = ("500 Internal Server Error\n\n" + detail + "\n").encode()
        ctype = "text/plain"
    return _body_response(500, body, ctype)


_PLAIN = "text/plain; charset=UTF-8"
_json_dumps = prebuilt_dumps()  # json.dumps's text, its C encoder built once
_fast_bodies: dict[tuple[int, bool], bytes] = {}


def fast_error(error: BaseException, environ: dict,
               formatter: ErrorFormatter | None = None) -> tuple[str, list, bytes] | None:
    """``(status, headers, body)`` for an HTTP error nobody will inspect, else ``None``.

    Used when no hook or error page wants a response object: the body is a
    short text (or JSON, if the client prefers it) made without WebOb's
    templating. Errors that carry their own body take the full path.
    """
    if not isinstance(error, (RouteError, exc.HTTPException)):
        error = client_fault(error) or error
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
        return _json_dumps(
            {"code": code, "title": title, "description": detail or explanation}
        ).encode()
    text = f"{code} {title}\n\n{explanation}"
    if detail:
        text += f"\n\n{detail}"
    return (text + "\n").encode()


def client_fault(error: BaseException) -> exc.HTTPException | None:
    """The 4xx for an exception that is the client's fault, not the server's, else None.

    A body shorter than its Content-Length (WebOb's ``DisconnectionError``), a
    path or form that is not UTF-8, a multipart body without a boundary, a
    chunked body that gunicorn cannot parse: the client gets a 400 and the log
    one line, not a 500 and a traceback.
    """
    if isinstance(error, exc.HTTPException):
        return None
    if isinstance(error, webob.request.DisconnectionError):
        detail = "The request body is shorter than its Content-Length."
    elif isinstance(error, UnicodeDecodeError):
        detail = "The request is not valid UTF-8."
    elif type(error).__module__.startswith("gunicorn.http"):
        detail = f"Malformed request body ({type(error).__name__})."
    elif isinstance(error, ValueError) and "boundary" in str(error).lower():
        detail = "A multipart body needs a boundary."
    else:
        return None
    log.info("client error: %s", detail)
    return exc.HTTPBadRequest(detail=detail)


def error_response(error: BaseException, environ: dict, debug: bool,
                   formatter: ErrorFormatter | None = None) -> webob.Response:
    """Turn any exception into the response a client may see.

    ``formatter(code, title, message, environ) -> (body, content_type)``, when
    given, writes the body (an application's own error format).
    """
    error = client_fault(error) or error
    if isinstance(error, RouteError):
        error = error.to_webob()
    if isinstance(error, exc.HTTPException):
        return http_error_response(error, environ, formatter)
    return server_error_response(error, environ, debug, formatter)
