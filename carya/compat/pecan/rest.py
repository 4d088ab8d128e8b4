"""``pecan.rest``: carya's RestController with the helpers Pecan's subclasses call.

Services override Pecan's ``_handle_post``/``_handle_put``/... and call
``self._find_controller('post_one', 'post')`` from them (Designate does);
carya's router calls such overrides, so the helpers they use live here.
"""

from __future__ import annotations

from typing import Any

from carya.expose import exposed_info
from carya.rest import RestController as _CaryaRestController

__all__ = ["RestController"]


class RestController(_CaryaRestController):
    """Pecan's ``RestController``: carya's, plus Pecan's lookup helpers."""

    def _lookup_child(self, name: str) -> Any:
        """The attribute ``name`` of this controller, if any."""
        return getattr(self, name, None)

    def _find_controller(self, *names: str) -> Any:
        """The first of ``names`` that is an exposed method of this controller, else None."""
        for name in names:
            found = self._lookup_child(name)
            if found is not None and exposed_info(found) is not None:
                return found
        return None
