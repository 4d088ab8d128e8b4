"""Policy rules, the enforcer, overrides from files, @policy and authorize()."""

from __future__ import annotations

import json

import pytest

from carya.api import APIRouter, Controller, ResourceExtension
from carya.api.policy import (
    DocumentedRuleDefault,
    Enforcer,
    PolicyError,
    PolicyNotRegistered,
    RuleDefault,
    authorize,
    dump,
    policy,
)
from tests.api.conftest import ADMIN, MEMBER, OTHER

RULES = [
    RuleDefault("admin_api", "is_admin:True"),
    RuleDefault("admin_or_owner", "is_admin:True or project_id:%(project_id)s"),
    DocumentedRuleDefault("things:create", "rule:admin_or_owner", "Create a thing",
                          [{"method": "POST", "path": "/things"}]),
    RuleDefault("things:delete", "rule:admin_api", "Delete a thing"),
]


def test_enforce_with_contexts_dicts_and_objects():
    enforcer = Enforcer(RULES)
    target = {"project_id": "p1"}
    assert enforcer.enforce("things:create", target, MEMBER)
    assert not enforcer.enforce("things:create", target, OTHER)
    assert enforcer.enforce("things:create", {"project_id": "zz"}, ADMIN)
    assert not enforcer.enforce("things:delete", target, MEMBER)
    assert enforcer.enforce("things:delete", target, {"is_admin": True, "roles": []})

    class Ctx:  # any object with the fields
        user_id, project_id, roles, is_admin = "u", "p1", ["member"], False

    assert enforcer.enforce("things:create", target, Ctx())
    assert not enforcer.enforce("things:create", target, None)


def test_unknown_rule_uses_default_rule_else_denies():
    enforcer = Enforcer(RULES)
    assert not enforcer.enforce("nobody:registered", {}, ADMIN)
    enforcer.register_default(RuleDefault("default", "role:admin"))
    assert enforcer.enforce("nobody:registered", {}, ADMIN)
    with pytest.raises(PolicyNotRegistered, match="'nobody:registered' is not registered"):
        enforcer.authorize("nobody:registered", {}, ADMIN)


def test_bad_rules_fail_when_registered():
    with pytest.raises(PolicyError, match="policy rule 'x'.*unexpected 'role:b'"):
        RuleDefault("x", "role:a role:b")
    with pytest.raises(PolicyError, match="registered twice"):
        Enforcer([RuleDefault("a", "@"), RuleDefault("a", "!")])
    Enforcer([RuleDefault("a", "@"), RuleDefault("a", "@")])  # the same default twice is fine
    with pytest.raises(PolicyError, match="needs a description"):
        DocumentedRuleDefault("a", "@", "", [{"method": "GET", "path": "/"}])
    with pytest.raises(PolicyError, match="each operation"):
        RuleDefault("a", "@", operations=[{"verb": "GET"}])
    with pytest.raises(PolicyError, match=r"loop: a -> b -> a"):
        Enforcer([RuleDefault("a", "rule:b"), RuleDefault("b", "rule:a")])


def test_overrides_from_yaml_and_json(tmp_path):
    enforcer = Enforcer(RULES)
    yaml_file = tmp_path / "policy.yaml"
    yaml_file.write_text('"things:create": "role:creator"\n"extra:rule": "@"\n')
    enforcer.load_file(yaml_file)
    assert not enforcer.enforce("things:create", {"project_id": "p1"}, MEMBER)
    assert enforcer.enforce("things:create", {}, {"roles": ["Creator"]})
    assert enforcer.enforce("extra:rule", {}, {}), "file-only rules are usable"
    json_file = tmp_path / "policy.json"
    json_file.write_text(json.dumps({"things:delete": "@"}))
    enforcer.load_file(json_file)
    assert enforcer.enforce("things:delete", {}, MEMBER)
    assert enforcer.enforce("things:create", {"project_id": "p1"}, MEMBER), "replaced, not merged"


def test_rules_referenced_by_overrides_see_later_changes(tmp_path):
    enforcer = Enforcer(RULES)
    assert not enforcer.enforce("things:delete", {}, MEMBER)
    enforcer.set_overrides({"admin_api": "role:member"})
    assert enforcer.enforce("things:delete", {}, MEMBER), "rule:admin_api follows the override"


@pytest.mark.parametrize("content, problem", [
    ('"things:create": "role:a role:b"\n', "rule 'things:create'.*unexpected"),
    ("- just\n- a list\n", "must hold a mapping"),
    ('"a": [1, 2]\n', "must map a name to a check string"),
    ("{bad yaml: [\n", "not valid YAML"),
    ('"admin_api": "rule:things:delete"\n', "loop"),
])
def test_bad_policy_files_name_file_and_rule(tmp_path, content, problem):
    enforcer = Enforcer(RULES)
    path = tmp_path / "policy.yaml"
    path.write_text(content)
    with pytest.raises(PolicyError, match=problem) as error:
        enforcer.load_file(path)
    assert str(path) in str(error.value)
    assert enforcer.enforce("things:create", {"project_id": "p1"}, MEMBER), "old rules kept"


def test_missing_and_invalid_json_file(tmp_path):
    with pytest.raises(PolicyError, match="No such file"):
        Enforcer(RULES, policy_file=tmp_path / "nope.yaml")
    bad = tmp_path / "p.json"
    bad.write_text("{")
    with pytest.raises(PolicyError, match="not valid JSON"):
        Enforcer(RULES, policy_file=bad)


def test_dump_shows_effective_policy(tmp_path):
    enforcer = Enforcer(RULES)
    enforcer.set_overrides({"things:delete": "role:janitor"})
    text = dump(enforcer)
    assert '"things:delete": "role:janitor"' in text
    assert "# overridden (default: 'rule:admin_api')" in text
    assert "# Create a thing" in text and "# POST    /things" in text
    assert '"admin_or_owner": "is_admin:True or project_id:%(project_id)s"' in text
    assert json.loads(dump(enforcer, "json"))["things:delete"] == "role:janitor"
    import yaml

    assert yaml.safe_load(text)["things:create"] == "rule:admin_or_owner", "valid YAML"


# --- @policy on handlers, authorize() in them ----------------------------------------


class Things(Controller):
    @policy("things:create")
    def create(self, req, body):
        return {"created": body}

    @policy("things:create", with_body=True)
    def update(self, req, id, body):
        return {"updated": id}

    def show(self, req, id):
        authorize(req, "things:delete", {"project_id": id})
        return {"id": id}

    @policy("things:create", target=lambda req, args: {"project_id": args["id"]})
    def delete(self, req, id):
        return None


def things_api(**kw):
    return APIRouter(resources=[ResourceExtension("things", Things())], policies=RULES, **kw)


def test_policy_decorator_403_and_401(caller):
    app = things_api()
    assert caller(app).post_json("/things", {"a": 1}).json == {"created": {"a": 1}}
    denied = caller(app, OTHER.__class__(user_id="x", project_id=None, roles=[]))
    resp = denied.post_json("/things", {"a": 1}, status=403)
    assert resp.json == {"forbidden": {
        "code": 403, "message": "Policy doesn't allow things:create to be performed."}}
    anonymous = caller(app, None).post_json("/things", {"a": 1}, status=401)
    assert anonymous.headers["WWW-Authenticate"] == "Token"
    assert "needs an authenticated caller" in anonymous.json["unauthorized"]["message"]


def test_target_has_path_variables_body_and_custom(caller):
    enforcer = Enforcer(RULES)
    enforcer.set_overrides({"things:create": "user_id:%(id)s or user_id:%(thing.name)s"})
    app = things_api(enforcer=enforcer)
    member = caller(app)  # alice
    member.put_json("/things/p1", {"thing": {"name": "x"}}, status=403)
    assert member.put_json("/things/p1", {"thing": {"name": "alice"}}).json == {"updated": "p1"}
    assert member.put_json("/things/alice", {"thing": {}}).json == {"updated": "alice"}
    enforcer.set_overrides({"things:create": "project_id:%(project_id)s"})
    member.delete("/things/p2", status=403)  # the custom target names project p2
    member.delete("/things/p1", status=204)


def test_path_variables_win_over_the_body(caller):
    enforcer = Enforcer(RULES)
    enforcer.set_overrides({"things:create": "user_id:%(id)s"})
    member = caller(things_api(enforcer=enforcer))
    member.put_json("/things/mallory", {"id": "alice"}, status=403)
    member.put_json("/things/alice", {"id": "mallory"}, status=200)


def test_authorize_in_handler_uses_the_api_enforcer(caller):
    app = things_api()
    caller(app).get("/things/p1", status=403)
    assert caller(app, ADMIN).get("/things/p1").json == {"id": "p1"}


def test_unregistered_rule_fails_at_build_naming_handler():
    class Broken(Controller):
        @policy("never:registered")
        def index(self, req):
            return {}

    with pytest.raises(PolicyNotRegistered) as error:
        APIRouter(resources=[ResourceExtension("broken", Broken())])
    assert "Broken.index" in str(error.value) and "never:registered" in str(error.value)


def test_policy_on_object_dispatch_handlers(client):
    from carya import expose
    from carya.api import policy as policy_module

    enforcer = Enforcer(RULES)

    class Root:
        @expose("json")
        @policy("admin_or_owner", enforcer=enforcer)
        def project(self, project_id):
            return {"project": project_id}

    app = client(Root())
    env = {"carya.auth_context": MEMBER}
    assert app.get("/project/p1", extra_environ=env).json == {"project": "p1"}
    app.get("/project/p2", extra_environ=env, status=403)
    assert policy_module.default_enforcer() is not enforcer


def test_target_has_route_variables_the_method_does_not_take(caller):
    enforcer = Enforcer(RULES)
    enforcer.set_overrides({"things:create": "role:member and project_id:%(project_id)s"})
    app = APIRouter(resources=[ResourceExtension("things", Things())], policies=RULES,
                    enforcer=enforcer, project_id="required", check_project_id=False)
    member = caller(app)  # project p1
    assert member.post_json("/p1/things", {"a": 1}).json == {"created": {"a": 1}}
    member.post_json("/p2/things", {"a": 1}, status=403)


def test_enforcers_found_in_a_paste_stack_and_dumped(tmp_path, monkeypatch):
    """What ``carya policy CONFIG`` prints, for the groups example's api-paste.ini."""
    import os

    from paste.deploy import loadapp

    from carya.api.policy import enforcers_in
    from tests.support import EXAMPLES

    monkeypatch.setenv("CARYA_GROUPS_DB", f"sqlite:///{tmp_path / 'g.db'}")
    stack = loadapp("config:" + os.path.join(EXAMPLES, "groups", "api-paste.ini"))
    found = enforcers_in(stack)
    assert [prefix for prefix, _ in found] == ["/v2.1"]
    text = dump(found[0][1])
    assert '"os_compute_api:groups:create": "@"' in text
    assert '"os_compute_api:groups": "rule:admin_api"' in text
    assert "# POST    /groups/add_group" in text


def test_dump_of_the_oslo_adapter(tmp_path):
    from carya.api.oslo_policy import OsloEnforcer

    path = tmp_path / "policy.yaml"
    path.write_text('"things:delete": "role:janitor"\n')
    text = dump(OsloEnforcer(RULES, policy_file=path))
    assert '"things:delete": "role:janitor"' in text
    assert "# overridden (default: 'rule:admin_api')" in text


class Owned(Controller):
    """One rule on a plain method (the one-function resource check) and on one with a
    ``with_body`` target (the general check): both must see the same target."""

    @policy("things:create")
    def show(self, req, id):  # project_id reaches the target from the route alone
        return {"id": id}

    @policy("things:create", with_body=True)
    def update(self, req, id, body):
        return {"id": id}


@pytest.mark.parametrize("rule, project, thing, allowed", [
    ("project_id:%(project_id)s", "p1", "t", True),   # the URL's project, the caller's
    ("project_id:%(project_id)s", "p2", "t", False),  # the URL's project wins the target
    ("user_id:%(id)s", "p1", "alice", True),          # a path variable by its name
    ("user_id:%(id)s", "p1", "mallory", False),
    ("user_id:%(user_id)s", "p1", "t", True),         # the caller's own user
    ("'show':%(action)s", "p1", "t", False),          # routing keys are not the target
    ("rule:admin_or_owner", "p1", "t", True),          # the keys of a referenced rule
    ("rule:admin_or_owner", "p2", "t", False),
    ("rule:no_such_rule", "p1", "t", True),            # unknown: the default rule's keys
    ("rule:no_such_rule", "p2", "t", False),
    ("not user_id:%(id)s", "p1", "t", True),
    ("user_id:%s", "p1", "t", False),                  # reads the whole target
    ("@", "p2", "t", True),
    ("project_id:%(project_id)s and user_id:%(id)s", "p1", "alice", True),  # two keys
    ("project_id:%(project_id)s and user_id:%(id)s", "p1", "bob", False),
    ("'x':%(body)s", "p1", "t", False),                # the body is not the target
])
def test_resource_check_sees_the_target_the_general_check_sees(caller, rule, project, thing,
                                                                allowed):
    enforcer = Enforcer([*RULES, RuleDefault("default", "rule:admin_or_owner")])
    enforcer.set_overrides({"things:create": rule})
    app = APIRouter(resources=[ResourceExtension("things", Owned())], policies=RULES,
                    enforcer=enforcer, project_id="required", check_project_id=False)
    member = caller(app)
    status = 200 if allowed else 403
    member.get(f"/{project}/things/{thing}", status=status)
    member.put_json(f"/{project}/things/{thing}", {"x": 1}, status=status)


def test_the_rule_target_keys_follow_overrides_and_defaults():
    enforcer = Enforcer([*RULES, RuleDefault("default", "rule:admin_or_owner")])
    assert enforcer.target_keys["things:create"] == {"project_id"}
    assert enforcer.target_keys["things:delete"] == frozenset()
    enforcer.set_overrides({"admin_api": "user_id:%(user_id)s or rule:nothing_here",
                            "default": "rule:default_two", "default_two": "k:%s"})
    assert enforcer.target_keys["things:delete"] is None  # via the default rule: any key
    with pytest.raises(PolicyError, match="loop: default -> missing -> default"):
        enforcer.set_overrides({"default": "rule:missing"})  # an unknown name is the default
    assert enforcer.target_keys["things:delete"] is None  # the previous overrides stand


def test_a_policy_change_reaches_the_resource_check(caller):
    """The one-function check reads the rule and its keys when called, not when built."""
    enforcer = Enforcer(RULES)
    app = APIRouter(resources=[ResourceExtension("things", Owned())], policies=RULES,
                    enforcer=enforcer, project_id="required", check_project_id=False)
    member = caller(app)
    member.get("/p1/things/alice", status=200)
    enforcer.set_overrides({"things:create": "user_id:%(id)s"})
    member.get("/p1/things/alice", status=200)
    member.get("/p1/things/bob", status=403)
    enforcer.set_overrides({"things:create": "!"})
    member.get("/p1/things/alice", status=403)
    enforcer.set_overrides({"admin_or_owner": "!"})  # a rule things:create refers to
    member.get("/p1/things/alice", status=403)
    enforcer.set_overrides({"admin_or_owner": "user_id:%(id)s"})
    member.get("/p1/things/alice", status=200)
    member.get("/p1/things/bob", status=403)
