"""A strict HTTP/1.1 request reader: the request head, then the body's framing.

Strict on purpose. A front server that reads a request differently from a proxy
in front of it is how requests get smuggled, so anything a reader could take
two ways is refused with 400 and the connection is closed: Content-Length
together with Transfer-Encoding, two Content-Lengths, any Transfer-Encoding
other than exactly ``chunked``, obsolete line folding, whitespace before a
header's colon, a bare CR or LF, a chunk size that is not plain hex, and an
HTTP/1.1 request without exactly one Host (RFC 9112, sections 2.2, 5, 6, 7).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

__all__ = ["BadRequest", "Head", "Limits", "parse_head", "ChunkedDecoder"]

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_BAD_VALUE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
_TARGET = re.compile(rb"[\x21-\x7e\x80-\xff]+\Z")
_VERSIONS = {b"HTTP/1.1": (1, 1), b"HTTP/1.0": (1, 0)}
_HEX = re.compile(rb"[0-9A-Fa-f]{1,15}\Z")


class BadRequest(Exception):
    """The client sent something this reader refuses: answer ``status`` and close."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Limits:
    """How much of a request head is accepted (gunicorn's settings of the same names)."""

    request_line: int = 4094
    fields: int = 100
    field_size: int = 8190

    @property
    def head(self) -> int:
        """Bytes a head may take in all: beyond this, no valid head can follow."""
        return self.request_line + self.fields * (self.field_size + 2) + 4


@dataclass
class Head:
    """A parsed request head: what a WSGI environ needs, and the body's framing."""

    method: str
    target: str
    path: bytes
    query: str
    version: tuple[int, int]
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_length: int | None = None
    chunked: bool = False
    keep_alive: bool = True
    expect_continue: bool = False
    host: str | None = None


def parse_head(data: bytes, limits: Limits) -> Head:
    """Parse one request head (without its final blank line) or raise :class:`BadRequest`."""
    lines = data.split(b"\r\n")
    crlf = data.count(b"\r\n")
    if data.count(b"\r") != crlf or data.count(b"\n") != crlf:
        raise BadRequest("bare CR or LF in the request head")
    head = _request_line(lines[0], limits)
    if len(lines) - 1 > limits.fields:
        raise BadRequest(f"more than {limits.fields} header fields", 431)
    hosts = lengths = encodings = 0
    connection = b""
    for line in lines[1:]:
        if len(line) > limits.field_size:
            raise BadRequest(f"a header field is longer than {limits.field_size} bytes", 431)
        if line[:1] in (b" ", b"\t"):
            raise BadRequest("obsolete line folding in a header")
        name, colon, value = line.partition(b":")
        if not colon or not _TOKEN.match(name):
            raise BadRequest("malformed header field")
        value = value.strip(b" \t")
        if _BAD_VALUE.search(value):
            raise BadRequest("control character in a header value")
        lower = name.lower()
        if lower == b"content-length":
            lengths += 1
            if not value.isdigit() or len(value) > 18:
                raise BadRequest("Content-Length must be a whole number of bytes")
            head.content_length = int(value)
        elif lower == b"transfer-encoding":
            encodings += 1
            if value.lower() != b"chunked":
                raise BadRequest("the only Transfer-Encoding accepted is 'chunked'")
            head.chunked = True
        elif lower == b"host":
            hosts += 1
            head.host = value.decode("latin-1")
        elif lower == b"connection":
            connection = value.lower()
        elif lower == b"expect":
            if value.lower() != b"100-continue":
                raise BadRequest("the only Expect accepted is '100-continue'", 417)
            head.expect_continue = True
        if b"_" in name:
            continue  # never HTTP_X_AUTH_TOKEN from 'X_Auth-Token': dropped, as gunicorn does
        head.headers.append((name.decode("latin-1"), value.decode("latin-1")))
    if lengths > 1:
        raise BadRequest("more than one Content-Length")
    if encodings > 1 or (encodings and lengths):
        raise BadRequest("Transfer-Encoding with Content-Length or repeated")
    if encodings and head.version == (1, 0):
        raise BadRequest("Transfer-Encoding in an HTTP/1.0 request")
    if head.version == (1, 1) and hosts != 1:
        raise BadRequest("an HTTP/1.1 request needs exactly one Host header")
    if hosts > 1:
        raise BadRequest("more than one Host header")
    tokens = {token.strip() for token in connection.split(b",")}
    if head.version == (1, 1):
        head.keep_alive = b"close" not in tokens
    else:
        head.keep_alive = b"keep-alive" in tokens
    return head


def _request_line(line: bytes, limits: Limits) -> Head:
    if len(line) > limits.request_line:
        raise BadRequest(f"request line longer than {limits.request_line} bytes", 414)
    parts = line.split(b" ")
    if len(parts) != 3:
        raise BadRequest("malformed request line")
    method, target, version = parts
    if not _TOKEN.match(method):
        raise BadRequest("malformed method")
    if version not in _VERSIONS:
        if version.startswith(b"HTTP/") and len(version) == 8:
            raise BadRequest("only HTTP/1.0 and HTTP/1.1 are served", 505)
        raise BadRequest("malformed HTTP version")
    if not _TARGET.match(target):
        raise BadRequest("malformed request target")
    if method == b"CONNECT":
        raise BadRequest("CONNECT is not served here", 405)
    if target[:1] != b"/":
        if target == b"*" and method == b"OPTIONS":
            pass
        elif target[:7].lower() == b"http://" or target[:8].lower() == b"https://":
            # absolute-form: keep the path and query, ignore the authority
            rest = target.split(b"//", 1)[1]
            slash = rest.find(b"/")
            target = rest[slash:] if slash >= 0 else b"/"
        else:
            raise BadRequest("malformed request target")
    path, _, query = target.partition(b"?")
    path = path.partition(b"#")[0]
    return Head(method=method.decode("ascii"), target=target.decode("latin-1"),
                path=unquote_to_bytes(path), query=query.decode("latin-1"),
                version=_VERSIONS[version])


class ChunkedDecoder:
    """Decode a chunked body incrementally from a connection's buffer.

    :meth:`feed` takes what it can from ``buf`` (removing it) and returns True
    once the last chunk and the trailers have been read; the decoded body is in
    :attr:`body`. Anything malformed raises :class:`BadRequest`.
    """

    def __init__(self, limit: int, limits: Limits):
        self.limit = limit
        self.limits = limits
        self.body = bytearray()
        self.remaining = 0  # bytes of the current chunk still to come
        self.state = "size"  # size -> data -> crlf -> size ... -> trailers

    def feed(self, buf: bytearray) -> bool:
        while True:
            if self.state == "data":
                take = min(self.remaining, len(buf))
                self.body += buf[:take]
                del buf[:take]
                self.remaining -= take
                if self.remaining:
                    return False
                self.state = "crlf"
            if self.state == "crlf":
                if len(buf) < 2:
                    return False
                if buf[:2] != b"\r\n":
                    raise BadRequest("chunk data not followed by CRLF")
                del buf[:2]
                self.state = "size"
            line = self._line(buf)
            if line is None:
                return False
            if self.state == "trailers":
                if not line:
                    return True
                if line[:1] in (b" ", b"\t") or not _TOKEN.match(line.partition(b":")[0]):
                    raise BadRequest("malformed trailer field")
                continue
            self._size(line)

    def _line(self, buf: bytearray) -> bytes | None:
        end = buf.find(b"\r\n")
        if end < 0:
            if len(buf) > self.limits.field_size:
                raise BadRequest("chunk size line or trailer too long")
            return None
        line = bytes(buf[:end])
        del buf[:end + 2]
        if b"\r" in line or b"\n" in line:
            raise BadRequest("bare CR or LF in chunked framing")
        return line

    def _size(self, line: bytes) -> None:
        size, _, extension = line.partition(b";")
        if not _HEX.match(size):
            raise BadRequest("invalid chunk size")
        if extension and _BAD_VALUE.search(extension):
            raise BadRequest("invalid chunk extension")
        self.remaining = int(size, 16)
        if len(self.body) + self.remaining > self.limit:
            raise BadRequest(f"chunked body larger than {self.limit} bytes", 413)
        self.state = "data" if self.remaining else "trailers"
