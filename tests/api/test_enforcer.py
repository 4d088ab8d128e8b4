"""The rule table: rule defaults, the enforcer, overrides from files, cycles, the
rules' target keys, and the effective policy (dump, enforcers_in)."""

from __future__ import annotations

import json
import sys
import types

import pytest

from carya.api.enforcer import (
    DocumentedRuleDefault,
    Enforcer,
    PolicyError,
    PolicyNotRegistered,
    RuleDefault,
    dump,
)
from tests.api.conftest import ADMIN, MEMBER, OTHER, RULES


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


def test_enforcers_found_in_a_paste_stack_and_dumped(tmp_path, monkeypatch):
    """What ``carya policy CONFIG`` prints, for the groups example's api-paste.ini."""
    import os

    from paste.deploy import loadapp

    from carya.api.enforcer import enforcers_in
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


def test_a_reload_never_leaves_a_rule_missing():
    """Requests in other threads enforce while the policy is read again: at every line
    the rebuild runs, a rule that exists before and after still answers as before."""
    from carya.api import enforcer as module

    enforcer = Enforcer(RULES)
    rebuilding = {Enforcer._rebuild.__code__, module._replace.__code__}
    answers = []

    def each_line(frame, event, arg):
        if event == "line":  # what another thread would get at this moment
            answers.append(enforcer.enforce("things:create", {"project_id": "p1"}, MEMBER))
        return each_line

    def calls(frame, event, arg):
        return each_line if frame.f_code in rebuilding else None

    sys.settrace(calls)
    try:
        enforcer.set_overrides({"things:delete": "role:janitor"})
    finally:
        sys.settrace(None)
    assert len(answers) > 5 and all(answers), answers
    assert not enforcer.enforce("things:delete", {"project_id": "p1"}, MEMBER)


def test_a_reload_never_judges_a_rule_with_another_policys_target_keys():
    """carya.api's per-request check builds a target of just the keys its rule reads.
    A reload changing both must never pair the new rule with the old keys (or the
    reverse) for a request in another thread: each side alone allows the caller,
    a mix denies."""
    from carya.api import enforcer as module
    from carya.api.credentials import _CREDS_KEY, credentials
    from carya.api.policy import _resource_check

    enforcer = Enforcer(RULES)
    check = _resource_check(enforcer, "things:create")
    state = types.SimpleNamespace(environ={
        _CREDS_KEY: credentials(MEMBER),
        "wsgiorg.routing_args": ((), {"project_id": "p1"})})
    rebuilding = {Enforcer._rebuild.__code__, module._replace.__code__}
    answers = []

    def each_line(frame, event, arg):
        if event == "line":  # what another thread would get at this moment
            try:
                check(state, [], {})
            except Exception as denied:  # noqa: BLE001 - the 403 the check raises
                answers.append(type(denied).__name__)
            else:
                answers.append("allowed")
        return each_line

    def calls(frame, event, arg):
        return each_line if frame.f_code in rebuilding else None

    sys.settrace(calls)
    try:  # the rule read project_id; now it reads user_id
        enforcer.set_overrides({"things:create": "user_id:%(user_id)s"})
    finally:
        sys.settrace(None)
    assert enforcer.target_keys["things:create"] == frozenset({"user_id"})
    assert len(answers) > 5 and set(answers) == {"allowed"}, answers
