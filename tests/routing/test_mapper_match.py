"""Matching: carya's Mapper must answer every request exactly as Routes does.

Each definition from ``test_mapper_defs`` is built on both mappers and asked
the same questions: ``match(url, environ)`` for many URLs and methods, with
no environ (method conditions ignored), by ``environ['PATH_INFO']``, and
``routematch`` (the same route must win). A seeded random sweep adds URLs
nobody thought of.
"""

from __future__ import annotations

import random
import zlib

import pytest

from carya.mapper import Mapper, RoutesException
from tests.routing.test_mapper_defs import DEFINITIONS, build_both

METHODS = (None, "GET", "POST", "PUT", "DELETE", "HEAD", "PATCH")

PROBES: dict[str, list[str]] = {
    "messages": [
        "/messages", "/messages.json", "/messages.xml", "/messages/", "/messages/rss",
        "/messages/rss.json", "/messages/new", "/messages/new.json", "/messages/new/preview",
        "/messages/new/preview.xml", "/messages/1", "/messages/1.json", "/messages/1.2.json",
        "/messages/new1", "/messages/1/edit", "/messages/1/edit.json", "/messages/1/mark",
        "/messages/1/mark.json", "/messages/1/archive", "/messages/a%20b", "/messages/a\\",
        "/messages/a\\.json", "/messages/1/", "/messages//edit", "//messages", "/messages/1/2",
        "/message", "", "/", "/messages/.json", "/messages/1.", "/messages/rss.",
        "/messages/edit", "/messages/1/edit/x", "messages", "/MESSAGES",
    ],
    "nova": [
        "/", "", "/servers", "/servers/detail", "/servers/detail.json", "/servers.json",
        "/servers.xml", "/servers.txt", "/abc123/servers", "/abc123/servers/detail",
        "/abc-1/servers/xyz", "/ABC/servers", "/servers/xyz", "/servers/xyz.json",
        "/servers/xyz.yaml", "/servers/x.y.z", "/servers/xyz/action",
        "/servers/xyz/create_snapshot_test", "/servers/xyz/action.json",
        "/abc/servers/xyz/metadata", "/abc/servers/xyz/metadata/key1",
        "/servers/xyz/metadata/k.json", "/servers/xyz/metadata", "/flavors/detail",
        "/abc/flavors/1", "/abc/flavors/1/action", "/os-keypairs/kp1", "/abc/os-keypairs",
        "/abc/os-keypairs/new", "/servers/detail/action", "/servers/new",
        "/deadbeef/servers/new.json",
        "/servers/xyz/edit", "/0/servers/1/edit.xml", "/servers/1/unknown", "/v2.1/servers",
        "/servers/", "/abc/", "/abc", "/servers/xyz/metadata/k/edit",
    ],
    "groups": [
        "/groups", "/groups.json", "/groups/add_group", "/groups/add_group.json",
        "/groups/get_groups", "/groups/get_groups.xml", "/groups/g1", "/groups/g1/update",
        "/groups/g1/update.json", "/groups/g1/detail", "/groups/g1/edit", "/fe/groups",
        "/fe/groups/get_groups", "/fe/groups/add_group.json", "/fe/groups/g1/detail",
        "/groups/new", "/groups/detail", "/zz/groups", "/groups/g1/delete",
    ],
    "nested": [
        "/regions", "/regions/5", "/regions/5/locations", "/regions/5/locations/9",
        "/regions/5/locations/9/edit", "/regions/5/locations/new.json", "/regions/5/photos",
        "/regions/5/photos/3", "/areas/7/notes", "/areas/7/notes/1", "/regions/5/notes",
        "/12/comments", "/12/comments/4", "/ab/comments", "/12/comments/4/edit.json",
        "/regions/5/locations.json", "/regions//locations",
    ],
    "requirements": [
        "/archives/2024/7", "/archives/2024/123", "/archives/24/7", "/blog/2024/07",
        "/blog/2/7", "/blog/20/x", "/user/bob", "/user/42", "/user/Bob", "/user/",
        "/hex/ff-12", "/hex/fg-12", "/hex/ff-", "/code/abc", "/code/xab", "/twin/aa",
        "/twin/ab", "/ver/v12/x", "/ver/12/x", "/slashy/a/b/c/end", "/slashy/end",
        "/slashy/a/end", "/empty/", "/empty/x", "/alt/json", "/alt/xml", "/alt/jsonx",
        "/alt2/a", "/alt2/b", "/alt2/ab", "/behind/abc", "/behind/abz", "/anch/x",
        "/archives/2024/7/", "/user/42/x",
    ],
    "wildcards": [
        "/static/css/site.css", "/static/", "/static/a", "/files/doc/a/b/c.html",
        "/files/doc/.html", "/files/doc/x.htm", "/proxy/", "/proxy/http://x/y?z",
        "/a/b/c/edit", "/a/edit", "/a//edit", "/wiki/Main/Page", "/wiki/main",
        "/app/some/where", "/app/", "/anything/else", "", "/",
    ],
    "conditions": ["/c", "/c/", "/f/yes", "/f/no", "/g/a", "/g/b", "/f/", "/g/"],
    "sub_domains": ["/sd", "/sd/1", "/plain/2", "/sd/"],
    "formats": [
        "/report", "/report.json", "/report.tar.gz", "/report.", "/report/", "/items/1",
        "/items/1.json", "/items/1.xml", "/items/1.2.3", "/items/.json", "/feed.rss",
        "/feed.", "/feed", "/dl/a.b.c", "/dl/a", "/dl/.b", "/v2/info", "/v2.1/info",
        "/v/info", "/a.b/c", "/axb/c", "/fr/1", "/fr/1.json", "/fr/1.yaml", "/d/ab",
        "/d/a-b", "/d/a", "/list/a,b", "/list/a,b,c", "/list/a",
    ],
    "legacy": [
        "/blog/view/1", "blog/view/1", "/admin/users/list", "/users/edit/3", "/nope/x/1",
        "/admin/users/view/2", "/admin/blog/list", "/blog/2024", "/blog/abc",
        "/users/edit", "admin/users/a/b",
    ],
    "implicit": ["/", "/blog/view/1", "/page/about", "/page/", "/x/y/z"],
    "ordering": [
        "/foo/x", "/bar/x", "/foo/y", "/foo.json", "/fab", "/f", "/a/b/c", "/p/q/r", "/p/q/s",
        "/t/", "/t", "nolead/1", "/nolead/1", "/foo/x/",
    ],
    "submappers": [
        "/entries", "/entries/5", "/entries/search", "/posts", "/posts/new", "/posts/3",
        "/posts/3/ping", "/posts/3/ping.json", "/posts/recent", "/posts/recent.xml",
        "/posts/3/raw", "/posts/3/raw.json", "/posts/3/edit", "/api", "/api.json",
        "/api/items/5", "/api/items/x", "/entries/9/comments", "/entries/9/comments/new",
        "/entries/9/comments/feed.rss", "/entries/9", "/posts.json",
    ],
}

# URLs no definition matches; both mappers must say None.
NO_MATCH = {
    "messages": ["/messages/1/2", "/messages//edit", "/message", "/messages/1/", "/x"],
    "nova": ["/servers/x/y/z", "/ABC/servers", "/servers/1/unknown", "/abc", "/v2/servers"],
    "requirements": ["/archives/24/7", "/user/Bob", "/hex/fg-12", "/twin/ab", "/alt/jsonx"],
    "formats": ["/report/", "/dl/a", "/v/info", "/feed"],
}


def environ_for(name: str, method: str | None, url: str) -> dict | None:
    if method is None:
        return None
    env = {"REQUEST_METHOD": method, "PATH_INFO": url, "SCRIPT_NAME": ""}
    if name == "conditions" and method == "GET":
        env["HTTP_X_TAG"] = "t1"
    if name == "sub_domains":
        env["HTTP_HOST"] = "blue.example.com:8080"
    return env


def route_index(mapper, found):
    if found is None:
        return None
    result, route = found
    return result, mapper.matchlist.index(route)


@pytest.fixture(scope="module", params=sorted(DEFINITIONS))
def pair(request):
    return request.param, *build_both(request.param)


def test_every_definition_has_probes():
    assert set(PROBES) == set(DEFINITIONS)


def test_match_is_routes(pair):
    name, ref, mine = pair
    checked = 0
    for url in PROBES[name]:
        for method in METHODS:
            env = environ_for(name, method, url)
            expected = ref.match(url, env and dict(env))
            assert mine.match(url, env and dict(env)) == expected, (method, url)
            checked += expected is not None
    assert checked > 0, "the probes must match something"


def test_routematch_picks_routes_route(pair):
    name, ref, mine = pair
    for url in PROBES[name]:
        for method in METHODS:
            env = environ_for(name, method, url)
            expected = route_index(ref, ref.routematch(url, env and dict(env)))
            got = route_index(mine, mine.routematch(url, env and dict(env)))
            assert got == expected, (method, url)


def test_match_by_environ_path_info(pair):
    name, ref, mine = pair
    for url in PROBES[name]:
        env = environ_for(name, "GET", url)
        assert mine.match(environ=dict(env)) == ref.match(environ=dict(env)), url


def test_sub_domain_hosts():
    ref, mine = build_both("sub_domains")
    hosts = ["blue.example.com", "www.example.com", "example.com", "red.example.com:80",
             "green.example.com", "localhost"]
    for host in hosts:
        for url in PROBES["sub_domains"]:
            env = {"REQUEST_METHOD": "GET", "HTTP_HOST": host}
            assert mine.match(url, dict(env)) == ref.match(url, dict(env)), (host, url)


@pytest.mark.parametrize("name", sorted(NO_MATCH))
def test_non_matching_urls(name):
    ref, mine = build_both(name)
    for url in NO_MATCH[name]:
        for method in METHODS:
            env = environ_for(name, method, url)
            assert ref.match(url, env and dict(env)) is None, (method, url)
            assert mine.match(url, env and dict(env)) is None, (method, url)
            assert mine.routematch(url, env and dict(env)) is None


def test_trailing_newline_matches_like_routes():
    """Routes' ``$`` also matches before a final newline; the tree defers such
    paths to the whole-path regexes to give the same answers."""
    ref, mine = build_both("messages")
    for url in ("/messages\n", "/messages/1\n", "/messages/1.json\n", "/messages/1\n/edit"):
        env = {"REQUEST_METHOD": "GET"}
        assert mine.match(url, dict(env)) == ref.match(url, dict(env)), url
    assert mine.match("/messages\n", {"REQUEST_METHOD": "GET"}) == {
        "controller": "messages", "action": "index"}


def test_function_condition_calls_like_routes():
    """Function conditions run in Routes' order and only as far as Routes goes."""
    calls: dict[str, list] = {"routes": [], "carya": []}

    def build(M, log):
        m = M()
        for n in range(3):
            m.connect(f"r{n}", "/x/{v}", controller="x", action=f"a{n}",
                      conditions={"function": lambda env, res, n=n: log.append(n) or n == 1})
        m.connect("/x/{v}", controller="x", action="last")
        m.connect("/x/static", controller="x", action="static",
                  conditions={"function": lambda env, res: log.append("s") or False})
        return m

    import routes
    ref = build(routes.Mapper, calls["routes"])
    mine = build(Mapper, calls["carya"])
    for url in ("/x/static", "/x/other", "/y"):
        assert mine.match(url) == ref.match(url)
    assert calls["carya"] == calls["routes"] == ["s", 0, 1, 0, 1]


def test_match_without_url_or_environ_is_an_error():
    with pytest.raises(RoutesException, match="URL or environ must be provided"):
        Mapper().match()


def test_controller_scan_none_needs_create_regs():
    import routes
    for M in (routes.Mapper, Mapper):
        m = M(controller_scan=None)
        m.connect("/x", controller="x", action="y")
        with pytest.raises(Exception, match="You must generate the regular expressions"):
            m.match("/x")
        m.create_regs([])
        assert m.match("/x") == {"controller": "x", "action": "y"}


def test_debug_mode_returns_the_match_log():
    import routes
    results = []
    for M in (routes.Mapper, Mapper):
        m = M()
        m.connect("/a/{x}", controller="a", action="x", conditions={"method": ["POST"]})
        m.connect("/a/b", controller="a", action="b")
        m.connect("/{y}/b", controller="y", action="b")
        m.debug = True
        found, route, log = m.match("/a/b", {"REQUEST_METHOD": "GET"})
        results.append((found, route.routepath,
                        [(entry["route"].routepath, entry["regexp"]) for entry in log]))
        assert m.match("/zzz") == (None, None, [])
    assert results[0] == results[1]
    assert results[1][0] == {"controller": "a", "action": "b"}


def test_prefix_is_stripped_before_matching():
    import routes
    results = []
    for M in (routes.Mapper, Mapper):
        m = M()
        m.prefix = "/app"
        m.connect("/", controller="home", action="index")
        m.connect("/x/{id}", controller="x", action="show")
        m.create_regs()
        assert m.match("/app/x/3") == {"id": "3", "controller": "x", "action": "show"}
        assert m.match("/app") == {"controller": "home", "action": "index"}
        assert m.match("/x/3") is None
        results.append([m.match(url) for url in ("/app/x/3\n", "/app/x/a\nb", "/appx/3")])
    assert results[0] == results[1]


def test_routes_connected_after_a_match_are_matched():
    """Routes only sees routes connected before its first match; carya sees all."""
    m = Mapper()
    m.connect("/a", controller="a", action="a")
    assert m.match("/b") is None
    m.connect("/b", controller="b", action="b")
    assert m.match("/b") == {"controller": "b", "action": "b"}


# --- randomized sweep -------------------------------------------------------------------------

VOCAB = [
    "", "messages", "servers", "detail", "new", "edit", "action", "1", "1.json", "x.y",
    "abc", "abc-1", "ff", "groups", "get_groups", "update", "regions", "locations", "5",
    "json", ".json", "a.b", "static", "files", "a", "b", "foo", "x", "report.xml", "items",
    "metadata", "os-keypairs", "archives", "2024", "07", "user", "edit.json", "rss", "c",
    "entries", "posts", "ping", "api", "blog", "users", "admin", "%20", "a\\", "f", "g",
]


# definitions random URLs from VOCAB rarely hit
SPARSE = {"sub_domains"}


def random_urls(seed: int, count: int) -> list[str]:
    rnd = random.Random(seed)
    urls = []
    for _ in range(count):
        depth = rnd.randint(0, 5)
        parts = [rnd.choice(VOCAB) for _ in range(depth)]
        url = "/".join(parts)
        urls.append(url if rnd.random() < 0.1 else "/" + url)
    return urls


def test_random_urls_match_like_routes(pair):
    name, ref, mine = pair
    matched = 0
    for url in random_urls(zlib.crc32(name.encode()), 600):
        for method in (None, "GET", "POST", "PUT", "DELETE"):
            env = environ_for(name, method, url)
            expected = ref.match(url, env and dict(env))
            assert mine.match(url, env and dict(env)) == expected, (method, url)
            matched += expected is not None
    if name not in SPARSE:
        assert matched > 0


def test_match_path_is_match(pair):
    """The framework fast path answers what ``routematch`` answers."""
    name, _, mine = pair
    for url in PROBES[name]:
        env = environ_for(name, "GET", url)
        found = mine.routematch(url, dict(env))
        fast = mine.match_path("GET", url, dict(env))
        if found is None:
            assert fast is None, url
        else:
            assert fast == (found[1], found[0]), url


def test_extend_copies_routes_with_a_prefix():
    import routes
    results = []
    for M in (routes.Mapper, Mapper):
        source = M()
        source.connect("one", "/one/{id}", controller="a", action="one",
                       conditions={"method": ["GET"]})
        source.connect("/two", controller="a", action="two")
        m = M()
        m.extend(source.matchlist, path_prefix="/sub")
        m.extend(source.matchlist)
        results.append([
            [(r.name, r.routepath, r.conditions, r.defaults) for r in m.matchlist],
            m.match("/sub/one/3", {"REQUEST_METHOD": "GET"}),
            m.match("/two"),
            m.match("/sub/one/3", {"REQUEST_METHOD": "POST"}),
        ])
    assert results[0] == results[1]
    assert results[1][1] == {"id": "3", "controller": "a", "action": "one"}


def test_controller_variable_uses_scanned_directory(tmp_path):
    import routes
    for name in ("blog.py", "users.py", "_private.py", "notes.txt"):
        (tmp_path / name).write_text("")
    (tmp_path / "admin").mkdir()
    (tmp_path / "admin" / "pages.py").write_text("")
    answers = []
    for M in (routes.Mapper, Mapper):
        m = M(directory=str(tmp_path))
        m.connect("/:controller/:action")
        answers.append([m.match(url) for url in
                        ("/blog/list", "/users/x", "/admin/pages/view", "/_private/x",
                         "/notes/x", "/admin/x")])
    assert answers[0] == answers[1]
    assert answers[1][2] == {"controller": "admin/pages", "action": "view"}
    assert answers[1][3] is None


def test_route_match_alone_is_routes():
    """``Route.match`` (one route, its whole-path regex) keeps Routes' API."""
    import routes
    ref, mine = build_both("conditions")
    ref.create_regs()
    for url in ("/c", "/f/yes", "/f/no", "/x"):
        for method in ("GET", "POST"):
            env = {"REQUEST_METHOD": method, "HTTP_X_TAG": "1"}
            for r_ref, r_mine in zip(ref.matchlist, mine.matchlist, strict=True):
                assert r_mine.match(url, dict(env)) == r_ref.match(url, dict(env)), (url, method)
    assert isinstance(ref, routes.Mapper)
