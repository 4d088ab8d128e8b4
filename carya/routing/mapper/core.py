"""``Mapper``: connect routes, match URLs against the segment tree, generate URLs."""

from __future__ import annotations

import os
import re
import threading
from bisect import insort
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from .compiled import compile_tree
from .errors import RoutesException
from .generation import GenerationIndex, request_config
from .resource import ResourceMixin, SubMapperParent
from .route import Route, as_unicode, find_sub_domain
from .tree import SegmentTree, captures_to_dict

__all__ = ["Mapper", "controller_scan"]

# Rank = -len(static prefix) * _PREFIX_WEIGHT + connect index: one integer
# that sorts routes in the order Routes tries them.
_PREFIX_WEIGHT = 1 << 32
# Generated URLs are cached when every argument is one of these exact types:
# values of different types never compare equal (unlike 1, 1.0 and True).
_CACHEABLE = frozenset({str, int, type(None)})
_URL_CACHE_SIZE = 4096


def controller_scan(directory: str | None = None) -> list[str]:
    """Controller names from the ``.py`` files under ``directory``, longest first."""
    if directory is None:
        return []
    found: list[str] = []

    def scan(dirname: str, prefix: str) -> None:
        for fname in os.listdir(dirname):
            full = os.path.join(dirname, fname)
            if os.path.isfile(full) and re.match(r"^[^_]{1,1}.*\.py$", fname):
                found.append(prefix + fname[:-3])
            elif os.path.isdir(full):
                scan(full, prefix + fname + "/")

    scan(directory, "")
    found.sort(key=len, reverse=True)
    return found


class Mapper(SubMapperParent, ResourceMixin):
    """A URL mapper with Routes' API (``routes.Mapper``), matching through a segment tree.

    Attributes Routes users set after construction work the same:
    ``explicit``, ``encoding``, ``hardcode_names``, ``append_slash``,
    ``sub_domains``, ``sub_domains_ignore``, ``domain_match``, ``prefix``,
    ``debug``. ``minimization`` must stay False.
    """

    def __init__(self, controller_scan: Callable | list | None = controller_scan,
                 directory: str | None = None, always_scan: bool = False,
                 register: bool = True, explicit: bool = True):
        self.matchlist: list[Route] = []
        self.maxkeys: dict[frozenset, list[Route]] = {}
        self.minkeys: dict = {}
        self.prefix: str | None = None
        self.req_data = threading.local()
        self.directory = directory
        self.always_scan = always_scan
        self.controller_scan = controller_scan
        self._routenames: dict[str, Route] = {}
        self.debug = False
        self.append_slash = False
        self.sub_domains = False
        self.sub_domains_ignore: list = []
        self.domain_match = r"[^\.\/]+?\.[^\.\/]+"
        self.explicit = explicit
        self.encoding = "utf-8"
        self.decode_errors = "ignore"
        self.hardcode_names = True
        self.minimization = False
        self._tree = SegmentTree()
        self._fast: Any = None  # the tree compiled (compiled.py); False: keep the walk
        self._ordered: list[Route] = []
        self._controllers: list[str] | None = None
        self._created_regs = False
        self._gens: GenerationIndex | None = None
        # Generated URLs; set to None to disable caching (as with Routes' LRU cache).
        self.urlcache: dict | None = {}
        self._lock = threading.Lock()
        if register:
            request_config().mapper = self

    # --- the request environ (per thread, as Routes keeps it) -----------------------------------

    @property
    def environ(self) -> Any:
        return getattr(self.req_data, "environ", None)

    @environ.setter
    def environ(self, env: Any) -> None:
        self.req_data.environ = env

    @environ.deleter
    def environ(self) -> None:
        del self.req_data.environ

    # --- building ------------------------------------------------------------------------------

    def make_route(self, *args: Any, **kargs: Any) -> Route:
        """Build a Route; a subclass may return its own Route subclass."""
        return Route(*args, **kargs)

    def connect(self, *args: Any, **kargs: Any) -> None:
        """``connect([name,] path, **options)``: add a route.

        Options: ``controller``, ``action`` and other defaults;
        ``requirements={var: regex}``; ``conditions=dict(method=[...],
        function=f, sub_domain=...)``; ``_static``, ``_filter``,
        ``_absolute``, ``_explicit``, ``_encoding``. Errors in the definition
        raise :class:`RouteDefinitionError` here, naming the path.
        """
        routename = None
        if len(args) > 1:
            routename = args[0]
        else:
            args = (None, *args)
        kargs.setdefault("_explicit", self.explicit)
        kargs.setdefault("_minimize", self.minimization)
        route = self.make_route(*args, **kargs)
        custom = self.encoding != "utf-8" or self.decode_errors != "ignore"
        if custom and "_encoding" not in kargs:
            route.encoding = self.encoding
            route.decode_errors = self.decode_errors
        if not route.static:
            route.makeregexp(self._controller_list())
            self._add_matchable(route)
        if routename:
            self._routenames[routename] = route
            route.name = routename

    def _add_matchable(self, route: Route) -> None:
        with self._lock:
            route.index = len(self.matchlist)
            route.rank = route.index - len(route.prefix) * _PREFIX_WEIGHT
            self.matchlist.append(route)
            self.maxkeys.setdefault(route.maxkeys, []).append(route)
            insort(self._ordered, route, key=_rank)
            self._tree.insert(route)
            self._fast = None
            self._gens = None
            if self.urlcache is not None:
                self.urlcache = {}

    def extend(self, routes: list[Route], path_prefix: str = "") -> None:
        """Connect copies of ``routes``, their paths prefixed with ``path_prefix``."""
        for route in routes:
            self.connect(route.name, path_prefix + route.routepath,
                         conditions=route.conditions, **route._kargs)

    def redirect(self, match_path: str, destination_path: str, *args: Any,
                 **kwargs: Any) -> None:
        """A route that ``RoutesMiddleware`` answers with a redirect to ``destination_path``."""
        both = ("_encoding", "_explicit", "_minimize")
        status = kwargs.pop("_redirect_code", "302 Found")
        gen = {key: kwargs[key] for key in (*both, "_filter") if key in kwargs}
        gen["_static"] = True
        match = {key: val for key, val in kwargs.items() if key != "_filter"}
        self.connect(match_path, **match)
        route = self.matchlist[-1]
        self.connect(f"_redirect_{id(route)}", destination_path, **gen)
        route.redirect = True
        route.redirect_status = status

    def _scan_controllers(self) -> list[str]:
        scan = self.controller_scan
        if self.directory:
            return list(scan(self.directory))
        if callable(scan):
            return list(scan())
        return list(scan or [])

    def _controller_list(self) -> list[str]:
        if self._controllers is None:
            self._controllers = self._scan_controllers()
        return self._controllers

    def create_regs(self, clist: list[str] | None = None) -> None:
        """Set the controller names a ``controller`` path variable may match (``clist``,
        or what ``controller_scan`` finds); recompiles only if they changed."""
        with self._lock:
            fresh = self._scan_controllers() if clist is None else list(clist)
            if fresh != self._controllers:
                self._controllers = fresh
                self._tree = SegmentTree()
                for route in self.matchlist:
                    route.makeregexp(fresh)
                    self._tree.insert(route)
                self._fast = None
                if self.urlcache is not None:
                    self.urlcache = {}
            self._created_regs = True

    def compile(self) -> Mapper:
        """Finish everything lazy (controller scan, generation index) now; returns self.

        Matching structures are built by ``connect``; call this at app start so
        the first request pays nothing.
        """
        if not self._created_regs:
            self.create_regs()
        if self._fast is None:
            self._fast = compile_tree(self._tree) or False
        if self._gens is None:
            self._gens = GenerationIndex(self.matchlist)
        return self

    # --- inspecting -----------------------------------------------------------------------------

    @property
    def routelist(self) -> list[Route]:
        """Matchable routes in connect order (named generation-only routes are in
        ``_routenames``)."""
        return list(self.matchlist)

    def __iter__(self) -> Iterator[Route]:
        return iter(self.matchlist)

    def __len__(self) -> int:
        return len(self.matchlist)

    def __str__(self) -> str:
        """The route table as Routes prints it: name, methods, path, controller, action."""
        rows = [("Route name", "Methods", "Path", "Controller", "action")]
        for route in self.matchlist:
            rows.append((
                route.name or "",
                _methods_text(route.conditions),
                route.routepath or "",
                _cell(route.defaults.get("controller", "")),
                _cell(route.defaults.get("action", "")),
            ))
        widths = [max(len(row[col]) for row in rows) for col in range(len(rows[0]))]
        return "\n".join(
            " ".join(row[col].ljust(widths[col]) for col in range(len(widths))) for row in rows
        )

    # --- matching -------------------------------------------------------------------------------

    def match(self, url: str | None = None, environ: dict | None = None) -> Any:
        """The match dict for ``url`` (or ``environ['PATH_INFO']``), or None.

        ``environ['REQUEST_METHOD']`` is checked against method conditions;
        without an environ (and none set for this thread) they are ignored,
        as in Routes.
        """
        if url is None and not environ:
            raise RoutesException("URL or environ must be provided")
        if url is None:
            url = environ["PATH_INFO"]
        result = self._match(url, environ)
        if self.debug:
            return result
        return result[0]

    def routematch(self, url: str | None = None, environ: dict | None = None) -> Any:
        """``(match_dict, route)`` for ``url``, or None."""
        if url is None and not environ:
            raise RoutesException("URL or environ must be provided")
        if url is None:
            url = environ["PATH_INFO"]
        result = self._match(url, environ)
        if self.debug:
            return result
        if result[1] is None:
            return None
        return result[0], result[1]

    def match_path(self, method: str | None, path: str,
                   environ: dict | None = None) -> tuple[Route, dict] | None:
        """Fast path for a framework: ``(route, match_dict)`` or None.

        ``method`` is tested against method conditions (None skips them);
        ``environ``, when given, goes to ``function`` conditions and supplies
        the host for sub-domain matching. No thread-local state is read.
        """
        fast = self._fast
        if fast and not self.prefix and not self.sub_domains and path[-1:] != "\n":
            return fast(path, method)  # the usual case: the tree compiled (compiled.py)
        if not self._created_regs:
            self._ready()
        if self.prefix:
            path = self._strip_prefix(path)
            if path is None:
                return None
        if path.endswith("\n"):
            found = self._scan(path, environ, method)[:2]
            return (found[1], found[0]) if found[1] is not None else None
        if not self.sub_domains:
            if fast is None:
                fast = self._fast = compile_tree(self._tree) or False
            if fast:
                return fast(path, method)
        sub_domain = None
        if self.sub_domains:
            sub_domain = find_sub_domain(environ, self.sub_domains_ignore, self.domain_match)
        state = self._tree.search(path, method, sub_domain)
        if state.route is not None and not state.pending:
            result = state.route.fill(captures_to_dict(state.caps))
            if self.sub_domains:
                result["sub_domain"] = sub_domain
            return state.route, result
        for route, caps in state.candidates():
            result = route.fill(captures_to_dict(caps))
            if self.sub_domains:
                result["sub_domain"] = sub_domain
            if route._function is None or route._function(environ, result):
                return route, result
        return None

    def _match(self, url: str, environ: dict | None) -> tuple[Any, Any, list]:
        """``(match, route, matchlog)``; Routes' internal, kept for subclasses that call it."""
        if self.always_scan:
            self.create_regs()
        elif not self._created_regs:
            self._ready()
        environ = environ or self.environ
        method = environ.get("REQUEST_METHOD") if environ else None
        if self.debug:
            if self.prefix:
                url = self._strip_prefix(url)
                if url is None:
                    return None, None, []
            return self._scan(url, environ, method)
        found = self.match_path(method, url, environ)
        if found is None:
            return None, None, []
        return found[1], found[0], []

    def _ready(self) -> None:
        if not self.controller_scan:
            raise RoutesException("You must generate the regular expressions before matching.")
        self.create_regs()

    def _strip_prefix(self, url: str) -> str | None:
        """Remove ``self.prefix`` (a regex) from the front, or None if it is not there."""
        pattern = _prefix_regex(self.prefix)
        if not pattern.match(url):
            return None
        return pattern.sub(r"\1", url) or "/"

    def _scan(self, url: str, environ: Any, method: str | None) -> tuple[Any, Any, list]:
        """Routes' sequential algorithm with whole-path regexes: the reference the tree
        reproduces, used for ``debug`` (its match log) and paths ending in a newline."""
        routes = [r for r in self._ordered if url.startswith(r.prefix)]
        if not any(r.regmatch.match(url) for r in routes):
            return None, None, []
        log: list = []
        sub_domain = None
        if self.sub_domains:
            sub_domain = find_sub_domain(environ, self.sub_domains_ignore, self.domain_match)
        for route in routes:
            found = route.regmatch.match(url)
            ok = found is not None and route.admits(method, sub_domain)
            result = None
            if ok:
                result = route.fill(found.groupdict())
                if self.sub_domains:
                    result["sub_domain"] = sub_domain
                ok = route._function is None or bool(route._function(environ, result))
            if self.debug:
                log.append({"route": route, "regexp": bool(result) if ok else False})
            if ok:
                return result, route, log
        return None, None, log

    # --- generation -----------------------------------------------------------------------------

    def generate(self, *args: Any, **kargs: Any) -> str | None:
        """A URL from keyword arguments (``controller``, ``action``, path variables,
        extras for the query string), or None. A Route given positionally is used
        directly (``URLGenerator`` does this for named routes)."""
        gens = self._gens
        if gens is None:
            gens = self._gens = GenerationIndex(self.matchlist)
        if self.append_slash:
            kargs["_append_slash"] = True
        if not self.explicit:
            kargs.setdefault("controller", "content")
            kargs.setdefault("action", "index")
        environ = kargs.pop("_environ", None) if "_environ" in kargs else self.environ
        if environ and "SCRIPT_NAME" in environ:
            script_name = environ["SCRIPT_NAME"]
        else:
            current = self.environ
            script_name = current["SCRIPT_NAME"] if current and "SCRIPT_NAME" in current else ""
        urls = self.urlcache
        key = None if urls is None else _cache_key(args, script_name, self.prefix, kargs)
        if key is not None:
            cached = urls.get(key, self)
            if cached is not self:
                return cached
        url = self._generate(gens, args, kargs, script_name)
        if key is not None:
            if len(urls) >= _URL_CACHE_SIZE:
                urls.clear()
            urls[key] = url
        return url

    def _generate(self, gens: GenerationIndex, args: tuple, kargs: dict,
                  script_name: str) -> str | None:
        controller = as_unicode(kargs.get("controller"), self.encoding)
        action = as_unicode(kargs.get("action"), self.encoding)
        by_action, entry = gens.lookup(controller, action)
        if args:
            candidates = args
        elif not by_action or not entry or not entry[0]:
            return None
        else:
            candidates = gens.ordered(entry, frozenset(kargs))
        for route in candidates:
            if not self._hardcoded_fit(route, kargs):
                continue
            path = route.generate(**kargs)
            if path:
                if self.prefix:
                    path = self.prefix + path
                if not route.absolute and not (route.static and route.external):
                    path = script_name + path
                return str(path)
        return None

    def _hardcoded_fit(self, route: Route, kargs: dict) -> bool:
        for key in route.hardcoded:
            given = kargs.get(key)
            if not given:
                continue
            default = route.defaults[key]
            if as_unicode(given, self.encoding) != default and not callable(default):
                return False
        return True


def _cache_key(args: tuple, script_name: Any, prefix: Any, kargs: dict) -> tuple | None:
    """A key for the URL cache, or None when an argument could make it ambiguous."""
    items = tuple(kargs.items())
    for _, value in items:
        if value.__class__ not in _CACHEABLE:
            return None
    return args, script_name, prefix, items


@lru_cache(maxsize=64)
def _prefix_regex(prefix: str) -> re.Pattern:
    return re.compile(prefix + "(.*)")


def _rank(route: Route) -> int:
    return route.rank


def _cell(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else str(value)


def _methods_text(conditions: dict | None) -> str:
    if not conditions:
        return ""
    method = conditions.get("method", "")
    return method if isinstance(method, str) else ", ".join(method)
