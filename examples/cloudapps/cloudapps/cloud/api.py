"""The cloud's compute API: Nova's servers, flavors and images on :mod:`carya.api`.

Controllers read and write the database (:mod:`.db`); a change that the
compute worker must finish (build, reboot, stop, start, snapshot, delete) is
recorded as the server's ``task_state`` with a ``due_at`` time. The API
publishes what Nova's API publishes (``compute.instance.create.start``,
``compute.instance.delete.start``) through the outbox, after the commit.

Microversions 2.1-2.2 (2.2 changes nothing this cloud serves: keypair types); the
documents are Nova 2.1's, with every key Nova always returns.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
import uuid
from collections.abc import Callable
from typing import Any

import webob
import webob.exc as exc
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from carya.api import (
    APIRouter,
    APIVersionInfo,
    Controller,
    Microversions,
    ResourceExtension,
    action,
    expected_errors,
    response,
)
from carya.api.policy import authorize, policy
from carya.api.validation import validate
from carya.notify import Notifier

from .. import settings
from . import db, events, policies, schemas
from .versions import MICROVERSIONS

__all__ = ["make_api", "make_versions", "MICROVERSIONS", "Cloud"]

_LIST_LIMIT = 1000
#: Nova's power states (``OS-EXT-STS:power_state``) by server status.
POWER_STATES = {"BUILD": 0, "ACTIVE": 1, "SHUTOFF": 4, "ERROR": 0}
AVAILABILITY_ZONE = "nova"
#: The emulated hypervisor every server runs on (``hostId`` hashes it).
HOST = "cloudapps-compute"
#: The most servers one create request makes (``min_count`` above it: 403, as a quota).
MAX_SERVERS_PER_REQUEST = 10
_TRUE = ("true", "1", "yes", "on", "y", "t")


def _context(req: Any) -> Any:
    context = req.environ.get("carya.auth_context")
    if context is None or context.project_id is None:
        raise exc.HTTPUnauthorized(detail="This API needs an authenticated caller.")
    return context


def _is_admin(context: Any) -> bool:
    return bool(getattr(context, "is_admin", False) or "admin" in (context.roles or ()))


def _iso(stamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))


def _ref_id(value: Any) -> str:
    """``flavorRef``/``imageRef`` may be an id, a name or a link: the last path segment."""
    return str(value).rstrip("/").rsplit("/", 1)[-1]


#: how often a delete re-reads a server that changed under it before giving up (409)
_DELETE_ATTEMPTS = 5


class Cloud:
    """What the controllers share: the engine, the outbox publisher, timing settings."""

    def __init__(self, engine: Engine, publisher: events.Publisher | None,
                 build_delay: Callable[[], float] = settings.build_delay):
        self.engine = engine
        self.publisher = publisher
        self.build_delay = build_delay

    def flush(self, ids: list[int]) -> None:
        if self.publisher is not None and ids:
            self.publisher.flush(ids)


class ServersController(Controller):
    """``/servers``: list, detail, show, create, delete, and body-keyed actions."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    # --- reading ---------------------------------------------------------------------

    def _query(self, req: Any, context: Any) -> Any:
        query = select(db.servers).where(db.servers.c.status != "DELETED")
        if req.GET.get("all_tenants") in ("1", "true", "True"):
            authorize(req, "os_compute_api:servers:index:get_all_tenants")
            return query
        return query.where(db.servers.c.project_id == context.project_id)

    def _list(self, req: Any, detailed: bool) -> dict:
        context = _context(req)
        query = self._query(req, context).order_by(db.servers.c.created_at.desc(),
                                                   db.servers.c.id).limit(_LIST_LIMIT)
        status = req.GET.get("status")
        if status:
            query = query.where(db.servers.c.status == status.upper())
        with self.cloud.engine.connect() as conn:
            rows = conn.execute(query).all()
        if detailed:
            return {"servers": [self._view(req, row) for row in rows]}
        return {"servers": [{"id": r.id, "name": r.name, "links": self._links(req, r.id)}
                            for r in rows]}

    @expected_errors(400)
    @policy("os_compute_api:servers:index")
    def index(self, req):
        return self._list(req, detailed=False)

    @expected_errors(400)
    @policy("os_compute_api:servers:detail")
    def detail(self, req):
        return self._list(req, detailed=True)

    def _get(self, req: Any, id: str) -> Any:
        """The server ``id`` if the caller may see it; else 404 (never 403: no leaks)."""
        context = _context(req)
        with self.cloud.engine.connect() as conn:
            row = conn.execute(select(db.servers).where(db.servers.c.id == id)).first()
        if row is None or row.status == "DELETED" or (
                row.project_id != context.project_id and not _is_admin(context)):
            raise exc.HTTPNotFound(detail=f"Instance {id} could not be found.")
        return row

    @expected_errors(404)
    @policy("os_compute_api:servers:show")
    def show(self, req, id):
        return {"server": self._view(req, self._get(req, id))}

    def _links(self, req: Any, id: str) -> list[dict]:
        return [{"rel": "self", "href": f"{req.application_url}/servers/{id}"},
                {"rel": "bookmark", "href": f"{req.host_url}/servers/{id}"}]

    def _view(self, req: Any, row: Any) -> dict:
        """Nova 2.1's server document: every key Nova always returns, with this cloud's values.

        No networks, volumes, keypairs or config drives exist here, so those keys
        hold Nova's empty values; ``hostId`` is Nova's per-project hash of the host.
        """
        view = {
            "id": row.id,
            "name": row.name,
            "status": row.status,
            "tenant_id": row.project_id,
            "user_id": row.user_id,
            "metadata": db.load_metadata(row),
            "image": {"id": row.image_id, "links": [
                {"rel": "bookmark", "href": f"{req.application_url}/images/{row.image_id}"}]},
            "flavor": {"id": row.flavor_id, "links": [
                {"rel": "bookmark",
                 "href": f"{req.application_url}/flavors/{row.flavor_id}"}]},
            "created": _iso(row.created_at),
            "updated": _iso(row.updated_at),
            "progress": 0 if row.status == "BUILD" else 100,
            "accessIPv4": "",
            "accessIPv6": "",
            "addresses": {},
            "config_drive": "",
            "hostId": _host_id(row),
            "key_name": None,
            "security_groups": [{"name": "default"}],
            "OS-DCF:diskConfig": "MANUAL",
            "OS-EXT-AZ:availability_zone": AVAILABILITY_ZONE,
            "OS-EXT-STS:power_state": POWER_STATES.get(row.status, 0),
            "OS-EXT-STS:task_state": row.task_state,
            "OS-EXT-STS:vm_state": events.STATES.get(row.status, row.status.lower()),
            "OS-SRV-USG:launched_at": _usg(row.launched_at),
            "OS-SRV-USG:terminated_at": None,
            "os-extended-volumes:volumes_attached": [],
            "links": self._links(req, row.id),
        }
        if row.fault:
            view["fault"] = {"code": 500, "message": row.fault, "created": _iso(row.updated_at)}
        return view

    # --- creating and deleting --------------------------------------------------------

    def _lookup(self, conn: Any, table: Any, ref: Any, what: str, context: Any) -> Any:
        key = _ref_id(ref)
        query = select(table).where((table.c.id == key) | (table.c.name == key))
        if table is db.images:
            query = query.where((table.c.project_id.is_(None))
                                | (table.c.project_id == context.project_id))
        row = conn.execute(query.order_by(table.c.id)).first()
        if row is None:
            raise exc.HTTPBadRequest(
                detail=f"Invalid {what}Ref provided: {what} {key!r} does not exist "
                f"(GET /v2.1/{what}s lists them).")
        if table is db.images and row.status != "ACTIVE":
            raise exc.HTTPBadRequest(
                detail=f"Image {row.id} is not active (status {row.status}); wait for it.")
        return row

    @expected_errors((400, 403, 404, 409))
    @response(202)
    @validate(body=schemas.create)
    @policy("os_compute_api:servers:create")
    def create(self, req, body):
        """Nova's create: ``max_count`` servers (at least ``min_count``) in one transaction.

        One server answers ``{"server": {...}}`` with a ``Location``; several are
        named ``<name>-1``... and the answer is the first one, or only
        ``{"reservation_id"}`` when the request asked for ``return_reservation_id``.
        """
        context = _context(req)
        spec = body["server"]
        _, high = _counts(spec)
        zone = spec.get("availability_zone")
        if zone is not None and zone != AVAILABILITY_ZONE:
            raise exc.HTTPBadRequest(
                detail=f"The requested availability zone is not available: {zone!r} "
                f"(this cloud has one zone, {AVAILABILITY_ZONE!r}).")
        now = time.time()
        reservation = "r-" + uuid.uuid4().hex[:8]
        names = [spec["name"]] if high == 1 else [
            f"{spec['name']}-{n}" for n in range(1, high + 1)]
        server_ids = [str(uuid.uuid4()) for _ in names]
        with self.cloud.engine.begin() as conn:
            flavor = self._lookup(conn, db.flavors, spec["flavorRef"], "flavor", context)
            image = self._lookup(conn, db.images, spec["imageRef"], "image", context)
            ids = []
            for server_id, server_name in zip(server_ids, names, strict=True):
                conn.execute(insert(db.servers).values(
                    id=server_id, name=server_name, project_id=context.project_id,
                    user_id=context.user_id or context.project_id, flavor_id=flavor.id,
                    image_id=image.id, metadata=json.dumps(spec.get("metadata") or {}),
                    status="BUILD", task_state="spawning", task_arg=None,
                    due_at=now + self.cloud.build_delay(), version=0, fault=None,
                    created_at=now, updated_at=now, launched_at=None,
                    reservation_id=reservation))
                row = conn.execute(select(db.servers)
                                   .where(db.servers.c.id == server_id)).one()
                ids += db.add_events(conn, server_id, _notify_context(context), [
                    ("compute.instance.create.start", "info", events.payload(row)),
                ])
        self.cloud.flush(ids)
        if str(spec.get("return_reservation_id", False)).lower() in _TRUE:
            return {"reservation_id": reservation}
        first = server_ids[0]
        document = {"server": {"id": first, "links": self._links(req, first),
                               "OS-DCF:diskConfig": spec.get("OS-DCF:diskConfig", "MANUAL"),
                               "security_groups": [{"name": "default"}],
                               "adminPass": spec.get("adminPass")
                               or secrets.token_urlsafe(9)}}
        return _json_response(202, document, location=self._links(req, first)[0]["href"])

    @expected_errors((404, 409))
    @response(204)
    @policy("os_compute_api:servers:delete")
    def delete(self, req, id):
        """Accepted in any state, as in Nova: when the compute worker changes the server
        between our read and our claim (a build finishing), read it again and retry."""
        for attempt in range(_DELETE_ATTEMPTS):
            row = self._get(req, id)
            if row.task_state == "deleting":
                return None  # already on its way: deleting twice is not an error
            try:
                self._start_task(req, row, "deleting", "delete", allowed=None, delay=0.0,
                                 start_event="compute.instance.delete.start")
            except exc.HTTPConflict:
                if attempt == _DELETE_ATTEMPTS - 1:
                    raise
                continue
            return None
        return None

    # --- actions ---------------------------------------------------------------------

    def _start_task(self, req: Any, row: Any, task: str, verb: str,
                    allowed: tuple[str, ...] | None, delay: float | None = None,
                    start_event: str | None = None, task_arg: str | None = None,
                    before_commit: Callable[[Any], None] | None = None) -> None:
        """Give ``row`` the task ``task`` if it is idle in an allowed status (409 if not)."""
        if (allowed is not None and row.status not in allowed) or (
                row.task_state is not None and task != "deleting"):
            raise exc.HTTPConflict(detail=_conflict(verb, row))
        due = time.time() + (self.cloud.build_delay() if delay is None else delay)
        with self.cloud.engine.begin() as conn:
            claimed = conn.execute(
                update(db.servers).where(db.servers.c.id == row.id)
                .where(db.servers.c.version == row.version)
                .values(task_state=task, task_arg=task_arg, due_at=due,
                        version=row.version + 1, updated_at=time.time())
            ).rowcount
            if claimed != 1:
                raise exc.HTTPConflict(
                    detail=f"Instance {row.id} changed while handling '{verb}'; try again.")
            if before_commit is not None:
                before_commit(conn)
            ids = []
            if start_event:
                ids = db.add_events(conn, row.id, _notify_context(_context(req)),
                                    [(start_event, "info", events.payload(row))])
        self.cloud.flush(ids)

    @expected_errors((404, 409))
    @response(202)
    @action("reboot")
    @validate(body=schemas.reboot)
    @policy("os_compute_api:servers:reboot")
    def reboot(self, req, id, body):
        self._start_task(req, self._get(req, id), "rebooting", "reboot", ("ACTIVE",))

    @expected_errors((404, 409))
    @response(202)
    @action("os-stop")
    @validate(body=schemas.stop)
    @policy("os_compute_api:servers:stop")
    def stop(self, req, id, body):
        self._start_task(req, self._get(req, id), "powering-off", "stop", ("ACTIVE",))

    @expected_errors((404, 409))
    @response(202)
    @action("os-start")
    @validate(body=schemas.start)
    @policy("os_compute_api:servers:start")
    def start(self, req, id, body):
        self._start_task(req, self._get(req, id), "powering-on", "start", ("SHUTOFF",))

    @expected_errors((400, 404, 409))
    @response(202)
    @action("createImage")
    @validate(body=schemas.create_image)
    @policy("os_compute_api:servers:create_image")
    def create_image(self, req, id, body):
        row = self._get(req, id)
        image_id = str(uuid.uuid4())
        now = time.time()

        def add_image(conn: Any) -> None:
            conn.execute(insert(db.images).values(
                id=image_id, name=body["createImage"]["name"], status="SAVING",
                project_id=row.project_id, server_id=row.id, created_at=now, updated_at=now))

        self._start_task(req, row, "image_snapshot", "createImage", ("ACTIVE", "SHUTOFF"),
                         task_arg=image_id, before_commit=add_image)
        # Nova below 2.45: 202, no body, the image's URL in Location (2.45 adds the body)
        response = webob.Response(status=202)
        response.headers["Location"] = f"{req.application_url}/images/{image_id}"
        del response.content_type
        return response


def _counts(spec: dict) -> tuple[int, int]:
    """``(min_count, max_count)`` of a create request, checked as Nova checks them."""
    low = int(spec.get("min_count", 1))
    high = int(spec.get("max_count", low))
    if low > high:
        raise exc.HTTPBadRequest(
            detail=f"min_count ({low}) must be <= max_count ({high}).")
    if low > MAX_SERVERS_PER_REQUEST:
        raise exc.HTTPForbidden(
            detail=f"Quota exceeded for instances: Requested {low}, but this cloud creates "
            f"at most {MAX_SERVERS_PER_REQUEST} servers per request.")
    return low, min(high, MAX_SERVERS_PER_REQUEST)


def _json_response(status: int, document: dict, location: str | None = None) -> Any:
    response = webob.Response(status=status, content_type="application/json",
                              charset="UTF-8")
    response.body = json.dumps(document).encode()
    if location:
        response.headers["Location"] = location
    return response


def _host_id(row: Any) -> str:
    """Nova's ``hostId``: a hash of project and host, empty until the server has a host."""
    if row.status == "BUILD" and row.launched_at is None:
        return ""
    return hashlib.sha224((row.project_id + HOST).encode()).hexdigest()


def _usg(stamp: float | None) -> str | None:
    """``OS-SRV-USG`` times: ISO 8601 with microseconds, no zone (Nova's form)."""
    if stamp is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(stamp)) + \
        f".{int((stamp % 1) * 1e6):06d}"


def _conflict(verb: str, row: Any) -> str:
    state = events.STATES.get(row.status, row.status.lower())
    return (f"Cannot '{verb}' instance {row.id} while it is in vm_state {state}"
            + (f" and task_state {row.task_state}" if row.task_state else "") + ".")


def _notify_context(context: Any) -> dict:
    return {"user_id": context.user_id, "project_id": context.project_id,
            "request_id": getattr(context, "request_id", None)}


class FlavorsController(Controller):
    """``/flavors``: the seeded flavors, read-only."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    def _rows(self) -> list[Any]:
        with self.cloud.engine.connect() as conn:
            return conn.execute(select(db.flavors).order_by(db.flavors.c.ram,
                                                            db.flavors.c.id)).all()

    @staticmethod
    def _view(row: Any) -> dict:
        return {"id": row.id, "name": row.name, "vcpus": row.vcpus, "ram": row.ram,
                "disk": row.disk}

    @expected_errors(())
    @policy("os_compute_api:flavors")
    def index(self, req):
        return {"flavors": [{"id": r.id, "name": r.name} for r in self._rows()]}

    @expected_errors(())
    @policy("os_compute_api:flavors")
    def detail(self, req):
        return {"flavors": [self._view(r) for r in self._rows()]}

    @expected_errors(404)
    @policy("os_compute_api:flavors")
    def show(self, req, id):
        with self.cloud.engine.connect() as conn:
            row = conn.execute(select(db.flavors).where(db.flavors.c.id == id)).first()
        if row is None:
            raise exc.HTTPNotFound(detail=f"Flavor {id} could not be found.")
        return {"flavor": self._view(row)}


class ImagesController(Controller):
    """``/images``: public images and the caller's snapshots, read-only."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    def _visible(self, req: Any) -> Any:
        context = _context(req)
        return select(db.images).where((db.images.c.project_id.is_(None))
                                       | (db.images.c.project_id == context.project_id))

    @staticmethod
    def _view(row: Any) -> dict:
        view = {"id": row.id, "name": row.name, "status": row.status,
                "created": _iso(row.created_at), "updated": _iso(row.updated_at),
                "metadata": {}}
        if row.server_id:
            view["server"] = {"id": row.server_id}
        return view

    def _rows(self, req: Any) -> list[Any]:
        with self.cloud.engine.connect() as conn:
            return conn.execute(self._visible(req).order_by(db.images.c.name)).all()

    @expected_errors(())
    @policy("os_compute_api:images")
    def index(self, req):
        return {"images": [{"id": r.id, "name": r.name} for r in self._rows(req)]}

    @expected_errors(())
    @policy("os_compute_api:images")
    def detail(self, req):
        return {"images": [self._view(r) for r in self._rows(req)]}

    @expected_errors(404)
    @policy("os_compute_api:images")
    def show(self, req, id):
        with self.cloud.engine.connect() as conn:
            row = conn.execute(self._visible(req).where(db.images.c.id == id)).first()
        if row is None:
            raise exc.HTTPNotFound(detail=f"Image {id} could not be found.")
        return {"image": self._view(row)}


def make_api(engine: Engine, notifier: Notifier | None = None, *,
             policy_file: str | None = None,
             build_delay: Callable[[], float] = settings.build_delay) -> APIRouter:
    """The ``/v2.1`` application over ``engine`` (migrated here), publishing via ``notifier``."""
    db.migrate(engine)
    publisher = events.Publisher(engine, notifier) if notifier is not None else None
    cloud = Cloud(engine, publisher, build_delay)
    resources = [
        ResourceExtension("servers", ServersController(cloud),
                          collection_actions={"detail": "GET"},
                          member_actions={"action": "POST"}),
        ResourceExtension("flavors", FlavorsController(cloud),
                          collection_actions={"detail": "GET"}),
        ResourceExtension("images", ImagesController(cloud),
                          collection_actions={"detail": "GET"}),
    ]
    return APIRouter(
        resources=resources,
        microversions=Microversions("compute", *MICROVERSIONS,
                                    legacy_header="X-OpenStack-Nova-API-Version"),
        versions=[APIVersionInfo("v2.1", "CURRENT", *MICROVERSIONS)],
        policies=policies.list_rules(),
        policy_file=policy_file,
        list_extensions=False,
    )


def make_versions() -> APIRouter:
    """The versions document served at ``/`` (Nova's ``oscomputeversions``)."""
    return APIRouter(versions=[APIVersionInfo("v2.1", "CURRENT", *MICROVERSIONS,
                                              path="/v2.1/")],
                     list_extensions=False)
