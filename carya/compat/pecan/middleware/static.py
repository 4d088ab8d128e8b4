"""``pecan.middleware.static``: serve files from a directory, else pass the request on."""

from __future__ import annotations

import mimetypes
import os
import time
from collections.abc import Callable, Iterable, Iterator
from email.utils import formatdate
from typing import IO

__all__ = ["StaticFileMiddleware", "FileWrapper"]


def _dump_date(timestamp: float, sep: str = " ") -> str:
    """An HTTP date (``Wed, 14 Mar 2012 20:01:14 GMT``); ``sep`` joins the date parts."""
    text = formatdate(timestamp, usegmt=True)
    day, rest = text.split(", ", 1)
    parts = rest.split(" ")
    return f"{day}, {sep.join(parts[:3])} {' '.join(parts[3:])}"


class FileWrapper:
    """Iterate over an open file in blocks, and close it."""

    def __init__(self, file: IO[bytes], buffer_size: int = 8192):
        self.file = file
        self.buffer_size = buffer_size

    def close(self) -> None:
        self.file.close()

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        data = self.file.read(self.buffer_size)
        if data:
            return data
        raise StopIteration


class StaticFileMiddleware:
    def __init__(self, app: Callable, directory: str, cache_max_age: int = 3600):
        self.app = app
        self.directory = os.path.abspath(directory)
        self.cache_max_age = cache_max_age

    def _path(self, path_info: str) -> str | None:
        for sep in (os.sep, os.altsep):
            if sep and sep != "/":
                path_info = path_info.replace(sep, "/")
        parts = [p for p in path_info.split("/") if p and p not in (".", "..")]
        full = os.path.join(self.directory, *parts)
        return full if os.path.isfile(full) else None

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        filename = self._path(environ.get("PATH_INFO", ""))
        if filename is None:
            return self.app(environ, start_response)
        ctype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        stat = os.stat(filename)
        headers = [
            ("Content-Type", ctype),
            ("Content-Length", str(stat.st_size)),
            ("Last-Modified", _dump_date(stat.st_mtime)),
            ("Cache-Control", f"public, max-age={self.cache_max_age}"),
            ("Expires", _dump_date(time.time() + self.cache_max_age)),
        ]
        start_response("200 OK", headers)
        return FileWrapper(open(filename, "rb"))  # noqa: SIM115 - closed by the server
