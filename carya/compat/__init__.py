"""Compatibility with other projects' internal names, kept out of carya's core.

:mod:`carya.compat.pecan` gives Pecan's module layout (``pecan.core``,
``pecan.templating``, ``pecan.util``, ``pecan.middleware.*`` ...) a home that
maps onto carya's pieces; :mod:`carya.compat.alias` makes ``import pecan``
resolve to it, opted in with ``carya pecan-alias enable`` or
``carya.compat.pecan.install()``.
"""
