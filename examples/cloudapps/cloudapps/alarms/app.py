"""``setup_app(conf)``: the alarm API application (Pecan's convention, see ``etc/alarms``).

Builds the engine for ``CLOUDAPPS_ALARMS_DB``, migrates the schema (every
process of the service does; :func:`.db.migrate` is safe when two run at
once), and makes the app from ``app.root`` with the database hook first,
then the config's other ``app.hooks``; errors leave in Aodh's shape (:mod:`.errors`).
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
    return AodhErrors(app)
