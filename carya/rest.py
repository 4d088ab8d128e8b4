"""``RestController``: REST verbs mapped to methods, as in Pecan (``carya.rest``).

The routing rules live in :mod:`carya.routing.rest`; this class is the marker
and the public base class. Subclasses define ``get_all``, ``get_one``, ``post``,
``put``, ``delete`` (and ``new``, ``edit``, ``get_delete``, ``_custom_actions``)
as exposed methods.
"""

from __future__ import annotations

from typing import Any, ClassVar

from .expose import exposed_info

__all__ = ["RestController"]


class RestController:
    """Base class for REST controllers (Pecan's ``pecan.rest.RestController``)."""

    _custom_actions: ClassVar[dict[str, list[str]]] = {}

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if "_carya_checked" not in cls.__dict__:
            _refuse_routes(cls)
            cls._carya_checked = True
        return super().__new__(cls)


def _refuse_routes(cls: type) -> None:
    """``expose(route=...)`` has no meaning on a RestController (Pecan's ValueError)."""
    for klass in cls.__mro__:
        for name, value in vars(klass).items():
            info = exposed_info(value)
            if info is not None and info.route is not None:
                raise ValueError(
                    "Path segments cannot be used in combination with RestController: "
                    f"remove the `route` argument to @expose on {cls.__qualname__}.{name}"
                )
