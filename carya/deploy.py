"""``deploy(config)``: the WSGI application a config file describes (``carya.deploy``).

This is what an ``app.wsgi`` for Apache mod_wsgi calls::

    from carya.deploy import deploy
    application = deploy('/var/www/service/config.py')
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

from .configuration import Config, ConfigError, set_config
from .log import configure as configure_logging
from .middleware.sizelimit import limit_body

__all__ = ["deploy", "load_app"]


def load_app(config: Any = None, **kwargs: Any) -> Any:
    """Build the app: ``<module>.app.setup_app(conf)`` for the first of
    ``app.modules`` that has one (Pecan's convention), else ``make_app(app.root)``;
    behind the request body limit of the config's ``server`` section
    (:func:`carya.middleware.sizelimit.limit_body`: 1 MiB unless set)."""
    if isinstance(config, str):
        _add_confdir_to_path(config)
    conf = set_config(config, overwrite=True)
    configure_logging(conf.get("logging"))
    for package in conf.app.get("modules", []):
        try:
            module = importlib.import_module(f"{package}.app")
        except ModuleNotFoundError as error:
            if error.name not in (package, f"{package}.app"):
                raise
            continue
        setup_app = getattr(module, "setup_app", None)
        if setup_app is not None:
            app = setup_app(conf, **kwargs)
            app.config = conf
            return limit_body(app, conf.get("server"))
    root = conf.app.get("root")
    if root is None:
        raise ConfigError(
            f"{conf._where()}: set app.root to the root controller, or list a package "
            "with an app.setup_app() in app.modules"
        )
    from .app import make_app

    app = make_app(root, **_app_options(conf.app), **kwargs)
    app.config = conf
    return limit_body(app, conf.get("server"))


def _add_confdir_to_path(path: str) -> None:
    """Let ``app.root`` name packages beside the config file, as a project layout has."""
    confdir = os.path.dirname(os.path.abspath(path))
    if confdir not in sys.path:
        sys.path.insert(0, confdir)


def _app_options(app_conf: Config) -> dict[str, Any]:
    options = app_conf.to_dict()
    options.pop("root", None)
    return options


def deploy(config: Any) -> Any:
    """The WSGI application for a ``config.py`` path (or dict)."""
    return load_app(config)
