"""The state of the request in flight, and Pecan's ``request``/``response`` proxies.

One :class:`State` is created per request and published through a
:class:`contextvars.ContextVar`, so ``carya.request`` works in threads and in
tasks alike. WebOb's request and response objects are created lazily: a handler
that returns a value and never touches ``response`` is answered without building
a WebOb response at all (see :mod:`carya.app`), which is most of carya's speed.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import MethodType
from typing import Any

import webob
import webob.exc

__all__ = [
    "Request", "Response", "State", "activated", "current", "request", "response", "state",
    "OutsideRequest",
]


class OutsideRequest(AttributeError, RuntimeError):
    """``carya.request``/``response`` used with no request in flight.

    An AttributeError, as Pecan's (so ``hasattr`` and ``mock.patch('pecan.request')``
    work), and a RuntimeError for code written against earlier carya.
    """


class MalformedJSON(webob.exc.HTTPBadRequest, ValueError):
    """The request body is not valid JSON (a 400, and a ValueError)."""


class Request(webob.Request):
    """WebOb's request plus the two per-request dicts Pecan code expects.

    ``request.context`` is for application data (hooks put a DB session here);
    ``request.pecan`` (alias ``request.carya``) holds routing details such as the
    extension and content type chosen for this request.
    """

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

    def _read_body(self) -> bytes:
        """The request body, read once from a sized input and left re-readable.

        WebOb re-reads and copies the body on every ``.body``; for the common
        case (a ``Content-Length``, nothing read yet) one ``read`` is enough.
        The input is replaced by a seekable copy so WebOb can still read it.
        """
        env = self.environ
        length = env.get("CONTENT_LENGTH")
        if env.get("webob.is_body_seekable") or not length or not length.isdigit():
            return self.body
        body = env["wsgi.input"].read(int(length))
        env["wsgi.input"] = io.BytesIO(body)
        env["webob.is_body_seekable"] = True
        return body

    @property
    def json(self) -> Any:
        """The body parsed as JSON.

        A body that is not JSON raises :class:`MalformedJSON`, which is both a
        ``ValueError`` (for code that catches one) and a 400 response (for code
        that does not), so a client's bad body never becomes a 500.
        """
        try:
            return json.loads(self._read_body())
        except ValueError as error:
            raise MalformedJSON(detail=f"Malformed JSON body: {error}") from None
        except RecursionError:  # '[' * 100000: a client's body, not a server fault
            raise MalformedJSON(detail="Malformed JSON body: nested too deeply") from None

    @json.setter
    def json(self, value: Any) -> None:
        webob.Request.json_body.fset(self, value)

    json_body = json


class Response(webob.Response):
    """WebOb's response; a subclass so applications can tell carya's apart."""

    default_content_type = "text/html"


class State:
    """Everything known about one request; what hooks receive as ``state``.

    Class attributes are the defaults, so creating a state sets two fields;
    ``request``, ``response`` and ``controller`` are made on first use.
    """

    controller_obj: Any = None
    handler: Any = None
    hooks: tuple = ()
    arguments: Any = None
    _request: Request | None = None
    _response: webob.Response | None = None
    _controller: Any = None
    content_type: str | None = None
    extension: str | None = None
    template: tuple | None = None
    quick: tuple | None = None

    def __init__(self, environ: dict, app: Any):
        self.environ = environ
        self.app = app

    @property
    def request(self) -> Request:
        req = self._request
        if req is None:
            req = self._request = self.app.request_cls(self.environ)
        return req

    @request.setter
    def request(self, value: Request) -> None:
        self._request = value

    @property
    def response(self) -> Response:
        resp = self._response
        if resp is None:
            resp = self._response = self.app.response_cls()
        return resp

    @response.setter
    def response(self, value: webob.Response) -> None:
        self._response = value

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


class _Proxy:
    """Forward attribute access to one attribute of the current :class:`State`."""

    __slots__ = ("_attr",)

    def __init__(self, attr: str):
        object.__setattr__(self, "_attr", attr)

    def _target(self) -> Any:
        return getattr(current(), self._attr)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._target(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._target(), name)

    def __eq__(self, other: object) -> bool:
        target = self._target()
        return target is other or target == other

    def __hash__(self) -> int:
        return hash(self._target())

    def __bool__(self) -> bool:
        return _current.get() is not None

    def __repr__(self) -> str:
        st = _current.get()
        if st is None:
            return f"<carya.{self._attr} proxy (no request)>"
        return repr(getattr(st, self._attr))

    def __dir__(self) -> list[str]:
        return dir(self._target()) if _current.get() is not None else []


class _StateProxy(_Proxy):
    """``carya.state``: the whole state object of the current request."""

    __slots__ = ()

    def _target(self) -> Any:
        return current()

    @property
    def __dict__(self) -> dict:  # type: ignore[override]
        """The state's attributes; empty between requests (nothing leaks from one)."""
        st = _current.get()
        return vars(st) if st is not None else {}


request: Request = _Proxy("request")  # type: ignore[assignment]
response: Response = _Proxy("response")  # type: ignore[assignment]
state: State = _StateProxy("state")  # type: ignore[assignment]
