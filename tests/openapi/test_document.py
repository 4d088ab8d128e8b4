"""``carya openapi``: valid OpenAPI 3.1 covering every route ``carya routes`` lists."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from carya.openapi import build_document, openapi_path, operations
from carya.routing.listing import list_routes

from .conftest import TARGETS


def _operation_keys(document: dict) -> set[tuple[str, str]]:
    return {(method, path) for method, path, _ in operations(document)}


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_document_is_valid_and_covers_every_listed_route(document_of, name):
    document, app = document_of(name)
    validate(document)
    assert document["openapi"] == "3.1.0"
    keys = _operation_keys(document)
    routes = list_routes(app)
    assert routes
    for route in routes:
        path = openapi_path(route.path)
        methods = [m for m in route.methods if not (m == "HEAD" and "GET" in route.methods)]
        for method in methods or ["GET"]:
            assert (method, path) in keys, f"{name}: {method} {route.path} is not documented"
    ids = [op["operationId"] for _, _, op in operations(document)]
    assert len(ids) == len(set(ids))


def test_object_dispatch_parameters_come_from_signatures(document_of):
    document, _ = document_of("catalog")
    error = document["paths"]["/error"]["get"]
    assert error["x-carya-methods"] == "ANY"
    assert {"name": "status", "in": "query", "required": True,
            "schema": {"type": "string"}} in error["parameters"]
    rest = document["paths"]["/my_restcontroller/{id}"]["get"]
    assert rest["parameters"][0] == {"name": "id", "in": "path", "required": True,
                                     "schema": {"type": "string"}}
    assert "404" in rest["responses"]
    redirect = document["paths"]["/catalog"]["get"]
    assert redirect["x-carya-redirect"] == "/catalog/"
    assert "302" in redirect["responses"]
    lookup = document["paths"]["/look_test/{path}"]["get"]
    assert lookup["x-carya-dynamic"] is True


def test_rest_controller_query_parameters(document_of):
    document, _ = document_of("alarms")
    get_all = document["paths"]["/v2/alarms"]["get"]
    query = {p["name"]: p["required"] for p in get_all["parameters"] if p["in"] == "query"}
    assert {"state", "name", "enabled"} <= set(query)  # from get_all's signature
    assert not any(query.values())  # all have defaults: optional
    assert "post" in document["paths"]["/v2/alarms"]


def test_cloud_api_actions_versions_policies_and_statuses(document_of):
    document, _ = document_of("cloud")
    servers = document["paths"]["/v2.1/servers"]
    create = servers["post"]
    assert create["x-policy"] == ["os_compute_api:servers:create"]
    assert "202" in create["responses"] and "200" not in create["responses"]
    assert {"400", "404", "409", "401", "403"} <= set(create["responses"])
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["server"]
    assert body["properties"]["server"]["required"] == ["name", "imageRef", "flavorRef"]
    assert "204" in document["paths"]["/v2.1/servers/{id}"]["delete"]["responses"]

    show = document["paths"]["/v2.1/servers/{id}"]["get"]
    assert any(p["name"] == "OpenStack-API-Version" for p in show["parameters"])
    assert document["info"]["x-carya-microversions"]["/v2.1"] == {
        "service": "compute", "min": "2.1", "max": "2.2", "header": "OpenStack-API-Version",
        "legacy_header": "X-OpenStack-Nova-API-Version"}

    action = document["paths"]["/v2.1/servers/{id}/action"]["post"]
    names = [a["action"] for a in action["x-carya-actions"]]
    assert names == ["createImage", "os-start", "os-stop", "reboot"]
    branches = action["requestBody"]["content"]["application/json"]["schema"]["oneOf"]
    assert [b["title"] for b in branches] == names
    reboot = branches[names.index("reboot")]
    assert reboot["properties"]["reboot"]["required"] == ["type"]
    assert all(a["x-policy"] for a in action["x-carya-actions"])


def test_versioned_methods_document_each_range():
    """Same-named methods under ``@api_version`` ranges: one operation naming each range."""
    from carya.api import APIRouter, Microversions, ResourceExtension
    from tests.api.test_versions import Servers

    document = build_document(APIRouter(
        resources=[ResourceExtension("servers", Servers())],
        microversions=Microversions("compute", "2.1", "2.30")))
    validate(document)
    show = document["paths"]["/servers/{id}"]["get"]
    assert [(v["min"], v["max"]) for v in show["x-carya-versions"]] == [
        ("2.1", "2.4"), ("2.5", "2.9"), ("2.20", "latest")]
    assert (show["x-min-version"], show["x-max-version"]) == ("2.1", "latest")
    assert {"200", "202"} <= set(show["responses"])  # 2.5-2.9 answers 202
    assert document["info"]["x-carya-microversions"]["/"]["max"] == "2.30"


def test_groups_api_validates_and_keeps_project_routes(document_of):
    document, _ = document_of("groups")
    assert "/v2.1/{project_id}/groups" in document["paths"]
    create = document["paths"]["/v2.1/groups"]["post"]
    assert "requestBody" in create


def test_draft4_bounds_become_2020_12(document_of):
    from carya.openapi.schema import from_draft4

    schema = {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object",
              "properties": {"n": {"type": "integer", "minimum": 0, "exclusiveMinimum": True,
                                   "maximum": 9, "exclusiveMaximum": False},
                             "pair": {"type": "array", "items": [{"type": "string"}],
                                      "additionalItems": False}}}
    out = from_draft4(schema)
    assert "$schema" not in out
    assert out["properties"]["n"] == {"type": "integer", "exclusiveMinimum": 0, "maximum": 9}
    assert out["properties"]["pair"] == {"type": "array", "prefixItems": [{"type": "string"}],
                                         "items": False}
    assert schema["properties"]["n"]["exclusiveMinimum"] is True  # the input is untouched


def test_not_an_application_is_an_error():
    with pytest.raises(ValueError, match="not a carya application"):
        build_document(object())


def test_cli_bad_target_is_a_one_line_error(capsys):
    from carya.cli import main

    assert main(["openapi", "/nonexistent/config.py"]) == 2
    assert "carya openapi:" in capsys.readouterr().err
