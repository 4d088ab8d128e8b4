"""The deployer's HTTP face: object dispatch from :class:`RootController`.

- ``/``: the web GUI (``static/index.html``); ``/static/<file>``: its CSS and JS;
- ``/v1/deployments``: :class:`DeploymentsController`, a RestController;
- ``/v1/catalog``: templates plus the cloud's images and flavors;
- ``/v1/alarms``: a proxy to the alarm service (list, create, update, delete,
  history), so the browser talks to one origin (and learns clearly when the
  alarm service is down).

Errors are JSON ``{"error": {"code", "message"}}`` with a 4xx/5xx status;
nothing raised by the cloud or the alarm service reaches a client as a traceback.
"""

from __future__ import annotations

import json
import mimetypes
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from carya import expose, request, response
from carya.rest import RestController

from . import service
from .cloud import CloudClient, CloudError

__all__ = ["Deployer", "RootController", "DeploymentsController"]

STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")


@dataclass
class Deployer:
    """What the controllers share: the DB session, the cloud client, the notifier."""

    session: Any  # a sqlalchemy scoped_session; TransactionHook begins/ends it
    cloud: CloudClient
    notifier: Any
    alarms_url: str


def _error(status: int, message: str) -> dict:
    response.status = status
    return {"error": {"code": status, "message": message}}


def _context() -> dict:
    env = request.environ
    auth = env.get("carya.auth_context")
    return {"request_id": env.get("openstack.request_id"),
            "user_id": getattr(auth, "user_id", None), "project_id": getattr(auth, "project_id",
                                                                             None)}


def _body() -> Any:
    try:
        return request.json
    except ValueError:
        return None


class DeploymentsController(RestController):
    """``/v1/deployments``: GET all/one, POST create, PUT scale, DELETE tear down."""

    def __init__(self, deployer: Deployer):
        self._d = deployer

    @expose("json")
    def get_all(self):
        return {"deployments": service.listing(self._d.session)}

    @expose("json")
    def get_one(self, deployment_id):
        row = service.get(self._d.session, deployment_id)
        if row is None:
            return _error(404, f"no deployment {deployment_id}")
        return {"deployment": service.view(self._d.session, row)}

    @expose("json")
    def post(self):
        try:
            spec = service.validate(_body(), self._d.cloud)
        except service.InvalidInput as error:
            return _error(400, str(error))
        except CloudError as error:
            return _error(503, f"cannot check the request against the cloud: {error}")
        deployment = service.create(self._d.session, self._d.cloud, self._d.notifier,
                                    _context(), spec)
        response.status = 201
        response.headers["Location"] = f"{request.host_url}/v1/deployments/{deployment['id']}"
        return {"deployment": deployment}

    @expose("json")
    def put(self, deployment_id):
        row = service.get(self._d.session, deployment_id)
        if row is None:
            return _error(404, f"no deployment {deployment_id}")
        try:
            deployment = service.scale(self._d.session, self._d.cloud, self._d.notifier,
                                       _context(), row, _body())
        except service.InvalidInput as error:
            return _error(400, str(error))
        except service.Conflict as error:
            return _error(409, str(error))
        return {"deployment": deployment}

    @expose("json")
    def delete(self, deployment_id):
        row = service.get(self._d.session, deployment_id)
        if row is None:
            return _error(404, f"no deployment {deployment_id}")
        try:
            deployment = service.delete(self._d.session, self._d.cloud, self._d.notifier,
                                        _context(), row)
        except service.Conflict as error:
            return _error(409, str(error))
        response.status = 202
        return {"deployment": deployment}


class CatalogController:
    """``/v1/catalog``: what the GUI offers (templates, the cloud's images and flavors)."""

    def __init__(self, deployer: Deployer):
        self._d = deployer

    def get(self) -> Any:
        try:
            images, flavors = self._d.cloud.images(), self._d.cloud.flavors()
        except CloudError as error:
            return _error(503, f"the cloud is not answering: {error}")
        return {
            "templates": [{"name": name, **spec} for name, spec in service.TEMPLATES.items()],
            "images": [{"id": i["id"], "name": i["name"]} for i in images
                       if i.get("status", "ACTIVE") == "ACTIVE"],
            "flavors": [{"id": f["id"], "name": f["name"], "vcpus": f.get("vcpus"),
                         "ram": f.get("ram")} for f in flavors],
            "max_instances": service.MAX_INSTANCES,
        }


class AlarmsProxy:
    """``/v1/alarms[/{id}[/history]]``: the alarm service's API, passed through.

    ``GET``/``POST`` ``/v1/alarms``, ``PUT``/``DELETE`` ``/v1/alarms/{id}`` (a PUT is
    the whole alarm document, as Aodh's), ``GET /v1/alarms/{id}/history``. The
    alarm service's refusals come back with its status and its message (Aodh's
    ``faultstring``) in the deployer's error shape.
    """

    def __init__(self, deployer: Deployer):
        self._d = deployer

    def _fetch(self, path: str, method: str = "GET", body: Any = None) -> Any:
        url = self._d.alarms_url.rstrip("/") + path
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method, headers={
            "Accept": "application/json", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310 - configured URL
                response.status = resp.status
                text = resp.read()
                return json.loads(text) if text.strip() else None
        except urllib.error.HTTPError as error:
            message = _alarm_fault(error.read()) or \
                f"the alarm service answered {error.code} for {url}"
            return _error(502 if error.code >= 500 else error.code, message)
        except (OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            return _error(503, f"the alarm service at {self._d.alarms_url} is not reachable "
                               f"({reason})")

    def handle(self, method: str, parts: tuple[str, ...], body: Any) -> Any:
        quoted = [urllib.parse.quote(p, safe="") for p in parts]
        if not parts and method in ("GET", "POST"):
            return self._fetch("/v2/alarms", method, body if method == "POST" else None)
        if len(parts) == 1 and method in ("GET", "PUT", "DELETE"):
            return self._fetch(f"/v2/alarms/{quoted[0]}", method,
                               body if method == "PUT" else None)
        if len(parts) == 2 and parts[1] == "history" and method == "GET":
            return self._fetch(f"/v2/alarms/{quoted[0]}/history")
        return _error(404 if method == "GET" else 405,
                      f"{method} /v1/alarms/{'/'.join(parts)} is not proxied: GET|POST "
                      "/v1/alarms, GET|PUT|DELETE /v1/alarms/{id}, GET /v1/alarms/{id}/history")


def _alarm_fault(text: bytes) -> str | None:
    """The alarm service's message in an Aodh error body (``error_message.faultstring``)."""
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    fault = doc.get("error_message") if isinstance(doc, dict) else None
    return fault.get("faultstring") if isinstance(fault, dict) else None


class V1Controller:
    def __init__(self, deployer: Deployer):
        self.deployments = DeploymentsController(deployer)
        self._catalog = CatalogController(deployer)
        self._alarms = AlarmsProxy(deployer)

    @expose("json")
    def index(self):
        return {"version": "v1", "links": ["/v1/deployments", "/v1/catalog", "/v1/alarms"]}

    @expose("json")
    def catalog(self):
        return self._catalog.get()

    @expose("json")
    def alarms(self, *parts):
        return self._alarms.handle(request.method, parts,
                                   _body() if request.method in ("POST", "PUT") else None)


def _load_static() -> dict[str, tuple[bytes, str]]:
    """The GUI's files, read once when the app is built (nothing touches disk per request)."""
    files = {}
    for name in sorted(os.listdir(STATIC)):
        path = os.path.join(STATIC, name)
        if os.path.isfile(path):
            ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
            with open(path, "rb") as fh:
                files[name] = (fh.read(), ctype)
    return files


class StaticController:
    def __init__(self) -> None:
        self.files = _load_static()

    def serve(self, name: str) -> Any:
        found = self.files.get(name)
        if found is None:
            response.status = 404
            response.content_type = "text/plain"
            response.text = f"no file {name}\n"
            return response
        response.content_type, response.body = found[1], found[0]
        if found[1].startswith("text/") or found[1].endswith("javascript"):
            response.charset = "utf-8"
        response.cache_control = "no-cache"
        return response

    @expose()
    def _default(self, name, *rest):
        return self.serve(name if not rest else "/")


class RootController:
    """``/`` is the GUI; ``/v1`` the API."""

    def __init__(self, deployer: Deployer):
        self.v1 = V1Controller(deployer)
        self.static = StaticController()

    @expose()
    def index(self):
        return self.static.serve("index.html")
