"""Listener behaviour, the same on every transport: memory, embedded (SQLite), RabbitMQ."""

from __future__ import annotations

import logging
import threading

import pytest

from carya.notify import REQUEUE, Listener, NotificationFilter, Notifier, Target, get_transport
from tests.notify.conftest import Recorder, wait_until


@pytest.fixture(params=["memory", "embedded", "rabbit"])
def bus(request, tmp_path, memory_url):
    """(transport, namer) for each transport; RabbitMQ is the real broker."""
    namer = request.getfixturevalue("names")
    if request.param == "memory":
        transport = get_transport(memory_url)
    elif request.param == "embedded":
        transport = get_transport(f"embedded://{tmp_path}/bus.sqlite3")
    else:
        transport = get_transport(request.getfixturevalue("rabbit_url"))
    yield transport, namer
    transport.close()


def _listener(transport, targets, endpoints, **kw):
    return Listener(transport, targets, endpoints, poll_interval=0.05, **kw)


def test_endpoint_methods_get_oslo_arguments_by_priority(bus, recorder):
    transport, names = bus
    topic = names.topic()

    class ErrorsOnly:
        def __init__(self):
            self.seen = []

        def error(self, ctxt, publisher_id, event_type, payload, metadata):
            self.seen.append(event_type)

    errors = ErrorsOnly()
    notifier = Notifier(transport, "api.h1", topics=[topic])
    with _listener(transport, [topic], [recorder, errors]):
        note = notifier.info({"user_id": "u1", "auth_token": "T"}, "book.create.end", {"id": 1})
        notifier.error({}, "book.fail", {"id": 2})
        notifier.flush(10)
        wait_until(lambda: len(recorder.calls) == 2 and errors.seen, 10, "two notifications")
    first = recorder.calls[0]
    assert first == ("info", {"user_id": "u1", "auth_token": None}, "api.h1", "book.create.end",
                     {"id": 1}, {"message_id": note.message_id, "timestamp": note.timestamp})
    assert recorder.calls[1][0] == "error"
    assert errors.seen == ["book.fail"]


def test_filter_rule_selects_by_regex(bus):
    transport, names = bus
    topic = names.topic()
    wanted = Recorder()
    wanted.filter_rule = NotificationFilter(event_type=r"^book\.", context={"project_id": "^p1$"})
    everything = Recorder()
    notifier = Notifier(transport, "p", topics=[topic])
    with _listener(transport, [Target(topic)], [wanted, everything]) as listener:
        notifier.info({"project_id": "p1"}, "book.create", {})
        notifier.info({"project_id": "p2"}, "book.create", {})
        notifier.info({"project_id": "p1"}, "author.create", {})
        notifier.flush(10)
        wait_until(lambda: len(everything.calls) == 3, 10, "three notifications")
    assert [(c[3], c[1]["project_id"]) for c in wanted.calls] == [("book.create", "p1")]
    assert listener.stats["handled"] == 3


def test_each_pool_gets_a_copy_and_members_of_a_pool_share(bus):
    transport, names = bus
    topic, pool_a, pool_b = names.topic(), names.pool("a"), names.pool("b")
    a1, a2, b = Recorder(), Recorder(), Recorder()
    listeners = [_listener(transport, [topic], [a1], pool=pool_a, prefetch=1),
                 _listener(transport, [topic], [a2], pool=pool_a, prefetch=1),
                 _listener(transport, [topic], [b], pool=pool_b)]
    for listener in listeners:
        listener.start()
    try:
        notifier = Notifier(transport, "p", topics=[topic])
        for i in range(40):
            notifier.info({}, "e", {"i": i})
        notifier.flush(10)
        wait_until(lambda: len(a1.calls) + len(a2.calls) == 40 and len(b.calls) == 40, 20,
                   "40 messages in each pool")
    finally:
        for listener in listeners:
            listener.stop()
        for listener in listeners:
            assert listener.wait(10)
    pool_a_seen = sorted(c[4]["i"] for c in a1.calls + a2.calls)
    assert pool_a_seen == list(range(40))  # each once in the pool
    assert sorted(c[4]["i"] for c in b.calls) == list(range(40))
    assert listeners[0].queues[0].name == pool_a  # oslo's naming: the pool is the queue


def test_requeue_delivers_the_message_again(bus):
    transport, names = bus
    topic = names.topic()
    calls = []

    class Flaky:
        def info(self, ctxt, publisher_id, event_type, payload, metadata):
            calls.append(metadata["message_id"])
            return REQUEUE if len(calls) == 1 else None

    with _listener(transport, [topic], [Flaky()]) as listener:
        Notifier(transport, "p", topics=[topic]).info({}, "e", {})
        transport.flush(10)
        wait_until(lambda: len(calls) == 2, 10, "the requeued message")
        wait_until(lambda: listener.stats["handled"] == 1, 5, "the ack")
    assert calls[0] == calls[1]
    assert listener.stats["requeued"] == 1
    assert listener.queues[0].name == f"{topic}.info"  # oslo's naming without a pool


def test_failures_retry_then_dead_letter_then_replay(bus, caplog):
    transport, names = bus
    topic = names.topic()
    attempts = []
    broken = threading.Event()
    broken.set()

    class Poison:
        def info(self, ctxt, publisher_id, event_type, payload, metadata):
            attempts.append(payload["i"])
            if broken.is_set() and payload["i"] == 1:
                raise RuntimeError("cannot handle 1")

    notifier = Notifier(transport, "p", topics=[topic])
    with _listener(transport, [topic], [Poison()], max_retries=2) as listener:
        for i in range(3):
            notifier.info({}, "e", {"i": i})
        notifier.flush(10)
        wait_until(lambda: listener.stats["dead_lettered"] == 1
                   and listener.stats["handled"] == 2, 15, "the poison message dead-lettered")
        assert attempts.count(1) == 3  # first try + 2 retries
        [dead] = listener.dead_letters()
        assert "cannot handle 1" in dead.reason and dead.attempts == 2
        assert dead.queue == f"{topic}.info"
        broken.clear()
        assert listener.replay_dead_letters() == 1
        wait_until(lambda: listener.stats["handled"] == 3, 10, "the replayed message")
    assert listener.dead_letters() == []
    assert sorted(set(attempts)) == [0, 1, 2]
    assert any("dead-lettered" in r.getMessage() for r in caplog.records)


def test_undecodable_message_is_dead_lettered_with_a_log_line(bus, caplog):
    transport, names = bus
    topic = names.topic()
    recorder = Recorder()
    with caplog.at_level(logging.ERROR, logger="carya.notify.listener"):
        with _listener(transport, [topic], [recorder]) as listener:
            transport.send(transport.default_exchange, f"{topic}.info", b"\x00 not json")
            Notifier(transport, "p", topics=[topic]).info({}, "ok", {})
            transport.flush(10)
            wait_until(lambda: listener.stats["dead_lettered"] == 1 and recorder.calls, 10,
                       "one dead letter and one good message")
    [dead] = listener.dead_letters()
    assert dead.body == b"\x00 not json" and dead.reason.startswith("undecodable")
    [line] = [r.getMessage() for r in caplog.records if "undecodable" in r.getMessage()]
    assert f"{topic}.info" in line and "not valid JSON" in line


def test_graceful_stop_finishes_the_message_in_hand(bus):
    transport, names = bus
    topic = names.topic()
    entered, release = threading.Event(), threading.Event()
    done = []

    class Slow:
        def info(self, ctxt, publisher_id, event_type, payload, metadata):
            entered.set()
            assert release.wait(10)
            done.append(payload["i"])

    notifier = Notifier(transport, "p", topics=[topic])
    for i in range(5):
        notifier.info({}, "e", {"i": i})
    notifier.flush(10)
    listener = _listener(transport, [topic], [Slow()], prefetch=5).start()
    assert entered.wait(10)
    listener.stop()
    assert not listener.wait(0.2)  # still in the endpoint
    release.set()
    assert listener.wait(10)
    assert done == [0]
    # the message in hand was acknowledged; the four fetched but not started are back
    wait_until(lambda: transport.pending(f"{topic}.info") == 4, 10, "four messages back")


def test_listener_needs_an_endpoint_with_a_priority_method(memory_url):
    with pytest.raises(ValueError, match="no endpoint has a method"):
        Listener(get_transport(memory_url), ["t"], [object()])
    with pytest.raises(ValueError, match="at least one target"):
        Listener(get_transport(memory_url), [], [Recorder()])
