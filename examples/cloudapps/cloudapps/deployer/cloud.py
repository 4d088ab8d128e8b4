"""A small client for the cloud's Nova-compatible compute API (DESIGN.md, "Cloud").

Why hand-written: five calls over ``http.client`` need no SDK. Every call has
a timeout. Idempotent calls (GET, DELETE) are retried with a short backoff on
connection errors and 5xx answers; a server create (POST) is retried only when
the connection was refused, i.e. the request never reached the cloud, so a
retry cannot make a second server. Failures raise :class:`CloudError` whose
message says what was asked, of which URL, and what the cloud answered.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.parse
from typing import Any

__all__ = ["CloudClient", "CloudError"]


class CloudError(Exception):
    """A call to the cloud failed; ``status`` is the HTTP status (None: no answer)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


def _fault_message(body: bytes) -> str:
    """The message of a Nova fault body (``{"badRequest": {"message": ...}}``) or the text."""
    try:
        doc = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace").strip()[:300]
    if isinstance(doc, dict) and len(doc) == 1:
        inner = next(iter(doc.values()))
        if isinstance(inner, dict) and "message" in inner:
            return str(inner["message"])
    return json.dumps(doc)[:300]


class CloudClient:
    """Calls ``base_url`` (e.g. ``http://127.0.0.1:8774/v2.1``) as ``user`` of ``project``."""

    def __init__(self, base_url: str, project: str = "cloudapps", user: str = "deployer",
                 token: str | None = None, timeout: float = 10.0, retries: int = 3,
                 backoff: float = 0.2):
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"cloud URL {base_url!r} is not an http(s) URL")
        self.base_url = base_url.rstrip("/")
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.headers = {"Accept": "application/json", "X-Auth-Project-Id": project,
                        "X-Auth-User": user}
        if token:
            self.headers["X-Auth-Token"] = token

    # --- the calls -------------------------------------------------------------------

    def flavors(self) -> list[dict]:
        return self._call("GET", "/flavors/detail")["flavors"]

    def images(self) -> list[dict]:
        return self._call("GET", "/images/detail")["images"]

    def servers(self) -> list[dict]:
        return self._call("GET", "/servers/detail")["servers"]

    def server(self, server_id: str) -> dict:
        return self._call("GET", f"/servers/{urllib.parse.quote(server_id)}")["server"]

    def create_server(self, name: str, image: str, flavor: str,
                      metadata: dict[str, str] | None = None) -> str:
        body = {"server": {"name": name, "imageRef": image, "flavorRef": flavor,
                           "metadata": metadata or {}}}
        return self._call("POST", "/servers", body)["server"]["id"]

    def delete_server(self, server_id: str) -> bool:
        """Delete a server; False when the cloud no longer knows it (already gone)."""
        try:
            self._call("DELETE", f"/servers/{urllib.parse.quote(server_id)}")
        except CloudError as error:
            if error.status == 404:
                return False
            raise
        return True

    # --- transport -------------------------------------------------------------------

    def _connection(self) -> http.client.HTTPConnection:
        cls = (http.client.HTTPSConnection if self._scheme == "https"
               else http.client.HTTPConnection)
        return cls(self._host, self._port, timeout=self.timeout)

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        idempotent = method in ("GET", "HEAD", "DELETE", "PUT")
        what = f"{method} {self.base_url}{path}"
        data = None if body is None else json.dumps(body).encode()
        headers = dict(self.headers)
        if data is not None:
            headers["Content-Type"] = "application/json"
        attempt = 0
        while True:
            attempt += 1
            last = attempt > self.retries
            try:
                status, payload = self._once(method, self._prefix + path, data, headers)
            except ConnectionRefusedError as error:
                if last:
                    raise CloudError(f"{what}: the cloud is not reachable ({error})") from None
            except (OSError, http.client.HTTPException) as error:
                if last or not idempotent:
                    raise CloudError(f"{what}: no answer from the cloud "
                                     f"({type(error).__name__}: {error})") from None
            else:
                if status < 400:
                    return json.loads(payload) if payload.strip() else None
                message = f"{what}: the cloud answered {status}: {_fault_message(payload)}"
                if status < 500 or last or not idempotent:
                    raise CloudError(message, status)
            time.sleep(self.backoff * attempt)

    def _once(self, method: str, path: str, data: bytes | None,
              headers: dict[str, str]) -> tuple[int, bytes]:
        conn = self._connection()
        try:
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()
