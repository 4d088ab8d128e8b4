"""The OpenStack API application: Nova's ``APIRouterV21`` on carya.

:class:`APIRouter` builds a Routes-style mapper from resources and from
extensions found through entry points, adds the versions document and
``/extensions``, registers the extensions' policies, and is itself the carya
:class:`~carya.app.App` to serve (``APIRouter.factory`` for Paste Deploy).
Errors leave as OpenStack faults; microversions are negotiated before routing
and echoed on every response.

What serves the mapper it builds is :class:`~carya.api.mapper_router.MapperRouter`
(routes resolved once at build time), with the per-request tables of
:mod:`carya.api.dispatch` and the ``carya routes`` listing of
:mod:`carya.api.listing`; their public names stay importable from here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import webob.exc as exc

from ..app import App
from ..hooks import PecanHook
from . import enforcer as policy_engine
from . import listing as _listing  # noqa: F401 - registers MapperRouter with ``carya routes``
from .binding import APIRequest
from .dispatch import ApiNode
from .extensions import (
    ExtensionInfo,
    ExtensionsController,
    add_extensions,
    load_extensions,
)
from .faults import FaultFormatter, send_fault
from .mapper_router import MapperRouter, RouteConfigError, unwrap
from .resource import ControllerExtension, Resource, ResourceExtension
from .versions import API_VERSION_KEY, APIVersionInfo, Microversions, VersionsController

__all__ = ["MapperRouter", "APIRouter", "ApiNode"]

log = logging.getLogger("carya.api")


class APIRouter(App):
    """An OpenStack-style API: resources, extensions, policy, microversions, faults.

    ``mapper`` may come pre-filled (seed 002's ``API`` connects its own routes,
    then calls ``super().__init__(mapper)``). ``resources`` are
    :class:`ResourceExtension` objects; extensions come from the entry-point
    group ``extension_namespace`` (or the class attribute
    ``api_extension_namespace``) and/or ``extensions`` (classes or instances).
    ``project_id``: ``'none'`` maps ``/servers``, ``'required'``
    ``/{project_id}/servers``, ``'optional'`` both (Nova's ProjectMapper).
    Other keyword arguments go to :class:`~carya.app.App` (``hooks``, ``debug``...).
    """

    api_extension_namespace: str | None = None

    def __init__(
        self,
        mapper: Any = None,
        *,
        resources: Iterable[ResourceExtension] = (),
        extension_namespace: str | None = None,
        extensions: Sequence[Any] = (),
        enabled_extensions: Iterable[str] | None = None,
        disabled_extensions: Iterable[str] = (),
        microversions: Microversions | None = None,
        versions: Sequence[APIVersionInfo] | bool | None = None,
        enforcer: Any = None,
        policies: Iterable[Any] = (),
        policy_file: str | None = None,
        project_id: str = "none",
        check_project_id: bool = True,
        list_extensions: bool = True,
        controllers: Mapping[str, Any] | None = None,
        hooks: Iterable[PecanHook] = (),
        fault_formatter: FaultFormatter | None = None,
        **app_options: Any,
    ):
        if project_id not in ("none", "required", "optional"):
            raise ValueError(f"APIRouter: project_id={project_id!r}; use none/required/optional")
        if mapper is None:
            from ..mapper import Mapper

            mapper = Mapper()
        self.mapper = mapper
        self.project_id_mode = project_id
        self.microversions = microversions
        self.extension_info = info = ExtensionInfo()
        namespace = extension_namespace or self.api_extension_namespace
        if namespace:
            load_extensions(namespace, enabled_extensions, disabled_extensions, info)
        add_extensions(info, extensions)
        self.enforcer = enforcer if enforcer is not None else policy_engine.Enforcer()
        register = getattr(self.enforcer, "register_defaults", None)
        all_resources = list(resources)
        controller_extensions: list[ControllerExtension] = []
        for extension in info:
            if register is not None:
                register(list(extension.get_policies()))
            all_resources.extend(extension.get_resources())
            controller_extensions.extend(extension.get_controller_extensions())
        if register is not None:
            register(list(policies))
        if policy_file is not None:
            self.enforcer.load_file(policy_file)
        self.resources: dict[str, Any] = {}
        for resource in all_resources:
            self._register_resource(mapper, resource)
        self._add_versions(mapper, versions)
        if list_extensions:
            self._connect(mapper, "/extensions", ExtensionsController(info), "index", "GET")
            self._connect(mapper, "/extensions/{id}", ExtensionsController(info), "show", "GET")
        log.info("Loaded extensions: %s", sorted(ext.alias for ext in info))
        router = MapperRouter(mapper, controllers, microversions, self.enforcer, check_project_id)
        for ext in controller_extensions:
            target = self.resources.get(ext.collection)
            if target is None:
                raise RouteConfigError(
                    f"extension {getattr(ext.extension, 'alias', ext.extension)!r}: controller "
                    f"extension for {ext.collection!r}, but no resource of that name is mapped"
                )
            router.add_controller_extension(target, ext.controller)
        app_options.setdefault("guess_content_type_from_ext", False)
        app_options.setdefault("request_cls", APIRequest)
        super().__init__(
            None,
            hooks=hooks,
            router=router,
            error_formatter=fault_formatter or FaultFormatter(),
            **app_options,
        )

    @classmethod
    def factory(cls, global_config: Mapping[str, Any] | None = None, **local_config: Any
                ) -> APIRouter:
        """Paste Deploy ``paste.app_factory`` (Nova's ``Router.factory``)."""
        return cls(**local_config) if local_config else cls()

    # --- building the mapper ------------------------------------------------------------

    def _prefixes(self, parent: Mapping[str, str] | None) -> list[str | None]:
        """Path prefixes for the project-id mode (``None``: none), nested under ``parent``."""
        nested = f"/{parent['collection_name']}/{{{parent['member_name']}_id}}" if parent else ""
        with_project = "/{project_id}" + nested
        without = nested or None
        return {
            "none": [without],
            "required": [with_project],
            "optional": [with_project, without],
        }[self.project_id_mode]

    def _register_resource(self, mapper: Any, resource: ResourceExtension) -> None:
        if resource.controller is None:
            raise RouteConfigError(f"{resource!r}: it has no controller")
        if resource.collection in self.resources:
            raise RouteConfigError(f"resource {resource.collection!r} is mapped twice")
        controller = unwrap(resource.controller)
        wrapped = Resource(controller, resource.inherits)
        self.resources[resource.collection] = controller
        member = resource.member_name or resource.collection
        for prefix in self._prefixes(resource.parent):
            options: dict[str, Any] = {
                "controller": wrapped,
                "collection": resource.collection_actions,
                "member": resource.member_actions,
            }
            if resource.parent:
                options["parent_resource"] = dict(resource.parent)
            if prefix is not None:
                options["path_prefix"] = prefix
            mapper.resource(member, resource.collection, **options)
        if resource.custom_routes_fn is not None:
            resource.custom_routes_fn(mapper, wrapped)

    def _connect(self, mapper: Any, path: str, controller: Any, action: str, method: str
                 ) -> None:
        wrapped = Resource(controller)
        for prefix in self._prefixes(None):
            mapper.connect((prefix or "") + path, controller=wrapped, action=action,
                           conditions={"method": [method]})

    def _add_versions(self, mapper: Any, versions: Any) -> None:
        if versions is False or (versions is None and self.microversions is None):
            return
        if versions is None or versions is True:
            mv = self.microversions
            if mv is None:
                raise ValueError("APIRouter: versions=True needs microversions or a list")
            versions = [APIVersionInfo(f"v{mv.min}", "CURRENT", str(mv.min), str(mv.max))]
        controller = Resource(VersionsController(list(versions)))
        mapper.connect("/", controller=controller, action="index",
                       conditions={"method": ["GET"]})

    # --- per request -------------------------------------------------------------------------

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        environ[policy_engine.ENFORCER_KEY] = self.enforcer
        mv = self.microversions
        if mv is None or "carya.forwards" in environ:
            return App.__call__(self, environ, start_response)
        try:
            version, headers = mv.negotiate(environ)
        except exc.HTTPException as error:
            return send_fault(self.error_formatter, error, environ, start_response, [mv.vary])
        environ[API_VERSION_KEY] = version

        def start(status: str, response_headers: list, exc_info: Any = None) -> Any:
            if exc_info is None:
                return start_response(status, [*response_headers, *headers])
            return start_response(status, [*response_headers, *headers], exc_info)

        return App.__call__(self, environ, start)
