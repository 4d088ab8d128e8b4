"""carya's OpenStack API layer: Nova's resource model on carya's pipeline.

- :mod:`.router`: :class:`APIRouter` (the API application), :class:`MapperRouter`;
- :mod:`.resource`: :class:`Controller`, ``@action``, ``@response``,
  ``@expected_errors``, :class:`ResourceExtension`, :class:`ControllerExtension`;
- :mod:`.validation`: ``@validate`` (JSON Schema);
- :mod:`.enforcer`: :class:`RuleDefault`, :class:`Enforcer` (the rule table, from
  code and the policy file);
- :mod:`.policy`: :func:`authorize` and the ``@policy`` decorator (``from
  carya.api.policy import policy``: the package attribute ``carya.api.policy``
  stays the module), per request;
- :mod:`.versions`: microversions, ``@api_version``, the versions document;
- :mod:`.extensions`: extensions from entry points, ``/extensions``;
- :mod:`.faults`: OpenStack fault bodies for every error.

Needs the ``api`` extra (fastjsonschema, jsonschema, PyYAML).
"""

from __future__ import annotations

from .binding import APIRequest
from .enforcer import DocumentedRuleDefault, Enforcer, PolicyError, RuleDefault
from .extensions import ExtensionBase, ExtensionInfo, V21APIExtensionBase, load_extensions
from .faults import FaultFormatter
from .policy import authorize
from .resource import (
    Controller,
    ControllerExtension,
    Resource,
    ResourceExtension,
    action,
    create_resource,
    expected_errors,
    response,
)
from .router import APIRouter, MapperRouter
from .validation import query_schema, schema, validate
from .versions import APIVersion, APIVersionInfo, Microversions, VersionsController, api_version

__all__ = [
    "APIRequest",
    "APIRouter",
    "APIVersion",
    "APIVersionInfo",
    "Controller",
    "ControllerExtension",
    "DocumentedRuleDefault",
    "Enforcer",
    "ExtensionBase",
    "ExtensionInfo",
    "FaultFormatter",
    "MapperRouter",
    "Microversions",
    "PolicyError",
    "Resource",
    "ResourceExtension",
    "RuleDefault",
    "V21APIExtensionBase",
    "VersionsController",
    "action",
    "api_version",
    "authorize",
    "create_resource",
    "expected_errors",
    "load_extensions",
    "query_schema",
    "response",
    "schema",
    "validate",
]
