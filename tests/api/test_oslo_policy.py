"""carya's policy engine and oslo.policy agree; the oslo.policy adapter works in an API."""

from __future__ import annotations

import itertools

import pytest
from oslo_config import cfg
from oslo_policy import policy as oslo

from carya.api import APIRouter, Controller, ResourceExtension
from carya.api.oslo_policy import OsloEnforcer
from carya.api.policy import Enforcer, PolicyNotRegistered, RuleDefault, policy
from tests.api.conftest import ADMIN, MEMBER, OTHER

BASE = {
    "admin_api": "is_admin:True",
    "owner": "project_id:%(project_id)s",
    "admin_or_owner": "rule:admin_api or rule:owner",
    "default": "role:admin",
}

CHECKS = [
    "@", "!", "",
    "role:admin", "role:ADMIN", "role:member", "role:%(role)s",
    "is_admin:True", "is_admin:False", "True:%(enabled)s", "'Member':%(role)s",
    "project_id:%(project_id)s", "user_id:%(user_id)s", "user_id:%(owner.id)s",
    "project_id:%(missing)s", "domain.id:%(domain)s", "groups.id:g1",
    "rule:admin_or_owner", "rule:undefined_rule", "rule:admin_api and not rule:owner",
    "not role:admin", "not (role:admin or role:member)",
    "role:a or role:b and role:c", "role:admin and role:member or is_admin:True",
    "(role:reader or role:member) and project_id:%(project_id)s",
    "not role:reader and not role:admin", "role:member or not user_id:%(user_id)s",
    "role:compute:admin",
]

CREDENTIALS = [
    {"user_id": "alice", "project_id": "p1", "roles": ["member"], "is_admin": False},
    {"user_id": "root", "project_id": "p1", "roles": ["Admin"], "is_admin": True},
    {"user_id": "bob", "project_id": "p2", "roles": ["reader", "c"], "is_admin": False,
     "domain": {"id": "d1"}, "groups": [{"id": "g1"}, {"id": "g2"}]},
    {"user_id": "carol", "roles": ["a", "compute:admin"]},
    {},
]

TARGETS = [
    {"project_id": "p1", "user_id": "alice", "role": "member", "enabled": True,
     "owner.id": "alice", "domain": "d1"},
    {"project_id": "p2", "user_id": "bob", "role": "Admin", "enabled": False,
     "owner.id": "root", "domain": "d2"},
    {},
]


def oslo_enforcer(rules: dict) -> oslo.Enforcer:
    conf = cfg.ConfigOpts()
    conf([], project="carya-test", default_config_files=[])
    enforcer = oslo.Enforcer(conf, use_conf=True, default_rule="default")
    enforcer.register_defaults([oslo.RuleDefault(n, c) for n, c in rules.items()])
    return enforcer


def carya_enforcer(rules: dict) -> Enforcer:
    return Enforcer([RuleDefault(n, c) for n, c in rules.items()])


def test_carya_and_oslo_agree_on_the_table():
    rules = dict(BASE)
    for i, check in enumerate(CHECKS):
        rules[f"check:{i}"] = check
    theirs, ours = oslo_enforcer(rules), carya_enforcer(rules)
    outcomes = set()
    compared = 0
    for (i, check), creds, target in itertools.product(enumerate(CHECKS), CREDENTIALS, TARGETS):
        name = f"check:{i}"
        expected = bool(theirs.enforce(name, dict(target), dict(creds)))
        got = ours.enforce(name, target, creds)
        assert got == expected, f"{check!r} creds={creds} target={target}"
        outcomes.add(got)
        compared += 1
    assert outcomes == {True, False} and compared == len(CHECKS) * 15


def test_unknown_rule_name_agrees():
    theirs, ours = oslo_enforcer(BASE), carya_enforcer(BASE)
    for creds in CREDENTIALS:
        assert ours.enforce("no:such:rule", {}, creds) == bool(
            theirs.enforce("no:such:rule", {}, dict(creds)))


def test_adapter_interface():
    adapter = OsloEnforcer([RuleDefault(n, c) for n, c in BASE.items()])
    assert adapter.is_registered("owner") and not adapter.is_registered("nope")
    assert adapter.enforce("admin_or_owner", {"project_id": "p1"}, MEMBER.to_dict())
    assert not adapter.enforce("admin_or_owner", {"project_id": "p9"}, MEMBER.to_dict())
    with pytest.raises(PolicyNotRegistered):
        adapter.authorize("nope", {}, {})
    adapter.set_overrides({"owner": "!"})
    assert not adapter.enforce("admin_or_owner", {"project_id": "p1"}, MEMBER.to_dict())


class Things(Controller):
    @policy("things:show")
    def show(self, req, id):
        return {"id": id}


def test_adapter_serves_an_api_with_a_policy_file(caller, tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text('"things:show": "role:member and project_id:%(id)s"\n')
    adapter = OsloEnforcer([RuleDefault("things:show", "rule:admin_api"),
                            RuleDefault("admin_api", "is_admin:True")], policy_file=path)
    app = APIRouter(resources=[ResourceExtension("things", Things())], enforcer=adapter)
    assert caller(app, MEMBER).get("/things/p1").json == {"id": "p1"}
    caller(app, OTHER).get("/things/p1", status=403)
    caller(app, ADMIN).get("/things/p2", status=403)  # the file replaced the default
