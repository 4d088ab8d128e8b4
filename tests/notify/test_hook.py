"""NotificationHook: request events, request context, and the outbox under TransactionHook."""

from __future__ import annotations

import pytest

from carya import expose, request
from carya.hooks import TransactionHook
from carya.notify import NotificationHook, Notifier, get_transport, notification_event
from carya.notify.message import decode
from carya.notify.transport import QueueSpec
from carya.rest import RestController


def _sent(transport, *queues):
    consumer = transport.consumer([QueueSpec(q, ()) for q in queues], 1000)
    out = [decode(d.body) for d in consumer.poll(0.05)]
    for_ack = consumer.poll(0)  # nothing more
    assert not for_ack
    consumer.close()
    return out


class Database:
    """A stand-in for a DB session: records the transaction calls in order."""

    def __init__(self, transport):
        self.transport = transport
        self.log = []

    def hook(self):
        def step(name):
            def run():
                self.log.append(name)
                if name in ("commit", "rollback"):  # what was announced by then
                    self.log.append(("sent", self.transport.pending("notifications.info")))
            return run
        return TransactionHook(step("start"), step("start_ro"), step("commit"),
                               step("rollback"), step("clear"))


@pytest.fixture
def stack(memory_url, client):
    transport = get_transport(memory_url)
    notifier = Notifier(transport, "catalog.api")
    db = Database(transport)

    class BooksController(RestController):
        @expose("json")
        def get_all(self):
            notifier.info({}, "book.listed", {})
            # read-only request: sent at once, not held
            assert transport.pending("notifications.info") == 1
            return []

        @expose("json")
        def post(self):
            body = request.json
            notifier.info(request.environ.get("carya.auth_context"), "book.stored",
                          {"title": body["title"]})
            if body.get("fail"):
                raise RuntimeError("disk full")
            return {"title": body["title"]}

    class Root:
        books = BooksController()

        @expose("json")
        @notification_event("shelf", "tidy")
        def tidy(self):
            return {}

    def build(with_transactions=True, **hook_kw):
        hooks = [NotificationHook(notifier, **hook_kw)]
        if with_transactions:
            hooks.append(db.hook())
        return client(Root(), hooks=hooks)

    return build, transport, db


def _events(transport):
    return _sent(transport, "notifications.info", "notifications.error")


def test_committed_write_announces_start_app_notification_end_after_commit(stack):
    build, transport, db = stack
    app = build()
    auth = {"user_id": "u1", "project_id": "p1", "auth_token": "SECRET", "roles": ["member"]}
    resp = app.post_json("/books/", {"title": "Dune"}, extra_environ={
        "carya.auth_context": auth, "openstack.request_id": "req-42"})
    assert resp.json == {"title": "Dune"}
    assert db.log[:3] == ["start", "commit", ("sent", 0)]  # nothing out before the commit
    events = _events(transport)
    assert [e.event_type for e in events] == ["books.create.start", "book.stored",
                                              "books.create.end"]
    start, stored, end = events
    assert start.payload["request_id"] == "req-42"
    assert (start.payload["user_id"], start.payload["project_id"]) == ("u1", "p1")
    assert start.context["request_id"] == "req-42" and start.context["auth_token"] is None
    assert end.payload["status"] == 200 and end.payload["duration_ms"] >= 0
    assert stored.context["user_id"] == "u1" and stored.context["auth_token"] is None


def test_rolled_back_request_announces_nothing(stack):
    build, transport, db = stack
    app = build()
    app.post_json("/books/", {"title": "x", "fail": True}, status=500)
    assert "rollback" in db.log
    assert _events(transport) == []


def test_rolled_back_request_can_still_announce_its_error(stack):
    build, transport, db = stack
    app = build(announce_rollbacks=True)
    app.post_json("/books/", {"title": "x", "fail": True}, status=500)
    [error] = _events(transport)  # not the held book.stored, not .start
    assert error.event_type == "books.create.error" and error.priority == "error"
    assert error.payload["error"] == {"type": "RuntimeError", "message": "disk full"}
    assert error.payload["status"] == 500


def test_without_transactions_events_go_out_as_they_happen(stack):
    build, transport, _ = stack
    app = build(with_transactions=False)
    app.post_json("/books/", {"title": "x", "fail": True}, status=500)
    assert [e.event_type for e in _events(transport)] == [
        "books.create.start", "book.stored", "books.create.error"]


def test_reads_are_not_held_and_get_no_events_by_default(stack):
    build, transport, _ = stack
    app = build()
    app.get("/books/")  # the handler itself checks the notification went out at once
    assert [e.event_type for e in _events(transport)] == ["book.listed"]


def test_methods_none_covers_reads_and_names_come_from_the_decorator(stack):
    build, transport, _ = stack
    app = build(methods=None)
    app.get("/tidy")
    assert [e.event_type for e in _events(transport)] == ["shelf.tidy.start", "shelf.tidy.end"]


def test_request_context_object_and_generated_request_id(stack):
    build, transport, _ = stack

    class AuthContext:  # what carya.middleware.auth provides
        user_id, project_id, roles = "u9", "p9", ["admin"]

        def to_dict(self):
            return {"user_id": self.user_id, "project_id": self.project_id,
                    "roles": self.roles, "auth_token": "SECRET"}

        def redacted_copy(self):
            copy = AuthContext()
            copy.to_dict = lambda: {"user_id": "u9", "project_id": "p9", "roles": ["admin"],
                                    "auth_token": None}
            return copy

    app = build()
    app.post_json("/books/", {"title": "y"}, extra_environ={"carya.auth_context": AuthContext()})
    start = _events(transport)[0]
    assert start.payload["user_id"] == "u9" and start.payload["project_id"] == "p9"
    assert start.payload["request_id"].startswith("req-")
    assert start.context["request_id"] == start.payload["request_id"]
    assert "SECRET" not in repr(start.context)


def test_hook_after_runs_after_transaction_hook_after_whatever_the_list_order():
    from carya.hooks import HookChain

    hook = NotificationHook(Notifier(None, "p", driver="noop"))
    tx = TransactionHook(*(lambda: None,) * 5)
    for hooks in ([hook, tx], [tx, hook]):
        assert [h.__self__ for h in HookChain(hooks).after] == [tx, hook]
