"""What a deployment is and how it changes; shared by the API and the tracker.

A deployment is a template (``web``: N web servers; ``web+db``: N web servers
and one database server), an image, a flavor and an instance count. Its
``state`` moves:

- ``creating`` -> ``active`` when every server is ACTIVE, -> ``error`` when one
  goes to ERROR or the cloud refuses a create;
- ``active``/``error`` -> ``updating`` (PUT scales) -> ``active`` | ``error``;
- any -> ``deleting`` (DELETE) -> ``deleted`` when every server is gone.

Each move is one conditional UPDATE (``WHERE state = <old>``), so with several
trackers in a pool exactly one of them makes it and announces it. Every
notification goes through a :class:`~carya.notify.Notifier` while an outbox
is open (the request's, or :func:`carya.notify.deferred`), so it leaves only
after the transaction that made the change has committed.
"""

from __future__ import annotations

import logging
import socket
import time
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select, update

from . import db
from .cloud import CloudClient, CloudError

__all__ = ["TEMPLATES", "MAX_INSTANCES", "REQUESTED", "PENDING_PREFIX", "InvalidInput",
           "Conflict", "publisher_id", "roles_for", "view", "validate", "create", "scale",
           "delete", "server_event", "settle", "checkpoint", "request_server", "adopt",
           "servers_of", "STATUS"]

LOG = logging.getLogger("cloudapps.deployer")

MAX_INSTANCES = 10
TEMPLATES: dict[str, dict[str, Any]] = {
    "web": {"description": "N web servers", "tiers": [{"role": "web", "count": "instances"}]},
    "web+db": {"description": "N web servers and one database server",
               "tiers": [{"role": "web", "count": "instances"}, {"role": "db", "count": 1}]},
}
#: the ``state`` of the cloud's notification payloads -> the server status we keep
STATUS = _STATUS = {"building": "BUILD", "active": "ACTIVE", "error": "ERROR", "stopped": "SHUTOFF",
           "deleted": "DELETED"}
_BUSY = ("creating", "updating", "deleting")
#: A server row written before the cloud is asked (the intent); its id is a placeholder
#: (``pending-<28 hex digits>``, also the server's ``intent`` metadata) until the cloud
#: answers with the real id. A crash in between leaves a row the reconciler resolves.
REQUESTED = "REQUESTED"
PENDING_PREFIX = "pending-"


class InvalidInput(ValueError):
    """A request body the deployer cannot act on (a 400); the message says why."""


class Conflict(RuntimeError):
    """The deployment cannot do that now (a 409); the message says why."""


def publisher_id() -> str:
    return f"deployer.{socket.gethostname()}"


def roles_for(template: str, instances: int) -> list[str]:
    roles = ["web"] * instances
    if template == "web+db":
        roles.append("db")
    return roles


# --- reading -------------------------------------------------------------------------------


def servers_of(conn: Any, deployment_id: str) -> list[Any]:
    """The deployment's server rows, oldest first."""
    return _servers(conn, deployment_id)


def _servers(conn: Any, deployment_id: str) -> list[Any]:
    return list(conn.execute(select(db.servers).where(
        db.servers.c.deployment_id == deployment_id).order_by(db.servers.c.created_at,
                                                              db.servers.c.name)))


def get(conn: Any, deployment_id: str) -> Any:
    return conn.execute(select(db.deployments).where(
        db.deployments.c.id == deployment_id)).first()


def view(conn: Any, row: Any) -> dict:
    """The API's JSON for deployment ``row`` (DESIGN.md: id, state, servers...)."""
    return {
        "id": row.id, "name": row.name, "template": row.template, "state": row.state,
        "image": {"id": row.image_id, "name": row.image_name},
        "flavor": {"id": row.flavor_id, "name": row.flavor_name},
        "instances": row.instances, "error": row.error,
        "created_at": row.created_at, "updated_at": row.updated_at,
        "servers": [{"id": s.id, "role": s.role, "name": s.name, "status": s.status,
                     "fault": s.fault} for s in _servers(conn, row.id)],
    }


def listing(conn: Any, limit: int = 200) -> list[dict]:
    rows = conn.execute(select(db.deployments).order_by(
        db.deployments.c.created_at.desc()).limit(limit))
    return [view(conn, row) for row in rows]


def payload(conn: Any, row: Any, state: str | None = None, error: str | None = None) -> dict:
    """DESIGN.md's deployment notification payload."""
    servers = [s.id for s in _servers(conn, row.id) if s.status != "DELETED"]
    body = {"deployment_id": row.id, "name": row.name, "template": row.template,
            "state": state or row.state, "server_ids": servers, "instances": row.instances}
    if error or row.error:
        body["error"] = error or row.error
    return body


# --- validating -----------------------------------------------------------------------------


def _instances(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"'instances' must be a whole number from 1 to {MAX_INSTANCES}, "
                           f"not {value!r}")
    if not 1 <= value <= MAX_INSTANCES:
        raise InvalidInput(f"'instances' must be from 1 to {MAX_INSTANCES}, not {value}")
    return value


def _find(items: list[dict], ref: Any, what: str) -> dict:
    if not isinstance(ref, str) or not ref:
        raise InvalidInput(f"'{what}' must be the id or name of a cloud {what}")
    for item in items:
        if ref in (item.get("id"), item.get("name")):
            return item
    known = ", ".join(sorted(str(i.get("name")) for i in items)) or "none"
    raise InvalidInput(f"unknown {what} {ref!r}: the cloud has {known}")


def validate(body: Any, cloud: CloudClient) -> dict:
    """Check a create body against the templates and the cloud's images and flavors."""
    if not isinstance(body, Mapping):
        raise InvalidInput('send a JSON object: {"name", "template", "image", "flavor", '
                           '"instances"}')
    unknown = set(body) - {"name", "template", "image", "flavor", "instances"}
    if unknown:
        raise InvalidInput(f"unknown field(s): {', '.join(sorted(unknown))}")
    template = body.get("template")
    if template not in TEMPLATES:
        raise InvalidInput(f"unknown template {template!r}: choose one of "
                           f"{', '.join(TEMPLATES)}")
    name = body.get("name") or f"{template.replace('+', '-')}-{uuid.uuid4().hex[:6]}"
    if not isinstance(name, str) or len(name) > 64 or not name.strip():
        raise InvalidInput("'name' must be a text of 1 to 64 characters")
    instances = _instances(body.get("instances", 1))
    for field in ("image", "flavor"):
        if field not in body:
            raise InvalidInput(f"'{field}' is required")
    image = _find(cloud.images(), body["image"], "image")
    flavor = _find(cloud.flavors(), body["flavor"], "flavor")
    return {"name": name.strip(), "template": template, "instances": instances,
            "image": image, "flavor": flavor}


# --- changing -------------------------------------------------------------------------------


def _move(conn: Any, deployment_id: str, old: str | tuple[str, ...], new: str,
          error: str | None = None) -> bool:
    """One state change, made by exactly one caller: True if this one made it."""
    olds = (old,) if isinstance(old, str) else old
    result = conn.execute(update(db.deployments).where(
        db.deployments.c.id == deployment_id, db.deployments.c.state.in_(olds)).values(
        state=new, error=error, updated_at=time.time()))
    return result.rowcount == 1


def checkpoint(conn: Any) -> None:
    """Commit what is recorded so far, so a process killed after this leaves its intent.

    ``conn`` is the request's session or a connection outside ``engine.begin()``;
    the next statement begins a new transaction (SQLAlchemy's autobegin).
    """
    conn.commit()


def _create_servers(conn: Any, cloud: CloudClient, row: Any, roles: list[str],
                    first: int) -> None:
    """Record one intent per role (committed), then ask the cloud for each server.

    Each answer replaces the intent's placeholder id with the cloud's, committed at
    once; so whenever this process dies, every server the cloud made is findable
    (its ``intent`` metadata names the row) and every row not yet sent is visible.
    """
    intents = []
    for index, role in enumerate(roles, start=first):
        # 36 characters, the column's width (PostgreSQL enforces it)
        placeholder, now = f"{PENDING_PREFIX}{uuid.uuid4().hex[:28]}", time.time()
        conn.execute(insert(db.servers).values(
            id=placeholder, deployment_id=row.id, role=role, name=f"{row.name}-{role}-{index}",
            status=REQUESTED, fault=None, created_at=now, updated_at=now))
        intents.append(placeholder)
    checkpoint(conn)
    for placeholder in intents:
        request_server(conn, cloud, row, conn.execute(select(db.servers).where(
            db.servers.c.id == placeholder)).one())
        checkpoint(conn)


def request_server(conn: Any, cloud: CloudClient, row: Any, intent: Any) -> str:
    """Ask the cloud for the server of ``intent`` (a REQUESTED row); record its real id."""
    server_id = cloud.create_server(intent.name, row.image_id, row.flavor_id,
                                    {"deployment_id": row.id, "role": intent.role,
                                     "intent": intent.id})
    adopt(conn, intent.id, server_id, "BUILD")
    return server_id


def adopt(conn: Any, placeholder: str, server_id: str, status: str,
          fault: str | None = None) -> None:
    """The intent ``placeholder`` is the cloud's server ``server_id`` (in ``status``)."""
    conn.execute(update(db.servers).where(db.servers.c.id == placeholder).values(
        id=server_id, status=status, fault=fault, updated_at=time.time()))


def create(conn: Any, cloud: CloudClient, notifier: Any, ctxt: dict, spec: dict) -> dict:
    """Record the deployment, ask the cloud for its servers, announce it."""
    now = time.time()
    deployment_id = str(uuid.uuid4())
    conn.execute(insert(db.deployments).values(
        id=deployment_id, name=spec["name"], template=spec["template"],
        image_id=spec["image"]["id"], image_name=spec["image"]["name"],
        flavor_id=spec["flavor"]["id"], flavor_name=spec["flavor"]["name"],
        instances=spec["instances"], state="creating", error=None,
        created_at=now, updated_at=now))
    row = get(conn, deployment_id)
    notifier.info(ctxt, "deployment.create.start", payload(conn, row))
    try:
        _create_servers(conn, cloud, row, roles_for(row.template, row.instances), 1)
    except CloudError as error:
        _cloud_failed(conn, notifier, ctxt, row, "create", "creating",
                      f"the cloud refused a server: {error}", error)
    return view(conn, get(conn, deployment_id))


def _cloud_failed(conn: Any, notifier: Any, ctxt: dict, row: Any, action: str,
                  old: str | tuple[str, ...], reason: str, error: CloudError) -> None:
    """A refusal (an HTTP answer) fails the deployment; no answer at all leaves the
    intents for the reconciler, which finds or makes the servers once the cloud is back."""
    if error.status is None:
        LOG.warning("deployment %s: %s; the reconciler will finish it", row.id, error)
        return
    _fail(conn, notifier, ctxt, row, action, old, reason)


def _fail(conn: Any, notifier: Any, ctxt: dict, row: Any, action: str,
          old: str | tuple[str, ...], reason: str) -> None:
    if _move(conn, row.id, old, "error", reason):
        notifier.error(ctxt, f"deployment.{action}.error",
                       payload(conn, get(conn, row.id), "error", reason))


def scale(conn: Any, cloud: CloudClient, notifier: Any, ctxt: dict, row: Any,
          body: Any) -> dict:
    """PUT: rename and/or scale the web tier to ``instances``."""
    if not isinstance(body, Mapping) or not body or set(body) - {"instances", "name"}:
        raise InvalidInput('send {"instances": N} to scale (and/or {"name": "..."})')
    if "name" in body:
        name = body["name"]
        if not isinstance(name, str) or not name.strip() or len(name) > 64:
            raise InvalidInput("'name' must be a text of 1 to 64 characters")
        conn.execute(update(db.deployments).where(db.deployments.c.id == row.id).values(
            name=name.strip(), updated_at=time.time()))
    if "instances" not in body or _instances(body["instances"]) == row.instances:
        return view(conn, get(conn, row.id))
    wanted = body["instances"]
    if row.state not in ("active", "error"):
        raise Conflict(f"deployment {row.id} is {row.state}; scale it once that is done")
    if not _move(conn, row.id, row.state, "updating"):
        raise Conflict(f"deployment {row.id} changed state meanwhile; try again")
    conn.execute(update(db.deployments).where(db.deployments.c.id == row.id).values(
        instances=wanted))
    checkpoint(conn)  # the intent to scale survives this process
    row = get(conn, row.id)
    notifier.info(ctxt, "deployment.update.start", payload(conn, row))
    web = [s for s in _servers(conn, row.id)
           if s.role == "web" and s.status not in ("DELETING", "DELETED", REQUESTED)]
    try:
        if wanted > len(web):
            _create_servers(conn, cloud, row, ["web"] * (wanted - len(web)),
                            len(_servers(conn, row.id)) + 1)
        for server in web[wanted:][::-1]:
            _delete_server(conn, cloud, server)
            checkpoint(conn)
    except CloudError as error:
        _cloud_failed(conn, notifier, ctxt, row, "update", "updating",
                      f"scaling failed: {error}", error)
    settle(conn, notifier, row.id, ctxt)
    return view(conn, get(conn, row.id))


def _delete_server(conn: Any, cloud: CloudClient, server: Any) -> None:
    gone = not cloud.delete_server(server.id)
    conn.execute(update(db.servers).where(db.servers.c.id == server.id).values(
        status="DELETED" if gone else "DELETING", updated_at=time.time()))


def delete(conn: Any, cloud: CloudClient, notifier: Any, ctxt: dict, row: Any) -> dict:
    """DELETE: delete every server; the tracker finishes when the cloud has."""
    if row.state in ("deleting", "deleted"):
        return view(conn, row)
    if not _move(conn, row.id, row.state, "deleting"):
        raise Conflict(f"deployment {row.id} changed state meanwhile; try again")
    checkpoint(conn)  # the intent to delete survives this process
    row = get(conn, row.id)
    notifier.info(ctxt, "deployment.delete.start", payload(conn, row))
    try:
        for server in _servers(conn, row.id):
            if server.status not in ("DELETED", REQUESTED):  # the reconciler resolves intents
                _delete_server(conn, cloud, server)
                checkpoint(conn)
    except CloudError as error:
        _cloud_failed(conn, notifier, ctxt, row, "delete", "deleting",
                      f"tear-down failed: {error}", error)
    settle(conn, notifier, row.id, ctxt)
    return view(conn, get(conn, row.id))


# --- following the cloud ---------------------------------------------------------------------


def server_event(conn: Any, notifier: Any, ctxt: dict, event_type: str,
                 body: Mapping[str, Any], fault: str | None = None) -> bool:
    """Apply a ``compute.instance.*`` notification; False if the server is not known (yet)."""
    server = conn.execute(select(db.servers).where(
        db.servers.c.id == body.get("instance_id"))).first()
    if server is None:
        return False
    if event_type == "compute.instance.delete.end":
        status = "DELETED"
    elif event_type == "compute.instance.delete.start":
        status = "DELETING"
    else:
        status = _STATUS.get(str(body.get("state")), server.status)
    terminal = server.status == "DELETED" or (
        server.status in ("DELETING", "ERROR") and status not in ("DELETING", "DELETED"))
    # Notifications can arrive out of order (a requeued create.start, two trackers in
    # a pool): a server the cloud has built never goes back to BUILD, so a stale
    # "building" must not undo the ACTIVE that made its deployment active.
    stale = status == "BUILD" and server.status != "BUILD"
    if status != server.status and not terminal and not stale:
        conn.execute(update(db.servers).where(db.servers.c.id == server.id).values(
            status=status, fault=fault if status == "ERROR" else server.fault,
            updated_at=time.time()))
    settle(conn, notifier, server.deployment_id, ctxt)
    return True


def settle(conn: Any, notifier: Any, deployment_id: str, ctxt: dict) -> str | None:
    """Move a busy deployment on if its servers say so; the new state, if it moved."""
    row = get(conn, deployment_id)
    if row is None or row.state not in _BUSY:
        return None
    servers = _servers(conn, deployment_id)
    live = [s for s in servers if s.status not in ("DELETING", "DELETED")]
    action = {"creating": "create", "updating": "update", "deleting": "delete"}[row.state]
    broken = [s for s in live if s.status == "ERROR"]
    if row.state == "deleting":
        if all(s.status == "DELETED" for s in servers) and _move(
                conn, row.id, "deleting", "deleted"):
            notifier.info(ctxt, "deployment.delete.end", payload(conn, get(conn, row.id)))
            return "deleted"
        return None
    if broken:
        server = broken[0]
        reason = (f"server {server.name} ({server.id}) went to ERROR"
                  + (f": {server.fault}" if server.fault else ""))
        _fail(conn, notifier, ctxt, row, action, row.state, reason)
        return "error"
    pending = len(live) < len(servers) and any(s.status == "DELETING" for s in servers)
    if live and not pending and all(s.status == "ACTIVE" for s in live) and _move(
            conn, row.id, row.state, "active"):
        notifier.info(ctxt, f"deployment.{action}.end", payload(conn, get(conn, row.id)))
        return "active"
    return None
