"""URL generation: which route builds a URL, and the ``URLGenerator``/``url_for`` front ends.

``Mapper.generate(**kw)`` picks candidate routes as Routes does: an index by
hardcoded controller and action (built once after routes change), narrowed to
routes whose path variables are all given, ordered by how well their key set
fits the arguments -- Routes' ordering, including its quirks, since the
first route that generates wins and ported code depends on which one that is.

``URLGenerator(mapper, environ)`` is what ``RoutesMiddleware`` puts in
``environ['routes.url']``: ``url('route_name', **kw)`` generates with a named
route, ``url('/literal')`` passes text through, ``url(controller=..., ...)``
searches, ``url.current(...)`` adds the current request's match.
"""

from __future__ import annotations

import re
import threading
from typing import Any
from urllib.parse import quote

from .errors import GenerationException
from .route import Route, as_unicode, url_quote

__all__ = [
    "GenerationIndex",
    "URLGenerator",
    "url_for",
    "redirect_to",
    "request_config",
    "cache_hostinfo",
]


class GenerationIndex:
    """controller -> action -> (routes in connect order, {key set: ordered candidates})."""

    def __init__(self, routes: list[Route]):
        controllers: dict = {}
        actions: dict = {}
        for route in routes:
            if "controller" in route.defaults:
                controllers[route.defaults["controller"]] = True
            if "action" in route.defaults:
                actions[route.defaults["action"]] = True
        every_controller = [*controllers, "*"]
        every_action = [*actions, "*"]
        table: dict = {}
        for route in routes:
            clist = every_controller
            alist = every_action
            if "controller" in route.hardcoded:
                clist = [route.defaults["controller"]]
            if "action" in route.hardcoded:
                alist = [str(route.defaults["action"])]
            for controller in clist:
                by_action = table.setdefault(controller, {})
                for action in alist:
                    by_action.setdefault(action, ([], {}))[0].append(route)
        self.table = table

    def lookup(self, controller: Any, action: Any) -> tuple[dict, tuple | None]:
        by_action = self.table.get(controller) or self.table.get("*", {})
        return by_action, by_action.get(action) or by_action.get("*")

    @staticmethod
    def ordered(entry: tuple, keys: frozenset) -> list[Route]:
        """Routes of ``entry`` able to use ``keys``, best fit first (cached per key set)."""
        routes, cache = entry
        found = cache.get(keys)
        if found is None:
            usable = [r for r in routes if not (r.minkeys - r.dotkeys - keys)]
            found = cache[keys] = sorted(usable, key=lambda r: _Fit(r, keys))
        return found


class _Fit:
    """Sort key reproducing Routes' candidate order for a set of argument names.

    Not a total order (Routes' comparison never says "greater" where it means
    to), so the result depends on the exact comparisons ``sorted`` makes;
    using the same ``<`` answers as Routes gives the same list.
    """

    __slots__ = ("keys", "route")

    def __init__(self, route: Route, keys: frozenset):
        self.route = route
        self.keys = keys

    def __lt__(self, other: _Fit) -> bool:
        keys = self.keys
        mine = self.route.maxkeys
        theirs = other.route.maxkeys
        off_mine = len(keys ^ mine)
        off_theirs = len(keys ^ theirs)
        if off_mine == 0:
            return off_theirs != 0
        if off_theirs == 0:
            return False
        if off_mine < off_theirs:
            return True
        shared_mine = len(keys & mine)
        shared_theirs = len(keys & theirs)
        if shared_mine == shared_theirs:
            return len(mine) < len(theirs)
        return shared_theirs < shared_mine


# --- host handling -------------------------------------------------------------------------


def cache_hostinfo(environ: dict) -> dict:
    """Protocol and host of the request (proxy headers first), cached in the environ."""
    info = {}
    forwarded_proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(", ")
    https = (
        environ.get("HTTPS") or environ.get("wsgi.url_scheme") == "https"
        or "https" in forwarded_proto
    )
    info["protocol"] = "https" if https else "http"
    if environ.get("HTTP_X_FORWARDED_HOST"):
        info["host"] = environ["HTTP_X_FORWARDED_HOST"].split(", ", 1)[0]
    elif environ.get("HTTP_HOST"):
        info["host"] = environ["HTTP_HOST"]
    else:
        info["host"] = _server_host(environ)
    environ["routes.cached_hostinfo"] = info
    return info


def _server_host(environ: dict) -> str:
    host = environ["SERVER_NAME"]
    default_port = "443" if environ.get("wsgi.url_scheme") == "https" else "80"
    if environ["SERVER_PORT"] != default_port:
        host += ":" + environ["SERVER_PORT"]
    return host


def subdomain_check(kargs: dict, mapper: Any, environ: dict) -> dict:
    """With ``mapper.sub_domains``, turn a ``sub_domain`` argument into a ``_host``."""
    if not mapper.sub_domains:
        return kargs
    subdomain = as_unicode(kargs.pop("sub_domain", None), mapper.encoding)
    fullhost = environ.get("HTTP_HOST") or environ.get("SERVER_NAME")
    if not fullhost:
        return kargs
    pieces = fullhost.split(":")
    host = pieces[0]
    port = ":" + pieces[1] if len(pieces) > 1 else ""
    found = re.match(rf"^(.+?)\.({mapper.domain_match})$", host)
    host_subdomain, domain = found.groups() if found else (None, host)
    ignore = mapper.sub_domains_ignore
    if subdomain and host_subdomain != subdomain and subdomain not in ignore:
        kargs["_host"] = f"{subdomain}.{domain}{port}"
    elif (subdomain in ignore or subdomain is None) and domain != host:
        kargs["_host"] = domain + port
    return kargs


def screenargs(kargs: dict, mapper: Any, environ: dict, force_explicit: bool = False) -> dict:
    """Route memory: merge the current request's match under ``kargs`` (non-explicit mappers,
    or ``url.current()``); ``None`` values remove keys."""
    if mapper.explicit and not force_explicit:
        return subdomain_check(kargs, mapper, environ) if mapper.sub_domains else kargs
    controller = as_unicode(kargs.get("controller"), mapper.encoding)
    if controller and controller.startswith("/"):
        kargs["controller"] = kargs["controller"][1:]
        return kargs
    if controller and "action" not in kargs:
        kargs["action"] = "index"
    routing_args = environ.get("wsgiorg.routing_args")
    memory = dict(routing_args[1]) if routing_args else {}
    for key in [key for key, val in kargs.items() if val is None]:
        del kargs[key]
        memory.pop(key, None)
    memory.update(kargs)
    if mapper.sub_domains:
        memory = subdomain_check(memory, mapper, environ)
    return memory


def _literal_url(url: str, kargs: dict, encoding: str) -> str:
    """A URL that is not a route name: text as given, arguments as a query string."""
    if not kargs:
        return url
    pairs = []
    for key, val in kargs.items():
        for one in val if isinstance(val, (list, tuple)) else (val,):
            pairs.append(f"{quote(str(key).encode(encoding))}={quote(str(one).encode(encoding))}")
    return url + "?" + "&".join(pairs)


def _special_args(kargs: dict) -> tuple[Any, Any, Any, Any]:
    """Pop ``anchor``/``host``/``protocol``/``qualified``; ``anchor_``/``host_`` escape them."""
    anchor = kargs.get("anchor")
    host = kargs.get("host")
    protocol = kargs.pop("protocol", None)
    qualified = kargs.pop("qualified", None)
    for key in ("anchor", "host"):
        if kargs.get(key):
            del kargs[key]
        if key + "_" in kargs:
            kargs[key] = kargs.pop(key + "_")
    if "protocol_" in kargs:
        kargs["protocol_"] = protocol
    return anchor, host, protocol, qualified


def _check_result(url: str | None, args: tuple, kargs: dict, what: str) -> str:
    if url is not None and not url.isascii():
        raise GenerationException(f"{what} can only return ASCII text, got: {url}")
    if url is None:
        raise GenerationException(
            f"{what} could not generate URL. Called with args: {args} {kargs}"
        )
    return url


# --- URLGenerator ----------------------------------------------------------------------------


class URLGenerator:
    """Generates URLs for one mapper and request environ (``environ['routes.url']``)."""

    def __init__(self, mapper: Any, environ: dict):
        self.mapper = mapper
        if "SCRIPT_NAME" not in environ:
            environ["SCRIPT_NAME"] = ""
        self.environ = environ

    def __call__(self, *args: Any, **kargs: Any) -> str:
        mapper = self.mapper
        environ = self.environ
        anchor, host, protocol, qualified = _special_args(kargs)
        use_current = "_use_current" in kargs and kargs.pop("_use_current")
        route = mapper._routenames.get(args[0]) if args else None
        if args and not route:
            url = args[0]
            if url.startswith("/") and environ.get("SCRIPT_NAME"):
                url = environ["SCRIPT_NAME"] + url
            url = _literal_url(url, kargs, mapper.encoding)
        else:
            route_args: list = []
            if route:
                if mapper.hardcode_names:
                    route_args.append(route)
                newargs = {**route.defaults, **kargs}
                if route.filter:
                    newargs = route.filter(newargs)
                if not route.static or not route.external:
                    sub = newargs.get("sub_domain")
                    newargs = subdomain_check(newargs, mapper, environ)
                    if "sub_domain" in route.defaults:
                        newargs["sub_domain"] = sub
            elif use_current:
                newargs = screenargs(kargs, mapper, environ, force_explicit=True)
            elif "sub_domain" in kargs:
                newargs = subdomain_check(kargs, mapper, environ)
            else:
                newargs = kargs
            anchor = anchor or newargs.pop("_anchor", None)
            host = host or newargs.pop("_host", None)
            if protocol is None:
                protocol = newargs.pop("_protocol", None)
            newargs["_environ"] = environ
            url = mapper.generate(*route_args, **newargs)
        if anchor is not None and url is not None:
            url += "#" + url_quote(anchor, mapper.encoding)
        if (host or protocol is not None or qualified) and url is not None:
            if "routes.cached_hostinfo" not in environ:
                cache_hostinfo(environ)
            info = environ["routes.cached_hostinfo"]
            if not host and not qualified:
                host = info["host"].split(":")[0]
            elif not host:
                host = info["host"]
            if protocol is None:
                protocol = info["protocol"]
            if protocol != "":
                protocol += ":"
            if host[-1] != "/":
                host += "/"
            url = protocol + "//" + host + url.lstrip("/")
        return _check_result(url, args, kargs, "URLGenerator")

    def current(self, *args: Any, **kwargs: Any) -> str:
        """Generate with the current request's match as defaults (``None`` removes a key)."""
        return self(*args, _use_current=True, **kwargs)


# --- the per-thread request config and url_for -------------------------------------------------


class _RequestConfig(threading.local):
    """Per-thread request state for ``url_for`` (carya's own; Routes' is not touched).

    Setting ``environ`` matches the request with ``mapper`` and records the
    host and protocol, as ``routes.request_config()`` does.
    """

    mapper: Any = None
    mapper_dict: dict | None = None
    route: Any = None
    host: str = ""
    protocol: str = "http"
    redirect: Any = None

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "environ":
            self.load_wsgi_environ(value)
        super().__setattr__(name, value)

    def load_wsgi_environ(self, environ: dict) -> None:
        https = (
            "HTTPS" in environ or environ.get("wsgi.url_scheme") == "https"
            or environ.get("HTTP_X_FORWARDED_PROTO") == "https"
        )
        self.protocol = "https" if https else "http"
        mapper = self.mapper
        if mapper is not None:
            mapper.environ = environ
            if "PATH_INFO" in environ:
                found = mapper.routematch(environ["PATH_INFO"])
                self.mapper_dict, self.route = found if found else (None, None)
        if "HTTP_X_FORWARDED_HOST" in environ:
            self.host = environ["HTTP_X_FORWARDED_HOST"].split(", ", 1)[0]
        elif "HTTP_HOST" in environ:
            self.host = environ["HTTP_HOST"]
        else:
            self.host = _server_host(environ)


_config = _RequestConfig()


def request_config() -> _RequestConfig:
    """This thread's request config (mapper, environ, mapper_dict, route, host, protocol)."""
    return _config


def url_for(*args: Any, **kargs: Any) -> str:
    """Generate a URL with the registered mapper (``Mapper(register=True)``, the default)."""
    config = request_config()
    mapper = config.mapper
    if mapper is None:
        raise GenerationException("url_for: no mapper is registered in this thread")
    anchor, host, protocol, qualified = _special_args(kargs)
    environ = getattr(config, "environ", None) or {}
    route = mapper._routenames.get(args[0]) if args else None
    if args and not route:
        url = args[0]
        if url.startswith("/") and environ.get("SCRIPT_NAME"):
            url = environ["SCRIPT_NAME"] + url
        url = _literal_url(url, kargs, mapper.encoding)
    else:
        if "wsgiorg.routing_args" not in environ:
            environ = {**environ, "wsgiorg.routing_args": ((), dict(config.mapper_dict or {}))}
        route_args: list = []
        if route:
            if mapper.hardcode_names:
                route_args.append(route)
            newargs = {**route.defaults, **kargs}
            if route.filter:
                newargs = route.filter(newargs)
            if not route.static:
                newargs = subdomain_check(newargs, mapper, environ)
        else:
            newargs = screenargs(kargs, mapper, environ)
        anchor = newargs.pop("_anchor", None) or anchor
        host = newargs.pop("_host", None) or host
        protocol = newargs.pop("_protocol", protocol)
        url = mapper.generate(*route_args, **newargs)
    if anchor is not None and url is not None:
        url += "#" + url_quote(anchor, mapper.encoding)
    if (host or protocol is not None or qualified) and url is not None:
        if not host:
            host = config.host if qualified else config.host.split(":")[0]
        if protocol is None:
            protocol = config.protocol
        if protocol != "":
            protocol += ":"
        url = protocol + "//" + host + url
    return _check_result(url, args, kargs, "url_for")


def redirect_to(*args: Any, **kargs: Any) -> Any:
    """``url_for`` then ``request_config().redirect(url)`` (set by the web framework)."""
    target = url_for(*args, **kargs)
    return request_config().redirect(target)
