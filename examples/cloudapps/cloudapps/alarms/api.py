"""``/v2/alarms``: the alarm API (Aodh-like), written as Pecan code is.

``AlarmsController`` (RestController) lists and creates; ``_lookup`` hands
``/v2/alarms/<id>/...`` to an :class:`AlarmController` for that alarm, as Aodh
does: ``GET``/``PUT``/``DELETE`` the alarm, ``GET|PUT .../state`` and
``GET .../history`` (custom actions). Bodies are checked by JSON schemas
(:mod:`.schemas`) before the handler runs; each request runs in a database
transaction (:class:`DatabaseHook`), committed after the handler or rolled
back on an error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Connection, Engine

from carya import abort, expose, request, response
from carya.api.validation import validate
from carya.hooks import TransactionHook
from carya.rest import RestController

from . import db, queries, schemas, store

__all__ = ["RootController", "V2Controller", "AlarmsController", "AlarmController",
           "DatabaseHook", "connection"]

_KEY = "cloudapps.alarms.db"


class DatabaseHook(TransactionHook):
    """TransactionHook over one SQLAlchemy connection per request (``connection()``)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        super().__init__(self._start, self._start_ro, self._commit, self._rollback,
                         self._clear)

    def _open(self, readonly: bool) -> None:
        self._clear()
        conn = self.engine.connect()
        if readonly:
            conn = conn.execution_options(**{db.READONLY: True})
        conn.begin()
        request.environ[_KEY] = conn

    def _start(self) -> None:
        self._open(readonly=False)

    def _start_ro(self) -> None:
        self._open(readonly=True)

    def _commit(self) -> None:
        conn = request.environ.get(_KEY)
        if conn is not None and conn.in_transaction():
            conn.commit()

    def _rollback(self) -> None:
        conn = request.environ.get(_KEY)
        if conn is not None and conn.in_transaction():
            conn.rollback()

    def _clear(self) -> None:
        conn = request.environ.pop(_KEY, None)
        if conn is not None:
            conn.close()  # rolls back whatever was not committed


def connection() -> Connection:
    """This request's connection (in its transaction)."""
    return request.environ[_KEY]


def _body() -> Any:
    return request.json


def _check(body: dict) -> None:
    found = schemas.problems(body)
    if found:
        abort(400, "; ".join(found))


def _load(alarm_id: str, lock: bool = False) -> Any:
    row = store.get(connection(), alarm_id, lock=lock)
    if row is None:
        abort(404, f"Alarm {alarm_id} not found")
    return row


class AlarmController(RestController):
    """One alarm: ``/v2/alarms/<id>``, ``.../state``, ``.../history``."""

    _custom_actions = {"state": ["GET", "PUT"], "history": ["GET"]}

    def __init__(self, alarm_id: str):
        self.alarm_id = alarm_id

    @expose("json")
    def get(self) -> dict:
        return store.to_doc(_load(self.alarm_id))

    @expose("json")
    @validate(body=schemas.ALARM_UPDATE)
    def put(self) -> dict:
        """Aodh's PUT: the whole alarm document (aodhclient sends back what it read)."""
        body = schemas.with_defaults(_body())
        _check(body)
        for key in ("id", "alarm_id"):
            if body.get(key) not in (None, self.alarm_id):
                abort(400, f"{key} {body[key]!r} in the body is not the alarm of the URL "
                      f"({self.alarm_id})")
        row = _load(self.alarm_id, lock=True)
        return store.to_doc(store.replace(connection(), row, body))

    @expose("json")
    def delete(self) -> None:
        store.remove(connection(), _load(self.alarm_id, lock=True))
        response.status = 204

    @expose("json")
    def get_state(self) -> str:
        return _load(self.alarm_id).state

    @expose("json")
    @validate(body=schemas.STATE_PUT)
    def put_state(self) -> str:
        body = _body()
        state, reason = (body, None) if isinstance(body, str) else (body["state"],
                                                                      body.get("reason"))
        row = _load(self.alarm_id, lock=True)
        store.set_state(connection(), row, state, reason or "State set via the API")
        return state

    @expose("json")
    @validate(query=schemas.HISTORY_QUERY)
    def history(self, **params: str) -> list:
        """Newest first; ``limit``, ``sort=timestamp:asc``, ``q.field=type`` filters."""
        _load(self.alarm_id)
        with _queries():
            where = queries.simple_filters(request.GET, queries.HISTORY_FIELDS)
            order = queries.sort_order(request.GET, queries.HISTORY_FIELDS)
            limit = queries.parse_limit(request.GET.get("limit"))
        return store.history_of(connection(), self.alarm_id, where=where, order=order,
                                limit=limit)


class AlarmsController(RestController):
    """``/v2/alarms``: list (``?state=``, ``?name=``, ``?enabled=``) and create."""

    @expose()
    def _lookup(self, alarm_id: str, *remainder: str) -> tuple:
        return AlarmController(alarm_id), list(remainder)

    @expose("json")
    @validate(query=schemas.LIST_QUERY)
    def get_all(self, state: str | None = None, name: str | None = None,
                enabled: str | None = None, **params: str) -> list:
        """Every alarm, or those the filters keep: ``?state=``/``?name=``/``?enabled=``,
        Aodh's ``q.field/q.op/q.value`` triples, ``sort=<key>:<dir>``, ``limit``,
        ``marker`` (the last alarm id of the previous page)."""
        flag = None if enabled is None else enabled == "true"
        with _queries():
            where = queries.simple_filters(request.GET, queries.ALARM_FIELDS)
            order = queries.sort_order(request.GET, queries.ALARM_FIELDS)
            limit = queries.parse_limit(request.GET.get("limit"))
        marker = request.GET.get("marker")
        rows = store.list_alarms(connection(), state=state, name=name, enabled=flag,
                                 where=where, order=order,
                                 limit=None if marker else limit)
        if marker:
            ids = [row.id for row in rows]
            if marker not in ids:
                abort(400, f"marker {marker!r} is not an alarm of this listing")
            rows = rows[ids.index(marker) + 1:][:limit]
        return [store.to_doc(row) for row in rows]

    @expose("json")
    @validate(body=schemas.ALARM_CREATE)
    def post(self) -> dict:
        body = schemas.with_defaults(_body())
        _check(body)
        row = store.create(connection(), body,
                           project_id=request.headers.get("X-Project-Id") or None,
                           user_id=request.headers.get("X-User-Id") or None)
        response.status = 201
        response.headers["Location"] = f"{request.host_url}/v2/alarms/{row.id}"
        return store.to_doc(row)


@contextmanager
def _queries() -> Iterator[None]:
    """A :class:`~.queries.QueryError` is the client's mistake: a 400 with its message."""
    try:
        yield
    except queries.QueryError as error:
        abort(400, str(error))


class QueryAlarmsController(RestController):
    """``POST /v2/query/alarms`` (complex query) and ``POST /v2/query/alarms/history``."""

    _custom_actions = {"history": ["POST"]}

    @expose("json")
    @validate(body=schemas.COMPLEX_QUERY)
    def post(self) -> list:
        rows = store.list_alarms(connection(), **_complex_query(queries.ALARM_FIELDS))
        return [store.to_doc(row) for row in rows]

    @expose("json")
    @validate(body=schemas.COMPLEX_QUERY)
    def post_history(self) -> list:
        return store.history_of(connection(), **_complex_query(queries.HISTORY_FIELDS))


def _complex_query(fields: Any) -> dict[str, Any]:
    """The request's complex query (filter, orderby, limit) as ``where``/``order``/``limit``."""
    body = _body()
    with _queries():
        condition = queries.complex_filter(body.get("filter"), fields)
        order = queries.complex_order(body.get("orderby"), fields)
    return {"where": [] if condition is None else [condition], "order": order,
            "limit": body.get("limit")}


class QueryController:
    alarms = QueryAlarmsController()


#: ``GET /v2/capabilities``: what this alarm API supports, in Aodh's words.
CAPABILITIES = {
    "api": {"alarms:query:simple": True, "alarms:query:complex": True,
            "alarms:history:query:simple": True, "alarms:history:query:complex": True},
    "alarm_storage": {"storage:production_ready": True},
}


class V2Controller:
    alarms = AlarmsController()
    query = QueryController()

    @expose("json")
    def capabilities(self) -> dict:
        """``/v2/capabilities`` (and ``/v2/capabilities/``, which aodhclient asks)."""
        return CAPABILITIES

    @expose("json")
    def index(self) -> dict:
        return {"alarms": "/v2/alarms", "query": "/v2/query/alarms",
                "capabilities": "/v2/capabilities"}


class RootController:
    """``/``: a versions document, as Aodh's."""

    v2 = V2Controller()

    @expose("json")
    def index(self) -> dict:
        return {"versions": {"values": [{"id": "v2", "status": "stable",
                                         "links": [{"rel": "self",
                                                    "href": request.host_url + "/v2"}]}]}}
