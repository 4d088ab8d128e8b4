"""The compute-style API serving the extensions of ``carya.example.v21.extensions``."""

from __future__ import annotations

from typing import Any

from carya.api import APIRouter, Microversions

NAMESPACE = "carya.example.v21.extensions"


def make_api(**options: Any) -> APIRouter:
    """Nova's ``APIRouterV21``: every extension of the namespace, ``{project_id}`` optional."""
    options.setdefault("extension_namespace", NAMESPACE)
    options.setdefault("project_id", "optional")
    options.setdefault("microversions", Microversions(
        "compute", "2.1", "2.90", legacy_header="X-OpenStack-Nova-API-Version"))
    return APIRouter(**options)


def app_factory(global_conf: dict, **local_conf: Any) -> APIRouter:
    """``paste.app_factory``: ``policy_file`` is the one setting read from the INI."""
    return make_api(policy_file=local_conf.get("policy_file") or None)
