"""OpenAPI 3.1 documents derived from an application's routing, and an API reference page.

- :func:`build_document` (:mod:`.document`): the document for an App or a WSGI
  stack around some, built once from the route listing ``carya routes`` shows;
- :class:`OpenAPIMiddleware` (:mod:`.reference`): opt-in serving of
  ``/openapi.json`` and a reference page made of static files this package
  ships (nothing is fetched from elsewhere at run time);
  ``filter_factory`` is its Paste Deploy filter (``use = egg:carya#openapi``).

``carya openapi CONFIG`` prints the document.
"""

from __future__ import annotations

from .document import build_document, openapi_path, operations
from .reference import OpenAPIMiddleware, filter_factory

__all__ = ["build_document", "operations", "openapi_path", "OpenAPIMiddleware",
           "filter_factory"]
