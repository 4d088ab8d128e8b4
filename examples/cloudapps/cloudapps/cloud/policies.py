"""The cloud's policy rules, defaults in code (Nova's ``nova/policies``), overridable by file.

Readers may look, members may create and act on their project's servers, admins
may do anything (the handlers also scope rows to the caller's project, so a
server of another project is a 404 for everyone but an admin).
"""

from __future__ import annotations

from carya.api.policy import DocumentedRuleDefault, RuleDefault

ADMIN = "rule:admin_api"
READER = "rule:admin_api or rule:project_reader"
MEMBER = "rule:admin_api or rule:project_member"

base_rules = [
    RuleDefault("admin_api", "is_admin:True or role:admin", "Administrators."),
    RuleDefault("project_member", "role:member", "Members of the caller's project."),
    RuleDefault("project_reader", "role:reader or role:member",
                "Readers (and members) of the caller's project."),
]


def _rule(name: str, check: str, description: str, method: str, path: str) -> RuleDefault:
    return DocumentedRuleDefault(name, check, description, [{"method": method, "path": path}])


server_rules = [
    _rule("os_compute_api:servers:index", READER, "List servers", "GET", "/servers"),
    _rule("os_compute_api:servers:detail", READER, "List servers with details", "GET",
          "/servers/detail"),
    _rule("os_compute_api:servers:index:get_all_tenants", ADMIN,
          "List servers of every project (all_tenants=1)", "GET", "/servers"),
    _rule("os_compute_api:servers:show", READER, "Show a server", "GET", "/servers/{id}"),
    _rule("os_compute_api:servers:create", MEMBER, "Create a server", "POST", "/servers"),
    _rule("os_compute_api:servers:delete", MEMBER, "Delete a server", "DELETE",
          "/servers/{id}"),
    _rule("os_compute_api:servers:reboot", MEMBER, "Reboot a server", "POST",
          "/servers/{id}/action (reboot)"),
    _rule("os_compute_api:servers:stop", MEMBER, "Stop a server", "POST",
          "/servers/{id}/action (os-stop)"),
    _rule("os_compute_api:servers:start", MEMBER, "Start a server", "POST",
          "/servers/{id}/action (os-start)"),
    _rule("os_compute_api:servers:create_image", MEMBER, "Snapshot a server to an image",
          "POST", "/servers/{id}/action (createImage)"),
]

catalog_rules = [
    _rule("os_compute_api:flavors", READER, "List and show flavors", "GET", "/flavors"),
    _rule("os_compute_api:images", READER, "List and show images", "GET", "/images"),
]


def list_rules() -> list[RuleDefault]:
    return [*base_rules, *server_rules, *catalog_rules]
