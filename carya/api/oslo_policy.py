"""An adapter that evaluates carya's policy rules with oslo.policy itself.

:class:`OsloEnforcer` has the interface ``@policy``, :func:`carya.api.policy.authorize`
and :class:`carya.api.APIRouter` use (``register_defaults``, ``is_registered``,
``enforce``, ``authorize``, ``load_file``), so a deployment that needs what
only oslo.policy has (``http:`` checks, ``policy.d`` directories, oslo.config
options, its file reloading) swaps it in::

    api = APIRouter(..., enforcer=OsloEnforcer(policy_file="/etc/svc/policy.yaml"))

It needs ``oslo.policy`` (and ``oslo.config``), imported when it is created.
carya's :class:`~carya.api.enforcer.RuleDefault` objects are registered as
oslo.policy's; ``scope_types`` are left out, as carya's engine does not
enforce token scopes either (the test suite checks both engines agree).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

from .check_strings import Credentials
from .enforcer import PolicyNotRegistered, RuleDefault

__all__ = ["OsloEnforcer"]


class OsloEnforcer:
    """carya's enforcer interface, evaluated by ``oslo_policy.policy.Enforcer``."""

    def __init__(
        self,
        defaults: Iterable[RuleDefault] = (),
        policy_file: str | os.PathLike | None = None,
        default_rule: str | None = "default",
        conf: Any = None,
    ):
        from oslo_config import cfg
        from oslo_policy import policy as oslo

        self._oslo = oslo
        if conf is None:
            conf = cfg.ConfigOpts()
            conf([], project="carya", default_config_files=[])
        self.conf = conf
        self.policy_file = os.fspath(policy_file) if policy_file is not None else None
        self.enforcer = oslo.Enforcer(
            conf,
            policy_file=self.policy_file,
            default_rule=default_rule,
            use_conf=True,
        )
        self.register_defaults(defaults)

    def register_defaults(self, rules: Iterable[RuleDefault]) -> None:
        oslo = self._oslo
        for rule in rules:
            if rule.name in self.enforcer.registered_rules:
                continue
            self.enforcer.register_default(
                oslo.RuleDefault(rule.name, rule.check_str, description=rule.description)
            )

    def register_default(self, rule: RuleDefault) -> None:
        self.register_defaults([rule])

    def load_file(self, path: str | os.PathLike) -> None:
        """Use ``path`` as the policy file (oslo.policy reloads it when it changes)."""
        self.policy_file = os.fspath(path)
        self.enforcer.policy_file = self.policy_file
        self.enforcer.policy_path = None
        self.enforcer.load_rules(force_reload=True)

    def set_overrides(self, rules: Mapping[str, str], source: str = "overrides") -> None:
        oslo = self._oslo
        self.enforcer.load_rules()
        self.enforcer.set_rules(oslo.Rules.from_dict(dict(rules)), overwrite=False,
                                use_conf=False)

    def rows(self) -> list[dict[str, Any]]:
        """The effective policy as oslo.policy resolved it (for :func:`dump`)."""
        self.enforcer.load_rules()
        out = []
        for name in sorted(set(self.enforcer.registered_rules) | set(self.enforcer.file_rules)):
            default = self.enforcer.registered_rules.get(name)
            in_file = self.enforcer.file_rules.get(name)
            out.append({
                "name": name,
                "check_str": in_file.check_str if in_file is not None else default.check_str,
                "default": default.check_str if default is not None else None,
                "overridden": in_file is not None,
                "description": default.description if default is not None else None,
                "operations": [],
            })
        return out

    def is_registered(self, name: str) -> bool:
        return name in self.enforcer.registered_rules

    def enforce(self, name: str, target: Mapping[str, Any], creds: Any) -> bool:
        data = creds.data if isinstance(creds, Credentials) else creds
        return bool(self.enforcer.enforce(name, dict(target), dict(data)))

    def authorize(self, name: str, target: Mapping[str, Any], creds: Any) -> bool:
        if not self.is_registered(name):
            raise PolicyNotRegistered(f"policy rule {name!r} is not registered")
        return self.enforce(name, target, creds)
