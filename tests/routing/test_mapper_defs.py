"""Route definitions for the mapper parity tests, each built on Routes and on carya.

Every builder takes a mapper class and returns a mapper: the same code runs
on ``routes.Mapper`` (the reference) and on ``carya.mapper.Mapper``, which is
the "ports by changing the import" claim tested directly. The tests in this
module check the generated route tables themselves; ``test_mapper_match``
and ``test_mapper_generate`` use the definitions for matching and generation.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import routes

import carya.mapper

IMPLS = {"routes": routes.Mapper, "carya": carya.mapper.Mapper}


class ServersResource:
    """A controller object, as Nova connects (a callable wsgi.Resource)."""

    def __call__(self, environ, start_response):  # pragma: no cover - never dispatched here
        raise AssertionError("not called in mapper tests")

    def __repr__(self) -> str:
        return "<ServersResource>"


SERVERS = ServersResource()


def nova_mappers(base: type) -> tuple[type, type]:
    """Nova's APIMapper / ProjectMapper behaviour, written against ``base``."""

    class APIMapper(base):
        def routematch(self, url=None, environ=None):
            if url == "":
                found = self._match("", environ)
                return found[0], found[1]
            return base.routematch(self, url, environ)

        def connect(self, *args, **kargs):
            # Only json or xml after a '.', so ids with dots are not cut.
            kargs.setdefault("requirements", {})
            if not kargs["requirements"].get("format"):
                kargs["requirements"]["format"] = "json|xml"
            return base.connect(self, *args, **kargs)

    class ProjectMapper(APIMapper):
        token = "{project_id:[0-9a-f\\-]+}"

        def resource(self, member_name, collection_name, **kwargs):
            parent = kwargs.get("parent_resource")
            if parent is None:
                kwargs["path_prefix"] = self.token + "/"
            else:
                kwargs["path_prefix"] = (
                    f"{self.token}/{parent['collection_name']}/:{parent['member_name']}_id"
                )
            base.resource(self, member_name, collection_name, **kwargs)
            # and the same routes without the project id
            if parent is None:
                del kwargs["path_prefix"]
            else:
                kwargs["path_prefix"] = f"{parent['collection_name']}/:{parent['member_name']}_id"
            base.resource(self, member_name, collection_name, **kwargs)

    return APIMapper, ProjectMapper


# --- the definitions ------------------------------------------------------------------------


def messages(M: type):
    m = M()
    m.resource("message", "messages", collection={"rss": "GET"},
               member={"mark": "POST", "archive": "PUT"}, new={"preview": "POST"})
    return m


def nova(M: type):
    _, ProjectMapper = nova_mappers(M)
    m = ProjectMapper()
    m.connect("versions", "/", controller="versions", action="show",
              conditions={"method": ["GET", "HEAD"]})
    m.redirect("", "/")
    m.resource("server", "servers", controller=SERVERS, collection={"detail": "GET"},
               member={"action": "POST", "create_snapshot_test": "POST"})
    m.resource("flavor", "flavors", collection={"detail": "GET"}, member={"action": "POST"})
    m.resource("keypair", "os-keypairs")
    m.resource("server_meta", "metadata", controller="server_metadata",
               parent_resource={"member_name": "server", "collection_name": "servers"})
    m.connect("server_metadata", "/{project_id}/servers/{server_id}/metadata",
              controller="server_metadata", action="update_all",
              conditions={"method": ["PUT"]})
    return m


def groups(M: type):
    """The seed-003 ``groups`` extension, on a plain mapper and a project mapper."""
    _, ProjectMapper = nova_mappers(M)
    m = ProjectMapper()
    m.resource("group", "groups", collection={"add_group": "POST", "get_groups": "GET"},
               member={"update": "POST", "detail": "GET"})
    return m


def nested(M: type):
    m = M()
    m.resource("region", "regions")
    m.resource("location", "locations",
               parent_resource={"member_name": "region", "collection_name": "regions"})
    m.resource("photo", "photos", name_prefix="",
               parent_resource={"member_name": "region", "collection_name": "regions"})
    m.resource("note", "notes", path_prefix="areas/:area_id",
               parent_resource={"member_name": "region", "collection_name": "regions"})
    m.resource("comment", "comments", path_prefix="/{project_id}/",
               name_prefix="p_", requirements={"project_id": "\\d+"})
    return m


def requirements(M: type):
    m = M()
    m.connect("archive", "/archives/{year:\\d{4\\}}/{month:\\d{1,2\\}}",
              controller="blog", action="archive")
    m.connect("legacy", "/blog/:year/:month", controller="blog", action="legacy",
              requirements={"year": "\\d{2,4}", "month": "\\d+"})
    m.connect("user_name", "/user/{name:[a-z]+}", controller="user", action="by_name")
    m.connect("user_id", "/user/{uid}", controller="user", action="by_id",
              requirements={"uid": "\\d+"})
    m.connect("hexpair", "/hex/{h:[0-9a-f]+}-{n:\\d+}", controller="hex", action="pair")
    m.connect("code", "/code/{code:(?!x)\\w+}", controller="code", action="show")
    m.connect("twin", "/twin/{pair:(?P<c>\\w)(?P=c)}", controller="twin", action="show")
    m.connect("ver", "/ver/{ver:v(?P<major>\\d+)}/x", controller="ver", action="show")
    m.connect("slashy", "/slashy/{rest:[a-z/]+}/end", controller="slashy", action="show")
    m.connect("empty", "/empty/{x:}", controller="empty", action="show")
    m.connect("alt", "/alt/{fmt:json|xml}", controller="alt", action="show")
    m.connect("alt2", "/alt2/{id}", controller="alt", action="two",
              requirements={"id": "a|b"})
    m.connect("behind", "/behind/{v:\\w+(?<!z)}", controller="behind", action="show")
    m.connect("anchored", "/anch/{v:^\\w+$}", controller="anch", action="show")
    return m


def wildcards(M: type):
    m = M()
    m.connect("static", "/static/*path", controller="static", action="serve")
    m.connect("html", "/files/{name}/*rest.html", controller="files", action="html")
    m.connect("proxy", "/proxy/{url:.*}", controller="proxy", action="go")
    m.connect("edit", "/a/*path/edit", controller="a", action="edit")
    m.connect("wiki", "/wiki/*page", controller="wiki", action="show",
              requirements={"page": "[A-Z].*"})
    m.connect("pinfo", "/app/*path_info", controller="app", action="mount")
    m.connect("catchall", "*anything", controller="errors", action="missing")
    return m


def _not_no(environ, result):
    return result["x"] != "no"


def _tagging(environ, result):
    result["tagged"] = bool(environ) and environ.get("HTTP_X_TAG", "")
    return bool(environ) and "HTTP_X_TAG" in environ


def conditions(M: type):
    m = M()
    m.connect("c_get", "/c", controller="c", action="get", conditions={"method": "GET"})
    m.connect("c_write", "/c", controller="c", action="write",
              conditions={"method": ["POST", "PUT"]})
    m.connect("c_any", "/c", controller="c", action="any")
    m.connect("f1", "/f/{x}", controller="f", action="checked",
              conditions={"function": _not_no})
    m.connect("f2", "/f/{x}", controller="f", action="tagged",
              conditions={"function": _tagging, "method": ["GET"]})
    m.connect("f3", "/f/{x}", controller="f", action="fallback")
    m.connect("g1", "/g/{x}", controller="g", action="tag_first",
              conditions={"function": _tagging})
    m.connect("g2", "/g/{x}", controller="g", action="plain", conditions={"method": ["GET"]})
    return m


def sub_domains(M: type):
    m = M()
    m.sub_domains = True
    m.sub_domains_ignore = ["www"]
    m.connect("sd_any", "/sd", controller="sd", action="any_sub",
              conditions={"sub_domain": True})
    m.connect("sd_list", "/sd/{x}", controller="sd", action="listed",
              conditions={"sub_domain": ["blue", "green"]})
    m.connect("sd_none", "/sd", controller="sd", action="no_sub",
              conditions={"sub_domain": False})
    m.connect("sd_plain", "/plain/{x}", controller="sd", action="plain")
    return m


def formats(M: type):
    m = M()
    m.connect("report", "/report{.format}", controller="report", action="show")
    m.connect("item", "/items/{id}{.format}", controller="items", action="show")
    m.connect("item_json", "/items/{id}.json", controller="items", action="json_only")
    m.connect("feed", "/feed.:(format)", controller="feed", action="show")
    m.connect("dl", "/dl/{name}.{ext}", controller="dl", action="get")
    m.connect("ver", "/v{version}/info", controller="info", action="show")
    m.connect("dotted", "/a.b/{x}", controller="dotted", action="show")
    m.connect("fmtreq", "/fr/{id}{.format:json|xml}", controller="fr", action="show")
    m.connect("dash", "/d/:a-:b", controller="dash", action="show")
    m.connect("comma", "/list/:first,:second", controller="list", action="pair")
    return m


def legacy(M: type):
    m = M(controller_scan=None)
    m.connect("/:controller/:action/:id")
    m.connect("rel", ":controller/:action/:id")
    m.connect("admin", "/admin/:controller/:action", conditions={"method": ["GET"]})
    m.connect("blog_year", "/blog/:year", controller="blog", action="year",
              requirements={"year": "\\d+"})
    m.create_regs(["blog", "admin/users", "users"])
    return m


def implicit(M: type):
    m = M(explicit=False)
    m.connect("/:controller/:action/:id")
    m.connect("home", "/", controller="home")
    m.connect("page", "/page/:name", action="page")
    return m


def ordering(M: type):
    m = M()
    m.connect("late_short", "/{a}/x", controller="o", action="var_first")
    m.connect("long", "/foo/x", controller="o", action="static_later")
    m.connect("foo_var", "/foo/{b}", controller="o", action="foo_var")
    m.connect("foo_fmt", "/foo.{fmt}", controller="o", action="foo_fmt")
    m.connect("f_rest", "/f{rest}", controller="o", action="f_rest")
    m.connect("dup", "/foo/x", controller="o", action="duplicate")
    m.connect("deep", "/{a}/{b}/{c}", controller="o", action="deep")
    m.connect("deep_static", "/p/q/r", controller="o", action="deep_static")
    m.connect("trail", "/t/", controller="o", action="trailing_slash")
    m.connect("no_lead", "nolead/{x}", controller="o", action="no_leading_slash")
    return m


def submappers(M: type):
    m = M()
    with m.submapper(path_prefix="/entries", controller="entry", name_prefix="e_") as s:
        s.connect("list", "", action="index")
        s.connect("one", "/{id}", action="show", conditions={"method": ["GET"]})
        s.connect("/search")
    c = m.collection("posts", "post")
    c.member.link("ping", method="POST")
    c.link("recent", name="recent_posts")
    c.member.link("raw", formatted=False)
    s2 = m.submapper(path_prefix="/api", requirements={"id": "\\d+"}, controller="api")
    s2.action(name="api_root", action="root")
    s2.connect("api_item", "/items/{id}", action="item", requirements={"x": "y"})
    s3 = m.submapper(path_prefix="/entries/{entry_id}", controller="comment",
                     resource_name="comment", collection_name="comments",
                     actions=["index", "new", "create"])
    s3.link("feed", method="GET", formatted=True)
    return m


DEFINITIONS: dict[str, Callable] = {
    "messages": messages,
    "nova": nova,
    "groups": groups,
    "nested": nested,
    "requirements": requirements,
    "wildcards": wildcards,
    "conditions": conditions,
    "sub_domains": sub_domains,
    "formats": formats,
    "legacy": legacy,
    "implicit": implicit,
    "ordering": ordering,
    "submappers": submappers,
}


def build_both(name: str) -> tuple:
    """(Routes mapper, carya mapper) for a definition."""
    build = DEFINITIONS[name]
    return build(IMPLS["routes"]), build(IMPLS["carya"])


# --- route tables ---------------------------------------------------------------------------


def route_facts(route) -> tuple:
    """What a route is, as far as users can see (Routes attribute names)."""
    return (
        route.name,
        route.routepath,
        route.conditions,
        route.defaults,
        dict(route.reqs),
        route.routelist,
        route.minkeys,
        route.maxkeys,
        route.hardcoded,
        route.dotkeys,
        route.member_name,
        route.collection_name,
        route.parent_resource,
        route.static,
        route.redirect,
    )


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_route_table_is_routes(name):
    """Same routes, same order, same attributes (resource/submapper generate identically)."""
    ref, mine = build_both(name)
    assert [route_facts(r) for r in mine.matchlist] == [route_facts(r) for r in ref.matchlist]
    assert len(mine.matchlist) > 0


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_route_names_are_routes(name):
    ref, mine = build_both(name)

    def named(mapper):
        # redirect targets are named after id() of their match route
        return {key: route for key, route in mapper._routenames.items()
                if not key.startswith("_redirect_")}

    assert sorted(named(mine)) == sorted(named(ref))
    for key, route in named(ref).items():
        assert route_facts(named(mine)[key]) == route_facts(route), key
    assert len(mine._routenames) == len(ref._routenames)


@pytest.mark.parametrize("name", sorted(set(DEFINITIONS) - {"nova"}))
def test_str_prints_the_routes_table(name):
    """``print(mapper)`` gives Routes' table, byte for byte."""
    ref, mine = build_both(name)
    assert str(mine) == str(ref)
    assert str(mine).splitlines()[0].split() == ["Route", "name", "Methods", "Path",
                                                   "Controller", "action"]


def test_str_prints_object_controllers():
    """Routes cannot print a table holding a controller object (len() of it fails);
    carya prints its repr."""
    ref, mine = build_both("nova")
    with pytest.raises(TypeError):
        str(ref)
    table = str(mine)
    assert "<ServersResource>" in table
    assert len(table.splitlines()) == len(mine.matchlist) + 1


def test_regexes_are_routes():
    """The whole-path regex each route is matched by is the one Routes builds."""
    for name in sorted(DEFINITIONS):
        ref, mine = build_both(name)
        if ref.controller_scan:
            ref.create_regs()
        mine.compile()
        assert [r.regexp for r in mine.matchlist] == [r.regexp for r in ref.matchlist], name


def test_resource_does_not_modify_callers_dicts():
    member = {"mark": "POST"}
    new = {"preview": "POST"}
    m = carya.mapper.Mapper()
    m.resource("message", "messages", member=member, new=new)
    assert member == {"mark": "POST"}
    assert new == {"preview": "POST"}


def test_nova_table_size_and_names():
    """Nova's ProjectMapper doubles each resource: with and without the project id."""
    _, mine = build_both("nova")
    paths = [r.routepath for r in mine.matchlist]
    assert "/{project_id:[0-9a-f\\-]+}/servers/:(id)/action" in paths
    assert "/servers/:(id)/action" in paths
    assert "/servers/:(id)/create_snapshot_test" in paths
    assert mine._routenames["detail_servers"].routepath == "/servers/detail"
    assert mine._routenames["formatted_server"].routepath == "/servers/:(id).:(format)"
    assert (mine._routenames["server_server_meta"].routepath
            == "/servers/:server_id/metadata/:(id)")
    # connected after the resource, the plain name wins (Routes keeps the last)
    assert mine._routenames["server_metadata"].defaults["action"] == "update_all"
