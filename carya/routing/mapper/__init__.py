"""A URL mapper with Routes' API, compiled to a segment tree.

Code written for Routes ports by changing the import::

    from carya.mapper import Mapper            # was: from routes import Mapper

    m = Mapper()
    m.connect("home", "/", controller="home", action="index")
    m.connect("/archives/{year:\\d{4}}/{slug}", controller="blog", action="view")
    m.resource("server", "servers", collection={"detail": "GET"},
               member={"action": "POST"}, path_prefix="/{project_id}")
    m.match("/p1/servers/42", environ={"REQUEST_METHOD": "GET"})
    # {'project_id': 'p1', 'id': '42', 'controller': 'servers', 'action': 'show'}
    m.generate(controller="servers", action="show", project_id="p1", id=42)
    # '/p1/servers/42'
    print(m)                                    # the route table, as Routes prints it

Same answers as Routes (``tests/routing/test_mapper*.py`` compare both on
the same definitions): ``match``/``routematch`` dicts, including which route
wins when several match (Routes tries the longest static prefix first, then
connect order), method/function/sub-domain conditions, ``{.format}`` and
``:(format)`` suffixes, wildcards, requirements; ``generate``/``url_for``/
``URLGenerator`` with Routes' candidate ordering; ``resource`` route tables
and names; ``submapper``/``collection``; ``RoutesMiddleware``'s environ keys.
Explicit mode (no implicit controller/action defaults) is the default, as in
current Routes; ``minimization`` is not supported.

How matching works: see :mod:`.tree`. ``connect`` parses and validates the
path (:mod:`.template`), compiles requirement regexes and inserts the route
into the tree; a bad definition raises :class:`RouteDefinitionError` naming
the path. Matching costs one ``str.split`` and about one dict lookup or
compiled-regex test per path segment, whatever the number of routes.

Internal API for the framework (what carya's request pipeline uses):

- ``Mapper.compile() -> Mapper``: finish lazy work at start-up (controller
  scan, generation index); call once after the last ``connect``.
- ``Mapper.match_path(method, path, environ=None) -> (route, match) | None``:
  the fast path. ``method`` is the request method (None ignores method
  conditions); no thread-local state is read or written. ``environ`` is
  only needed for ``function`` conditions and sub-domains.
- ``Route.controller`` / ``Route.action``: the route's ``controller`` and
  ``action`` defaults (whatever objects were connected, e.g. a controller
  instance); ``Route.defaults``, ``Route.conditions``, ``Route.name``,
  ``Route.routepath``, ``Route.member_name``/``collection_name``/
  ``parent_resource`` (set by ``resource``) are Routes' attributes.
- ``Mapper.matchlist`` / iteration: routes in connect order; ``Route.index``
  is that position and ``Route.rank`` the match priority (lower wins).

Which route wins: Routes does *not* simply take the first connected route
that matches. It groups routes by the literal text before their first
variable and tries longer prefixes first, connect order within a prefix
(``/foo/x`` connected after ``/{a}/x`` still wins for ``/foo/x``). The tree
ranks candidates by exactly that key, so the winner is always Routes'.

Deliberate differences from Routes 2.5 (everything else is tested equal):

- Bad definitions raise :class:`RouteDefinitionError` at ``connect``:
  unbalanced braces, empty/invalid/duplicate variable names, bad regexes,
  unknown condition keys, ``minimization``. Routes fails at the first match
  with a bare ``re.error``, or builds a route that never matches.
- A requirement may hold balanced braces and colons (``{id:\\d{1,3}}``,
  ``{x:(?:a|b)}``); Routes truncates both.
- Routes connected after the first match are matched (Routes ignores them
  until ``create_regs`` is called again).
- The URL cache is cleared by ``connect`` and only used when every argument
  is a ``str``, ``int`` or ``None`` (Routes keys on ``str(kwargs)`` and keeps
  stale URLs); set ``mapper.urlcache = None`` to disable it.
- ``resource(formatted=False)`` leaves out the ``.:(format)`` routes (Routes
  ignores the argument); the ``collection``/``member``/``new`` dicts passed to
  ``resource`` are not modified.
- ``str(mapper)`` prints controller objects with ``str()`` (Routes raises).
- An environ without ``REQUEST_METHOD`` skips method conditions (Routes
  raises ``KeyError``).
"""

from .core import Mapper, controller_scan
from .errors import GenerationException, MatchException, RouteDefinitionError, RoutesException
from .generation import URLGenerator, redirect_to, request_config, url_for
from .middleware import RoutesMiddleware
from .resource import SubMapper, SubMapperParent
from .route import Route

__all__ = [
    "Mapper",
    "SubMapper",
    "SubMapperParent",
    "Route",
    "URLGenerator",
    "RoutesMiddleware",
    "url_for",
    "redirect_to",
    "request_config",
    "controller_scan",
    "RoutesException",
    "MatchException",
    "GenerationException",
    "RouteDefinitionError",
]
