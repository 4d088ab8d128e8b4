"""The cloud API's own filters: what Nova's pipeline adds around carya's middleware.

- :class:`ComputeRequestId` copies the request id into ``X-Compute-Request-Id``,
  the header python-novaclient reads (Nova's ``compute_req_id`` filter, oslo's
  ``RequestId`` with a compatibility header), next to ``X-Openstack-Request-Id``.
- :class:`KeystoneStyleRefusal` gives the 401 of an authentication filter that is
  not keystonemiddleware (carya's ``static_token``) the body keystonemiddleware
  sends, ``{"error": {"code", "title", "message"}}``, and its
  ``WWW-Authenticate: Keystone uri=...`` challenge, so clients that parse those
  (novaclient, openstacksdk) report the refusal instead of failing on the body.
- :class:`VersionRoot` answers ``GET /v2.1`` and ``GET /v2.1/`` with the version
  document (no token needed: Nova's ``/v2.1`` urlmap entry) and hands every
  longer path to the authenticated pipeline (Nova's ``/v2.1/+``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import webob

from carya.middleware.auth import ENV_AUTH_CONTEXT
from carya.middleware.request_id import ENV_REQUEST_ID

from ..rewrite import replace_body_headers, rewrite_response
from .versions import version_document

__all__ = ["ComputeRequestId", "KeystoneStyleRefusal", "VersionRoot",
           "compute_request_id_factory", "keystone_refusal_factory"]

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
COMPUTE_HEADER = "X-Compute-Request-Id"


class ComputeRequestId:
    """Add ``X-Compute-Request-Id`` (the request id carya's ``request_id`` filter chose)."""

    def __init__(self, application: WSGIApp):
        self.application = application

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        def start(status: str, headers: list, exc_info: Any = None) -> Any:
            rid = environ.get(ENV_REQUEST_ID)
            if rid:
                headers = [h for h in headers if h[0].lower() != "x-compute-request-id"]
                headers.append((COMPUTE_HEADER, rid))
            if exc_info is not None:
                return start_response(status, headers, exc_info)
            return start_response(status, headers)

        return self.application(environ, start)


class KeystoneStyleRefusal:
    """Rewrite the 401 of the authentication filter below into keystonemiddleware's form.

    Only a 401 sent before any identity was established is rewritten (the auth
    context is then absent from the environ); the application's own errors pass.
    ``www_authenticate_uri`` is the identity endpoint named in the challenge.
    """

    def __init__(self, application: WSGIApp, www_authenticate_uri: str = ""):
        self.application = application
        self.challenge = f"Keystone uri=\"{www_authenticate_uri}\"" if www_authenticate_uri \
            else "Keystone uri=\"\""

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        def refused(status: str) -> bool:
            return status.startswith("401") and ENV_AUTH_CONTEXT not in environ

        return rewrite_response(self.application, environ, start_response, refused,
                                self._keystone_document)

    def _keystone_document(self, status: str, headers: list,
                           original: bytes) -> tuple[str, list, bytes]:
        body = json.dumps({"error": {
            "code": 401, "title": "Unauthorized",
            "message": _message(original) or
            "The request you have made requires authentication."}}).encode()
        headers = replace_body_headers(headers, body, ("WWW-Authenticate", self.challenge),
                                       drop=("www-authenticate",))
        return "401 Unauthorized", headers, body


def _message(body: bytes) -> str:
    """The explanation in a carya error body (``description`` or ``message``, maybe nested)."""
    try:
        doc = json.loads(body)
    except ValueError:
        return body.decode(errors="replace").strip()[:500]
    if isinstance(doc, dict):
        for value in [doc, *doc.values()]:
            for key in ("description", "message"):
                if isinstance(value, dict) and isinstance(value.get(key), str):
                    return value[key]
    return ""


class VersionRoot:
    """``/v2.1`` and ``/v2.1/`` -> the version document; anything longer -> ``api``."""

    def __init__(self, api: WSGIApp):
        self.app = api

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "") not in ("", "/"):
            return self.app(environ, start_response)
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            body = json.dumps({"badMethod": {"code": 405, "message": "The version document "
                                             "only answers GET."}}).encode()
            start_response("405 Method Not Allowed", [
                ("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                ("Allow", "GET, HEAD")])
            return [body]
        root = webob.Request(environ).application_url + "/"
        body = json.dumps({"version": version_document(root)}).encode()
        start_response("200 OK", [("Content-Type", "application/json"),
                                  ("Content-Length", str(len(body)))])
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]


def compute_request_id_factory(global_conf: Mapping[str, Any], **local_conf: str) -> Callable:
    """``paste.filter_factory`` of :class:`ComputeRequestId`."""
    return ComputeRequestId


def keystone_refusal_factory(global_conf: Mapping[str, Any], **local_conf: str) -> Callable:
    """``paste.filter_factory`` of :class:`KeystoneStyleRefusal` (``www_authenticate_uri``)."""
    uri = local_conf.get("www_authenticate_uri", "")
    return lambda app: KeystoneStyleRefusal(app, uri)
