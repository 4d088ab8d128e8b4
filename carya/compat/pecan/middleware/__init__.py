"""``pecan.middleware``: Pecan's own WSGI middleware (debug, errordocument, recursive, static)."""

from . import debug, errordocument, recursive, static

__all__ = ["debug", "errordocument", "recursive", "static"]
