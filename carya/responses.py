"""carya's response object: WebOb's ``Response``, with the common paths written directly.

A handler that sets ``response.status``/``location`` or lets carya render its
result touches a status line and a header list; this subclass writes those
directly instead of running WebOb's constructor, validation and header
rebuilding, and hands everything else to WebOb's own code on the same fields.
``carya.app`` and ``carya.proxies`` also use the status lines here for
responses they send without building one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

import webob
import webob.headers
import webob.response
from webob.util import status_generic_reasons, status_reasons

__all__ = ["Response", "ResponseHeaders"]


def _status_line(code: int) -> str:
    """WebOb's status line for ``code`` (its reason phrases, generic for unknown codes)."""
    reason = status_reasons.get(code) or status_generic_reasons[code // 100]
    return f"{code} {reason}"


_STATUS_LINES = {code.value: _status_line(code.value) for code in HTTPStatus}

_WEBOB_ABS_HEADERLIST = webob.Response._abs_headerlist
_BODY_HEADERS = frozenset(("content-type", "content-length", "content-md5"))
_BODYLESS = frozenset(("204", "304"))  # statuses WebOb's setters leave without a type
_RENDER_ATTRIBUTES = ("headers", "headerlist", "body", "content_type", "charset", "app_iter",
                      "content_length", "status", "_carya_render")


def _absolute(location: str) -> bool:
    """True when WebOb would send ``location`` unchanged: an http(s) URL, no tab/CR/LF."""
    return (location.startswith(("http://", "https://")) and "\t" not in location
            and "\r" not in location and "\n" not in location)


_new_view = object.__new__  # a MultiDict view without MultiDict.__init__'s argument checks


class ResponseHeaders(webob.headers.ResponseHeaders):
    """WebOb's response header view (same name, same repr); setting a header absent so
    far (the usual case, ``X-OpenStack-Request-Id`` from a hook) appends without
    rebuilding the list."""

    def __setitem__(self, key: str, value: str) -> None:
        norm = key.lower()
        items = self._items
        for name, _ in items:
            if name.lower() == norm:
                items[:] = [item for item in items if item[0].lower() != norm]
                break
        items.append((key, value))


class Response(webob.Response):
    """WebOb's response (a subclass: applications can tell carya's apart).

    Made without arguments, as carya makes one per request, it sets its status
    line and header list directly instead of running WebOb's constructor; the
    common setters (``status``, ``location``) write the status line and the
    header list directly. Everything else is WebOb's code on the same fields.
    """

    default_content_type = "text/html"

    def __init__(self, body: Any = None, status: Any = None, headerlist: Any = None,
                 app_iter: Any = None, content_type: Any = None, *args: Any, **kw: Any):
        if (body is not None or status is not None or headerlist is not None or app_iter
                is not None or content_type is not None or args or kw):
            super().__init__(body, status, headerlist, app_iter, content_type, *args, **kw)
            return
        self._status = "200 OK"
        self._headers = None
        self._headerlist = self._carya_defaults[:]
        self.conditional_response = self.default_conditional_response
        self._app_iter = [b""]

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        cls._carya_defaults = cls._defaults()
        # A subclass that redefines how headers, body or content type are set
        # (Pecan's suite does: a ``headers`` property adding one) is rendered
        # through those attributes, not straight into the header list.
        cls._carya_direct = all(getattr(cls, name) is getattr(Response, name)
                                for name in _RENDER_ATTRIBUTES)

    @classmethod
    def _defaults(cls) -> list:
        """The header list WebOb's constructor gives this class (its content type and
        charset), computed once when the class is made, copied per response."""
        probe = cls.__new__(cls)
        webob.Response.__init__(probe)
        return list(probe._headerlist)

    @property
    def status(self) -> str:
        return self._status

    @status.setter
    def status(self, value: Any) -> None:
        line = _STATUS_LINES.get(value) if type(value) is int else None
        if line is None:
            webob.Response.status.fset(self, value)
        else:
            self._status = line

    @property
    def headers(self) -> ResponseHeaders:
        """The header list as WebOb's ``ResponseHeaders`` view (made once per response)."""
        found = self._headers
        if found is None:
            found = self._headers = _new_view(ResponseHeaders)
            found._items = self._headerlist
        return found

    @headers.setter
    def headers(self, value: Any) -> None:
        webob.Response.headers.fset(self, value)

    @property
    def status_code(self) -> int:
        """The status as an int (WebOb's ``status_code``/``status_int``), read off the line."""
        line = self._status
        return int(line[:3]) if line[3:4] == " " else int(line.split()[0])

    @status_code.setter
    def status_code(self, value: int) -> None:
        webob.Response.status_code.fset(self, value)

    status_int = status_code

    @property
    def location(self) -> str | None:
        for name, value in self._headerlist:
            if name.lower() == "location":
                return value
        return None

    @location.setter
    def location(self, value: str | None) -> None:
        headers = self._headerlist
        for name, _ in headers:
            if name.lower() == "location":
                headers[:] = [h for h in headers if h[0].lower() != "location"]
                break
        if value is not None:
            if "\n" in value or "\r" in value:
                raise ValueError("Header value may not contain control characters")
            headers.append(("Location", value))

    @location.deleter
    def location(self) -> None:
        self.location = None

    def _carya_render(self, body: bytes, content_type: str) -> None:
        """Put a rendered body with its Content-Type header into the response.

        What ``resp.body = body; resp.content_type = ...; resp.charset = ...``
        leaves, written to the header list in one pass.
        """
        self._app_iter = [body]
        length = str(len(body))
        headers = self._headerlist
        if (len(headers) >= 2 and headers[0][0] == "Content-Type"
                and headers[1][0] == "Content-Length"
                and (len(headers) == 2
                     or not any(h[0].lower() in _BODY_HEADERS for h in headers[2:]))):
            # the constructor's two headers, untouched by the handler: replace them
            headers[0] = ("Content-Type", content_type)
            headers[1] = ("Content-Length", length)
            return
        missing_type = missing_length = True
        for i in range(len(headers) - 1, -1, -1):
            name = headers[i][0].lower()
            if name == "content-type":
                if missing_type:
                    headers[i] = ("Content-Type", content_type)
                    missing_type = False
                else:
                    del headers[i]
            elif name == "content-length":
                if missing_length:
                    headers[i] = ("Content-Length", length)
                    missing_length = False
                else:
                    del headers[i]
            elif name == "content-md5":
                del headers[i]
        if missing_type:
            headers.append(("Content-Type", content_type))
        if missing_length:
            headers.append(("Content-Length", length))

    @classmethod
    def _carya_made(cls, status: str, body: bytes, content_type: str,
                    location: str | None) -> Response:
        """A response made at once with its final fields: what ``cls()``, then setting
        ``status`` and ``location``, then :meth:`_carya_render` leave (a 204/304
        without a Content-Type, as WebOb's setters leave it).

        For a rendered body that a hook wants as an object (an ``after`` hook adding
        a header): one object, instead of the constructor and two passes over the
        header list. ``location`` comes checked (``carya.proxies``).
        """
        length = ("Content-Length", str(len(body)))
        headers = [length] if status[:3] in _BODYLESS else [
            ("Content-Type", content_type), length]
        if location is not None:
            headers.append(("Location", location))
        resp = cls.__new__(cls)
        resp._status = status
        resp._headers = None
        resp._headerlist = headers
        resp.conditional_response = cls.default_conditional_response
        resp._app_iter = [body]
        return resp

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """WSGI: WebOb's, with the header list copied rather than rebuilt when it can be."""
        if self.conditional_response:
            return self.conditional_response_app(environ, start_response)
        if type(self)._abs_headerlist is not _WEBOB_ABS_HEADERLIST:
            headers = self._abs_headerlist(environ)  # a subclass decides about Location
        else:
            headers = self._headerlist[:]
            for i, (name, value) in enumerate(headers):
                if name.lower() == "location" and not _absolute(value):
                    headers[i] = (name, self._make_location_absolute(environ, value))
        start_response(self._status, headers)
        if environ["REQUEST_METHOD"] == "HEAD":
            return webob.response.EmptyResponse(self._app_iter)
        return self._app_iter


Response._carya_defaults = Response._defaults()
Response._carya_direct = True
