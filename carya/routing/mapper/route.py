"""One route: its template, defaults, conditions, and how it matches and generates.

Everything that depends only on the definition is computed here, once, when
the route is connected: the routelist, the key sets Routes' generation uses
(``minkeys``, ``maxkeys``, ``hardcoded``, ``dotkeys``), compiled requirement
regexes, the whole-path regex (the behavioural reference, used by
:meth:`Route.match`, the mapper's debug mode and its rare-input fallback) and
the :class:`~.template.Plan` the segment tree is built from.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, urlencode

from .errors import RouteDefinitionError
from .template import full_regex, parse_path, plan_segments, static_prefix

__all__ = ["Route", "make_unicode", "as_unicode", "url_quote", "find_sub_domain"]

CONDITION_KEYS = frozenset({"method", "function", "sub_domain"})
_RESERVED_KEYS = ("requirements",)


def as_unicode(value: Any, encoding: str = "utf-8", errors: str = "strict") -> Any:
    """Bytes become text; anything else is returned as it is."""
    if isinstance(value, bytes):
        return value.decode(encoding, errors)
    return value


def make_unicode(value: Any, encoding: str = "utf-8") -> Any:
    """Text for comparisons with defaults: callables stay, None becomes 'None' (as in Routes)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode(encoding)
    if callable(value):
        return value
    return str(value)


# Text that urllib's quote(value, "/") returns unchanged.
_QUOTE_SAFE = re.compile(r"[A-Za-z0-9_.\-~/]*")


def url_quote(value: Any, encoding: str = "utf-8") -> str:
    """Percent-encode a path value; ``/`` is kept, as Routes keeps it."""
    if value.__class__ is str and _QUOTE_SAFE.fullmatch(value):
        return value
    if isinstance(value, bytes):
        value = value.decode(encoding)
    elif not isinstance(value, str):
        value = str(value)
    return quote(value.encode(encoding), "/")


def find_sub_domain(environ: Any, ignore: Iterable, domain_match: str) -> str | None:
    """The request's sub-domain from ``HTTP_HOST``, or None (Routes' rule)."""
    if not environ or "HTTP_HOST" not in environ:
        return None
    host = environ["HTTP_HOST"].split(":")[0]
    found = re.match(rf"^(.+?)\.{domain_match}$", host)
    sub = found.group(1) if found else host
    if sub in (ignore or ()) or sub == host:
        return None
    return sub


class Route:
    """A route, built the way ``routes.route.Route`` is (same constructor and attributes)."""

    reserved_keys = list(_RESERVED_KEYS)
    done_chars = ("/", ",", ";", ".", "#")

    def __init__(self, name: str | None, routepath: str, **kargs: Any):
        if not isinstance(routepath, str):
            raise RouteDefinitionError(routepath, "the route path must be a string")
        self.routepath = routepath
        self.sub_domains = False
        self.prior = None
        self.redirect = False
        self.name = name
        self._kargs = kargs
        self.minimization = kargs.pop("_minimize", False)
        self.encoding = kargs.pop("_encoding", "utf-8")
        # The caller's dict itself, as in Routes: inline ``{name:regex}``
        # requirements are written into it and routes sharing it see them.
        self.reqs = kargs.get("requirements", {})
        self.decode_errors = "replace"
        self.static = kargs.pop("_static", False)
        self.filter = kargs.pop("_filter", None)
        self.absolute = kargs.pop("_absolute", False)
        self.member_name = kargs.pop("_member_name", None)
        self.collection_name = kargs.pop("_collection_name", None)
        self.parent_resource = kargs.pop("_parent_resource", None)
        self.conditions = kargs.pop("conditions", None)
        self.explicit = kargs.pop("_explicit", False)
        if self.static:
            self.external = "://" in routepath
            self.minimization = False
        if self.minimization:
            raise RouteDefinitionError(
                routepath, "URL minimization is not supported (it is off by default in Routes)"
            )
        # Filled in by the mapper: position in the match order, the tree plan.
        self.index = -1
        self.rank = 0
        self.plan = None
        self.regexp = None
        self.regmatch = None
        self._check_conditions()
        self._setup_route()

    # --- definition ----------------------------------------------------------------------

    def _check_conditions(self) -> None:
        conditions = self.conditions
        self._methods: Any = None
        self._function: Callable | None = None
        self._sub_domain_cond = False
        if conditions is None:
            return
        if not isinstance(conditions, dict):
            raise RouteDefinitionError(self.routepath, "conditions must be a dict")
        unknown = sorted(set(conditions) - CONDITION_KEYS)
        if unknown:
            raise RouteDefinitionError(
                self.routepath,
                f"unknown condition key(s) {', '.join(map(repr, unknown))}; "
                "known: 'method', 'function', 'sub_domain'",
            )
        if "method" in conditions:
            self._methods = _method_set(self.routepath, conditions["method"])
        if "function" in conditions:
            if not callable(conditions["function"]):
                raise RouteDefinitionError(self.routepath, "condition 'function' is not callable")
            self._function = conditions["function"]
        self._sub_domain_cond = "sub_domain" in conditions

    def _setup_route(self) -> None:
        if not isinstance(self.reqs, dict):
            raise RouteDefinitionError(self.routepath, "requirements must be a dict")
        self.routelist, inline = parse_path(self.routepath, self.static)
        self.reqs.update(inline)
        variables = [tok for tok in self.routelist if isinstance(tok, dict)]
        routekeys = frozenset(var["name"] for var in variables)
        self.dotkeys = frozenset(var["name"] for var in variables if var["type"] == ".")
        self.regpath = "".join(
            tok if isinstance(tok, str) else f"%({tok['name']})s" for tok in self.routelist
        )
        self.req_regs = {key: self._requirement(key, val) for key, val in self.reqs.items()}
        self.defaults, defaultkeys = self._defaults(routekeys, dict(self._kargs))
        self.maxkeys = defaultkeys | routekeys
        self.minkeys = routekeys
        self.routebackwards = self.routelist[:]
        self.hardcoded = frozenset(
            key for key in self.maxkeys if key not in routekeys and self.defaults[key] is not None
        )
        self._default_keys = frozenset(self.defaults)
        self._fixed_keys = tuple(self.maxkeys - self.minkeys)
        self.prefix = static_prefix(self.routelist)
        # generation, precomputed: (key, default as text) pairs every call must
        # repeat, and the path as literal text or (variable name, is-format).
        self._fixed = tuple((key, self.make_unicode(self.defaults[key]))
                            for key in self._fixed_keys)
        self._gen_parts = tuple(
            tok if isinstance(tok, str) else (tok["name"], tok["type"] == ".")
            for tok in self.routelist
        )
        self._req_items = tuple(self.req_regs.items())

    def _requirement(self, key: str, source: Any) -> re.Pattern:
        if not isinstance(source, str):
            raise RouteDefinitionError(self.routepath, f"requirement for {key!r} is not a string")
        try:
            with warnings.catch_warnings():
                # Python 3.10 only warns about what 3.11 refuses (global flags such as
                # "(?i)" not at the start): refuse it on every version alike.
                warnings.simplefilter("error", DeprecationWarning)
                return re.compile("^" + source + "$")
        except (re.error, DeprecationWarning) as error:
            raise RouteDefinitionError(
                self.routepath, f"requirement for {key!r} is not a valid regex ({error})"
            ) from None

    def _defaults(self, routekeys: frozenset, kargs: dict) -> tuple[dict, frozenset]:
        """Defaults as text (``None`` stays ``None``); implicit ones only when not explicit."""
        if not self.explicit:
            if "controller" not in routekeys and "controller" not in kargs:
                kargs["controller"] = "content"
            if "action" not in routekeys and "action" not in kargs:
                kargs["action"] = "index"
        defaults = {
            key: (None if val is None else self.make_unicode(val))
            for key, val in kargs.items()
            if key not in _RESERVED_KEYS
        }
        if not self.explicit:
            if "action" in routekeys and "action" not in defaults:
                defaults["action"] = "index"
            if "id" in routekeys and "id" not in defaults:
                defaults["id"] = None
        return defaults, frozenset(defaults)

    def makeregexp(self, clist: Iterable[str], include_names: bool = True) -> str | None:
        """Compile the whole-path regex and the tree plan for the given controller names."""
        controllers = "|".join(map(re.escape, clist))
        source = full_regex(self.routelist, self.reqs, controllers)
        if not include_names:
            return source
        try:
            self.regmatch = re.compile(source)
        except re.error as error:
            raise RouteDefinitionError(self.routepath, f"does not compile ({error})") from None
        except OverflowError as error:  # pragma: no cover - absurd repeat counts
            raise RouteDefinitionError(self.routepath, f"does not compile ({error})") from None
        self.regexp = source
        self.plan = plan_segments(self.routelist, self.reqs, controllers)
        return None

    def make_unicode(self, value: Any) -> Any:
        return make_unicode(value, self.encoding)

    @property
    def controller(self) -> Any:
        """The ``controller`` default (what the route dispatches to), or None."""
        return self.defaults.get("controller")

    @property
    def action(self) -> Any:
        """The ``action`` default, or None when the action comes from the path."""
        return self.defaults.get("action")

    def __repr__(self) -> str:
        return f"<Route {self.name!r} {self.routepath!r}>"

    # --- matching --------------------------------------------------------------------------

    def admits(self, method: str | None, sub_domain: str | None) -> bool:
        """Method and sub-domain conditions (the function condition runs later)."""
        if self._methods is not None and method is not None and method not in self._methods:
            return False
        if self._sub_domain_cond:
            wanted = self.conditions.get("sub_domain")
            if wanted and not sub_domain:
                return False
            if not wanted and sub_domain:
                return False
            if isinstance(wanted, list) and sub_domain not in wanted:
                return False
        return True

    def fill(self, result: dict) -> dict:
        """Add defaults to captured values: missing keys, and empty captures with a default."""
        for key, default in self.defaults.items():
            if key not in result:
                result[key] = default
            elif default and not result[key]:
                result[key] = default
        return result

    def match(self, url: str, environ: Any = None, sub_domains: bool = False,
              sub_domains_ignore: Any = None, domain_match: str = "") -> dict | bool:
        """Match ``url`` against this route alone with the whole-path regex (Routes' API)."""
        if self.static or self.regmatch is None:
            return False
        found = self.regmatch.match(url)
        if not found:
            return False
        sub_domain = None
        if sub_domains:
            sub_domain = find_sub_domain(environ, sub_domains_ignore, domain_match)
        method = environ.get("REQUEST_METHOD") if environ else None
        if self.conditions and not self.admits(method, sub_domain):
            return False
        result = self.fill(found.groupdict())
        if sub_domains:
            result["sub_domain"] = sub_domain
        if self._function is not None and not self._function(environ, result):
            return False
        return result

    # --- generation ------------------------------------------------------------------------

    def generate(self, _ignore_req_list: bool = False, _append_slash: bool = False,
                 **kargs: Any) -> str | bool:
        """Build this route's URL from ``kargs``, or return False (Routes' semantics).

        Every path variable must be given (``{.format}`` may be left out),
        every default that is not in the path must be given with its default
        value, requirements must hold, and a ``method`` argument must satisfy
        the method condition. Other arguments become the query string.
        """
        if not _ignore_req_list:
            for key, regex in self._req_items:
                val = kargs.get(key)
                if val and not regex.match(val if val.__class__ is str else self.make_unicode(val)):
                    return False
        meth = kargs.get("method")
        if meth:
            meth = as_unicode(meth, self.encoding)
            if self._methods is not None and str(meth).upper() not in self._methods:
                return False
            del kargs["method"]
        url = self._fill_path(kargs)
        if url is False:
            return False
        if not url.startswith("/") and not self.static:
            url = "/" + url
        if _append_slash and not url.endswith("/"):
            url += "/"
        extras = [key for key in kargs if key not in self.maxkeys]
        query = self._query(kargs, extras)
        return url + "?" + query if query else url

    def _fill_path(self, kargs: dict) -> str | bool:
        for key, text in self._fixed:
            if key not in kargs:
                return False
            given = kargs[key]
            if (given if given.__class__ is str else self.make_unicode(given)) != text:
                return False
        parts = []
        encoding = self.encoding
        for part in self._gen_parts:
            if part.__class__ is str:
                parts.append(part)
                continue
            name, is_format = part
            val = kargs.get(name)
            if val is None:
                if is_format:
                    continue
                return False
            if is_format:
                val = as_unicode(val, encoding)
                parts.append(url_quote("." + str(val), encoding) if val else str(val))
            else:
                parts.append(url_quote(val, encoding))
        return "".join(parts)

    def _query(self, kargs: dict, extras: list) -> str:
        fragments = []
        for key in extras:
            if key == "action" or key == "controller":
                continue
            val = kargs[key]
            for one in val if isinstance(val, (tuple, list)) else (val,):
                one = as_unicode(one, self.encoding)
                text = one if isinstance(one, str) else str(one)
                fragments.append((key, text.encode(self.encoding)))
        return urlencode(fragments) if fragments else ""


def _method_set(routepath: str, methods: Any) -> Any:
    """The container a method is tested against: a string keeps Routes' ``in`` (substring)
    test, a list or tuple becomes a frozenset (same answers, faster)."""
    if isinstance(methods, str):
        return methods
    try:
        items = list(methods)
    except TypeError:
        raise RouteDefinitionError(
            routepath, "condition 'method' must be a string or a list of strings"
        ) from None
    if not all(isinstance(item, str) for item in items):
        raise RouteDefinitionError(routepath, "condition 'method' must list strings")
    return frozenset(items)
