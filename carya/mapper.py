"""Routes-compatible URL mapping: ``from carya.mapper import Mapper`` where code had
``from routes import Mapper``. See :mod:`carya.routing.mapper` for what is compatible
and for the fast-path API the framework uses."""

from .routing.mapper import (
    GenerationException,
    Mapper,
    MatchException,
    Route,
    RouteDefinitionError,
    RoutesException,
    RoutesMiddleware,
    SubMapper,
    SubMapperParent,
    URLGenerator,
    controller_scan,
    redirect_to,
    request_config,
    url_for,
)

__all__ = [
    "Mapper",
    "SubMapper",
    "SubMapperParent",
    "Route",
    "URLGenerator",
    "RoutesMiddleware",
    "url_for",
    "redirect_to",
    "request_config",
    "controller_scan",
    "RoutesException",
    "MatchException",
    "GenerationException",
    "RouteDefinitionError",
]
