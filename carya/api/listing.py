"""``carya routes`` for the OpenStack API: :class:`MapperRouter` in the route listing.

:mod:`carya.routing.listing` knows carya's object-dispatch routers; a
Routes-style mapper joins through its ``register`` hook. The listing reads the
entries the router resolved at build time (so it shows exactly what a request
would reach, body actions and microversions included) and answers "where does
this request go?" with the router's own matcher. Importing :mod:`carya.api`
registers it; without :mod:`carya.routing.listing` the API still works, unlisted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .binding import ROUTING_KEYS
from .dispatch import BodyAction, Versioned, targets_of
from .mapper_router import MapperRouter

__all__: list[str] = []


def _register_listing() -> None:
    try:
        from ..routing import listing
    except ImportError:  # pragma: no cover - listing is optional
        return

    def list_api(router: MapperRouter) -> Iterable[Any]:
        for row in router.describe():
            entry = row["entry"]
            notes: list[str] = []
            if isinstance(entry, BodyAction):
                notes.append("body actions: " + ", ".join(sorted(entry.entries)))
            if isinstance(entry, Versioned):
                notes.append("versions: " + ", ".join(
                    f"{lo}-{hi or 'latest'}" for lo, hi, _ in entry.table.entries))
            handler = row["handlers"][0] if len(row["handlers"]) == 1 else " | ".join(
                dict.fromkeys(row["handlers"]))
            targets = targets_of(entry)
            first = targets[0][0] if targets else None
            yield listing.RouteInfo(
                methods=row["methods"],
                path=row["path"],
                handler=listing.dotted_name(first) if len(row["handlers"]) == 1 else handler,
                kind="mapper",
                params=row["params"],
                name=row["name"],
                notes=tuple(notes),
                target=entry,
            )

    def match_api(router: MapperRouter, method: str, path: str, headers: dict) -> Any:
        hit = router._match(method, path)
        if hit is None:
            miss = router.miss(path)
            allow = getattr(miss, "allow", None)
            return listing.MatchInfo(method, path, 405 if allow else 404, allow=allow)
        route, match = hit
        entry = router.entries.get(route)
        if entry is None:
            return listing.MatchInfo(method, path, 404)
        targets = targets_of(entry)
        kwargs = {k: v for k, v in match.items() if k not in ROUTING_KEYS}
        return listing.MatchInfo(
            method, path, 200,
            handler=" | ".join(dict.fromkeys(listing.dotted_name(h) for h, _ in targets)),
            controller=type(targets[0][1].obj).__qualname__ if targets else None,
            kwargs=kwargs, content_type="application/json", via="mapper",
        )

    listing.register(MapperRouter, list_api, match_api)


_register_listing()
