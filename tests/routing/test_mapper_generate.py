"""URL generation: ``generate``, ``URLGenerator`` and ``url_for`` must give Routes' URLs.

Each call runs on a Routes mapper and a carya mapper built from the same
definition; the URL, ``None`` or the exception class must be the same.
"""

from __future__ import annotations

import pytest
import routes
import routes.util

import carya.mapper
from carya.mapper import GenerationException, Mapper, URLGenerator
from tests.routing.test_mapper_defs import SERVERS, build_both

G = "generate"  # Mapper.generate(**kw)
U = "url"  # URLGenerator(mapper, environ)(*args, **kw)

CALLS: dict[str, list[tuple]] = {
    "messages": [
        (G, (), dict(controller="messages", action="index")),
        (G, (), dict(controller="messages", action="index", format="json")),
        (G, (), dict(controller="messages", action="show", id=1)),
        (G, (), dict(controller="messages", action="show", id="a b")),
        (G, (), dict(controller="messages", action="show", id="a/b")),
        (G, (), dict(controller="messages", action="show", id="é")),
        (G, (), dict(controller="messages", action="show", id=1, format="xml")),
        (G, (), dict(controller="messages", action="edit", id=1)),
        (G, (), dict(controller="messages", action="mark", id=1, method="POST")),
        (G, (), dict(controller="messages", action="mark", id=1, method="post")),
        (G, (), dict(controller="messages", action="mark", id=1, method="GET")),
        (G, (), dict(controller="messages", action="create", method="POST")),
        (G, (), dict(controller="messages", action="create")),
        (G, (), dict(controller="messages", action="rss")),
        (G, (), dict(controller="messages", action="new")),
        (G, (), dict(controller="messages", action="preview")),
        (G, (), dict(controller="messages", action="show", id=1, extra="x y", other=[1, 2])),
        (G, (), dict(controller="messages", action="show")),
        (G, (), dict(controller="messages", action="index", id=3)),
        (G, (), dict(controller="messages", action="nope")),
        (G, (), dict(controller="nope", action="index")),
        (G, (), dict(action="index")),
        (G, (), dict(controller="messages", action="show", id=None)),
        (G, (), dict(controller="messages", action="index", method=None)),
        (U, ("messages",), {}),
        (U, ("formatted_messages",), dict(format="json")),
        (U, ("message",), dict(id=5)),
        (U, ("message",), dict(id=5, format="json")),
        (U, ("edit_message",), dict(id=5)),
        (U, ("mark_message",), dict(id=5)),
        (U, ("rss_messages",), {}),
        (U, ("new_message",), {}),
        (U, ("preview_new_message",), {}),
        (U, ("formatted_message",), dict(id=1, format="json")),
        (U, ("message",), {}),
        (U, ("message",), dict(id="a\\")),
        (U, ("message",), dict(id=5, anchor="top")),
        (U, ("message",), dict(id=5, anchor_="x", host_="h")),
        (U, ("message",), dict(id=5, host="h.example.com")),
        (U, ("message",), dict(id=5, protocol="https")),
        (U, ("message",), dict(id=5, qualified=True)),
        (U, ("message",), dict(id=5, action="edit")),
        (U, ("/literal/path",), dict(q="1 2", many=["a", "b"])),
        (U, ("http://example.com/x",), {}),
        (U, ("literal",), {}),
        (U, (), dict(controller="messages", action="show", id=9)),
        (U, (), dict(controller="messages", action="nope")),
    ],
    "nova": [
        (U, ("versions",), {}),
        (U, ("server",), dict(id="x")),
        (U, ("server",), dict(id="x", project_id="abc")),
        (U, ("formatted_server",), dict(id="x", format="json")),
        (U, ("formatted_server",), dict(id="x", format="yaml")),
        (U, ("detail_servers",), {}),
        (U, ("action_server",), dict(id="x")),
        (U, ("create_snapshot_test_server",), dict(id="x")),
        (U, ("server_server_meta",), dict(server_id="s", id="k")),
        (U, ("server_metadata",), dict(project_id="p", server_id="s")),
        (G, (), dict(controller=SERVERS, action="show", id="x", project_id="abc")),
        (G, (), dict(controller=SERVERS, action="show", id="x", project_id="ABC")),
        (G, (), dict(controller=SERVERS, action="show", id="x")),
        (G, (), dict(controller=SERVERS, action="detail", project_id="0f")),
        (G, (), dict(controller=SERVERS, action="action", id="x", method="POST")),
        (G, (), dict(controller="flavors", action="index", format="xml")),
        (G, (), dict(controller="flavors", action="index", format="txt")),
        (G, (), dict(controller="os-keypairs", action="show", id="kp")),
        (G, (), dict(controller="server_metadata", action="update_all", project_id="p",
                     server_id="s")),
    ],
    "groups": [
        (U, ("add_group_groups",), {}),
        (U, ("get_groups_groups",), dict(format="json")),
        (U, ("update_group",), dict(id="g1")),
        (U, ("detail_group",), dict(id="g1")),
        (G, (), dict(controller="groups", action="update", id="g1")),
        (G, (), dict(controller="groups", action="update", id="g1", method="PUT")),
        (G, (), dict(controller="groups", action="update", id="g1", method="POST")),
        (G, (), dict(controller="groups", action="get_groups", project_id="fe")),
    ],
    "nested": [
        (U, ("region_locations",), dict(region_id=13)),
        (U, ("region_new_location",), dict(region_id=13)),
        (U, ("region_location",), dict(region_id=13, id=60)),
        (U, ("region_edit_location",), dict(region_id=13, id=60)),
        (U, ("photos",), dict(region_id=51)),
        (U, ("region_notes",), dict(area_id=51)),
        (U, ("p_comments",), dict(project_id="12")),
        (U, ("p_comments",), dict(project_id="ab")),
        (U, ("p_comment",), dict(project_id="12", id=4)),
        (G, (), dict(controller="locations", action="show", region_id=1, id=2)),
    ],
    "requirements": [
        (U, ("archive",), dict(year=2024, month=7)),
        (U, ("archive",), dict(year="24", month=7)),
        (U, ("legacy",), dict(year=2024, month=7)),
        (U, ("user_name",), dict(name="bob")),
        (U, ("user_name",), dict(name="Bob")),
        (G, (), dict(controller="user", action="by_id", uid=5)),
        (G, (), dict(controller="user", action="by_id", uid="x")),
        (U, ("twin",), dict(pair="aa")),
        (U, ("empty",), dict(x="")),
        (U, ("empty",), dict(x="a")),
        (U, ("alt",), dict(fmt="jsonx")),
        (U, ("alt",), dict(fmt="yaml")),
        (U, ("hexpair",), dict(h="ff", n=3)),
    ],
    "wildcards": [
        (U, ("static",), dict(path="css/a b.css")),
        (U, ("html",), dict(name="d", rest="a/b")),
        (U, ("proxy",), dict(url="http://x/y")),
        (U, ("catchall",), dict(anything="x/y")),
        (U, ("wiki",), dict(page="Main/Page")),
        (U, ("wiki",), dict(page="main")),
        (G, (), dict(controller="static", action="serve", path="a")),
    ],
    "conditions": [
        (U, ("c_get",), {}),
        (G, (), dict(controller="c", action="get", method="GET")),
        (G, (), dict(controller="c", action="get", method="POST")),
        (G, (), dict(controller="c", action="write", method="PUT")),
        (G, (), dict(controller="c", action="write", method="DELETE")),
        (G, (), dict(controller="f", action="checked", x="yes")),
    ],
    "formats": [
        (U, ("report",), {}),
        (U, ("report",), dict(format="json")),
        (U, ("report",), dict(format="")),
        (U, ("report",), dict(format=None)),
        (U, ("report",), dict(format=0)),
        (U, ("item",), dict(id=1, format="xml")),
        (U, ("item_json",), dict(id=1)),
        (U, ("feed",), dict(format="rss")),
        (U, ("feed",), {}),
        (U, ("dl",), dict(name="a", ext="b")),
        (U, ("ver",), dict(version=2)),
        (U, ("fmtreq",), dict(id=1, format="json")),
        (U, ("fmtreq",), dict(id=1, format="yaml")),
        (U, ("dash",), dict(a="x", b="y")),
        (U, ("comma",), dict(first=1, second=2)),
        (G, (), dict(controller="items", action="show", id=4)),
    ],
    "legacy": [
        (G, (), dict(controller="blog", action="view", id=1)),
        (G, (), dict(controller="admin/users", action="list")),
        (U, ("blog_year",), dict(year=2024)),
        (U, ("rel",), dict(controller="blog", action="view", id=2)),
        (U, ("admin",), dict(controller="users", action="list")),
        (G, (), dict(controller="blog", action="year", year=1999)),
    ],
    "implicit": [
        (G, (), dict(controller="blog", action="view", id=3)),
        (G, (), dict(controller="blog")),
        (G, (), dict(action="page", name="about")),
        (G, (), dict()),
        (U, ("home",), {}),
        (U, ("page",), dict(name="x")),
    ],
    "ordering": [
        (G, (), dict(controller="o", action="var_first", a="foo")),
        (G, (), dict(controller="o", action="static_later")),
        (G, (), dict(controller="o", action="deep", a=1, b=2, c=3)),
        (U, ("dup",), {}),
        (U, ("no_lead",), dict(x=1)),
        (U, ("trail",), {}),
    ],
    "submappers": [
        (U, ("e_list",), {}),
        (U, ("e_one",), dict(id=3)),
        (U, ("/search",), {}),
        (U, ("ping_post",), dict(id=1)),
        (U, ("ping_post",), dict(id=1, format="json")),
        (U, ("recent_posts",), {}),
        (U, ("raw_post",), dict(id=1)),
        (U, ("posts",), {}),
        (U, ("edit_post",), dict(id=2)),
        (U, ("api_root",), {}),
        (U, ("api_item",), dict(id=5)),
        (U, ("api_item",), dict(id="x")),
        (U, ("comments",), dict(entry_id=9)),
        (U, ("new_comment",), dict(entry_id=9)),
        (U, ("feed_comment",), dict(entry_id=9, format="rss")),
    ],
}

ENVIRON = {"SCRIPT_NAME": "", "HTTP_HOST": "api.example.com:8774", "wsgi.url_scheme": "http"}


def outcome(call):
    try:
        return call()
    except Exception as error:  # noqa: BLE001 - the class is the answer compared
        return ("raises", type(error).__name__)


def run(mapper, kind, args, kwargs, environ=ENVIRON):
    if kind == G:
        return outcome(lambda: mapper.generate(*args, **dict(kwargs)))
    generator_cls = routes.URLGenerator if isinstance(mapper, routes.Mapper) else URLGenerator
    url = generator_cls(mapper, dict(environ))
    return outcome(lambda: url(*args, **dict(kwargs)))


@pytest.mark.parametrize("name", sorted(CALLS))
def test_generation_is_routes(name):
    ref, mine = build_both(name)
    generated = 0
    for kind, args, kwargs in CALLS[name]:
        expected = run(ref, kind, args, kwargs)
        assert run(mine, kind, args, kwargs) == expected, (kind, args, kwargs)
        generated += isinstance(expected, str)
    assert generated > 0


@pytest.mark.parametrize("name", sorted(CALLS))
def test_generation_under_script_name(name):
    ref, mine = build_both(name)
    environ = dict(ENVIRON, SCRIPT_NAME="/mount")
    for kind, args, kwargs in CALLS[name]:
        if kind == G:
            kwargs = dict(kwargs, _environ=environ)
        expected = run(ref, kind, args, kwargs, environ)
        assert run(mine, kind, args, kwargs, environ) == expected, (kind, args, kwargs)


def test_generation_options_append_slash_prefix_hardcode_names():
    for setting in ("append_slash", "prefix", "hardcode_names"):
        ref, mine = build_both("messages")
        for mapper in (ref, mine):
            if setting == "append_slash":
                mapper.append_slash = True
            elif setting == "prefix":
                mapper.prefix = "/pre"
            else:
                mapper.hardcode_names = False
        for kind, args, kwargs in CALLS["messages"]:
            expected = run(ref, kind, args, kwargs)
            assert run(mine, kind, args, kwargs) == expected, (setting, kind, args, kwargs)


def test_static_filter_absolute_and_redirect_routes():
    def build(M):
        m = M()
        m.connect("google", "http://www.google.com/search", _static=True)
        m.connect("local_static", "/docs/{page}", _static=True)
        m.connect("abs", "/abs/{x}", controller="a", action="b", _absolute=True)
        m.connect("filtered", "/f/{x}", controller="f", action="g",
                  _filter=lambda kw: {**kw, "x": str(kw.get("x", "")).upper()})
        m.redirect("/old/{x}", "/new/{x}")
        m.connect("/new/{x}", controller="n", action="x")
        return m

    ref, mine = build(routes.Mapper), build(Mapper)
    environ = dict(ENVIRON, SCRIPT_NAME="/s")
    calls = [(("google",), dict(q="carya")), (("local_static",), dict(page="a")),
             (("abs",), dict(x=1)), (("filtered",), dict(x="low"))]
    for args, kwargs in calls:
        assert run(mine, U, args, kwargs, environ) == run(ref, U, args, kwargs, environ)
    assert run(mine, U, ("google",), dict(q="carya")) == "http://www.google.com/search?q=carya"
    assert mine.match("/old/3") == ref.match("/old/3") == {"x": "3"}


def test_current_uses_the_request_match():
    ref, mine = build_both("messages")
    results = []
    for mapper, cls in ((ref, routes.URLGenerator), (mine, URLGenerator)):
        match = mapper.match("/messages/7", {"REQUEST_METHOD": "GET"})
        environ = dict(ENVIRON, **{"wsgiorg.routing_args": ((), match)})
        url = cls(mapper, environ)
        results.append((outcome(lambda u=url: u.current()),
                        outcome(lambda u=url: u.current(action="edit")),
                        outcome(lambda u=url: u.current(id=8, format="json")),
                        outcome(lambda u=url: u.current(id=None))))
    assert results[0] == results[1]
    assert results[1][1] == "/messages/7/edit"


def test_sub_domain_generation():
    ref, mine = build_both("sub_domains")
    for host in ("blue.example.com", "www.example.com", "example.com:8080"):
        environ = dict(ENVIRON, HTTP_HOST=host)
        for kwargs in (dict(x=1), dict(x=1, sub_domain="red"), dict(x=1, sub_domain="www"),
                       dict(x=1, sub_domain=None)):
            expected = run(ref, U, ("sd_plain",), kwargs, environ)
            assert run(mine, U, ("sd_plain",), kwargs, environ) == expected, (host, kwargs)
            expected = run(ref, U, (), dict(kwargs, controller="sd", action="plain"), environ)
            got = run(mine, U, (), dict(kwargs, controller="sd", action="plain"), environ)
            assert got == expected, (host, kwargs)


def test_url_for_with_the_registered_mapper():
    """``url_for`` uses the mapper and request registered for this thread."""
    ref, mine = build_both("messages")
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/messages/3", "SCRIPT_NAME": "/app",
               "HTTP_HOST": "h.example.com", "wsgi.url_scheme": "https"}
    calls = [(("message",), dict(id=5)), (("messages",), dict(format="json")),
             ((), dict(controller="messages", action="edit", id=2)),
             (("/plain",), dict(a="b")), (("message",), dict(id=5, qualified=True)),
             (("message",), dict(id=5, protocol="http")), (("nope_name",), {}),
             ((), dict(controller="nope"))]
    ref_config = routes.request_config()
    ref_config.mapper = ref
    ref_config.environ = dict(environ)
    mine_config = carya.mapper.request_config()
    mine_config.mapper = mine
    mine_config.environ = dict(environ)
    assert mine_config.mapper_dict == ref_config.mapper_dict == {
        "id": "3", "controller": "messages", "action": "show"}
    for args, kwargs in calls:
        expected = outcome(lambda a=args, k=kwargs: routes.url_for(*a, **dict(k)))
        got = outcome(lambda a=args, k=kwargs: carya.mapper.url_for(*a, **dict(k)))
        assert got == expected, (args, kwargs)


def test_generation_failure_names_the_call():
    mine = build_both("messages")[1]
    url = URLGenerator(mine, {})
    with pytest.raises(GenerationException, match="message"):
        url("message")
    assert mine.generate(controller="messages", action="show") is None


def test_generation_order_among_candidates():
    """Several routes can build a URL; Routes' fit ordering decides, including ties."""
    def build(M):
        m = M()
        m.connect("/a/{id}", controller="c", action="x")
        m.connect("/b/{id}/{page}", controller="c", action="x")
        m.connect("/c", controller="c", action="x")
        m.connect("/d/{id}", controller="c", action="x", extra="1")
        m.connect("/e/{id}{.format}", controller="c", action="x")
        m.connect("/f/{other}", controller="c", action="x")
        return m

    ref, mine = build(routes.Mapper), build(Mapper)
    for kwargs in (dict(id=1), dict(id=1, page=2), dict(), dict(id=1, extra="1"),
                   dict(id=1, format="json"), dict(other=3, id=4), dict(page=2),
                   dict(id=1, page=2, extra="1", format="x")):
        expected = ref.generate(controller="c", action="x", **kwargs)
        assert mine.generate(controller="c", action="x", **kwargs) == expected, kwargs


def test_url_cache_keeps_types_apart():
    """Arguments that compare equal but print differently must not share a cached URL."""
    ref, mine = build_both("messages")
    for value in (1, True, "1", 1.0, None, "True", 0, False, b"1"):
        for _ in range(2):  # the second call is answered from the cache
            kwargs = dict(controller="messages", action="show", id=value)
            assert mine.generate(**kwargs) == ref.generate(**kwargs), value
    assert mine.generate(controller="messages", action="show", id=True) == "/messages/True"


def test_url_cache_is_cleared_when_routes_change():
    """Routes keeps serving a cached URL after a better route is connected; carya does not."""
    m = Mapper()
    m.connect("/a/{id}", controller="c", action="x")
    assert m.generate(controller="c", action="x", id=1, page=2) == "/a/1?page=2"
    m.connect("/b/{id}/{page}", controller="c", action="x")
    assert m.generate(controller="c", action="x", id=1, page=2) == "/b/1/2"


def test_url_cache_can_be_disabled():
    m = Mapper()
    m.urlcache = None
    m.connect("/a/{id}", controller="c", action="x")
    assert m.generate(controller="c", action="x", id=1) == "/a/1"
    assert m.urlcache is None
