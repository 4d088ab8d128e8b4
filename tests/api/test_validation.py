"""@validate: JSON Schema on bodies and query strings, Nova's messages, versions."""

from __future__ import annotations

import pytest

from carya import expose
from carya.api import APIRouter, Controller, Microversions, ResourceExtension
from carya.api.validation import SchemaValidator, register_format, validate
from carya.rest import RestController

GROUP = {
    "type": "object",
    "properties": {
        "group": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 8},
                "size": {"type": "integer", "minimum": 1},
                "tags": {"type": "array", "items": {"type": "string"}},
            },
            "required": ["name"],
            "additionalProperties": False,
        },
    },
    "required": ["group"],
    "additionalProperties": False,
}


@pytest.mark.parametrize("body, message", [
    ({"group": {"name": 123}},
     "Invalid input for field/attribute group/name. Value: 123. 123 is not of type 'string'"),
    ({"group": {"name": "far too long"}},
     "Invalid input for field/attribute group/name. Value: far too long. "
     "'far too long' is too long"),
    ({"group": {"name": "a", "size": 0}},
     "Invalid input for field/attribute group/size. Value: 0. "
     "0 is less than the minimum of 1"),
    ({"group": {"name": "a", "tags": ["x", 2]}},
     "Invalid input for field/attribute group/tags/1. Value: 2. 2 is not of type 'string'"),
    ({"group": {}},
     "Invalid input for field/attribute group. Value: {}. 'name' is a required property"),
    ({"group": {"name": "a"}, "extra": 1},
     "Additional properties are not allowed ('extra' was unexpected)"),
    (None, "None is not of type 'object'"),
    ([], "[] is not of type 'object'"),
])
def test_messages_name_field_value_and_rule(body, message):
    import webob.exc

    with pytest.raises(webob.exc.HTTPBadRequest) as error:
        SchemaValidator(GROUP)(body)
    assert error.value.detail == message


def test_valid_bodies_pass_and_are_not_modified():
    schema = {"type": "object", "properties": {"n": {"type": "integer", "default": 5}}}
    body = {}
    SchemaValidator(schema)(body)
    assert body == {}, "defaults are not filled in"


def test_bad_schemas_fail_at_build():
    with pytest.raises(ValueError, match="invalid JSON schema at properties/x"):
        SchemaValidator({"type": "object", "properties": {"x": {"type": "nonsense"}}}, "X.y")
    with pytest.raises(TypeError, match="needs body=schema"):
        validate()


def test_formats_checked_by_both_engines():
    register_format("even-digits", lambda v: not isinstance(v, str) or (
        v.isdigit() and len(v) % 2 == 0))
    check = SchemaValidator({"type": "string", "format": "even-digits"})
    check("1234")
    import webob.exc

    with pytest.raises(webob.exc.HTTPBadRequest, match="even-digits"):
        check("123")


class Groups(Controller):
    @validate(body=GROUP)
    def create(self, req, body):
        return {"ok": body["group"]["name"]}

    @validate(query={"type": "object", "properties": {
        "limit": {"type": "array", "items": {"type": "string", "pattern": "^[0-9]+$"}}}})
    def index(self, req):
        return {"limit": req.GET.getall("limit")}

    @validate(body={"type": "object", "required": ["old"]}, max_version="2.4")
    @validate(body={"type": "object", "required": ["new"]}, min_version="2.5")
    def update(self, req, id, body):
        return {"id": id}


@pytest.fixture
def api(caller):
    return caller(APIRouter(
        resources=[ResourceExtension("groups", Groups())],
        microversions=Microversions("compute", "2.1", "2.9"),
    ))


def test_through_the_api(api):
    assert api.post_json("/groups", {"group": {"name": "web"}}).json == {"ok": "web"}
    resp = api.post_json("/groups", {"group": {"name": 1}}, status=400)
    assert resp.json["badRequest"]["message"].startswith(
        "Invalid input for field/attribute group/name")
    missing = api.post("/groups", status=400)
    assert "needs a JSON body" in missing.json["badRequest"]["message"]


def test_query_validated_as_lists(api):
    assert api.get("/groups?limit=5&limit=6").json == {"limit": ["5", "6"]}
    resp = api.get("/groups?limit=x", status=400)
    assert "limit/0. Value: x" in resp.json["badRequest"]["message"]


def test_schemas_by_version(api):
    assert api.put_json("/groups/1", {"old": 1}).json == {"id": "1"}
    api.put_json("/groups/1", {"new": 1}, status=400)
    new = {"OpenStack-API-Version": "compute 2.5"}
    api.put_json("/groups/1", {"new": 1}, headers=new)
    assert "'new' is a required property" in api.put_json(
        "/groups/1", {"old": 1}, headers=new, status=400).json["badRequest"]["message"]


# --- object dispatch and RestController ----------------------------------------------


class Root:
    @expose("json")
    @validate(body=GROUP)
    def groups(self, **kw):
        return {"got": kw["group"]["name"]}


class Things(RestController):
    @expose("json")
    @validate(body={"type": "object", "required": ["name"]})
    def post(self, **kw):
        return {"name": kw["name"]}


class RestRoot:
    things = Things()


def test_object_dispatch_handlers(client):
    app = client(Root())
    assert app.post_json("/groups", {"group": {"name": "a"}}).json == {"got": "a"}
    resp = app.post_json("/groups", {"group": {"name": []}}, status=400,
                         headers={"Accept": "application/json"})
    assert "group/name. Value: []. [] is not of type 'string'" in resp.json["description"]
    resp = app.post("/groups", "{nope", content_type="application/json", status=400)
    assert "Malformed request body" in resp.text  # the schema check reads the body


def test_rest_controller_handlers(client):
    app = client(RestRoot())
    assert app.post_json("/things", {"name": "n"}).json == {"name": "n"}
    resp = app.post_json("/things", {}, status=400)
    assert "'name' is a required property" in resp.text
