"""Reading a middleware's settings, from Python values or Paste INI strings.

Paste Deploy hands every value over as a string (``max_age = 3600``), Python
callers pass real values (``max_age=3600``); :class:`Options` accepts both and
turns a wrong one into a :class:`MiddlewareConfigError` that names the
middleware and the key, at start-up, so a typo never becomes a silent default.
Unknown keys are errors too (:meth:`Options.finish`), for the same reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..configuration import ConfigError

__all__ = ["MiddlewareConfigError", "Options", "TRUE", "FALSE"]

TRUE = frozenset({"true", "yes", "on", "1"})
FALSE = frozenset({"false", "no", "off", "0"})


class MiddlewareConfigError(ConfigError):
    """A middleware setting is wrong; the message names the middleware and key."""


class Options:
    """One middleware's settings; each getter validates and records the key as known."""

    def __init__(self, middleware: str, conf: Mapping[str, Any]):
        self.middleware = middleware
        self.conf = dict(conf)
        self.known: set[str] = set()
        self.prefixes: set[str] = set()

    def error(self, key: str, expected: str, value: Any) -> MiddlewareConfigError:
        return MiddlewareConfigError(
            f"{self.middleware}: option {key!r}: expected {expected}, got {value!r}"
        )

    def _get(self, key: str) -> Any:
        self.known.add(key)
        return self.conf.get(key)

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            word = value.strip().lower()
            if word in TRUE:
                return True
            if word in FALSE:
                return False
        raise self.error(key, "true or false", value)

    def integer(self, key: str, default: int | None, minimum: int | None = None) -> int | None:
        value = self._get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            return default
        if isinstance(value, bool):
            raise self.error(key, "an integer", value)
        if isinstance(value, int):
            number = value
        elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
            number = int(value.strip())
        else:
            raise self.error(key, "an integer", value)
        if minimum is not None and number < minimum:
            raise self.error(key, f"an integer >= {minimum}", value)
        return number

    def string(self, key: str, default: str) -> str:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, "a non-empty string", value)
        return value.strip()

    def strings(self, key: str, default: Iterable[str] = ()) -> list[str]:
        """A comma-separated string or a list of strings; blanks are dropped."""
        value = self._get(key)
        if value is None:
            return list(default)
        if isinstance(value, str):
            items = value.split(",")
        elif isinstance(value, (list, tuple, set, frozenset)):
            items = list(value)
        else:
            raise self.error(key, "a comma-separated list", value)
        out = []
        for item in items:
            if not isinstance(item, str):
                raise self.error(key, "a list of strings", value)
            if item.strip():
                out.append(item.strip())
        return out

    def prefixed(self, prefix: str) -> dict[str, Any]:
        """Every ``<prefix><name>`` key, as ``{name: value}`` (e.g. ``token.<TOKEN>``)."""
        self.prefixes.add(prefix)
        return {k[len(prefix):]: v for k, v in self.conf.items() if k.startswith(prefix)}

    def finish(self) -> None:
        """Reject keys no getter asked for: most often a misspelt option."""
        unknown = sorted(
            key for key in set(self.conf) - self.known
            if not any(key.startswith(prefix) for prefix in self.prefixes)
        )
        if unknown:
            # Prefixed keys are listed as patterns: their names may be secrets (tokens).
            known = sorted(self.known) + sorted(f"{prefix}*" for prefix in self.prefixes)
            raise MiddlewareConfigError(
                f"{self.middleware}: unknown option(s) {', '.join(map(repr, unknown))}; "
                f"known: {', '.join(known) or '(none)'}"
            )
