"""The servers resource the way Nova builds it: Routes + WebOb, written for this benchmark.

``nova.wsgi.Router`` (a ``RoutesMiddleware`` around a dispatcher), a trimmed
``nova.api.openstack.wsgi.Resource`` (routing args, JSON body, body-keyed
actions, the URL-project check, ``wsgi_code``, faults as JSON), Nova's
``@validation.schema`` decorator and in-method ``context.can()``.

``build("nova")`` uses what Nova uses: a reused ``jsonschema`` Draft 4
validator and ``oslo.policy``. ``build("fast")`` swaps in the same fast parts
carya uses (fastjsonschema, carya's compiled policy rules), to show how much
of the difference is the framework rather than those libraries.
"""

from __future__ import annotations

import functools
import json

import routes
import routes.middleware
import webob
import webob.dec
import webob.exc

from benchmarks.api import scenario

_FAULT_NAMES = {400: "badRequest", 403: "forbidden", 404: "itemNotFound"}


class Router:
    def __init__(self, mapper):
        self.map = mapper
        self._router = routes.middleware.RoutesMiddleware(self._dispatch, self.map)

    @webob.dec.wsgify
    def __call__(self, req):
        return self._router

    @staticmethod
    @webob.dec.wsgify
    def _dispatch(req):
        match = req.environ["wsgiorg.routing_args"][1]
        if not match:
            return fault(webob.exc.HTTPNotFound())
        return match["controller"]


def fault(error):
    code = error.code
    body = {_FAULT_NAMES.get(code, "computeFault"): {
        "code": code, "message": error.detail or error.explanation}}
    resp = webob.Response(status=code, content_type="application/json")
    resp.body = json.dumps(body).encode()
    return resp


def action(name):
    def decorate(func):
        func.wsgi_action = name
        return func
    return decorate


def response(code):
    def decorate(func):
        func.wsgi_code = code
        return func
    return decorate


class Resource:
    def __init__(self, controller):
        self.controller = controller
        self.wsgi_actions = {}
        for attr in dir(type(controller)):
            key = getattr(getattr(type(controller), attr), "wsgi_action", None)
            if key:
                self.wsgi_actions[key] = getattr(controller, attr)

    @webob.dec.wsgify
    def __call__(self, request):
        args = dict(request.environ["wsgiorg.routing_args"][1])
        args.pop("controller", None)
        args.pop("format", None)
        action_name = args.pop("action", None)
        body = None
        if request.content_length:
            if request.content_type not in ("application/json", ""):
                return fault(webob.exc.HTTPUnsupportedMediaType())
            try:
                body = json.loads(request.body)
            except ValueError:
                return fault(webob.exc.HTTPBadRequest(detail="Malformed request body"))
        if action_name == "action":
            if not isinstance(body, dict) or len(body) != 1:
                return fault(webob.exc.HTTPBadRequest(detail="Malformed request body"))
            method = self.wsgi_actions.get(next(iter(body)))
            if method is None:
                return fault(webob.exc.HTTPBadRequest(detail="There is no such action"))
        else:
            method = getattr(self.controller, action_name, None)
            if method is None:
                return fault(webob.exc.HTTPNotFound())
        context = request.environ[scenario.CONTEXT_KEY]
        project_id = args.pop("project_id", None)
        if project_id and project_id != context.project_id:
            return fault(webob.exc.HTTPBadRequest(detail="Malformed request URL"))
        if body is not None:
            args["body"] = body
        try:
            result = method(request, **args)
        except webob.exc.HTTPException as error:
            return fault(error)
        resp = webob.Response(status=getattr(method, "wsgi_code", 200))
        if result is not None:
            resp.content_type = "application/json"
            resp.body = json.dumps(result).encode()
        return resp


def build(flavour: str = "nova"):
    if flavour == "nova":
        import jsonschema
        from oslo_config import cfg
        from oslo_policy import policy as oslo

        def compile_schema(schema):
            validator = jsonschema.Draft4Validator(
                schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)

            def check(body):
                try:
                    validator.validate(body)
                except jsonschema.ValidationError as error:
                    raise webob.exc.HTTPBadRequest(detail=error.message) from None
            return check

        conf = cfg.ConfigOpts()
        conf([], project="bench", default_config_files=[])
        enforcer = oslo.Enforcer(conf, use_conf=True)
        enforcer.register_defaults([oslo.RuleDefault(n, c) for n, c in scenario.RULES.items()])

        def can(context, rule):
            target = {"project_id": context.project_id, "user_id": context.user_id}
            if not enforcer.authorize(rule, target, context.to_dict()):
                raise webob.exc.HTTPForbidden(detail=f"Policy doesn't allow {rule}")
    elif flavour == "fast":
        import fastjsonschema

        from carya.api.policy import Enforcer, RuleDefault, credentials

        def compile_schema(schema):
            validate = fastjsonschema.compile(schema, use_default=False)

            def check(body):
                try:
                    validate(body)
                except fastjsonschema.JsonSchemaValueException as error:
                    raise webob.exc.HTTPBadRequest(detail=error.message) from None
            return check

        enforcer = Enforcer([RuleDefault(n, c) for n, c in scenario.RULES.items()])

        def can(context, rule):
            target = {"project_id": context.project_id, "user_id": context.user_id}
            if not enforcer.enforce(rule, target, credentials(context)):
                raise webob.exc.HTTPForbidden(detail=f"Policy doesn't allow {rule}")
    else:
        raise ValueError(flavour)

    def schema(body_schema):
        check = compile_schema(body_schema)

        def decorate(func):
            @functools.wraps(func)
            def wrapper(self, req, **kwargs):
                check(kwargs.get("body"))
                return func(self, req, **kwargs)
            return wrapper
        return decorate

    class ServersController:
        @response(202)
        @schema(scenario.CREATE)
        def create(self, req, body):
            can(req.environ[scenario.CONTEXT_KEY], "os_compute_api:servers:create")
            return scenario.created(body)

        def show(self, req, id):
            can(req.environ[scenario.CONTEXT_KEY], "os_compute_api:servers:show")
            return scenario.shown(id)

        @action("reboot")
        @response(202)
        @schema(scenario.REBOOT)
        def _reboot(self, req, id, body):
            can(req.environ[scenario.CONTEXT_KEY], "os_compute_api:servers:reboot")
            return None

    mapper = routes.Mapper()
    mapper.resource("server", "servers", controller=Resource(ServersController()),
                    member={"action": "POST"}, path_prefix="/{project_id}")
    return Router(mapper)
