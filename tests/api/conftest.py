"""Fixtures for the API layer: callers (request contexts) and WebTest clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from webtest import TestApp

from carya.api.enforcer import DocumentedRuleDefault, RuleDefault
from carya.middleware.auth import RequestContext

MEMBER = RequestContext(user_id="alice", project_id="p1", roles=["member"])
OTHER = RequestContext(user_id="bob", project_id="p2", roles=["member"])
ADMIN = RequestContext(user_id="root", project_id="p1", roles=["admin"], is_admin=True)

#: Rules for the policy tests (test_enforcer, test_policy): an owner rule reading
#: ``project_id``, an admin rule, and two API rules referring to them.
RULES = [
    RuleDefault("admin_api", "is_admin:True"),
    RuleDefault("admin_or_owner", "is_admin:True or project_id:%(project_id)s"),
    DocumentedRuleDefault("things:create", "rule:admin_or_owner", "Create a thing",
                          [{"method": "POST", "path": "/things"}]),
    RuleDefault("things:delete", "rule:admin_api", "Delete a thing"),
]


@pytest.fixture
def caller() -> Callable[..., TestApp]:
    """``caller(app, context=MEMBER)``: a TestApp whose requests carry that identity.

    ``context=None`` sends requests as if no authentication middleware ran.
    """

    def build(app: Any, context: Any = MEMBER) -> TestApp:
        environ = {"carya.auth_context": context} if context is not None else {}
        return TestApp(app, extra_environ=environ)

    return build
