"""Fixtures for the API layer: callers (request contexts) and WebTest clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from webtest import TestApp

from carya.middleware.auth import RequestContext

MEMBER = RequestContext(user_id="alice", project_id="p1", roles=["member"])
OTHER = RequestContext(user_id="bob", project_id="p2", roles=["member"])
ADMIN = RequestContext(user_id="root", project_id="p1", roles=["admin"], is_admin=True)


@pytest.fixture
def caller() -> Callable[..., TestApp]:
    """``caller(app, context=MEMBER)``: a TestApp whose requests carry that identity.

    ``context=None`` sends requests as if no authentication middleware ran.
    """

    def build(app: Any, context: Any = MEMBER) -> TestApp:
        environ = {"carya.auth_context": context} if context is not None else {}
        return TestApp(app, extra_environ=environ)

    return build
