"""Authentication middleware and the request context it produces.

**The contract.** An authentication middleware stores a :class:`RequestContext`
at ``environ['carya.auth_context']`` (:data:`ENV_AUTH_CONTEXT`) before calling
the application. Everything after it reads the caller's identity from there
and nowhere else: the policy engine (roles, ``is_admin``), notifications (the
``redacted_copy()``, which carries no token), logs (``request_id``). No key
means no authentication middleware ran; code that needs an identity should
then refuse (401), never assume one. :func:`get_context` reads it.

Two middlewares fill it:

- :class:`NoAuth` (``egg:carya#noauth``), for development and functional tests,
  with Nova's ``noauth2`` semantics: it believes whoever the client says it
  is. ``X-Auth-User`` (default ``admin``) and ``X-Auth-Project-Id`` (default:
  the user), or an ``X-Auth-Token`` of the form ``user:project``. Only the user
  literally named ``admin`` gets roles ``admin, member`` and ``is_admin``;
  everyone else gets ``member``. It is never a default: it runs only where a
  pipeline names it, and it logs a warning when built.
- :class:`StaticToken` (``egg:carya#static_token``): a fixed map of tokens to
  identities, for small deployments and service-to-service calls::

      [filter:static_token]
      use = egg:carya#static_token
      realm = myservice
      token.9f1c6c2e0d8a4b7e = alice:project-a:member,reader
      token.5ab0e7c3d1f24a66 = ops:admin-project:admin

  (``token.<TOKEN> = user:project:role1,role2``; from Python,
  ``StaticToken(app, tokens={"<TOKEN>": "user:project:roles"})``). Tokens are
  compared in constant time (SHA-256 digests through ``hmac.compare_digest``,
  every configured token checked). A missing or unknown ``X-Auth-Token`` is a
  401 with a JSON body and ``WWW-Authenticate: Token realm="<realm>"``.

Bad identity headers (empty, too long, spaces or control characters) are a 400.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .base import WSGIApp, paste_filter, send_error
from .options import MiddlewareConfigError, Options
from .request_id import ENV_REQUEST_ID

__all__ = [
    "ENV_AUTH_CONTEXT",
    "RequestContext",
    "get_context",
    "NoAuth",
    "StaticToken",
    "noauth_filter_factory",
    "static_token_filter_factory",
]

log = logging.getLogger(__name__)

ENV_AUTH_CONTEXT = "carya.auth_context"
_ID = re.compile(r"[!-9;-~]{1,255}\Z")  # visible ASCII except ':' (the token separator)
_ROLE = re.compile(r"[A-Za-z0-9_.-]{1,255}\Z")
_TOKEN = re.compile(r"[!-~]{1,1024}\Z")


@dataclasses.dataclass
class RequestContext:
    """Who is calling: what authentication middleware leaves for the rest of the stack.

    ``auth_token`` is kept out of ``repr`` so a logged context does not leak it;
    use :meth:`redacted_copy` for anything that leaves the process.
    """

    user_id: str | None = None
    project_id: str | None = None
    roles: list[str] = dataclasses.field(default_factory=list)
    is_admin: bool = False
    request_id: str | None = None
    auth_token: str | None = dataclasses.field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """All fields as plain data (includes ``auth_token``; see :meth:`redacted_copy`)."""
        return {
            "user_id": self.user_id,
            "project_id": self.project_id,
            "roles": list(self.roles),
            "is_admin": self.is_admin,
            "request_id": self.request_id,
            "auth_token": self.auth_token,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RequestContext:
        fields = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in fields})

    def redacted_copy(self) -> RequestContext:
        """A copy without credentials, safe to log, notify or hand to another service."""
        return dataclasses.replace(self, roles=list(self.roles), auth_token=None)


def get_context(environ: Mapping[str, Any]) -> RequestContext | None:
    """The request's :class:`RequestContext`, or ``None`` if no auth middleware ran."""
    return environ.get(ENV_AUTH_CONTEXT)


def _unauthorized_headers(realm: str) -> list[tuple[str, str]]:
    return [("WWW-Authenticate", f'Token realm="{realm}"')]


class NoAuth:
    """Trust the identity the client claims (development only; see the module docstring)."""

    option_names: frozenset[str] = frozenset()

    def __init__(self, application: WSGIApp, **conf: Any):
        Options("noauth", conf).finish()
        self.application = application
        log.warning(
            "noauth middleware is in the pipeline: every request is trusted as whichever "
            "user it claims to be; never use it where the API is reachable by others"
        )

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        token = environ.get("HTTP_X_AUTH_TOKEN")
        if token:
            user, _, project = token.partition(":")
            project = project or user
        else:
            user = environ.get("HTTP_X_AUTH_USER", "admin")
            project = environ.get("HTTP_X_AUTH_PROJECT_ID") or user
        if not (_ID.match(user) and _ID.match(project)):
            return send_error(
                start_response, 400,
                "X-Auth-User, X-Auth-Project-Id and X-Auth-Token (user:project) must be "
                "1 to 255 visible ASCII characters, without ':' in a name",
            )
        admin = user == "admin"
        environ[ENV_AUTH_CONTEXT] = RequestContext(
            user_id=user,
            project_id=project,
            roles=["admin", "member"] if admin else ["member"],
            is_admin=admin,
            request_id=environ.get(ENV_REQUEST_ID),
            auth_token=token or None,
        )
        return self.application(environ, start_response)


def _identity(spec: Any, opts: Options) -> tuple[str, str, tuple[str, ...]]:
    """``user:project:role1,role2`` -> (user, project, roles), checked at start-up."""
    key = "token.<TOKEN>"  # the value identifies the line; the token itself is a secret
    if not isinstance(spec, str):
        raise opts.error(key, "'user:project:role1,role2'", type(spec).__name__)
    user, _, rest = spec.strip().partition(":")
    project, _, roles = rest.partition(":")
    role_list = tuple(r.strip() for r in roles.split(",") if r.strip())
    if not (_ID.match(user) and _ID.match(project)) or not all(map(_ROLE.match, role_list)):
        raise opts.error(key, "'user:project:role1,role2' (user and project required)", spec)
    return user, project, role_list


class StaticToken:
    """Authenticate ``X-Auth-Token`` against a fixed map (see the module docstring)."""

    option_names = frozenset({"realm"})  # tokens only from the section itself

    def __init__(self, application: WSGIApp, **conf: Any):
        opts = Options("static_token", conf)
        tokens = dict(opts.prefixed("token."))
        given = conf.get("tokens")
        opts.known.add("tokens")
        if given is not None:
            if not isinstance(given, Mapping):
                raise opts.error(
                    "tokens", "a mapping of token -> 'user:project:roles'", type(given).__name__
                )
            tokens.update(given)
        self.realm = opts.string("realm", "carya")
        opts.finish()
        if not tokens:
            raise MiddlewareConfigError(
                "static_token: no tokens configured; add lines like "
                "'token.<TOKEN> = user:project:role1,role2'"
            )
        if '"' in self.realm or not self.realm.isprintable():
            raise opts.error("realm", "printable text without '\"'", self.realm)
        table = []
        for token, spec in tokens.items():
            if not _TOKEN.match(token):
                raise MiddlewareConfigError(
                    "static_token: tokens must be 1 to 1024 visible ASCII characters "
                    "(no spaces), so clients can send them in a header"
                )
            table.append((_digest(token), _identity(spec, opts)))
        self.table = tuple(table)
        self.application = application
        self.challenge = _unauthorized_headers(self.realm)

    def lookup(self, token: str) -> tuple[str, str, tuple[str, ...]] | None:
        """The identity for ``token``; every entry is compared, in constant time."""
        digest = _digest(token)
        found = None
        for known, identity in self.table:
            if hmac.compare_digest(digest, known):
                found = identity
        return found

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        token = environ.get("HTTP_X_AUTH_TOKEN")
        if not token:
            return send_error(
                start_response, 401, "Authentication required: send an X-Auth-Token header",
                self.challenge,
            )
        identity = self.lookup(token)
        if identity is None:
            return send_error(
                start_response, 401, "The X-Auth-Token is not valid", self.challenge
            )
        user, project, roles = identity
        environ[ENV_AUTH_CONTEXT] = RequestContext(
            user_id=user,
            project_id=project,
            roles=list(roles),
            is_admin="admin" in roles,
            request_id=environ.get(ENV_REQUEST_ID),
            auth_token=token,
        )
        return self.application(environ, start_response)


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("latin-1", "replace")).digest()


noauth_filter_factory = paste_filter(NoAuth)
static_token_filter_factory = paste_filter(StaticToken)
