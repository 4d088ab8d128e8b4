"""The groups extension's policy rules (seed 003's ``nova/policies/groups.py``)."""

from __future__ import annotations

from carya.api.policy import DocumentedRuleDefault, RuleDefault

RULE_ADMIN_API = "rule:admin_api"
RULE_ANY = "@"
BASE_POLICY_NAME = "os_compute_api:groups"
POLICY_ROOT = "os_compute_api:groups:%s"

# The two base rules Nova's policies refer to (nova/policies/base.py).
base_rules = [
    RuleDefault("admin_api", "is_admin:True", "Default rule for most administrative APIs."),
    RuleDefault("admin_or_owner", "is_admin:True or project_id:%(project_id)s",
                "Default rule for most non-admin APIs."),
]

groups_policies = [
    RuleDefault(BASE_POLICY_NAME, RULE_ADMIN_API,
                "Administer groups: update and delete them."),
    DocumentedRuleDefault(POLICY_ROOT % "create", RULE_ANY, "Create a group",
                          [{"method": "POST", "path": "/groups"},
                           {"method": "POST", "path": "/groups/add_group"}]),
    RuleDefault(POLICY_ROOT % "discoverable", RULE_ANY),
    DocumentedRuleDefault(POLICY_ROOT % "show", RULE_ANY, "List groups or show one",
                          [{"method": "GET", "path": "/groups/get_groups"},
                           {"method": "GET", "path": "/groups/{id}/detail"}]),
]


def list_rules() -> list[RuleDefault]:
    return [*base_rules, *groups_policies]
