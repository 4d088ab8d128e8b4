"""The servers resource on carya.api (APIRouter, @validate, @policy, @action)."""

from __future__ import annotations

from benchmarks.api import scenario
from carya.api import APIRouter, Controller, ResourceExtension, action, response
from carya.api.policy import RuleDefault, policy
from carya.api.validation import validate


class ServersController(Controller):
    @response(202)
    @validate(body=scenario.CREATE)
    @policy("os_compute_api:servers:create")
    def create(self, req, body):
        return scenario.created(body)

    @policy("os_compute_api:servers:show")
    def show(self, req, id):
        return scenario.shown(id)

    @action("reboot")
    @response(202)
    @validate(body=scenario.REBOOT)
    @policy("os_compute_api:servers:reboot")
    def _reboot(self, req, id, body):
        return None


def build():
    return APIRouter(
        resources=[ResourceExtension("servers", ServersController(),
                                     member_actions={"action": "POST"})],
        policies=[RuleDefault(name, check) for name, check in scenario.RULES.items()],
        project_id="required",
        list_extensions=False,
    )
