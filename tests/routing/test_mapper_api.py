"""carya's own mapper API: the framework fast path, introspection, extensions to Routes,
and the shape of the compiled tree (the reason matching is O(path depth))."""

from __future__ import annotations

import pytest
import routes

from carya.mapper import Mapper
from carya.routing.mapper.template import SAFE, TAIL, WHOLE, regex_safety
from carya.routing.mapper.tree import Node


@pytest.fixture
def servers():
    m = Mapper()
    m.resource("server", "servers", collection={"detail": "GET"},
               member={"action": "POST"}, path_prefix="/{project_id}")
    return m


def test_match_path_returns_route_and_match(servers):
    route, match = servers.match_path("POST", "/p1/servers/42/action")
    assert match == {"project_id": "p1", "id": "42", "controller": "servers", "action": "action"}
    assert route.controller == "servers"
    assert route.action == "action"
    assert route.routepath == "/{project_id}/servers/:(id)/action"
    assert route.conditions == {"method": ["POST"]}
    assert servers.match_path("GET", "/p1/servers/42/action") is None
    assert servers.match_path("GET", "/nope") is None


def test_match_path_without_method_ignores_method_conditions(servers):
    route, match = servers.match_path(None, "/p1/servers/42")
    assert match["action"] == "update"  # first connected of update/delete/show
    assert servers.match("/p1/servers/42") == match


def test_match_path_reads_no_thread_state(servers):
    servers.environ = {"REQUEST_METHOD": "DELETE"}
    assert servers.match("/p1/servers/42")["action"] == "delete"
    assert servers.match_path("GET", "/p1/servers/42")[1]["action"] == "show"


def test_match_path_function_conditions_get_the_environ():
    m = Mapper()
    m.connect("/x", controller="x", action="special",
              conditions={"function": lambda env, res: bool(env and env.get("HTTP_X"))})
    m.connect("/x", controller="x", action="plain")
    assert m.match_path("GET", "/x")[1]["action"] == "plain"
    assert m.match_path("GET", "/x", {"HTTP_X": "1"})[1]["action"] == "special"


def test_compile_returns_the_mapper_and_is_idempotent(servers):
    assert servers.compile() is servers
    assert servers.compile() is servers
    assert servers.generate(controller="servers", action="detail", project_id="p") == (
        "/p/servers/detail")


def test_routelist_iteration_and_length(servers):
    assert len(servers) == len(servers.matchlist) == 18
    assert list(servers) == servers.matchlist == servers.routelist
    assert servers.routelist is not servers.matchlist
    assert [r.index for r in servers] == list(range(18))


def test_rank_orders_by_prefix_then_connect_order():
    m = Mapper()
    m.connect("/{a}/x")
    m.connect("/foo/x")
    m.connect("/foo/{b}")
    first, second, third = m.matchlist
    assert second.rank < third.rank < first.rank


# --- extensions to Routes ------------------------------------------------------------------


def test_requirement_with_braces_and_colons():
    """Routes cuts ``{id:\\d{1,3}}`` at the first ``}`` and ``{x:(?:a|b)}`` at the second
    ``:``; carya reads the whole requirement."""
    m = Mapper()
    m.connect("n", "/n/{id:\\d{1,3}}", controller="n", action="show")
    m.connect("alt", "/alt/{x:(?:a|b)c}", controller="alt", action="show")
    assert m.match("/n/123") == {"id": "123", "controller": "n", "action": "show"}
    assert m.match("/n/1234") is None
    assert m.match("/alt/bc") == {"x": "bc", "controller": "alt", "action": "show"}
    assert m.generate(controller="n", action="show", id=12) == "/n/12"
    ref = routes.Mapper()
    ref.connect("n", "/n/{id:\\d{1,3}}", controller="n", action="show")
    assert ref.match("/n/123") is None  # Routes' regex became \d{1,3 followed by '}'


def test_resource_formatted_false_leaves_out_format_routes():
    m = Mapper()
    m.resource("message", "messages", formatted=False, member={"mark": "POST"})
    paths = [r.routepath for r in m.matchlist]
    assert not [p for p in paths if "format" in p]
    assert len(paths) == 8
    assert m.match("/messages/1.json", {"REQUEST_METHOD": "GET"})["id"] == "1.json"
    ref = routes.Mapper()
    ref.resource("message", "messages", formatted=False, member={"mark": "POST"})
    assert len(ref.matchlist) == 16  # Routes ignores the argument


def test_str_renders_non_string_defaults():
    class Controller:
        def __call__(self):
            return None

        def __repr__(self):
            return "<Ctl>"

    m = Mapper()
    m.connect("a", "/a", controller=Controller(), action=None)
    lines = str(m).splitlines()
    assert lines[1].split() == ["a", "/a", "<Ctl>"]


# --- the compiled tree ---------------------------------------------------------------------


def test_resource_routes_compile_to_static_and_segment_steps(servers):
    """No resource route needs the sequential tail regex: every segment is a dict
    lookup or one compiled test, which is what keeps matching O(path depth)."""
    for route in servers:
        assert route.plan.tail is None, route.routepath
    root = servers._tree.root
    assert list(root.static) == [""]
    level1 = root.static[""]
    assert not level1.static and [entry[1] for entry in level1.dynamic] == ["project_id"]


def test_formatted_segments_are_filed_by_stem():
    m = Mapper()
    for n in range(50):
        m.resource(f"thing{n}", f"things{n}")
    level1: Node = m._tree.root.static[""]
    assert len(level1.static) == 50
    assert not level1.dynamic
    assert sorted(level1.stems) == sorted(f"things{n}" for n in range(50))
    assert all(len(bucket) == 1 for bucket in level1.stems.values())


def test_wildcards_and_slash_requirements_use_a_tail():
    m = Mapper()
    m.connect("/static/*path")
    m.connect("/p/{url:.*}")
    m.connect("/twin/{x:(?P<c>a)(?P=c)}")
    static, proxy, twin = m.matchlist
    assert static.plan.tail is not None and len(static.plan.steps) == 2
    assert proxy.plan.tail is not None and len(proxy.plan.steps) == 2
    assert twin.plan.tail is not None and twin.plan.steps == []  # backreference: whole path


@pytest.mark.parametrize(("regex", "safety"), [
    ("[^/]+?", SAFE), ("\\d+", SAFE), ("json|xml", SAFE), ("[0-9a-f\\-]+", SAFE),
    ("[^\\/]+(?<!\\\\)", SAFE), ("\\w+", SAFE), ("[a-z]{2,}", SAFE),
    (".+?", TAIL), ("[a-z/]+", TAIL), ("\\S+", TAIL), ("\\W", TAIL), ("[^a]", TAIL),
    ("(?=a)a", TAIL), ("^a$", TAIL), ("a\\b", TAIL), ("/", TAIL),
    ("(?P<c>a)(?P=c)", WHOLE), ("(a)\\1", WHOLE),
])
def test_regex_safety(regex, safety):
    assert regex_safety(regex) == safety
