"""The application: ``make_app`` builds it, ``App.__call__`` is the whole request path.

Request path (everything else was decided in ``App.__init__``)::

    state -> on_route hooks -> route (one dict lookup, or the walk)
          -> authorize -> negotiate content type -> bind arguments
          -> before hooks -> call handler -> render
          -> after hooks -> response
    any exception -> error response -> on_error hooks -> after hooks

A handler that returns a value and leaves ``carya.response`` alone is answered
straight from the rendered bytes, without building a WebOb response.
"""

from __future__ import annotations

import importlib
import itertools
import logging
import mimetypes
import os
import types
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import webob
import webob.exc as exc
from webob.request import DisconnectionError

from .context import Arguments, Request, State, _current, mixed, query_pairs
from .errors import InternalRedirect, NotFound, RouteError, error_response, fast_error
from .expose import HTML
from .handler import Generic, Handler
from .hooks import HookChain, PecanHook
from .proxies import response as response_proxy
from .render import Renderer, RendererFactory
from .responses import _BODYLESS, _STATUS_LINES, Response, _absolute
from .routing.objects import Router
from .routing.spec import SpecCache

__all__ = ["App", "make_app", "Arguments", "override_template"]

log = logging.getLogger("carya")

_JSON_TYPES = ("application/json", "application/javascript")
_OK_LINE = _STATUS_LINES[200]  # the pending status that means "the declared one"
_NOTHING_PENDING = (None, None)  # State.pending when no status or Location was kept
_SIMPLEST = ({"text/html"}, {"text/plain"})
_MAX_FORWARDS = 10
_STATUS_TEXT = {200: "200 OK", 204: "204 No Content"}


def _require_utf8(body: bytes) -> None:
    """A 400 for a JSON body that is not UTF-8 (RFC 8259 allows nothing else)."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise exc.HTTPBadRequest(detail=f"The JSON body is not valid UTF-8: {error}") from None


def _import_object(path: str) -> Any:
    module, _, attr = path.rpartition(".")
    if not module:
        raise ValueError(f"root {path!r} is not a dotted path like 'pkg.module.Class'")
    try:
        obj = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as error:
        raise ValueError(f"cannot import root controller {path!r}: {error}") from error
    return obj() if isinstance(obj, type) else obj


def _has_charset(ctype: str) -> bool:
    """Text types carry ``charset=UTF-8``; JSON does not (as Pecan answers it)."""
    return ctype.startswith("text/") or ctype in ("application/xml", "application/javascript")


def _content_type_header(ctype: str) -> str:
    return ctype + "; charset=UTF-8" if _has_charset(ctype) else ctype


class App:
    """A carya WSGI application (what Pecan calls ``Pecan``).

    ``router`` replaces object dispatch from ``root`` with a ready router (the
    ``static``/``find``/``authorize`` protocol of :mod:`carya.routing.objects`);
    ``error_formatter(code, title, message, environ) -> (body, content_type)``
    writes every error body (see :func:`carya.errors.error_response`).
    ``propagate_exceptions=True`` re-raises an unexpected (non-HTTP) exception
    once the hooks have run, as Pecan does, instead of answering 500.
    """

    def __init__(
        self,
        root: Any,
        hooks: Iterable[PecanHook] | Callable[[], Iterable[PecanHook]] = (),
        debug: bool = False,
        force_canonical: bool = True,
        guess_content_type_from_ext: bool = True,
        template_path: str | list[str] = "templates",
        default_renderer: str = "mako",
        custom_renderers: Mapping[str, type[Renderer]] | None = None,
        extra_template_vars: Mapping[str, Any] | None = None,
        errors: Mapping[Any, str] | None = None,
        use_context_locals: bool = True,
        request_cls: type[webob.Request] = Request,
        response_cls: type[webob.Response] = Response,
        router: Any = None,
        error_formatter: Callable[[int, str, str, dict], tuple[bytes, str]] | None = None,
        propagate_exceptions: bool = False,
        **unused: Any,
    ):
        if unused:
            log.warning("make_app: ignoring unknown settings %s", ", ".join(sorted(unused)))
        if isinstance(root, str):
            root = _import_object(root)
        if callable(hooks) and not isinstance(hooks, (list, tuple)):
            hooks = hooks()
        self.root = root
        self.debug = debug
        self.force_canonical = force_canonical
        self.guess_content_type_from_ext = guess_content_type_from_ext
        self.use_context_locals = use_context_locals
        self.request_cls = request_cls
        self.response_cls = response_cls
        self.hooks = HookChain(hooks)
        self.renderers = RendererFactory(
            custom_renderers, template_path, extra_template_vars, default_renderer
        )
        self.specs = SpecCache(self.renderers, leading=1 if use_context_locals else 3)
        self.error_formatter = error_formatter
        # Pecan's rule (the pecan alias turns it on): an unexpected exception leaves the
        # application after on_error/after hooks, for the server or a test to see.
        self.propagate_exceptions = propagate_exceptions
        if router is None:
            self.router = Router(root, self.specs, self.hooks, force_canonical)
        else:
            # A ready router (carya.api's mapper router...): it may build its
            # handlers now, with this application's renderers and hooks.
            self.router = router
            bind = getattr(router, "bind", None)
            if bind is not None:
                bind(self)
        self.static = self.router.static
        # A response class of the application's own may add headers or behaviour:
        # every response is then built with it (no fast path).
        self.custom_response = response_cls is not Response
        # carya's own classes: ``carya.request``/``response`` may answer their common
        # attributes without building the objects (carya.context).
        self.light_request = request_cls is Request
        self.light_response = not self.custom_response
        self.errors = _error_map(errors)
        # the statuses ``carya.response.status = <int>`` may keep on the state for the
        # fast path (carya.proxies): every known one without an error page
        self.kept_status_lines: dict[int, str] = {} if self.custom_response else {
            code: line for code, line in _STATUS_LINES.items() if code not in self.errors}
        self._ext_types: dict[str, str | None] = {}
        self._ctype_headers: dict[str, str] = {}
        self._rendered_types: dict[str, str] = {}

    # --- the request path -----------------------------------------------------

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        state = State(environ, self)
        token = _current.set(state)
        try:
            body = self.respond(state)
        except InternalRedirect as forward:
            _current.reset(token)
            return self.forward(environ, forward.location, start_response)
        except BaseException:
            _current.reset(token)  # propagate_exceptions: the error leaves the application
            raise
        try:
            if body is not None:
                if state.pending is not None:  # status/Location set through carya.response
                    return self.emit_pending(state, body, start_response)
                return self.emit(state, body, start_response)
            if state.quick is not None:
                status, headers, payload = state.quick
                start_response(status, headers)
                return [] if environ["REQUEST_METHOD"] == "HEAD" else [payload]
            resp = state._response
            if self.errors and resp.status_int in self.errors:
                resp = self.error_page(environ, resp)
            return resp(environ, start_response)
        finally:
            _current.reset(token)

    def respond(self, state: State) -> bytes | None:
        """Run the request; bytes for the fast path, else ``state.response`` is set."""
        chain = self.hooks
        body = None
        pending: BaseException | None = None
        try:
            for hook in chain.on_route:
                hook(state)
            handler, node, remainder = self.route(state)
            chain = node.chain
            state.hooks = chain.hooks
            state.handler = handler
            state.controller_obj = obj = node.obj
            if handler.secured is not None or node.guard is not None:
                self.router.authorize(handler, node)
            try:
                ctype = self.negotiate(state, handler)
            except exc.HTTPNotAcceptable:
                ctype = None  # a 404/400 from binding the arguments wins over a 406
            args, kwargs = handler.binder.bind(remainder, self, state)
            if ctype is None:
                ctype = self.negotiate(state, handler)
            for check in handler.checks:
                check(state, args, kwargs)
            if chain.hooks:
                state._call = (handler.binder.arity, args, kwargs)  # for state.arguments
            if "carya.routing" in state.environ:
                state.environ["carya.routing"].update(
                    content_type=ctype, extension=state.extension
                )
            for hook in chain.before:
                hook(state)
            if self.use_context_locals:
                result = handler.func(obj, *args, **kwargs) if kwargs else handler.func(obj, *args)
            else:
                result = handler.func(obj, state.request, state.response, *args, **kwargs)
            body = self.render(state, handler, ctype, result)
            if body is not None and self.custom_response:
                self.materialize(state, body)
                body = None
        except InternalRedirect:
            raise
        except (Exception, SystemExit, KeyboardInterrupt) as error:  # noqa: BLE001
            # every error becomes a response: a handler's sys.exit() must not stop the
            # server (gunicorn reads a worker's exit status 3 or 4 as "halt")
            if isinstance(error, UnicodeDecodeError):
                error = exc.HTTPBadRequest(detail="The request is not valid UTF-8")
            elif isinstance(error, DisconnectionError):  # a body shorter than announced
                error = exc.HTTPBadRequest(detail=f"Incomplete request body: {error}")
            if isinstance(error, exc.HTTPException):
                state.environ["pecan.original_exception"] = error  # for error pages
            if not (chain.on_error or chain.after or self.errors):
                quick = fast_error(error, state.environ, self.error_formatter)
                if quick is not None:
                    state.quick = quick
                    return None
            try:
                replaced = self.on_error(state, chain, error)
            except Exception as hook_error:  # noqa: BLE001 - only raised when propagating
                pending = hook_error
            else:
                if self.propagate_exceptions and not replaced and not isinstance(
                    error, (exc.HTTPException, RouteError)
                ):
                    pending = error
        if chain.after:
            if body is not None:
                self.materialize(state, body)
                body = None
            try:
                for hook in chain.after:
                    hook(state)
            except Exception as error:  # noqa: BLE001 - a broken hook is a 500, not a crash
                if self.propagate_exceptions:
                    raise
                state.response = error_response(
                    error, state.environ, self.debug, self.error_formatter
                )
        if pending is not None:
            raise pending
        return body

    def route(self, state: State) -> tuple[Handler, Any, Any]:
        """Find the handler: extension, the static table, then the router's own search.

        Returns ``(handler, node, route_args)``: ``route_args`` is what the
        handler's binder takes (the path remainder for object dispatch).
        """
        environ = state.environ
        path = environ.get("PATH_INFO") or "/"
        if not path.isascii():
            path = _decode_path(path)
        if self.guess_content_type_from_ext and "." in path:
            path = self.strip_extension(state, path)
        method = environ["REQUEST_METHOD"]
        hit = self.static.get(path)
        if hit is not None:
            target, node = hit
            remainder: list[str] = []
        else:
            target, node, remainder = self.router.find(state, path, method)
        if target.__class__ is Generic:
            target = target.for_method(method)
        return target, node, remainder

    def strip_extension(self, state: State, path: str) -> str:
        """``/books.json`` routes as ``/books`` and answers as JSON (Pecan's rule)."""
        stem = path.rstrip("/")
        dot = stem.rfind(".")
        if dot <= stem.rfind("/"):
            return path
        ext = stem[dot:]
        ctype = self._ext_types.get(ext, False)
        if ctype is False:
            ctype = self._ext_types[ext] = mimetypes.guess_type("x" + ext)[0]
        if ctype is None:
            return path
        state.extension = ext
        state.content_type = ctype
        return stem[:dot] + path[len(stem):]

    def negotiate(self, state: State, handler: Handler) -> str:
        """Pick the response content type from the extension, Accept, or the default."""
        wanted = state.content_type
        if wanted is not None:
            if wanted not in handler.content_types and handler.content_type is not None:
                raise NotFound()
            return wanted
        accept = state.environ.get("HTTP_ACCEPT")
        if not accept or accept == "*/*":
            return handler.content_type
        memo = handler.accepted
        chosen = memo.get(accept, False)
        if chosen is False:
            # parsing an Accept header costs 8 µs; OpenStack's clients send
            # "application/json" on every request (bounded: clients choose the header)
            chosen = _choose_type(accept, handler)
            if len(memo) < _ACCEPT_MEMO_MAX:
                memo[accept] = chosen
        if chosen is None:
            raise exc.HTTPNotAcceptable(detail=f"This resource offers "
                                        f"{', '.join(handler.content_types)}; the request "
                                        f"accepts {accept}")
        return chosen

    def params(self, state: State) -> dict:
        """Query, form or JSON-object parameters as one dict (only built when needed)."""
        environ = state.environ
        if environ["REQUEST_METHOD"] == "GET":
            if not self.light_request:
                return state.request.GET.mixed()
            pairs = query_pairs(environ.get("QUERY_STRING", ""))  # no request object made
            return mixed(pairs) if pairs is not None else Request.GET.fget(state).mixed()
        req = state.request
        if req.content_type in _JSON_TYPES:
            try:
                body = req.json
            except ValueError:
                # Not JSON after all: the handler decides (it may answer 400/415 itself);
                # not UTF-8 is a 400 before any handler runs, as on Pecan.
                _require_utf8(req.body)
                body = None
            if isinstance(body, dict):
                merged = req.GET.mixed()
                merged.update(body)
                return merged
        try:
            return req.params.mixed()
        except UnicodeDecodeError:
            raise exc.HTTPBadRequest(detail="Form data is not valid UTF-8") from None
        except ValueError as error:  # e.g. multipart without a boundary
            raise exc.HTTPBadRequest(detail=f"Malformed form data: {error}") from None

    def render(self, state: State, handler: Handler, ctype: str, result: Any) -> bytes | None:
        """Turn the handler's result into bytes, or leave it in ``state.response``."""
        if result is response_proxy:
            state.response  # noqa: B018 - made now if the handler only set status/location
            return None
        if result is not None and result is state._response:
            return None
        if isinstance(result, webob.Response):
            state.response = result
            return None
        routing = state.environ.get("carya.routing")
        if routing and "content_type" in routing:
            ctype = routing["content_type"]  # the handler chose (None: no content, WSME)
        renderer = handler.content_types.get(ctype) if ctype is not None else None
        if state.template is not None:
            ctype, renderer = self.override(state, ctype)
        raw = result
        if renderer is not None:
            result = renderer(result)
        if "paste.testing_variables" in state.environ:
            self.testing_variables(state, handler, ctype, raw, result)
        if handler.retype is not None and renderer is not None:
            ctype = handler.retype
        if result is None:
            body = b""
        elif isinstance(result, str):
            body = result.encode("utf-8")
        elif isinstance(result, bytes):
            body = result
        else:
            raise TypeError(
                f"{handler.name} returned {type(result).__name__}; expose it with a template "
                "(e.g. @expose('json')) or return str, bytes or a Response"
            )
        state.content_type = ctype or HTML
        if state._response is not None or (state.pending is not None and not body
                                           and not _bodyless(state.pending[0])):
            # a status/Location kept on the state goes out through emit_pending() with a body,
            # or as a 204/304 (carya.proxies keeps no status that has an error page)
            self.materialize(state, body)
            return None
        return body

    @staticmethod
    def testing_variables(state: State, handler: Handler, ctype: str, raw: Any,
                          result: Any) -> None:
        """Under WebTest, what the handler returned (``response.namespace``), as Pecan."""
        template = handler.templates.get(ctype)
        if state.template is not None:
            template = state.template[0]
        state.environ["paste.testing_variables"].update(
            namespace=raw, template_name=template, controller_output=result
        )

    def override(self, state: State, ctype: str) -> tuple[str, Any]:
        template, new_ctype = state.template
        if template == "json":
            new_ctype = new_ctype or "application/json"
        renderer = self.renderers.resolve(template) if template else None
        return new_ctype or ctype, renderer

    def materialize(self, state: State, body: bytes) -> None:
        """Put a fast-path body into a real response object (hooks or handler want one).

        An empty result keeps a body the handler wrote itself (``response.text = ...``);
        only a response left without any body becomes a 204.
        """
        handler = state.handler
        if body and state._response is None and not self.custom_response:
            # nothing asked for the response yet: made once, with its final fields
            status, location = state.pending or _NOTHING_PENDING
            state.pending = None
            if status is None or (status[:4] == "200 " and handler is not None
                                  and handler.status != 200):
                status = handler.status_line if handler is not None else _OK_LINE
            state._response = Response._carya_made(
                status, body, self.rendered_type(state.content_type), location)
            return
        resp = state.response
        if (body and type(resp) is self.response_cls and isinstance(resp, Response)
                and resp._carya_direct):
            # carya's own response: what the code below does, on the status line
            # and the header list directly.
            line = resp._status
            if line[:4] == "200 " and handler is not None and handler.status != 200:
                line = resp._status = handler.status_line
            resp._carya_render(body, self.rendered_type(state.content_type))
            if _bodyless(line):
                # a body on a 204/304 (a JSON handler's None renders as null): WebOb's
                # setters below keep its length and drop the content type
                resp._headerlist[:] = [h for h in resp._headerlist
                                       if h[0].lower() != "content-type"]
            return
        status = handler.status if handler is not None else 200
        if status != 200 and resp.status_int == 200:
            resp.status = status  # the handler's declared success status
        if body:
            resp.body = body
            resp.content_type = state.content_type
            if _has_charset(resp.content_type):
                resp.charset = "UTF-8"
        elif resp.status_int == 200 and not _has_body(resp):
            resp.status = 204
        if resp.status_int in (204, 304):
            resp.content_type = None

    def rendered_type(self, ctype: str) -> str:
        """The Content-Type header :meth:`materialize` gives a body of type ``ctype``
        (worked out once per type, by WebOb's own rules, on a probe response)."""
        header = self._rendered_types.get(ctype)
        if header is None:
            probe = self.response_cls()
            probe.content_type = ctype
            if _has_charset(probe.content_type):
                probe.charset = "UTF-8"
            header = self._rendered_types[ctype] = probe.headers["Content-Type"]
        return header

    def emit(self, state: State, body: bytes, start_response: Callable) -> list[bytes]:
        """Send a fast-path response: status, two headers, the body."""
        handler = state.handler
        if not body:
            if handler.status == 200:
                start_response("204 No Content", [("Content-Length", "0")])
            else:
                start_response(handler.status_line, [("Content-Length", "0")])
            return []
        ctype = state.content_type
        header = self._ctype_headers.get(ctype)
        if header is None:
            header = self._ctype_headers[ctype] = _content_type_header(ctype)
        start_response(
            handler.status_line,
            [("Content-Type", header), ("Content-Length", str(len(body)))],
        )
        if state.environ["REQUEST_METHOD"] == "HEAD":
            return []
        return [body]

    def emit_pending(self, state: State, body: bytes, start_response: Callable
                     ) -> list[bytes]:
        """:meth:`emit` with the status and Location the handler set through
        ``carya.response``: what :meth:`materialize` and ``Response.__call__`` send."""
        status, location = state.pending
        if status is None or status is _OK_LINE:
            status = state.handler.status_line  # the declared success status, as materialize
        if _bodyless(status):  # no type; the length of any body anyway (JSON null)
            headers = [("Content-Length", str(len(body)))]
        else:
            ctype = state.content_type
            headers = [("Content-Type", self._rendered_types.get(ctype)
                        or self.rendered_type(ctype)), ("Content-Length", str(len(body)))]
        environ = state.environ
        if location is not None:
            if not _absolute(location):
                location = Response._make_location_absolute(environ, location)
            headers.append(("Location", location))
        start_response(status, headers)
        if environ["REQUEST_METHOD"] == "HEAD":
            return []
        return [body]

    def on_error(self, state: State, chain: HookChain, error: Exception) -> bool:
        """Make the error response, then let ``on_error`` hooks replace it (-> True)."""
        if isinstance(error, RouteError):
            error = error.to_webob()  # hooks see what Pecan's would: a webob.exc error
        state.response = error_response(error, state.environ, self.debug, self.error_formatter)
        for hook in chain.on_error:
            try:
                replacement = hook(state, error)
            except Exception as hook_error:  # noqa: BLE001 - a broken hook must not leak
                if self.propagate_exceptions:
                    raise
                state.response = error_response(
                    hook_error, state.environ, self.debug, self.error_formatter
                )
                return True
            if isinstance(replacement, webob.Response):
                state.response = replacement
                return True
        return False

    # --- re-routing -------------------------------------------------------------

    def forward(self, environ: dict, location: str, start_response: Callable) -> Iterable[bytes]:
        """``redirect(..., internal=True)``: run the request again at another path."""
        depth = environ.get("carya.forwards", 0) + 1
        if depth > _MAX_FORWARDS:
            resp = error_response(
                RuntimeError("too many internal redirects"), environ, self.debug,
                self.error_formatter,
            )
            return resp(environ, start_response)
        env = dict(environ)
        path, _, query = location.partition("?")
        env["PATH_INFO"] = path
        env["QUERY_STRING"] = query
        env["carya.forwards"] = depth
        return self(env, start_response)

    def error_page(self, environ: dict, original: webob.Response) -> webob.Response:
        """The ``errors`` map: render ``{404: '/error/404'}`` with the original status."""
        if environ.get("carya.error_page"):
            return original
        path, _, query = self.errors[original.status_int].partition("?")
        env = dict(environ)
        env.update(
            PATH_INFO=path,
            QUERY_STRING=query,
            REQUEST_METHOD="GET",
            CONTENT_LENGTH="0",
        )
        env["carya.error_page"] = True
        env["carya.original_response"] = original
        env.pop("carya.routing", None)
        env.pop("webob.adhoc_attrs", None)
        page = webob.Request(env).get_response(self)
        if page.status_int >= 400:
            return original
        page.status = original.status
        for name, value in original.headerlist:
            if name.lower() in ("allow", "www-authenticate", "location"):
                page.headers[name] = value
        return page


def _bodyless(status: str | None) -> bool:
    """A 204 or 304 status line: WebOb's setters leave no Content-Type on it."""
    return status is not None and status[:3] in _BODYLESS


_ACCEPT_MEMO_MAX = 64  # Accept headers remembered per handler


def _choose_type(accept: str, handler: Handler) -> str | None:
    """The offered content type ``accept`` prefers (WebOb's reading), or None: a 406."""
    offered = handler.content_types
    if accept.startswith("text/html,") and set(offered) in _SIMPLEST:
        return handler.content_type
    offers = webob.acceptparse.create_accept_header(accept).acceptable_offers(list(offered))
    if offers:
        return offers[0][0]
    for ctype in offered:
        if accept.startswith(ctype):
            return ctype
    return None


def _has_body(resp: webob.Response) -> bool:
    """Whether the response has any body, without losing a generator's first chunk."""
    app_iter = resp.app_iter
    if isinstance(app_iter, list):
        return any(app_iter)
    if isinstance(app_iter, types.GeneratorType):
        peek, resp.app_iter = itertools.tee(app_iter)
        return next(peek, None) is not None
    return bool(resp.body)


def _decode_path(path: str) -> str:
    try:
        return path.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return path  # left as is; it will not match a route and gets a 404


def _error_map(errors: Mapping[Any, str] | None) -> dict[int, str]:
    table: dict[int, str] = {}
    for code, path in (errors or {}).items():
        if code == "__force_dict__":
            continue
        try:
            status = int(code)
        except (TypeError, ValueError):
            raise ValueError(f"errors: {code!r} is not an HTTP status code") from None
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError(f"errors[{status}]: {path!r} must be a path starting with '/'")
        table[status] = path
    return table


def override_template(template: str, content_type: str | None = None) -> None:
    """Render this request's result with another template (Pecan's ``override_template``)."""
    from .context import current

    current().template = (template, content_type)


def make_app(root: Any, **kw: Any) -> App:
    """Build a carya application from a root controller (instance or dotted path).

    Accepts Pecan's ``make_app`` options: ``hooks``, ``debug``,
    ``force_canonical``, ``guess_content_type_from_ext``, ``template_path``,
    ``default_renderer``, ``custom_renderers``, ``extra_template_vars``,
    ``errors``, ``use_context_locals``, ``request_cls``, ``response_cls``,
    ``logging`` (a dictConfig dict, applied now), ``wrap_app`` (``wrap_app(app)``
    is returned: middleware in front of the application);
    and carya's ``router`` and ``error_formatter`` (see :class:`App`).
    """
    kw.pop("modules", None)
    logging_conf = kw.pop("logging", None)
    if logging_conf:
        from .log import configure

        configure(logging_conf)
    wrap_app = kw.pop("wrap_app", None)
    static_root = kw.pop("static_root", None)
    app = App(root, **kw)
    wsgi: Any = wrap_app(app) if wrap_app is not None else app
    if static_root and kw.get("debug") and os.path.isdir(static_root):
        from .static import StaticCascade

        return StaticCascade(wsgi, static_root)  # type: ignore[return-value]
    return wsgi
