"""The servers resource on Falcon, with the same validator and policy engine as carya."""

from __future__ import annotations

import json

import falcon
import fastjsonschema

from benchmarks.api import scenario
from carya.api.policy import Enforcer, RuleDefault, credentials

_FAULT_NAMES = {400: "badRequest", 403: "forbidden", 404: "itemNotFound"}


def _fault(req, resp, error, params):
    code = int(error.status.split()[0]) if isinstance(error.status, str) else error.status
    resp.status = error.status
    resp.content_type = "application/json"
    resp.text = json.dumps({_FAULT_NAMES.get(code, "computeFault"): {
        "code": code, "message": error.description or error.title}})


def build(schema: bool = True, policy: bool = True):
    """The app; ``schema``/``policy`` False leave that check out (``benchmarks.api.parts``
    times each part as the difference)."""
    enforcer = Enforcer([RuleDefault(n, c) for n, c in scenario.RULES.items()])
    check_create = fastjsonschema.compile(scenario.CREATE, use_default=False)
    check_reboot = fastjsonschema.compile(scenario.REBOOT, use_default=False)

    def validate(check, body):
        try:
            check(body)
        except fastjsonschema.JsonSchemaValueException as error:
            raise falcon.HTTPBadRequest(description=error.message) from None

    def can(req, rule, project_id):
        context = req.env[scenario.CONTEXT_KEY]
        if project_id != context.project_id:
            raise falcon.HTTPBadRequest(description="Malformed request URL")
        target = {"project_id": context.project_id, "user_id": context.user_id}
        if not enforcer.enforce(rule, target, credentials(context)):
            raise falcon.HTTPForbidden(description=f"Policy doesn't allow {rule}")

    if not schema:
        def validate(check, body):  # noqa: F811 - the part left out
            return None
    if not policy:
        def can(req, rule, project_id):  # noqa: F811
            context = req.env[scenario.CONTEXT_KEY]
            if project_id != context.project_id:  # Nova's URL check is not the policy
                raise falcon.HTTPBadRequest(description="Malformed request URL")

    def body_of(req):
        try:
            return req.get_media()
        except falcon.MediaMalformedError:
            raise falcon.HTTPBadRequest(description="Malformed request body") from None

    class Servers:
        def on_post(self, req, resp, project_id):
            body = body_of(req)
            can(req, "os_compute_api:servers:create", project_id)
            validate(check_create, body)
            resp.status = falcon.HTTP_202
            resp.media = scenario.created(body)

    class Server:
        def on_get(self, req, resp, project_id, server_id):
            can(req, "os_compute_api:servers:show", project_id)
            resp.media = scenario.shown(server_id)

    class ServerAction:
        def on_post(self, req, resp, project_id, server_id):
            body = body_of(req)
            if not isinstance(body, dict) or len(body) != 1:
                raise falcon.HTTPBadRequest(description="Malformed request body")
            if "reboot" not in body:
                raise falcon.HTTPBadRequest(description="There is no such action")
            can(req, "os_compute_api:servers:reboot", project_id)
            validate(check_reboot, body)
            resp.status = falcon.HTTP_202

    app = falcon.App()
    app.add_error_handler(falcon.HTTPError, _fault)
    app.add_route("/{project_id}/servers", Servers())
    app.add_route("/{project_id}/servers/{server_id}", Server())
    app.add_route("/{project_id}/servers/{server_id}/action", ServerAction())
    return app
