"""The state of the request in flight, and its request and response objects.

One :class:`State` is created per request and published through a
:class:`contextvars.ContextVar`, so ``carya.request`` (:mod:`carya.proxies`)
works in threads and in tasks alike. The request and response objects are created lazily: a handler
that returns a value and never touches ``response`` is answered without building
a response object at all (see :mod:`carya.app`), which is most of carya's speed.

When a handler does touch them, :class:`Request` and :class:`Response`
(:mod:`carya.responses`, re-exported here) are still ``webob.Request`` and
``webob.Response`` (subclasses, the whole WebOb API), but what handlers commonly
touch is a dict lookup or a list edit: headers read straight from the environ,
status and headers written straight to the status line and header list, no
WebOb parsing or validation on those paths.
"""

from __future__ import annotations

import inspect
import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import MethodType
from typing import Any

import webob
import webob.exc
from webob.headers import EnvironHeaders
from webob.multidict import GetDict
from webob.request import DisconnectionError

from .responses import Response

__all__ = ["Request", "Response", "State", "activated", "current", "OutsideRequest"]

_PROXIES = ("request", "response", "state")


_UNSET: Any = object()
# msgspec's JSON decoder (the optional ``speedups`` extra), imported on the first
# body parsed: importing it costs ~15 ms, too much for ``import carya``.
_compiled_loads: Any = _UNSET


def _load_compiled() -> Any:
    global _compiled_loads
    try:
        import msgspec.json
    except ImportError:  # pragma: no cover - depends on the environment
        _compiled_loads = None
    else:
        _compiled_loads = msgspec.json.Decoder().decode
    return _compiled_loads

_UNICODE_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def loads(data: bytes | str) -> Any:
    """Parse a JSON request body: exactly what ``json.loads(data)`` returns or raises.

    With ``msgspec`` installed it parses first (the same Python values as
    ``json``, big integers included); anything it refuses (NaN, 1e400, a BOM,
    lone surrogates, bad JSON...) goes to ``json.loads``, so the accepted
    inputs, the results and the error messages are the standard library's.
    Without it, UTF-8 bodies skip ``json``'s encoding detection.
    ``benchmarks/json_libs.py`` measured json, orjson and msgspec on the
    suite's bodies; orjson was left out because it turns big integers into floats.
    """
    value = _compiled_parse(data)
    if value is not _UNSET:
        return value
    if type(data) is str:
        return json.loads(data)
    if data[:3].startswith(_UNICODE_BOMS) or b"\x00" in data[:4]:
        return json.loads(data)  # UTF-16/32 or a BOM: let json detect the encoding
    return json.loads(data.decode("utf-8"))


def loads_utf8(data: bytes) -> Any:
    """JSON from a body that must be UTF-8 (RFC 8259): ``loads(data.decode("utf-8"))``.

    With ``msgspec``, which checks the UTF-8 itself, the bytes are parsed without
    being decoded first; what it refuses takes the path above, for the same
    errors (a ``UnicodeDecodeError`` for bytes that are not UTF-8).
    """
    value = _compiled_parse(data)
    if value is not _UNSET:
        return value
    return json.loads(data.decode("utf-8"))


def _compiled_parse(data: bytes | str) -> Any:
    """msgspec's parse of ``data``; ``_UNSET`` without msgspec or when it refuses it."""
    compiled = _compiled_loads if _compiled_loads is not _UNSET else _load_compiled()
    if compiled is not None:
        try:
            return compiled(data)
        except ValueError:
            pass
    return _UNSET


class OutsideRequest(AttributeError, RuntimeError):
    """``carya.request``/``response`` used with no request in flight.

    An AttributeError, as Pecan's (so ``hasattr`` and ``mock.patch('pecan.request')``
    work), and a RuntimeError for code written against earlier carya.
    """


class MalformedJSON(webob.exc.HTTPBadRequest, ValueError):
    """The request body is not valid JSON (a 400, and a ValueError)."""


_HEADER_KEYS: dict[str, str] = {}
_HEADER_KEYS_MAX = 1024
_UNQUOTED_KEYS = {"CONTENT-TYPE": "CONTENT_TYPE", "CONTENT-LENGTH": "CONTENT_LENGTH"}
# Characters WebOb's url_quote leaves alone in a path; anything else needs quoting.
_PATH_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-~/!$&'()*+,;=:@]")


def environ_key(name: str) -> str:
    """The environ key of request header ``name`` (``X-Auth-Token`` -> ``HTTP_X_AUTH_TOKEN``).

    WebOb's rule, remembered per name: handlers ask for the same few headers on
    every request. The memo is bounded so odd names cannot grow it for ever.
    """
    key = _HEADER_KEYS.get(name)
    if key is None:
        upper = name.upper()
        key = _UNQUOTED_KEYS.get(upper) or "HTTP_" + upper.replace("-", "_")
        if len(_HEADER_KEYS) < _HEADER_KEYS_MAX:
            _HEADER_KEYS[name] = key
    return key


_HOST_URLS: dict[tuple, str] = {}
_HOST_URLS_MAX = 256


def _host_url(env: dict, scheme: str, host: str | None) -> str:
    if host is None:
        host, port = env.get("SERVER_NAME"), env.get("SERVER_PORT")
    elif ":" in host and host[-1] != "]":
        host, port = host.rsplit(":", 1)
    else:
        return scheme + "://" + host
    if not port or (port == "80" and scheme == "http") or (
            port == "443" and scheme == "https"):
        return scheme + "://" + host
    return f"{scheme}://{host}:{port}"


_QUERY_KEY = "webob._parsed_query_vars"  # WebOb's memo of request.GET in the environ


def query_pairs(source: str) -> list[tuple[str, str]] | None:
    """The query string's ``(name, value)`` pairs as WebOb reads them, for a query of
    plain ASCII pairs; ``None`` (WebOb must parse it) when it has ``%``, ``+``, ``;``
    or anything beyond ASCII. WebOb's parse costs 2 µs for two pairs."""
    if not source:
        return []
    if not source.isascii() or "%" in source or "+" in source or ";" in source:
        return None
    return [part.partition("=")[::2] for part in source.split("&") if part]


def mixed(pairs: list[tuple[str, str]]) -> dict:
    """``MultiDict.mixed()`` of ``pairs``: a repeated name maps to a list of its values."""
    result: dict = {}
    for name, value in pairs:
        seen = result.get(name)
        if seen is None:
            result[name] = value
        elif type(seen) is list:
            seen.append(value)
        else:
            result[name] = [seen, value]
    return result


class RequestHeaders(EnvironHeaders):
    """WebOb's environ-backed request headers, with lookups that are one dict access."""

    def __getitem__(self, name: str) -> str:
        return self.environ[environ_key(name)]

    def get(self, name: str, default: Any = None) -> Any:
        return self.environ.get(_HEADER_KEYS.get(name) or environ_key(name), default)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and environ_key(name) in self.environ


class Request(webob.Request):
    """WebOb's request plus the two per-request dicts Pecan code expects.

    ``request.context`` is for application data (hooks put a DB session here);
    ``request.pecan`` (alias ``request.carya``) holds routing details such as the
    extension and content type chosen for this request.

    The attributes handlers read on most requests (``headers``, ``json``,
    ``host_url``, ``path``, ``url``...) read the environ directly; everything
    else is WebOb's own code, unchanged.
    """

    def __init__(self, environ: dict, *args: Any, **kw: Any):
        if args or kw or type(environ) is not dict:
            super().__init__(environ, *args, **kw)
        else:  # what WebOb's __init__ does with no options, without checking them
            self.__dict__["environ"] = environ

    @property
    def headers(self) -> RequestHeaders:
        """The request headers, a view of the environ (WebOb's ``EnvironHeaders``)."""
        found = self.__dict__.get("_carya_headers")
        if found is None:
            found = self.__dict__["_carya_headers"] = RequestHeaders(self.environ)
        return found

    @headers.setter
    def headers(self, value: Any) -> None:
        webob.Request.headers.fset(self, value)

    @property
    def host_url(self) -> str:
        """``scheme://host[:port]``, the scheme's default port left out (WebOb's rule).

        Remembered per (scheme, Host header): a service sees the same few on every
        request (the memo is bounded, as clients choose the header).
        """
        env = self.environ
        key = (env.get("wsgi.url_scheme"), env.get("HTTP_HOST"))
        url = _HOST_URLS.get(key)
        if url is None:
            url = _host_url(env, *key)
            if key[1] is not None and len(_HOST_URLS) < _HOST_URLS_MAX:
                _HOST_URLS[key] = url
        return url

    @property
    def GET(self) -> GetDict:
        """The query's variables, WebOb's ``GetDict`` (the same object on every read).

        A query of plain ASCII pairs (no ``%``, ``+`` or ``;``), what API clients
        send, is split directly; anything else is WebOb's parse.
        """
        env = self.environ
        source = env.get("QUERY_STRING", "")
        cached = env.get(_QUERY_KEY)
        if cached is not None and cached[1] == source:
            return cached[0]
        pairs = query_pairs(source)
        if pairs is None:
            return webob.Request.GET.fget(self)
        found = GetDict(pairs, env)
        env[_QUERY_KEY] = (found, source)
        return found

    # SCRIPT_NAME and PATH_INFO made of URL-safe ASCII are their own quoted,
    # decoded form; anything else goes through WebOb's decode-and-quote.

    @property
    def path(self) -> str:
        env = self.environ
        path = env.get("SCRIPT_NAME", "") + env.get("PATH_INFO", "")
        if _PATH_UNSAFE.search(path) is None:
            return path
        return webob.Request.path.fget(self)

    @property
    def path_url(self) -> str:
        env = self.environ
        path = env.get("SCRIPT_NAME", "") + env.get("PATH_INFO", "")
        if _PATH_UNSAFE.search(path) is None:
            return self.host_url + path
        return webob.Request.path_url.fget(self)

    @property
    def url(self) -> str:
        url = self.path_url
        query = self.environ.get("QUERY_STRING")
        return url + "?" + query if query else url

    @property
    def context(self) -> dict:
        env = self.environ
        ctx = env.get("carya.context")
        if ctx is None:
            ctx = env["carya.context"] = {}
        return ctx

    @context.setter
    def context(self, value: dict) -> None:
        self.environ["carya.context"] = value

    @property
    def pecan(self) -> dict:
        """Routing facts of this request, Pecan's keys: ``content_type``, ``extension``.

        Made on first use; a handler may set ``content_type`` (``None`` sends the
        result without rendering it, as Pecan does).
        """
        env = self.environ
        data = env.get("carya.routing")
        if data is None:
            st = _current.get()
            if st is not None and st.environ is env:
                data = {"content_type": st.content_type, "extension": st.extension}
            else:
                data = {"content_type": None, "extension": None}
            env["carya.routing"] = data
        return data

    carya = pecan

    @property
    def body(self) -> bytes:
        """The body: one ``read`` for a sized body read the first time, else WebOb's
        (which copies the input through a limited-length reader, about 5 µs more)."""
        body = _read_sized_body(self.environ)
        return webob.Request.body.fget(self) if body is None else body

    @body.setter
    def body(self, value: bytes) -> None:
        webob.Request.body.fset(self, value)

    @body.deleter
    def body(self) -> None:
        webob.Request.body.fdel(self)

    @property
    def json(self) -> Any:
        """The body parsed as JSON.

        A body that is not JSON raises :class:`MalformedJSON`, which is both a
        ``ValueError`` (for code that catches one) and a 400 response (for code
        that does not), so a client's bad body never becomes a 500.
        """
        return _parse_json(self.body)

    @json.setter
    def json(self, value: Any) -> None:
        webob.Request.json_body.fset(self, value)

    json_body = json


_BODY_KEY = "carya.body"


def _read_sized_body(environ: dict) -> bytes | None:
    """A body with a ``Content-Length``, read once; ``None`` where WebOb must read it.

    The input is replaced by a seekable copy so WebOb can still read it, and the
    bytes are remembered with it: reading again (a hook, then the handler, then
    WSME...) gives them back while that copy and the length are still the ones
    in the environ (anything that replaced the body made WebOb's turn).
    """
    length = environ.get("CONTENT_LENGTH")
    if environ.get("webob.is_body_seekable"):
        known = environ.get(_BODY_KEY)
        if known is not None and known[0] is environ.get("wsgi.input") and known[1] == length:
            return known[2]
        return None
    if not length or not length.isdigit():
        return None
    expected = int(length)
    body = environ["wsgi.input"].read(expected)
    if len(body) < expected:  # WebOb's reading says the same of a short read
        raise DisconnectionError("The client disconnected while sending the body "
                                 f"({expected - len(body)} more bytes were expected)")
    stream = environ["wsgi.input"] = io.BytesIO(body)
    environ["webob.is_body_seekable"] = True
    environ[_BODY_KEY] = (stream, length, body)
    return body


def _parse_json(body: bytes) -> Any:
    """``request.json``'s parse: a bad body is a :class:`MalformedJSON` (a 400)."""
    try:
        return loads(body)
    except ValueError as error:
        raise MalformedJSON(detail=f"Malformed JSON body: {error}") from None
    except RecursionError:  # '[' * 100000: a client's body, not a server fault
        raise MalformedJSON(detail="Malformed JSON body: nested too deeply") from None


class Arguments(inspect.Arguments):
    """What the handler was called with (``state.arguments``), for hooks.

    Pecan's type, ``inspect.Arguments``: ``args`` (named parameters),
    ``varargs`` (extra path parts), ``varkw`` (extra keyword parameters).
    """

    __slots__ = ()

    @property
    def kwargs(self) -> dict:
        return self.varkw


class State:
    """Everything known about one request; what hooks receive as ``state``.

    Class attributes are the defaults, so creating a state sets two fields;
    ``request``, ``response`` and ``controller`` are made on first use.
    """

    controller_obj: Any = None
    handler: Any = None
    hooks: tuple = ()
    _arguments: Arguments | None = None
    # (named parameter count, args, kwargs) of the call, for ``arguments`` on demand
    _call: tuple | None = None
    _request: Request | None = None
    _response: webob.Response | None = None
    _controller: Any = None
    content_type: str | None = None
    extension: str | None = None
    template: tuple | None = None
    quick: tuple | None = None
    # [status line, Location] a handler set through ``carya.response`` before any
    # response object existed (see _ResponseProxy); applied when one is made.
    pending: list | None = None
    _headers_view: RequestHeaders | None = None

    def __init__(self, environ: dict, app: Any):
        self.environ = environ
        self.app = app

    @property
    def request(self) -> Request:
        req = self._request
        if req is None:
            req = self._request = self.app.request_cls(self.environ)
            if self._headers_view is not None:  # what ``carya.request.headers`` gave
                req.__dict__["_carya_headers"] = self._headers_view
        return req

    @request.setter
    def request(self, value: Request) -> None:
        self._request = value

    @property
    def response(self) -> Response:
        resp = self._response
        if resp is None:
            resp = self._response = self.app.response_cls()
            if self.pending is not None:
                self._apply_pending(resp)
        return resp

    @response.setter
    def response(self, value: webob.Response) -> None:
        self._response = value
        self.pending = None  # a whole new response: what was set on the old one goes

    def _apply_pending(self, resp: webob.Response) -> None:
        status, location = self.pending
        self.pending = None
        if status is not None:
            resp.status = status
        if location is not None:
            resp.location = location

    @property
    def arguments(self) -> Arguments | None:
        """What the handler is called with (Pecan's ``state.arguments``), made when a
        hook first asks: most hooks never do."""
        found = self._arguments
        if found is None and self._call is not None:
            n, args, kwargs = self._call
            named = args[:n]
            if not self.app.use_context_locals:
                named = [self.request, self.response, *named]
            found = self._arguments = Arguments(named, args[n:], kwargs)
        return found

    @arguments.setter
    def arguments(self, value: Arguments | None) -> None:
        self._arguments = value

    @property
    def controller(self) -> Any:
        """The handler as a bound method of its controller (Pecan's ``state.controller``)."""
        bound = self._controller
        if bound is None and self.handler is not None:
            bound = self._controller = MethodType(self.handler.func, self.controller_obj)
        return bound

    @controller.setter
    def controller(self, value: Any) -> None:
        self._controller = value

    @property
    def response_touched(self) -> bool:
        """True once anything asked for the response object."""
        return self._response is not None


_current: ContextVar[State | None] = ContextVar("carya_state", default=None)


@contextmanager
def activated(state: State) -> Iterator[State]:
    """Make ``state`` the current request (``carya.request``...) inside the block.

    For tools that route or run a request outside ``App.__call__`` (``carya
    routes --match``, tests), so ``_lookup``/``_route`` code sees the request.
    """
    token = _current.set(state)
    try:
        yield state
    finally:
        _current.reset(token)


def current() -> State:
    """The state of the request being handled; a clear error outside one."""
    st = _current.get()
    if st is None:
        raise OutsideRequest(
            "carya.request/response used outside a request: they only exist "
            "while a carya application is handling one"
        )
    return st


def __getattr__(name: str) -> Any:
    """``carya.context.request``/``response``/``state``: the proxies, which live in
    :mod:`carya.proxies` (they read this module's state; imported on first use)."""
    if name in _PROXIES:
        from . import proxies

        return getattr(proxies, name)
    raise AttributeError(f"module 'carya.context' has no attribute {name!r}")
