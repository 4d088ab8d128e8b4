"""API versions: the versions document and microversions.

**Microversions.** A client asks for a version with ``OpenStack-API-Version:
compute 2.37`` (the service name is the API's) or the legacy header Nova used
(``X-OpenStack-Nova-API-Version: 2.37``); ``latest`` means the maximum. No
header means the minimum. A malformed version is a 400; a version outside
``[min, max]`` is a 406. Every response carries the version served
(``OpenStack-API-Version: compute 2.37``, the legacy header too when the API
has one) and ``Vary`` naming the request headers, so caches keep versions
apart. :class:`Microversions` does the negotiation; parsed headers are cached,
so the per-request cost is one dict lookup.

**Version-selected handlers.** ``@api_version('2.1', '2.37')`` marks a
method; several methods of a :class:`carya.api.Controller` with the same name
and disjoint ranges are collected into a :class:`VersionedMethods` when the
class is created. The router turns each into a :class:`VersionTable` when the
application is built (overlaps are an error then); a request outside every
range is a 404, as in Nova.

**The versions document** (``GET /``): :class:`VersionsController` lists
:class:`APIVersionInfo` entries with status, min/max microversion and links.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import webob.exc as exc

from ..expose import _info_for

__all__ = [
    "API_VERSION_KEY",
    "APIVersion",
    "APIVersionInfo",
    "Microversions",
    "VersionTable",
    "VersionedMethods",
    "VersionsController",
    "api_version",
    "version_range",
]

#: Where the negotiated :class:`APIVersion` of a request is kept in the environ.
API_VERSION_KEY = "carya.api_version"
HEADER = "OpenStack-API-Version"
_VERSION = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")
_CACHE_LIMIT = 512


class APIVersion:
    """A microversion ``major.minor``; ``APIVersion()`` is the null version (0.0)."""

    __slots__ = ("major", "minor", "_key")

    def __init__(self, major: int = 0, minor: int = 0):
        self.major = major
        self.minor = minor
        self._key = (major, minor)

    @classmethod
    def parse(cls, text: str) -> APIVersion:
        """``'2.37'`` -> ``APIVersion(2, 37)``; a ValueError says what is wrong."""
        found = _VERSION.match(text.strip()) if isinstance(text, str) else None
        if found is None:
            raise ValueError(
                f"API Version String {text!r} is of invalid format. "
                "Must be of format MajorNum.MinorNum."
            )
        return cls(int(found.group(1)), int(found.group(2)))

    def is_null(self) -> bool:
        return self._key == (0, 0)

    def matches(self, min_version: APIVersion | None, max_version: APIVersion | None) -> bool:
        """Within ``[min, max]``; a missing or null bound is open (Nova's rule)."""
        if min_version is not None and not min_version.is_null() and self < min_version:
            return False
        return max_version is None or max_version.is_null() or self <= max_version

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"

    def __repr__(self) -> str:
        return f"APIVersion('{self}')"

    def __hash__(self) -> int:
        return hash(self._key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, APIVersion) and self._key == other._key

    def __lt__(self, other: APIVersion) -> bool:
        return self._key < other._key

    def __le__(self, other: APIVersion) -> bool:
        return self._key <= other._key

    def __gt__(self, other: APIVersion) -> bool:
        return self._key > other._key

    def __ge__(self, other: APIVersion) -> bool:
        return self._key >= other._key


def _as_version(value: str | APIVersion) -> APIVersion:
    return value if isinstance(value, APIVersion) else APIVersion.parse(value)


class Microversions:
    """The microversion range of an API and the negotiation of a request's version."""

    def __init__(
        self,
        service: str,
        min_version: str | APIVersion,
        max_version: str | APIVersion,
        legacy_header: str | None = None,
    ):
        if not service or " " in service or "," in service:
            raise ValueError(f"Microversions: service {service!r} must be one word")
        self.service = service
        self.min = _as_version(min_version)
        self.max = _as_version(max_version)
        if self.max < self.min:
            raise ValueError(f"Microversions: max {self.max} is below min {self.min}")
        self.legacy_header = legacy_header
        self._legacy_key = _environ_key(legacy_header) if legacy_header else None
        vary = [HEADER] + ([legacy_header] if legacy_header else [])
        self.vary = ("Vary", ", ".join(vary))
        self._cache: dict[tuple[str | None, str | None], tuple[APIVersion, tuple]] = {}

    def negotiate(self, environ: dict) -> tuple[APIVersion, tuple[tuple[str, str], ...]]:
        """``(version, response headers)`` for a request; raises a 400 or a 406."""
        raw = environ.get("HTTP_OPENSTACK_API_VERSION")
        legacy = environ.get(self._legacy_key) if self._legacy_key else None
        key = (raw, legacy)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        version = self._choose(raw, legacy)
        hit = (version, self.headers(version))
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()  # client-chosen keys: never let the cache grow unbounded
        self._cache[key] = hit
        return hit

    def headers(self, version: APIVersion) -> tuple[tuple[str, str], ...]:
        echo = [(HEADER, f"{self.service} {version}")]
        if self.legacy_header:
            echo.append((self.legacy_header, str(version)))
        return (*echo, self.vary)

    def _choose(self, raw: str | None, legacy: str | None) -> APIVersion:
        wanted = self._from_header(raw) if raw else None
        if wanted is None and legacy:
            wanted = legacy.strip()
        if not wanted:
            return self.min
        if wanted.lower() == "latest":
            return self.max
        try:
            version = APIVersion.parse(wanted)
        except ValueError as error:
            raise exc.HTTPBadRequest(detail=str(error)) from None
        if not self.min <= version <= self.max:
            raise exc.HTTPNotAcceptable(
                detail=f"Version {version} is not supported by the API. "
                f"Minimum is {self.min} and maximum is {self.max}."
            )
        return version

    def _from_header(self, raw: str) -> str | None:
        """The version named for this service in ``OpenStack-API-Version`` (may list several)."""
        for item in raw.split(","):
            service, _, value = item.strip().partition(" ")
            if service.lower() == self.service.lower():
                return value.strip()
        return None


def _environ_key(header: str) -> str:
    return "HTTP_" + header.upper().replace("-", "_")


# --- version-selected handlers ----------------------------------------------------


def api_version(min_version: str, max_version: str | None = None) -> Callable:
    """Serve this method for requests whose microversion is within the range (inclusive).

    Several methods of a :class:`carya.api.Controller` may share a name with
    disjoint ranges; the request's version picks one.
    """
    low = APIVersion.parse(min_version)
    high = APIVersion.parse(max_version) if max_version is not None else None
    if high is not None and high < low:
        raise ValueError(f"api_version({min_version!r}, {max_version!r}): max is below min")

    def decorate(func: Callable) -> Callable:
        _info_for(func).extra["api_version"] = (low, high)
        return func

    return decorate


def version_range(func: Any) -> tuple[APIVersion, APIVersion | None] | None:
    """The ``@api_version`` range recorded on ``func``, else None."""
    info = getattr(func, "_carya", None)
    extra = getattr(info, "extra", None)
    return extra.get("api_version") if extra else None


class VersionedMethods:
    """Same-named methods with disjoint version ranges (made by the Controller class).

    Calling ``controller.show(req, ...)`` directly picks the method for the
    version of ``req``, so controller code can call its own versioned methods.
    """

    def __init__(self, name: str, funcs: Iterable[Callable]):
        self.name = name
        self.funcs: list[Callable] = []
        for func in funcs:
            self.add(func)

    def add(self, func: Callable) -> None:
        if version_range(func) is None:
            raise TypeError(f"{self.name}: every definition needs @api_version")
        self.funcs.append(func)

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        funcs = self.funcs

        def dispatch(req: Any, *args: Any, **kwargs: Any) -> Any:
            version = req.environ.get(API_VERSION_KEY) or APIVersion()
            for func in funcs:
                low, high = version_range(func)
                if version.matches(low, high):
                    return func(obj, req, *args, **kwargs)
            raise exc.HTTPNotFound(
                detail=f"API version {version} is not supported on this method."
            )

        return dispatch

    def __repr__(self) -> str:
        return f"<VersionedMethods {self.name} x{len(self.funcs)}>"


class VersionTable:
    """Targets by version range, for one action; checked for overlaps when built."""

    __slots__ = ("name", "entries", "_chosen")

    def __init__(self, name: str, entries: Sequence[tuple[APIVersion, APIVersion | None, Any]]):
        self.name = name
        ordered = sorted(entries, key=lambda e: e[0])
        for (lo1, hi1, _), (lo2, _, _) in zip(ordered, ordered[1:], strict=False):
            if hi1 is None or hi1 >= lo2:
                raise ValueError(
                    f"{name}: version ranges {lo1}-{hi1 or 'latest'} and from {lo2} overlap"
                )
        self.entries = tuple(ordered)
        self._chosen: dict[APIVersion, Any] = {}

    def select(self, version: APIVersion) -> Any:
        """The target serving ``version``; a 404 when no range holds it."""
        target = self._chosen.get(version)
        if target is None:
            for low, high, candidate in self.entries:
                if version.matches(low, high):
                    target = candidate
                    break
            else:
                raise exc.HTTPNotFound(
                    detail=f"API version {version} is not supported on this method."
                )
            if len(self._chosen) < _CACHE_LIMIT:
                self._chosen[version] = target
        return target


# --- the versions document -------------------------------------------------------------


@dataclass(frozen=True)
class APIVersionInfo:
    """One entry of the versions document.

    ``path`` is the version's root on this host (``'/v2.1/'``); ``None`` means
    the root of the application serving the document.
    """

    id: str
    status: str = "CURRENT"
    min_version: str = ""
    max_version: str = ""
    updated: str = "2013-07-23T11:33:21Z"
    path: str | None = None

    def document(self, request: Any) -> dict:
        if self.path is None:
            href = request.application_url + "/"
        else:
            href = request.host_url + "/" + self.path.lstrip("/")
        return {
            "id": self.id,
            "status": self.status,
            "version": self.max_version,
            "min_version": self.min_version,
            "updated": self.updated,
            "links": [{"rel": "self", "href": href}],
        }


class VersionsController:
    """``GET /``: the API versions this service offers."""

    def __init__(self, versions: Sequence[APIVersionInfo]):
        if not versions:
            raise ValueError("VersionsController needs at least one APIVersionInfo")
        self.versions = tuple(versions)

    def index(self, req: Any) -> dict:
        return {"versions": [version.document(req) for version in self.versions]}
