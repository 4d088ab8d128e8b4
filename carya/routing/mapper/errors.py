"""The mapper's exceptions, named as Routes names them, so ported ``except`` clauses
read the same."""

from __future__ import annotations

__all__ = ["RoutesException", "MatchException", "GenerationException", "RouteDefinitionError"]


class RoutesException(Exception):
    """Base of every mapper error."""


class MatchException(RoutesException):
    """A URL could not be matched for a reason other than "no route fits"."""


class GenerationException(RoutesException):
    """``URLGenerator``/``url_for`` found no route able to build the URL asked for."""


class RouteDefinitionError(RoutesException, ValueError):
    """A route definition is wrong; raised by ``connect`` and names the route path."""

    def __init__(self, routepath: object, problem: str):
        self.routepath = routepath
        self.problem = problem
        super().__init__(f"route {routepath!r}: {problem}")
