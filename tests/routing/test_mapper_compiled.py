"""The compiled matcher (carya.routing.mapper.compiled) answers exactly as the tree walk.

Every random table is matched both ways (the compiled function, and the walk
with ``Route.fill``), on random URLs and on URLs made from the table's own
paths, for every method; tables mix Nova-style resources, the member-id and
"anything but /" requirements the compiler writes as plain string tests,
``.:(format)`` suffixes, wildcards and wide static fan-outs.
"""

from __future__ import annotations

import random

import pytest

from carya.mapper import Mapper
from carya.routing.mapper.compiled import compile_tree
from carya.routing.mapper.tree import captures_to_dict
from tests.routing.test_mapper_fuzz import VALUES, random_segment

PLAIN_REQUIREMENTS = ["[^\\/]+(?<!\\\\)", "[^\\/]+", "[^/]+"]
METHODS = (None, "GET", "POST", "PUT", "DELETE")


def walk(mapper: Mapper, path: str, method: str | None):
    """The generic search, as match_path answered before the compiler."""
    state = mapper._tree.search(path, method, None)
    candidates = state.candidates()
    if not candidates:
        return None
    route, caps = candidates[0]
    return route, route.fill(captures_to_dict(caps))


def random_mapper(seed: int) -> Mapper:
    rnd = random.Random(seed)
    mapper = Mapper()
    for k in range(rnd.randint(5, 30)):
        choice = rnd.random()
        if choice < 0.2:
            parent = rnd.choice(["", "/{project_id}", "/v2/:(tenant)"])
            mapper.resource(f"thing{k}", f"things{k % 3}", controller=f"c{k}",
                            path_prefix=parent or None,
                            member={"action": "POST"} if rnd.random() < 0.5 else None)
            continue
        names: list[str] = []
        parts = []
        requirements = {}
        for _ in range(rnd.randint(0, 5)):
            if rnd.random() < 0.08:
                parts.append("")  # an empty segment: "/a//b", a trailing "/"
            elif rnd.random() < 0.15:
                name = f"p{len(names)}"
                names.append(name)
                parts.append("{" + name + "}")
                requirements[name] = rnd.choice(PLAIN_REQUIREMENTS)
            else:
                parts.append(random_segment(rnd, names))
        options: dict = {"controller": f"c{k}", "action": f"a{k}"}
        if requirements:
            options["requirements"] = requirements
        if rnd.random() < 0.3:
            options["action"] = ""  # an empty default: fill keeps the capture's place
        if rnd.random() < 0.4:
            options["conditions"] = {"method": rnd.sample(["GET", "POST", "PUT"],
                                                          rnd.randint(1, 2))}
        mapper.connect("/" + "/".join(parts), **options)
    return mapper


def urls_for(mapper: Mapper, rnd: random.Random) -> list[str]:
    urls = ["/" + "/".join(rnd.choice(VALUES + ["a\\", "things0", "things1", "v2", "p"])
                           for _ in range(rnd.randint(0, 6))) for _ in range(200)]
    for route in mapper.matchlist:
        for value in ("1", "ab", "x.y", "7.xml", "q\\"):
            url = []
            for tok in route.routelist:
                url.append(tok if isinstance(tok, str) else value)
            urls.append("".join(url))
    return urls


@pytest.mark.parametrize("seed", range(60))
def test_compiled_matches_the_walk(seed):
    mapper = random_mapper(seed)
    compiled = compile_tree(mapper._tree)
    assert compiled, "every table here is compilable"
    rnd = random.Random(seed * 104729)
    for url in urls_for(mapper, rnd):
        for method in METHODS:
            expected = walk(mapper, url, method)
            got = compiled(url, method)
            assert got == expected, (url, method, got, expected)
            if got is not None:  # the dict's order is fill's order, too
                assert list(got[1]) == list(expected[1]), (url, method)


def test_match_path_uses_the_compiled_function_and_recompiles_after_connect():
    mapper = Mapper()
    mapper.connect("/a/{x}", controller="c", action="one")
    assert mapper.match_path("GET", "/a/1")[1] == {"x": "1", "controller": "c", "action": "one"}
    first = mapper._fast
    assert callable(first)
    mapper.connect("/a/b", controller="c", action="two")
    # rank order: the longer static prefix wins, as in Routes, now that it exists
    assert mapper.match_path("GET", "/a/b")[1]["action"] == "two"
    assert mapper._fast is not first


def test_rank_tests_are_written_only_once_a_candidate_can_exist():
    """Until the code records a candidate (``best = <rank>``), ``best`` is NEVER and a
    ``best > rank`` test always holds: those are written as ``True`` (compiled away),
    and the tests after the first candidate stay (Nova's member routes need them)."""
    mapper = Mapper()
    mapper.resource("server", "servers", path_prefix="/{project_id}",
                    member={"action": "POST"})
    source = compile_tree(mapper._tree).source
    first = source.index("best = ")
    assert "best >" not in source[:first]
    assert "best >" in source[first:]
    assert "n == 0" not in source  # path.split('/') has at least one part
    assert mapper.match_path("POST", "/p1/servers/7/action")[1] == {
        "project_id": "p1", "id": "7", "controller": "servers", "action": "action"}
    assert mapper.match_path("PUT", "/p1/servers/7")[1]["action"] == "update"


def test_wide_static_fanout_is_searched_by_halves_and_finds_every_literal():
    mapper = Mapper()
    words = [f"res{k:02d}" for k in range(40)]
    for word in words:
        mapper.resource(word, word + "s", controller=word, path_prefix="/{project_id}")
    compiled = compile_tree(mapper._tree)
    assert " < 'res" in compiled.source  # a binary split, not forty comparisons in a row
    for word in words:
        route, match = compiled(f"/p/{word}s/9", "GET")
        assert match == {"project_id": "p", "id": "9", "controller": word, "action": "show"}
        assert walk(mapper, f"/p/{word}s/9", "GET") == (route, match)
    assert compiled("/p/res99s/9", "GET") is None
    assert compiled("/p/aaa/9", "GET") is None


@pytest.mark.parametrize("conditions", [
    {"function": lambda environ, match: match["x"] != "no"},
    {"sub_domain": True},
])
def test_per_request_conditions_keep_the_walk(conditions):
    mapper = Mapper()
    mapper.connect("/a/{x}", controller="c", action="one", conditions=conditions)
    mapper.connect("/{y}/{x}", controller="c", action="two")
    assert compile_tree(mapper._tree) is None
    found = mapper.match_path("GET", "/a/yes", environ={"HTTP_HOST": "example.com"})
    assert found is not None and found[1]["action"] in ("one", "two")
    assert mapper._fast is False  # decided once, not retried per request
    if "function" in conditions:
        assert mapper.match_path("GET", "/a/no", environ={})[1]["action"] == "two"


def test_a_tree_too_deep_to_write_keeps_the_walk():
    mapper = Mapper()
    deep = "/" + "/".join(f"{{v{k}}}" for k in range(40))
    mapper.connect(deep, controller="c", action="deep")
    assert compile_tree(mapper._tree) is None
    path = "/" + "/".join(str(k) for k in range(40))
    route, match = mapper.match_path("GET", path)
    assert match["v39"] == "39" and match["action"] == "deep"


def test_member_id_test_refuses_a_trailing_backslash_like_the_regex():
    mapper = Mapper()
    mapper.resource("server", "servers", controller="s")
    compiled = compile_tree(mapper._tree)
    assert "fullmatch" not in compiled.source.split("'new.'")[0]  # plain tests, no regex
    assert compiled("/servers/ab\\", "GET") is None
    assert compiled("/servers/ab\\", "GET") == walk(mapper, "/servers/ab\\", "GET")
    assert compiled("/servers/ab", "GET")[1]["id"] == "ab"
