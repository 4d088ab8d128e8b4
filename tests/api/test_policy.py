"""@policy on handlers (the per-request checks and their targets) and authorize()."""

from __future__ import annotations

import pytest

from carya.api import APIRouter, Controller, ResourceExtension
from carya.api.policy import (
    Enforcer,
    PolicyNotRegistered,
    RuleDefault,
    authorize,
    policy,
)
from tests.api.conftest import ADMIN, MEMBER, OTHER, RULES


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
