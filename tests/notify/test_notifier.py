"""Notifier: priorities, topics, prepare(), drivers; errors at the call, nothing half-sent."""

from __future__ import annotations

import json
import logging

import pytest

from carya.notify import Notifier, PayloadError, get_transport
from carya.notify.errors import NotificationConfigError
from carya.notify.message import PRIORITIES, decode
from carya.notify.transport import QueueSpec


def _drain(transport, queue):
    consumer = transport.consumer([QueueSpec(queue, ())], 100)
    out = [decode(d.body) for d in consumer.poll(0.1)]
    consumer.close()
    return out


@pytest.fixture
def transport(memory_url):
    return get_transport(memory_url)


def test_one_method_per_priority_each_to_topic_dot_priority(transport):
    notifier = Notifier(transport, "api.h1", topics=["n1", "n2"])
    for p in PRIORITIES:
        getattr(notifier, p)({"user_id": "u"}, f"ev.{p}", {"p": p})
    notifier.warning({}, "ev.warning", {})
    for topic in ("n1", "n2"):
        for p in PRIORITIES:
            assert transport.pending(f"{topic}.{p}") == (2 if p == "warn" else 1)
    got = _drain(transport, "n1.warn")
    assert [n.event_type for n in got] == ["ev.warn", "ev.warning"]
    assert got[0].publisher_id == "api.h1" and got[0].priority == "warn"


def test_default_topic_is_notifications_and_calls_return_the_notification(transport):
    note = Notifier(transport, "p").info({}, "e", {"a": 1})
    [got] = _drain(transport, "notifications.info")
    assert got.message_id == note.message_id and got.payload == {"a": 1}


def test_prepare_changes_the_publisher_and_shares_the_driver(transport):
    base = Notifier(transport, "api.h1")
    other = base.prepare(publisher_id="api.h2")
    assert other.driver is base.driver
    other.info({}, "e", {})
    base.info({}, "e", {})
    assert [n.publisher_id for n in _drain(transport, "notifications.info")] == ["api.h2",
                                                                                 "api.h1"]


def test_bad_payload_raises_at_the_call_and_sends_nothing(transport):
    notifier = Notifier(transport, "p")
    with pytest.raises(PayloadError):
        notifier.info({}, "e", {"x": object()})
    assert transport.pending("notifications.info") == 0


def test_log_driver_logs_json_with_redacted_context(caplog):
    notifier = Notifier(None, "p", driver="log")
    with caplog.at_level(logging.INFO, logger="carya.notification"):
        notifier.info({"auth_token": "SECRET", "user_id": "u"}, "book.create", {"id": 1})
        notifier.debug({}, "book.debug", {})  # below INFO: not logged
    [record] = caplog.records
    assert record.name == "carya.notification.book.create"
    inner = json.loads(json.loads(record.getMessage())["oslo.message"])
    assert inner["payload"] == {"id": 1} and inner["_context_user_id"] == "u"
    assert "SECRET" not in record.getMessage()


def test_noop_driver_sends_nothing_and_says_it_is_off(transport):
    notifier = Notifier(transport, "p", driver="noop")
    notifier.info({}, "e", {})
    assert not notifier.is_enabled()
    assert transport.pending("notifications.info") == 0


def test_routing_driver_sends_by_event_type_and_priority(transport, caplog):
    rules = [{"driver": "messagingv2", "event_types": ["book.*"]},
             {"driver": "log", "priorities": ["error"]}]
    notifier = Notifier(transport, "p", driver="routing", routing=rules)
    with caplog.at_level(logging.INFO, logger="carya.notification"):
        notifier.info({}, "book.create", {})
        notifier.info({}, "author.create", {})  # matches no rule: routed nowhere
        notifier.error({}, "book.fail", {})  # both rules
    assert transport.pending("notifications.info") == 1
    assert transport.pending("notifications.error") == 1
    assert [r.name for r in caplog.records] == ["carya.notification.book.fail"]


@pytest.mark.parametrize("driver, routing, message", [
    ("carrier-pigeon", None, "unknown driver 'carrier-pigeon'"),
    ("routing", [], "needs rules"),
    ("routing", [{"driver": "log", "priorities": ["loud"]}], "unknown ['loud']"),
    ("routing", [{"event_types": ["x"]}], "'driver' must name"),
])
def test_bad_driver_configuration_is_a_clear_error(transport, driver, routing, message):
    with pytest.raises(NotificationConfigError, match=message.replace("[", r"\[")):
        Notifier(transport, "p", driver=driver, routing=routing)
