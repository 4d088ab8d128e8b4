"""The check-string language: parsing, precedence, and each kind of check."""

from __future__ import annotations

import pytest

from carya.api.check_strings import (
    CheckSyntaxError,
    Credentials,
    compile_check,
    parse,
    rule_references,
    target_keys,
)


def evaluate(text, target=None, creds=None, rules=None, default=None):
    return compile_check(parse(text), rules or {}, default)(target or {}, Credentials(creds or {}))


@pytest.mark.parametrize("text, shown", [
    ("", "@"),
    ("@", "@"),
    ("!", "!"),
    ("role:admin", "role:admin"),
    ("a:1 or b:2 and c:3", "(a:1 or (b:2 and c:3))"),
    ("a:1 and b:2 or c:3", "((a:1 and b:2) or c:3)"),
    ("not a:1 and b:2", "(not a:1 and b:2)"),
    ("not (a:1 or b:2)", "not (a:1 or b:2)"),
    ("((role:x))", "role:x"),
    ("role:a AND role:b Or NOT role:c", "((role:a and role:b) or not role:c)"),
    ("project_id:%(project_id)s", "project_id:%(project_id)s"),
    ("(project_id:%(project_id)s)", "project_id:%(project_id)s"),
    ("role:compute:admin", "role:compute:admin"),
])
def test_parse_and_precedence(text, shown):
    assert str(parse(text)) == shown


@pytest.mark.parametrize("text, problem", [
    ("admin", "is not a check"),
    ("role:a role:b", "unexpected 'role:b'"),
    ("(role:a", "is not closed"),
    ("role:a)", "unexpected ')'"),
    ("role:a and", "ends where a check was expected"),
    ("or role:a", "'or' where a check was expected"),
    ("'quoted'", "quoted string"),
    ("http:https://example.com/check", "oslo.policy adapter"),
    ("rule:", "needs a rule name"),
    (":x", "is not a check"),
])
def test_syntax_errors_say_what_is_wrong(text, problem):
    with pytest.raises(CheckSyntaxError) as error:
        parse(text)
    assert problem in str(error.value) and repr(text) in str(error.value)


def test_roles_are_case_insensitive_and_need_roles():
    assert evaluate("role:Admin", creds={"roles": ["ADMIN"]})
    assert not evaluate("role:admin", creds={"roles": ["member"]})
    assert not evaluate("role:admin", creds={})
    assert evaluate("role:%(wanted)s", {"wanted": "Reader"}, {"roles": ["reader"]})
    assert not evaluate("role:%(wanted)s", {}, {"roles": ["reader"]}), "missing target key"


def test_generic_checks_compare_strings():
    creds = {"project_id": "p1", "is_admin": True, "user": {"domain": {"id": "d"}},
             "groups": [{"id": "g1"}, {"id": "g2"}], "count": 3}
    assert evaluate("project_id:%(project_id)s", {"project_id": "p1"}, creds)
    assert not evaluate("project_id:%(project_id)s", {"project_id": "p2"}, creds)
    assert not evaluate("project_id:%(project_id)s", {}, creds), "missing target key"
    assert evaluate("is_admin:True", creds=creds)
    assert not evaluate("is_admin:False", creds=creds)
    assert evaluate("user.domain.id:d", creds=creds), "dotted path into creds"
    assert evaluate("groups.id:g2", creds=creds), "lists match if any item does"
    assert not evaluate("groups.id:g3", creds=creds)
    assert evaluate("count:3", creds=creds)
    assert not evaluate("missing:x", creds=creds)
    assert not evaluate("project_id.deeper:x", creds=creds), "a string has no keys"


def test_literal_kinds_read_the_target():
    assert evaluate("True:%(enabled)s", {"enabled": True})
    assert not evaluate("True:%(enabled)s", {"enabled": False})
    assert evaluate("'member':%(role)s", {"role": "member"})
    assert evaluate("42:%(n)s", {"n": 42})


def test_rules_are_looked_up_when_evaluated():
    rules = {}
    check = compile_check(parse("rule:owner or role:admin"), rules, "default")
    creds = Credentials({"project_id": "p1", "roles": []})
    assert not check({"project_id": "p1"}, creds), "unknown rule and no default: deny"
    rules["default"] = compile_check(parse("@"), rules)
    assert check({"project_id": "p1"}, creds), "unknown rule falls back to the default"
    rules["owner"] = compile_check(parse("project_id:%(project_id)s"), rules)
    assert not check({"project_id": "p2"}, creds)
    assert check({"project_id": "p1"}, creds)


def test_not_and_or_evaluate():
    creds = {"roles": ["member"]}
    assert evaluate("not role:admin", creds=creds)
    assert evaluate("role:admin or role:member", creds=creds)
    assert not evaluate("role:admin and role:member", creds=creds)
    assert evaluate("not (role:admin and role:member)", creds=creds)
    assert evaluate("@") and not evaluate("!") and evaluate("")


def test_rule_references():
    assert rule_references(parse("rule:a or (rule:b and not rule:c) or role:x")) == {
        "a", "b", "c"}


@pytest.mark.parametrize("target_value", ["p1", 7, None, True, ["p1"], "", _MISSING := object()])
@pytest.mark.parametrize("creds_value", ["p1", "7", 7, None, "True", ["x", "p1"], [7], {"a": 1},
                                         _MISSING])
def test_key_reference_agrees_with_the_general_formatter(target_value, creds_value):
    """``k:%(t)s`` has its own quick check; ``k:%(t)s%(e)s`` with ``e`` empty formats to the
    same string through the general path, so both must answer alike."""
    target = {"e": ""} if target_value is _MISSING else {"t": target_value, "e": ""}
    creds = {} if creds_value is _MISSING else {"k": creds_value}
    assert evaluate("k:%(t)s", target, creds) == evaluate("k:%(t)s%(e)s", target, creds)


def test_key_reference_on_a_target_that_is_not_a_mapping():
    check = compile_check(parse("k:%(t)s"), {}, None)
    assert check("not a mapping", Credentials({"k": "x"})) is False


_RULE_KEYS = {"owner": frozenset({"project_id"}), "anything": None}


@pytest.mark.parametrize("text, keys", [
    ("@", set()),
    ("!", set()),
    ("role:admin", set()),
    ("is_admin:True", set()),
    ("project_id:%(project_id)s", {"project_id"}),
    ("role:%(role)s", {"role"}),
    ("True:%(user.enabled)s", {"user.enabled"}),
    ("a:%(x)s-%(y)s or not b:%(z)s", {"x", "y", "z"}),
    ("rule:owner and user_id:%(user_id)s", {"project_id", "user_id"}),
    ("rule:anything or role:x", None),       # a rule that may read any key
    ("k:%s", None),                          # formats the whole target
    ("k:100%%", None),                       # an escape: not worth reading exactly
    ("k:%(x)d", {"x"}),
])
def test_target_keys(text, keys):
    found = target_keys(parse(text), _RULE_KEYS.get)
    assert found == (None if keys is None else frozenset(keys))


@pytest.mark.parametrize("text", [
    "project_id:%(project_id)s", "is_admin:True or project_id:%(project_id)s",
    "role:%(role)s", "True:%(enabled)s", "k:%(a)s%(b)s and not k:%(b)s",
    "k:%(missing)s or role:member",
])
@pytest.mark.parametrize("target", [
    {"project_id": "p1", "role": "Member", "enabled": True, "a": "p", "b": "1", "other": 1},
    {"project_id": "p2", "role": "reader", "a": "p1", "b": ""},
    {},
])
def test_the_keys_a_rule_reads_decide_it(text, target):
    """Evaluating on just the keys :func:`target_keys` names gives the same answer."""
    creds = {"project_id": "p1", "k": "p1", "roles": ["member"], "is_admin": False}
    keys = target_keys(parse(text), {}.get)
    assert keys is not None
    narrow = {key: value for key, value in target.items() if key in keys}
    assert evaluate(text, narrow, creds) == evaluate(text, target, creds)
