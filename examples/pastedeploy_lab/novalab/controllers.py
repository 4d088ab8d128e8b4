"""carya controllers mounted by ``api-paste.ini`` and ``oslo-paste.ini``."""

from __future__ import annotations

from carya import expose, request
from carya.middleware import get_context


def caller() -> dict | None:
    """Who the auth filter (noauth2 or static_token) says is calling, without the token."""
    context = get_context(request.environ)
    if context is None:
        return None
    return {"user_id": context.user_id, "project_id": context.project_id,
            "roles": context.roles}


class VersionsController:
    """``/``: the version document, like Nova's versions app."""

    @expose("json")
    def index(self):
        return {
            "versions": [
                {
                    "id": "v2.1",
                    "status": "CURRENT",
                    "links": [{"rel": "self", "href": request.host_url + "/v2.1/"}],
                }
            ]
        }


class ServersController:
    @expose("json")
    def index(self):
        return {"servers": [], "context": caller()}

    @expose("json")
    def detail(self):
        return {"servers": [], "detail": True}


class V21Controller:
    """``/v2.1``: sees paths relative to its mount point (``SCRIPT_NAME`` = ``/v2.1``)."""

    servers = ServersController()

    @expose("json")
    def index(self):
        return {
            "version": {"id": "v2.1"},
            "script_name": request.script_name,
            "path_info": request.path_info,
            "context": caller(),
        }

    @expose("json", generic=True)
    def upload(self):
        return {"size": 0}

    @upload.when(method="POST", template="json")
    def upload_post(self):
        return {"size": len(request.body)}


class EchoController:
    """What the app sees after the filters in front of it ran (``oslo-paste.ini``)."""

    @expose("json")
    def index(self):
        return {
            "scheme": request.scheme,
            "host_url": request.host_url,
            "request_id": request.environ.get("openstack.request_id"),
        }
