"""Transports, chosen by URL scheme: ``rabbit://``, ``embedded://``, ``memory://``.

Modules are imported on first use, so a service on the embedded default never
imports kombu.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from ..url import TransportURL, parse_url
from .base import Consumer, DeadLetter, Delivery, QueueSpec, Transport

__all__ = ["get_transport", "Transport", "Consumer", "Delivery", "DeadLetter", "QueueSpec"]


def get_transport(url: str | TransportURL | None = None,
                  options: Mapping[str, Any] | None = None, **more: Any) -> Transport:
    """The transport for ``url`` (``None``: the embedded default).

    ``options`` (and keyword arguments) add to the URL's query options, e.g.
    ``get_transport("rabbit://...", durable=True, buffer_size=50000)``.
    Errors (:class:`~carya.notify.errors.TransportURLError`) name the bad part and
    never show a password.
    """
    parsed = parse_url(url)
    module = importlib.import_module(f"{__name__}.{parsed.transport}")
    merged = {**(options or {}), **more}
    return module.TRANSPORT(parsed, merged)
