"""Transport URLs, in oslo.messaging's ``transport_url`` syntax.

``rabbit://user:pass@host1:5672,user:pass@host2:5672/vhost?key=value`` names a
RabbitMQ cluster; ``embedded:///var/lib/svc/notify.sqlite`` the brokerless
default (``embedded://`` alone uses a per-user default file); ``memory://name``
an in-process bus for tests.

A :class:`TransportURL` never shows its passwords: ``str()``, ``repr()`` and
every error message carry ``***`` instead, so a URL can be logged safely.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

from .errors import TransportURLError

__all__ = ["Host", "TransportURL", "parse_url", "redact_url", "SCHEMES"]

#: URL scheme -> transport module name (``kombu`` and ``fake`` are oslo's aliases).
SCHEMES = {
    "rabbit": "rabbit",
    "kombu": "rabbit",
    "embedded": "embedded",
    "memory": "memory",
    "fake": "memory",
}


@dataclass(frozen=True)
class Host:
    """One broker host; the password is kept out of ``repr``."""

    hostname: str
    port: int | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def display(self) -> str:
        """``user:***@host:port`` (the form used in logs and errors)."""
        auth = ""
        if self.username is not None:
            auth = self.username + (":***" if self.password else "") + "@"
        host = f"[{self.hostname}]" if ":" in self.hostname else self.hostname
        return f"{auth}{host}" + (f":{self.port}" if self.port is not None else "")


@dataclass(frozen=True)
class TransportURL:
    """A parsed transport URL; safe to print (passwords become ``***``)."""

    scheme: str
    hosts: tuple[Host, ...] = ()
    path: str = ""
    query: dict[str, str] = field(default_factory=dict)

    @property
    def transport(self) -> str:
        """The transport module that serves this scheme (``rabbit``, ``embedded``...)."""
        return SCHEMES[self.scheme]

    @property
    def virtual_host(self) -> str:
        """The AMQP virtual host: the path without its leading ``/`` (default ``/``)."""
        vhost = self.path[1:] if self.path.startswith("/") else self.path
        return vhost or "/"

    def redacted(self) -> str:
        hosts = ",".join(h.display() for h in self.hosts)
        query = "&".join(f"{k}={v}" for k, v in self.query.items())
        return f"{self.scheme}://{hosts}{self.path}" + (f"?{query}" if query else "")

    def __str__(self) -> str:
        return self.redacted()

    def __repr__(self) -> str:
        return f"TransportURL({self.redacted()!r})"


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***``; works on text that does not parse."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, tail = rest.partition("/")
    hosts = []
    for part in netloc.split(","):
        auth, at, host = part.rpartition("@")
        if at and ":" in auth:
            hosts.append(f"{auth.partition(':')[0]}:***@{host}")
        else:
            hosts.append(part)
    return f"{scheme}://{','.join(hosts)}{slash}{tail}"


def parse_url(url: str | TransportURL | None) -> TransportURL:
    """Parse a transport URL; ``None`` or ``""`` means the embedded default."""
    if isinstance(url, TransportURL):
        return url
    if not url:
        return TransportURL("embedded")
    if not isinstance(url, str):
        raise TransportURLError(f"a transport URL is a string, not {type(url).__name__}")
    scheme, sep, _ = url.partition("://")
    if not sep:
        raise TransportURLError(
            f"transport URL {redact_url(url)!r} has no scheme; expected e.g. "
            "'rabbit://user:pass@host:5672/' or 'embedded://'"
        )
    scheme = scheme.lower()
    if scheme not in SCHEMES:
        raise TransportURLError(
            f"transport URL {redact_url(url)!r}: unknown transport {scheme!r} "
            f"(carya supports {', '.join(sorted(set(SCHEMES.values())))})"
        )
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    if SCHEMES[scheme] != "rabbit":
        # The rest of the URL is a file path (embedded) or a bus name (memory).
        return TransportURL(scheme, (), unquote(parts.netloc + parts.path), query)
    hosts = tuple(_parse_host(url, piece) for piece in parts.netloc.split(",") if piece)
    return TransportURL(scheme, hosts, parts.path, query)


def _parse_host(url: str, piece: str) -> Host:
    auth, at, hostport = piece.rpartition("@")
    username = password = None
    if at:
        user, colon, pwd = auth.partition(":")
        username = unquote(user)
        password = unquote(pwd) if colon else None
    if hostport.startswith("["):
        host, bracket, rest = hostport[1:].partition("]")
        if not bracket:
            raise TransportURLError(f"transport URL {redact_url(url)!r}: unclosed '[' in host")
        port_text = rest[1:] if rest.startswith(":") else rest
    else:
        host, _, port_text = hostport.partition(":")
    port = None
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise TransportURLError(
                f"transport URL {redact_url(url)!r}: port {port_text!r} of host "
                f"{host!r} is not a number from 1 to 65535"
            )
        port = int(port_text)
    if not host:
        raise TransportURLError(f"transport URL {redact_url(url)!r}: a host has no name")
    return Host(unquote(host), port, username, password)
