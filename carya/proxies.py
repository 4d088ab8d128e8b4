"""``carya.request``, ``carya.response`` and ``carya.state``: Pecan's context-local proxies.

Each forwards to the request in flight (:func:`carya.context.current`), so module
level code can say ``request.headers`` in any thread or task. The attributes
handlers use most are answered without building the WebOb objects: while none
exists, ``request.headers``, ``json`` and ``host_url`` read the environ, and
``response.status = <int>`` / ``response.location = <str>`` are kept on the
state (``State.pending``) for :mod:`carya.app` to send, or for the response
object to start from when one is made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .context import (
    Request,
    RequestHeaders,
    State,
    _current,
    _parse_json,
    _read_sized_body,
    current,
)
from .responses import Response

__all__ = ["request", "response", "state"]


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


def _light_headers(st: State) -> RequestHeaders:
    view = st._headers_view
    if view is None:
        view = st._headers_view = RequestHeaders(st.environ)
    return view


def _light_json(st: State) -> Any:
    body = _read_sized_body(st.environ)
    if body is None:
        return st.request.json  # WebOb reads it (chunked, already read...)
    return _parse_json(body)


_LIGHT_REQUEST: dict[str, Callable[[State], Any]] = {
    "headers": _light_headers,
    "json": _light_json,
    "json_body": _light_json,
    "host_url": Request.host_url.fget,  # these read .environ only, which a state has
    "GET": Request.GET.fget,
}


class _RequestProxy(_Proxy):
    """``carya.request``: public names go straight to the current request.

    ``__getattribute__`` rather than ``__getattr__``: the failed normal lookup
    that precedes ``__getattr__`` costs more than the forwarding itself.
    Private names (``_attr``, ``__class__``...) stay the proxy's own. The
    attributes handlers read most (``headers``, ``json``, ``host_url``) are
    answered from the environ while no request object exists (and the
    application's request class is carya's): the same values, no object built.
    """

    __slots__ = ()

    def __getattribute__(self, name: str) -> Any:
        if name[:1] == "_":
            return object.__getattribute__(self, name)
        st = _current.get()
        if st is None:
            current()  # raises the "outside a request" error
        req = st._request
        if req is None:
            light = _LIGHT_REQUEST.get(name)
            if light is not None and st.app.light_request:
                return light(st)
            req = st.request
        return getattr(req, name)


class _ResponseProxy(_Proxy):
    """``carya.response``: public names go straight to the current response.

    ``response.status = <int>`` and ``response.location = <str>``, the two things
    handlers set most, are kept on the state while no response object exists
    (and the application's response class is carya's): a plain answer then goes
    out through the fast path with them, and a response object made later
    (a hook, another attribute) starts from them.
    """

    __slots__ = ()

    def __getattribute__(self, name: str) -> Any:
        if name[:1] == "_":
            return object.__getattribute__(self, name)
        st = _current.get()
        if st is None:
            current()
        resp = st._response
        if resp is None:
            resp = st.response
        return getattr(resp, name)

    def __setattr__(self, name: str, value: Any) -> None:
        st = _current.get()
        if st is None:
            current()
        resp = st._response
        if resp is None:
            keep = _KEEPERS.get(name)
            if keep is not None and keep(st, value):
                return
            resp = st.response
        setattr(resp, name, value)


def _keep_status(st: State, value: Any) -> bool:
    """Keep ``response.status = <int>`` on the state (``State.pending[0]``) for the
    fast path; False: a real response must be made (a status with an error page,
    one that is not a known int, or an application with its own response class:
    ``App.kept_status_lines`` has none of those)."""
    line = st.app.kept_status_lines.get(value) if type(value) is int else None
    if line is None:
        return False
    pending = st.pending
    if pending is None:
        pending = st.pending = [None, None]
    pending[0] = line
    return True


def _keep_location(st: State, value: Any) -> bool:
    """Keep ``response.location = <str>`` on the state (``State.pending[1]``)."""
    if type(value) is not str or not st.app.light_response:
        return False
    if "\n" in value or "\r" in value:
        raise ValueError("Header value may not contain control characters")
    pending = st.pending
    if pending is None:
        pending = st.pending = [None, None]
    pending[1] = value
    return True


_KEEPERS = {"status": _keep_status, "location": _keep_location}


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


request: Request = _RequestProxy("request")  # type: ignore[assignment]
response: Response = _ResponseProxy("response")  # type: ignore[assignment]
state: State = _StateProxy("state")  # type: ignore[assignment]
