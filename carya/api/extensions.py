"""API extensions, discovered through entry points (Nova's ``V21APIExtensionBase`` model).

An extension is a class registered in a per-API entry-point namespace::

    [project.entry-points."carya.api.v1.extensions"]
    groups = groups_ext.api:Groups

with a ``name``, an ``alias``, a ``version``, a docstring, and methods returning
what it adds: :meth:`ExtensionBase.get_resources` (new resources),
:meth:`ExtensionBase.get_controller_extensions` (actions on existing ones) and
:meth:`ExtensionBase.get_policies` (its rule defaults). :func:`load_extensions`
imports and instantiates them once, when the API is built; a broken entry point
or two extensions with one alias stop start-up with a message naming them.
:class:`ExtensionsController` lists the loaded ones at ``/extensions``.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import logging
from collections.abc import Iterable, Sequence
from typing import Any

import webob.exc as exc

from .resource import ControllerExtension, ResourceExtension

__all__ = [
    "ExtensionBase",
    "V21APIExtensionBase",
    "ExtensionInfo",
    "ExtensionError",
    "ExtensionsController",
    "load_extensions",
]

log = logging.getLogger("carya.api")


class ExtensionError(RuntimeError):
    """An extension that cannot be loaded (names the entry point)."""


class ExtensionBase:
    """Base class of API extensions; override what the extension adds."""

    name: str = ""
    alias: str = ""
    version: int = 1
    updated: str = "2011-01-21T00:00:00Z"
    namespace: str = ""

    def __init__(self, extension_info: ExtensionInfo | None = None):
        self.extension_info = extension_info

    def get_resources(self) -> list[ResourceExtension]:
        return []

    def get_controller_extensions(self) -> list[ControllerExtension]:
        return []

    def get_policies(self) -> list[Any]:
        return []

    @property
    def description(self) -> str:
        return inspect.cleandoc(type(self).__doc__ or "").split("\n\n")[0]

    def summary(self) -> dict[str, Any]:
        """What ``/extensions`` shows for this extension."""
        return {
            "name": self.name,
            "alias": self.alias,
            "description": self.description,
            "namespace": self.namespace or f"https://docs.openstack.org/{self.alias}",
            "updated": self.updated,
            "links": [],
        }


V21APIExtensionBase = ExtensionBase


class ExtensionInfo:
    """The loaded extensions of one API, by alias."""

    def __init__(self) -> None:
        self.extensions: dict[str, ExtensionBase] = {}
        self.origins: dict[str, str] = {}

    def register(self, extension: ExtensionBase, origin: str) -> None:
        alias = extension.alias
        if not alias or not isinstance(alias, str):
            raise ExtensionError(f"extension {origin}: it has no alias")
        if not extension.name:
            raise ExtensionError(f"extension {origin}: it has no name")
        if alias in self.extensions:
            raise ExtensionError(
                f"extension alias {alias!r} is claimed twice: by {self.origins[alias]} "
                f"and by {origin}"
            )
        self.extensions[alias] = extension
        self.origins[alias] = origin

    def get_extensions(self) -> dict[str, ExtensionBase]:
        return dict(self.extensions)

    def __iter__(self):
        return iter(self.extensions.values())

    def __len__(self) -> int:
        return len(self.extensions)


def _instantiate(cls: Any, info: ExtensionInfo, origin: str) -> ExtensionBase:
    if not isinstance(cls, type):
        if isinstance(cls, ExtensionBase):
            return cls
        raise ExtensionError(f"extension {origin}: {cls!r} is not an extension class")
    try:
        params = inspect.signature(cls).parameters
        return cls(info) if params else cls()
    except Exception as error:  # noqa: BLE001 - named and re-raised for start-up
        raise ExtensionError(f"extension {origin}: creating it failed: {error!r}") from error


def load_extensions(
    namespace: str,
    enabled: Iterable[str] | None = None,
    disabled: Iterable[str] = (),
    info: ExtensionInfo | None = None,
) -> ExtensionInfo:
    """Load the extensions registered under the entry-point group ``namespace``.

    ``enabled`` (entry-point names or aliases) keeps only those; ``disabled``
    leaves some out.
    """
    info = info if info is not None else ExtensionInfo()
    wanted = set(enabled) if enabled is not None else None
    skipped = set(disabled)
    for point in sorted(importlib.metadata.entry_points(group=namespace), key=lambda p: p.name):
        origin = f"{point.name} = {point.value} (entry point group {namespace!r})"
        if point.name in skipped or (wanted is not None and point.name not in wanted):
            continue
        try:
            cls = point.load()
        except Exception as error:  # noqa: BLE001 - named and re-raised for start-up
            raise ExtensionError(f"extension {origin}: cannot load it: {error!r}") from error
        extension = _instantiate(cls, info, origin)
        if extension.alias in skipped or (
            wanted is not None and point.name not in wanted and extension.alias not in wanted
        ):
            continue
        info.register(extension, origin)
    return info


def add_extensions(info: ExtensionInfo, extensions: Sequence[Any]) -> None:
    """Register extensions given directly (classes or instances) rather than found."""
    for item in extensions:
        origin = getattr(item, "__qualname__", None) or type(item).__qualname__
        info.register(_instantiate(item, info, origin), origin)


class ExtensionsController:
    """``GET /extensions`` and ``GET /extensions/{alias}``."""

    def __init__(self, info: ExtensionInfo):
        self.info = info

    def index(self, req: Any) -> dict:
        return {"extensions": [ext.summary() for ext in
                               sorted(self.info, key=lambda e: e.alias)]}

    def show(self, req: Any, id: str) -> dict:
        extension = self.info.extensions.get(id)
        if extension is None:
            raise exc.HTTPNotFound(detail=f"Extension {id!r} is not loaded.")
        return {"extension": extension.summary()}
