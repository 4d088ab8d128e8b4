"""``setup_app(conf)``: the deployer's WSGI app, as Pecan's convention builds it.

``carya serve etc/deployer/config.py`` and ``deploy('.../config.py')`` (the
``app.wsgi`` Apache loads) both call this with the loaded config. Everything
is built here, once: the database engine (migrated), the cloud client, the
notifier, the controller tree and the hooks:

- ``TransactionHook`` over a SQLAlchemy ``scoped_session``: a write request
  commits, or rolls back if it raised;
- ``NotificationHook(notifier, methods=())``: no request events of its own
  (the deployer publishes DESIGN.md's ``deployment.*`` events itself), but the
  outbox, so those events leave only after the commit;
- the request id (carya's ``request_id`` middleware around the app): one
  ``X-Openstack-Request-Id`` per request, also in the notifications' context.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import scoped_session, sessionmaker

from carya import make_app
from carya.configuration import ConfigError
from carya.hooks import TransactionHook
from carya.middleware.request_id import RequestId
from carya.notify import NotificationHook
from carya.notify.config import from_mapping

from .. import settings
from . import db
from .cloud import CloudClient
from .controllers import Deployer, RootController

__all__ = ["setup_app", "build_deployer"]


def _section(conf: Any, name: str) -> dict:
    value = conf.get(name) if hasattr(conf, "get") else None
    if value is None:
        return {}
    return value.to_dict() if hasattr(value, "to_dict") else dict(value)


def build_deployer(conf: Any) -> tuple[Deployer, Any]:
    """(the shared Deployer, the engine) from a loaded config."""
    where = getattr(conf, "_where", lambda: "deployer config")()
    deployer_conf = _section(conf, "deployer")
    url = deployer_conf.get("db_url") or settings.db_url("deployer")
    engine = db.engine_for(url)
    db.migrate(engine)
    cloud_conf = dict(deployer_conf.get("cloud") or {})
    try:
        cloud = CloudClient(cloud_conf.pop("url", None) or settings.cloud_url(), **cloud_conf)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"{where}: deployer.cloud: {error}") from None
    notifications = from_mapping(_section(conf, "notifications"), where)
    notifier = notifications.notifier()
    session = scoped_session(sessionmaker(bind=engine, expire_on_commit=False))
    alarms = deployer_conf.get("alarms_url") or settings.alarms_url()
    return Deployer(session, cloud, notifier, alarms), engine


def setup_app(conf: Any, **kwargs: Any) -> Any:
    deployer, _ = build_deployer(conf)
    session = deployer.session
    hooks = [
        TransactionHook(start=lambda: None, start_ro=lambda: None, commit=session.commit,
                        rollback=session.rollback, clear=session.remove),
        NotificationHook(deployer.notifier, methods=()),
    ]
    options: dict[str, Any] = {"guess_content_type_from_ext": False}
    options.update({k: v for k, v in _section(conf, "app").items()
               if k in ("debug", "force_canonical", "guess_content_type_from_ext")})
    app = make_app(RootController(deployer), hooks=hooks, **options, **kwargs)
    wrapped = RequestId(app)
    wrapped.deployer = deployer  # for tests and tools: the session, cloud, notifier
    wrapped.carya_app = app
    return wrapped
