"""Nova-like route tables of an exact size, identical for Routes and carya.

Every resource is connected the way Nova's ``ProjectMapper`` connects it:
``/{project_id:[0-9a-f\\-]+}/<collection>`` with ``collection={'detail': 'GET'}``
and ``member={'action': 'POST'}`` (18 routes each, formatted and plain, with
Nova's ``format`` requirement ``json|xml``). The table of N routes is the
*last* N routes of a sequence of filler resources followed by ``servers``, so
the routes the benchmark requests are always present and ``servers/{id}``
(``show``) is the very last route connected: the worst case for a router that
scans its table.
"""

from __future__ import annotations

import copy
from typing import Any

from carya.mapper import Mapper as CaryaMapper

PROJECT = "{project_id:[0-9a-f\\-]+}"
NOVA_NAMES = [
    "flavors", "images", "os-keypairs", "os-volumes", "os-hosts", "os-aggregates",
    "os-networks", "limits", "os-quota-sets", "os-services", "os-hypervisors",
    "os-server-groups", "os-instance-actions", "os-migrations", "os-floating-ips",
    "os-security-groups", "os-availability-zone", "os-cells", "os-agents",
    "os-certificates", "os-fixed-ips", "os-fping", "os-tenant-networks", "extensions",
]
TARGET = "servers"


class _Recorder(CaryaMapper):
    """Collects the ``connect`` calls ``resource`` makes, without building routes."""

    def __init__(self) -> None:
        super().__init__(register=False)
        self.calls: list[tuple[tuple, dict]] = []

    def connect(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("requirements", {})
        if not kwargs["requirements"].get("format"):
            kwargs["requirements"]["format"] = "json|xml"
        self.calls.append((args, copy.deepcopy(kwargs)))


def _resource_calls(recorder: _Recorder, collection: str) -> None:
    recorder.resource(collection.rstrip("s"), collection, path_prefix=PROJECT + "/",
                      collection={"detail": "GET"}, member={"action": "POST"})


def connect_calls(n_routes: int) -> list[tuple[tuple, dict]]:
    """The last ``n_routes`` connect calls of fillers + ``servers``."""
    recorder = _Recorder()
    per_resource = 18
    fillers = max(0, -(-(n_routes - per_resource) // per_resource))
    for k in range(fillers):
        name = NOVA_NAMES[k % len(NOVA_NAMES)]
        _resource_calls(recorder, name if k < len(NOVA_NAMES) else f"{name}{k}")
    _resource_calls(recorder, TARGET)
    calls = recorder.calls[-n_routes:]
    assert len(calls) == n_routes, (len(calls), n_routes)
    return calls


def build(mapper_cls: type, calls: list[tuple[tuple, dict]]) -> Any:
    """A mapper of ``mapper_cls`` with the given routes (fresh copies of every dict)."""
    mapper = mapper_cls(register=False)
    for args, kwargs in calls:
        mapper.connect(*args, **copy.deepcopy(kwargs))
    if hasattr(mapper, "compile"):
        mapper.compile()
    else:
        mapper.create_regs()
    return mapper
