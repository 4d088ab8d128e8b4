"""Paste Deploy factories of the cloud API (``etc/cloud/api-paste.ini``).

Configuration comes from the environment when the INI is loaded
(:mod:`cloudapps.settings`): ``CLOUDAPPS_CLOUD_DB``, ``CLOUDAPPS_TRANSPORT_URL``,
``CLOUDAPPS_BUILD_DELAY``; ``CLOUDAPPS_CLOUD_POLICY`` (or the INI's
``policy_file``) names a policy file overriding the defaults;
``CLOUDAPPS_AUTH_STRATEGY`` picks the pipeline (``noauth2`` by default).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from carya.notify import Notifier
from carya.paste import strategy_pipeline_factory

from .. import settings
from . import db, events
from .api import make_api, make_versions
from .middleware import VersionRoot

__all__ = ["app_factory", "versions_factory", "auth_strategy_factory", "version_root_factory"]


def app_factory(global_conf: Mapping[str, Any], **local_conf: str) -> Any:
    """``/v2.1``: the compute API over the database and transport the environment names."""
    engine = db.engine_for(settings.db_url("cloud"))
    notifier = Notifier(settings.transport_url(), events.publisher_id(), outbox=False)
    policy_file = os.environ.get("CLOUDAPPS_CLOUD_POLICY") or local_conf.get("policy_file")
    if policy_file and not os.path.isabs(policy_file):
        policy_file = os.path.join(str(global_conf.get("here") or "."), policy_file)
    return make_api(engine, notifier, policy_file=policy_file or None)


def versions_factory(global_conf: Mapping[str, Any], **local_conf: str) -> Any:
    """``/``: the versions document."""
    return make_versions()


def auth_strategy_factory(loader: Any, global_conf: Mapping[str, Any], **local_conf: str
                          ) -> Any:
    """carya's ``egg:carya#strategy``, with the strategy read from the environment.

    carya's factory falls back to ``keystone``; this cloud is a development
    cloud, so without ``CLOUDAPPS_AUTH_STRATEGY`` (or ``CARYA_AUTH_STRATEGY``)
    it runs ``noauth2``, as DESIGN.md says.
    """
    local_conf = dict(local_conf)
    local_conf.setdefault("auth_strategy", os.environ.get("CLOUDAPPS_AUTH_STRATEGY")
                          or os.environ.get("CARYA_AUTH_STRATEGY") or "noauth2")
    return strategy_pipeline_factory(loader, global_conf, **local_conf)


def version_root_factory(loader: Any, global_conf: Mapping[str, Any], **local_conf: str) -> Any:
    """``/v2.1``: the version document without a token, the ``api`` pipeline below it.

    Nova mounts ``/v2.1`` (its version) and ``/v2.1/+`` (the API) apart in its
    urlmap; this composite does the same for one mount point.
    """
    return VersionRoot(loader.get_app(local_conf["api"].strip(), global_conf=global_conf))
