"""Seed 002's OpenStack WSGI prototype (``test`` package), rebuilt on carya.api.

The seed wires ``routes.Mapper`` + ``RoutesMiddleware`` + a WebOb ``Router`` by
hand; here the same ``API`` subclass connects ``/test`` to the versions
controller and carya's :class:`~carya.api.APIRouter` does the rest.
"""
