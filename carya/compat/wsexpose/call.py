"""The compiled stand-in for WSME's ``callfunction``, and the pieces around it.

:class:`Plan` takes one signature's arguments in the plain case;
:func:`compile_call` makes the function carya calls instead of WSME's
``callfunction`` (WSME's own one answers anything not plain); :func:`plain_params`
gives carya's binder the request parameters without a request object;
:func:`json_renderer` encodes results with the compiled converters.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from webob.compat import parse_qsl_text

from carya import configuration
from carya.app import _JSON_TYPES as _PARAMS_JSON_TYPES  # what App.params reads as JSON
from carya.context import _current, _read_sized_body, loads_utf8
from carya.proxies import request, response

from .conversions import NO, Registry

__all__ = ["Plan", "compile_call", "json_renderer", "plain_params"]

_JSON_TYPES = frozenset(("application/json", "text/javascript", "application/javascript"))
_PARSED = "carya.wsme.json"  # environ: (body, its parse) read for the binder, reused


class Plan:
    """How one ``wsexpose`` signature takes its arguments in the plain case."""

    def __init__(self, funcdef: Any, registry: Registry):
        self.stamp = registry.input_stamp()
        arguments = funcdef.arguments
        body_type = funcdef.body_type
        by_path = arguments[:-1] if body_type is not None else arguments
        self.path = tuple((arg.name, registry.from_path(arg.datatype)) for arg in by_path)
        self.query = {arg.name: convert for arg in by_path
                      if (convert := registry.from_query(arg.datatype)) is not None}
        self.body_name = arguments[-1].name if body_type is not None else None
        self.body = registry.decoder(body_type) if body_type is not None else None
        self.mandatory = tuple(arg.name for arg in arguments if arg.mandatory)

    def bind(self, state: Any, args: tuple) -> dict | None:
        """The keyword arguments WSME's ``get_args`` would give, or ``None``."""
        environ = state.environ
        if len(args) > len(self.path):
            return None
        named = {}
        for (name, convert), value in zip(self.path, args, strict=False):
            named[name] = convert(value)
        query = environ.get("QUERY_STRING")
        if query and not self._take_query(query, named):
            return None
        body = _body(state)
        if body:
            if self.body is None or environ.get("CONTENT_TYPE", "").split(";", 1)[0] \
                    not in _JSON_TYPES:
                return None
            known = environ.get(_PARSED)
            obj = self.body(known[1] if known is not None and known[0] is body
                            else loads_utf8(body))
            if obj is NO:
                return None
            named[self.body_name] = obj
        for name in self.mandatory:
            if name not in named:
                return None
        return named

    def _take_query(self, query: str, named: dict) -> bool:
        """Query parameters over the path's values (WSME's order), each named once and
        each an argument of a simple type; ``False`` for anything else."""
        seen = set()
        for key, value in parse_qsl_text(query):  # WebOb's parse, as request.GET
            convert = self.query.get(key)
            if convert is None or key in seen:
                return False
            seen.add(key)
            named[key] = convert(value)
        return True


def _body(state: Any) -> bytes:
    """``request.body``, without making the request object where the environ says."""
    environ = state.environ
    length = environ.get("CONTENT_LENGTH")
    if length == "0" or (not length and "HTTP_TRANSFER_ENCODING" not in environ):
        return b""  # no length and no chunks: an HTTP request without a body
    body = _read_sized_body(environ)
    return state.request.body if body is None else body


def plain_params(app: Any, state: Any) -> dict:
    """``app.params(state)`` for a WSME handler's binder, without the request object
    where that is plain: no query string, and no body or a JSON one (whose
    parse is kept for the compiled call). Anything else asks ``app.params``."""
    environ = state.environ
    if environ.get("QUERY_STRING") or state._request is not None:
        return app.params(state)
    if environ.get("REQUEST_METHOD") == "GET":
        return {}
    if environ.get("CONTENT_TYPE", "").split(";", 1)[0] not in _PARAMS_JSON_TYPES:
        return app.params(state)
    body = _body(state)
    try:
        data = loads_utf8(body)
    except Exception:
        return app.params(state)  # its answer to an empty or broken body
    environ[_PARSED] = (body, data)
    return dict(data) if type(data) is dict else {}


def compile_call(original: Callable[..., Any], registry: Registry) -> Callable[..., Any]:
    """A function standing in for WSME's ``callfunction`` (same attributes)."""
    funcdef = original._wsme_definition
    func = original.__wrapped__
    wsme = registry.wsme
    wsme_response = wsme.api.Response
    plans: list[Plan] = []

    def plan() -> Plan:
        if not plans or plans[0].stamp != registry.input_stamp():
            plans[:] = [Plan(funcdef, registry)]
        return plans[0]

    def answer(controller: Any, named: dict, state: Any) -> Any:
        return_type = funcdef.return_type
        try:
            if funcdef.pass_request:
                named[funcdef.pass_request] = request
            result = func(controller, **named)
            status = funcdef.status_code
            if status != 200 or state._response is not None or state.pending is not None:
                response.status = status  # (200 is what a response with nothing set has)
            if isinstance(result, wsme_response):
                response.status = result.status_code
                if result.status_code == 204:
                    return_type = None
                elif not isinstance(result.return_type, wsme.types.UnsetType):
                    return_type = result.return_type
                result = result.obj
        except Exception:
            return fault()
        if return_type is None:
            request.pecan["content_type"] = None
            response.content_type = None
            return ""
        return {"datatype": return_type, "result": result}

    def fault() -> dict:
        error = sys.exc_info()[1]
        debug = configuration._runtime_conf.get("wsme", {}).get("debug", False)
        data = wsme.api.format_exception(sys.exc_info(), debug)
        code = getattr(error, "code", None)
        response.status = code if code and wsme.utils.is_valid_code(code) else 500
        return data

    def callfunction(controller: Any, *args: Any, **kwargs: Any) -> Any:
        named = state = None
        if not kwargs:
            try:
                state = _current.get()
                named = plan().bind(state, args)
            except Exception:
                named = None  # WSME's own path says what is wrong
        if named is None:
            return original(controller, *args, **kwargs)
        return answer(controller, named, state)

    for name in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(callfunction, name, getattr(original, name))
    callfunction.__dict__.update(original.__dict__)  # _pecan, _wsme_definition, __wrapped__
    return callfunction


def json_renderer(original: Callable[[Any], str], registry: Registry) -> Callable[[Any], str]:
    """WSME's JSON renderer with the result encoded by the compiled converters."""

    def render(namespace: Any) -> str:
        if type(namespace) is dict and "faultcode" not in namespace:
            try:
                text = registry.json(namespace["datatype"], namespace["result"])
            except Exception:
                text = None  # WSME's encoder raises its own error
            if text is not None:
                return text
        return original(namespace)

    return render
