"""The cloud API behind a real Keystone: keystonemiddleware's ``auth_token``, then our context.

``authtoken_factory`` is keystonemiddleware's own filter with its options filled
from the environment (the paste section may override any of them):

| variable | default | auth_token option |
|---|---|---|
| ``CLOUDAPPS_KEYSTONE_URL`` | ``http://127.0.0.1:5000`` | ``www_authenticate_uri``, ``auth_url`` |
| ``CLOUDAPPS_KEYSTONE_SERVICE_USER`` | ``cloudapps`` | ``username`` |
| ``CLOUDAPPS_KEYSTONE_SERVICE_PASSWORD`` | ``cloudapps-service`` | ``password`` |
| ``CLOUDAPPS_KEYSTONE_SERVICE_PROJECT`` | ``service`` | ``project_name`` |

``auth_token`` validates the caller's token with Keystone and passes the
identity on as ``X-Identity-Status``, ``X-User-Id``, ``X-Project-Id`` and
``X-Roles``; :class:`KeystoneContext` turns those into carya's request context,
so Keystone's roles (``admin``, ``member``, ``reader``) meet the policies of
:mod:`.policies` unchanged. keystonemiddleware is imported only when this
strategy is chosen: the default ``noauth2`` cloud does not need it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from carya.middleware.auth import ENV_AUTH_CONTEXT, RequestContext
from carya.middleware.request_id import ENV_REQUEST_ID

__all__ = ["authtoken_options", "authtoken_factory", "KeystoneContext", "context_factory"]


def authtoken_options(service_type: str = "compute") -> dict[str, str]:
    """keystonemiddleware's options for the service ``service_type``, from the environment."""
    url = os.environ.get("CLOUDAPPS_KEYSTONE_URL", "http://127.0.0.1:5000").rstrip("/")
    return {
        "www_authenticate_uri": url,
        "auth_url": url,
        "auth_type": "password",
        "username": os.environ.get("CLOUDAPPS_KEYSTONE_SERVICE_USER", "cloudapps"),
        "password": os.environ.get("CLOUDAPPS_KEYSTONE_SERVICE_PASSWORD", "cloudapps-service"),
        "project_name": os.environ.get("CLOUDAPPS_KEYSTONE_SERVICE_PROJECT", "service"),
        "user_domain_name": "Default",
        "project_domain_name": "Default",
        "delay_auth_decision": "false",
        "service_type": service_type,
        "http_connect_timeout": "10",
    }


def authtoken_factory(global_conf: Mapping[str, Any], **local_conf: str) -> Callable:
    """``paste.filter_factory``: keystonemiddleware's auth_token, :func:`authtoken_options`."""
    from keystonemiddleware import auth_token

    return auth_token.filter_factory(dict(global_conf), **{**authtoken_options(), **local_conf})


class KeystoneContext:
    """The identity auth_token confirmed -> ``environ['carya.auth_context']``.

    auth_token has refused every request without a valid token before this runs
    (``delay_auth_decision`` is off); a request reaching here unconfirmed is
    refused again, in keystonemiddleware's words, rather than trusted.
    """

    def __init__(self, application: Callable):
        self.application = application

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("HTTP_X_IDENTITY_STATUS") != "Confirmed" or \
                not environ.get("HTTP_X_PROJECT_ID"):
            body = (b'{"error": {"code": 401, "title": "Unauthorized", "message": '
                    b'"The request you have made requires authentication."}}')
            start_response("401 Unauthorized", [("Content-Type", "application/json"),
                                                ("Content-Length", str(len(body)))])
            return [body]
        roles = [r.strip() for r in environ.get("HTTP_X_ROLES", "").split(",") if r.strip()]
        environ[ENV_AUTH_CONTEXT] = RequestContext(
            user_id=environ.get("HTTP_X_USER_ID"),
            project_id=environ["HTTP_X_PROJECT_ID"],
            roles=roles,
            is_admin="admin" in roles,
            request_id=environ.get(ENV_REQUEST_ID),
            auth_token=environ.get("HTTP_X_AUTH_TOKEN"),
        )
        return self.application(environ, start_response)


def context_factory(global_conf: Mapping[str, Any], **local_conf: str) -> Callable:
    """``paste.filter_factory`` of :class:`KeystoneContext`."""
    return KeystoneContext
