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
