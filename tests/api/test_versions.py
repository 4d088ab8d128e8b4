"""Microversions (negotiation, headers, version-selected methods) and the versions document."""

from __future__ import annotations

import pytest
import webob.exc

from carya.api import (
    APIRouter,
    APIVersion,
    APIVersionInfo,
    Controller,
    Microversions,
    ResourceExtension,
    api_version,
    response,
)
from carya.api.versions import VersionedMethods, VersionTable


def test_parse_compare_and_match():
    assert APIVersion.parse("2.37") == APIVersion(2, 37)
    assert str(APIVersion.parse(" 2.0 ")) == "2.0"
    assert APIVersion(2, 9) < APIVersion(2, 10) < APIVersion(3, 0)
    for bad in ("2", "2.01", "02.1", "2.x", "", "v2.1", "2.1.1"):
        with pytest.raises(ValueError, match="invalid format"):
            APIVersion.parse(bad)
    v = APIVersion(2, 5)
    assert v.matches(APIVersion(2, 1), APIVersion(2, 5))
    assert not v.matches(APIVersion(2, 6), None)
    assert v.matches(None, None) and v.matches(APIVersion(), APIVersion())
    assert APIVersion().is_null()


@pytest.fixture
def mv():
    return Microversions("compute", "2.1", "2.90", legacy_header="X-OpenStack-Nova-API-Version")


def negotiate(mv, **headers):
    environ = {"HTTP_" + k.upper(): v for k, v in headers.items()}
    return mv.negotiate(environ)


def test_negotiation(mv):
    assert negotiate(mv)[0] == APIVersion(2, 1), "no header: the minimum"
    assert negotiate(mv, openstack_api_version="compute 2.37")[0] == APIVersion(2, 37)
    assert negotiate(mv, openstack_api_version="compute latest")[0] == APIVersion(2, 90)
    assert negotiate(mv, openstack_api_version="volume 3.1, Compute 2.5")[0] == APIVersion(2, 5)
    assert negotiate(mv, openstack_api_version="volume 3.1")[0] == APIVersion(2, 1), \
        "another service's version is not ours"
    assert negotiate(mv, x_openstack_nova_api_version="2.20")[0] == APIVersion(2, 20)
    assert negotiate(mv, openstack_api_version="compute 2.3",
                     x_openstack_nova_api_version="2.20")[0] == APIVersion(2, 3), \
        "the new header wins"


def test_bad_versions(mv):
    with pytest.raises(webob.exc.HTTPBadRequest, match="invalid format"):
        negotiate(mv, openstack_api_version="compute two")
    with pytest.raises(webob.exc.HTTPNotAcceptable,
                       match="Version 2.91 is not supported by the API. Minimum is 2.1"):
        negotiate(mv, openstack_api_version="compute 2.91")
    with pytest.raises(webob.exc.HTTPNotAcceptable):
        negotiate(mv, x_openstack_nova_api_version="1.0")


def test_response_headers_and_cache(mv):
    version, headers = negotiate(mv, openstack_api_version="compute 2.2")
    assert headers == (("OpenStack-API-Version", "compute 2.2"),
                       ("X-OpenStack-Nova-API-Version", "2.2"),
                       ("Vary", "OpenStack-API-Version, X-OpenStack-Nova-API-Version"))
    assert negotiate(mv, openstack_api_version="compute 2.2")[0] is version, "cached"
    for i in range(2000):
        negotiate(mv, openstack_api_version=f"other {i}.0")
    assert len(mv._cache) <= 512


def test_bad_declarations():
    with pytest.raises(ValueError, match="below min"):
        Microversions("compute", "2.5", "2.1")
    with pytest.raises(ValueError, match="one word"):
        Microversions("com pute", "2.1", "2.2")
    with pytest.raises(ValueError, match="max is below min"):
        api_version("2.5", "2.1")
    with pytest.raises(ValueError, match=r"2.1-2.5 and from 2.5 overlap"):
        VersionTable("X.show", [(APIVersion(2, 1), APIVersion(2, 5), "a"),
                                (APIVersion(2, 5), None, "b")])
    with pytest.raises(ValueError, match="overlap"):
        VersionTable("X.show", [(APIVersion(2, 1), None, "a"), (APIVersion(3, 0), None, "b")])


class Servers(Controller):
    @api_version("2.1", "2.4")
    def show(self, req, id):
        return {"id": id, "shape": "old"}

    @api_version("2.5", "2.9")
    @response(202)
    def show(self, req, id):  # noqa: F811 - same-named versioned methods are the point
        return {"id": id, "shape": "new"}

    @api_version("2.20")
    def show(self, req, id):  # noqa: F811
        return {"id": id, "shape": "newest"}

    @api_version("2.1", "2.4")
    def legacy(self, req, id):
        return "legacy"

    def update(self, req, id, body):
        return {"old": self.legacy(req, id)}

    def index(self, req):
        return {"version": str(req.api_version_request)}


def test_class_collects_versioned_methods():
    assert isinstance(Servers.__dict__["show"], VersionedMethods)
    assert len(Servers.__dict__["show"].funcs) == 3


@pytest.fixture
def api(caller):
    return caller(APIRouter(
        resources=[ResourceExtension("servers", Servers())],
        microversions=Microversions("compute", "2.1", "2.30", legacy_header="X-Legacy"),
    ))


def at(version):
    return {"OpenStack-API-Version": f"compute {version}"}


def test_methods_selected_by_version(api):
    assert api.get("/servers/1").json == {"id": "1", "shape": "old"}
    assert api.get("/servers/1", headers=at("2.4")).json["shape"] == "old"
    new = api.get("/servers/1", headers=at("2.5"), status=202)
    assert new.json["shape"] == "new", "and its own @response"
    resp = api.get("/servers/1", headers=at("2.12"), status=404)
    assert resp.json["itemNotFound"]["message"] == (
        "API version 2.12 is not supported on this method.")
    latest = api.get("/servers/1", headers=at("latest")).json
    assert latest["shape"] == "newest"


def test_direct_calls_of_versioned_methods_check_the_version(api):
    assert isinstance(Servers.__dict__["legacy"], VersionedMethods), "even a single one"
    assert api.put_json("/servers/1", {}, headers=at("2.3")).json == {"old": "legacy"}
    resp = api.put_json("/servers/1", {}, headers=at("2.30"), status=404)
    assert "2.30 is not supported" in resp.json["itemNotFound"]["message"]


def test_headers_echoed_on_success_and_errors(api):
    resp = api.get("/servers", headers=at("2.7"))
    assert resp.json == {"version": "2.7"}
    assert resp.headers["OpenStack-API-Version"] == "compute 2.7"
    assert resp.headers["X-Legacy"] == "2.7"
    assert resp.headers["Vary"] == "OpenStack-API-Version, X-Legacy"
    missing = api.get("/nowhere", headers=at("2.7"), status=404)
    assert missing.headers["OpenStack-API-Version"] == "compute 2.7"
    bad = api.get("/servers", headers=at("9.0"), status=406)
    assert bad.json == {"computeFault": {"code": 406, "message":
                        "Version 9.0 is not supported by the API. "
                        "Minimum is 2.1 and maximum is 2.30."}}
    assert bad.headers["Vary"] == "OpenStack-API-Version, X-Legacy"
    assert "OpenStack-API-Version" not in bad.headers
    garbled = api.get("/servers", headers=at("2.x"), status=400)
    assert "Must be of format MajorNum.MinorNum." in garbled.json["badRequest"]["message"]


def test_versions_document(api):
    doc = api.get("/").json
    assert doc == {"versions": [{
        "id": "v2.1", "status": "CURRENT", "version": "2.30", "min_version": "2.1",
        "updated": "2013-07-23T11:33:21Z",
        "links": [{"rel": "self", "href": "http://localhost/"}],
    }]}


def test_versions_document_listing_several(caller):
    app = APIRouter(versions=[
        APIVersionInfo("v2.0", "SUPPORTED", path="/v2/"),
        APIVersionInfo("v2.1", "CURRENT", "2.1", "2.90", path="/v2.1/"),
    ])
    doc = caller(app).get("/", extra_environ={"HTTP_HOST": "api.example:8774"}).json
    assert [(v["id"], v["status"], v["links"][0]["href"]) for v in doc["versions"]] == [
        ("v2.0", "SUPPORTED", "http://api.example:8774/v2/"),
        ("v2.1", "CURRENT", "http://api.example:8774/v2.1/"),
    ]


def test_versioned_methods_need_microversions():
    from carya.api.router import RouteConfigError

    with pytest.raises(RouteConfigError, match="declares no microversions"):
        APIRouter(resources=[ResourceExtension("servers", Servers())])
