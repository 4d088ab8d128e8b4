"""``setup_app(conf)``: the alarm API application (Pecan's convention, see ``etc/alarms``).

Builds the engine for ``CLOUDAPPS_ALARMS_DB``, migrates the schema (every
process of the service does; :func:`.db.migrate` is safe when two run at
once), and makes the app from ``app.root`` with the database hook first,
then the config's other ``app.hooks``; errors leave in Aodh's shape (:mod:`.errors`).
With ``CLOUDAPPS_ALARMS_AUTH_STRATEGY=keystone`` the API is behind keystonemiddleware.
"""

from __future__ import annotations

from typing import Any

from carya import make_app

from .. import settings
from . import db
from .api import DatabaseHook
from .errors import AodhErrors

__all__ = ["setup_app"]


def setup_app(conf: Any, **kwargs: Any) -> Any:
    options = conf.app.to_dict()
    root = options.pop("root", "cloudapps.alarms.api.RootController")
    extra_hooks = list(options.pop("hooks", None) or [])
    url = options.pop("db_url", None) or settings.db_url("alarms")
    engine = db.engine_for(url)
    db.migrate(engine)
    app = make_app(root, hooks=[DatabaseHook(engine), *extra_hooks], **options, **kwargs)
    app.engine = engine
    app = AodhErrors(app)
    strategy = settings.alarms_auth_strategy()
    if strategy == "keystone":
        return KeystoneProtected(app)
    if strategy != "noauth":
        raise ValueError(f"CLOUDAPPS_ALARMS_AUTH_STRATEGY={strategy!r}: noauth or keystone")
    return app


class KeystoneProtected:
    """Aodh's ``aodh+keystone`` pipeline: ``/`` (the versions) open, ``/v2`` behind
    keystonemiddleware's auth_token, which sets ``X-User-Id``/``X-Project-Id``/``X-Roles``
    from the validated token (and strips whatever the client sent in them)."""

    def __init__(self, app: Any):
        from keystonemiddleware import auth_token

        from ..cloud.keystone import authtoken_options

        self.app = app
        self.protected = auth_token.AuthProtocol(app, authtoken_options("alarming"))

    def __getattr__(self, name: str) -> Any:  # the app's attributes (``engine``...)
        return getattr(self.app, name)

    def __call__(self, environ: dict, start_response: Any) -> Any:
        if environ.get("PATH_INFO", "") in ("", "/"):
            return self.app(environ, start_response)
        return self.protected(environ, start_response)
