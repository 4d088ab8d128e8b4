"""Interoperation with oslo.messaging over the real RabbitMQ, both ways.

oslo.messaging's Notifier -> carya's Listener, and carya's Notifier ->
oslo.messaging's notification listener, on the same exchange and queues.
"""

from __future__ import annotations

import oslo_messaging
import pytest
from oslo_config import cfg
from oslo_context import context as oslo_context

from carya.notify import Listener, Notifier, get_transport
from tests.notify.conftest import Recorder, wait_until


@pytest.fixture
def oslo_transport(rabbit_url):
    conf = cfg.ConfigOpts()
    conf([])
    transport = oslo_messaging.get_notification_transport(conf, url=rabbit_url)
    yield transport
    transport.cleanup()


def test_oslo_notifier_to_carya_listener(oslo_transport, rabbit_url, names):
    topic = names.topic("oslo2carya")
    recorder = Recorder()
    transport = get_transport(rabbit_url)
    ctx = oslo_context.RequestContext(user_id="u-1", project_id="p-1", auth_token="SECRET",
                                      request_id="req-abc", roles=["reader"])
    oslo_notifier = oslo_messaging.Notifier(oslo_transport, publisher_id="compute.host1",
                                            driver="messagingv2", topics=[topic])
    try:
        with Listener(transport, [topic], [recorder], poll_interval=0.05):
            oslo_notifier.info(ctx, "compute.instance.create.end", {"id": 1, "name": "vm"})
            oslo_notifier.error(ctx, "compute.instance.create.error", {"id": 2})
            wait_until(lambda: len(recorder.calls) == 2, 15, "both oslo notifications")
    finally:
        transport.close()
    by_priority = {c[0]: c for c in recorder.calls}
    priority, ctxt, publisher_id, event_type, payload, metadata = by_priority["info"]
    assert (publisher_id, event_type, payload) == (
        "compute.host1", "compute.instance.create.end", {"id": 1, "name": "vm"})
    assert ctxt["user"] == "u-1" and ctxt["project_id"] == "p-1"
    assert ctxt["request_id"] == "req-abc" and ctxt["roles"] == ["reader"]
    assert ctxt["auth_token"] is None  # oslo redacted it; carya passes what came
    assert set(metadata) == {"message_id", "timestamp"} and metadata["message_id"]
    assert by_priority["error"][3] == "compute.instance.create.error"


def test_carya_notifier_to_oslo_listener(oslo_transport, rabbit_url, names):
    topic = names.topic("carya2oslo")
    received = []

    class OsloEndpoint:
        def info(self, ctxt, publisher_id, event_type, payload, metadata):
            received.append((ctxt, publisher_id, event_type, payload, metadata))
            return oslo_messaging.NotificationResult.HANDLED

    listener = oslo_messaging.get_notification_listener(
        oslo_transport, [oslo_messaging.Target(topic=topic)], [OsloEndpoint()],
        executor="threading")
    transport = get_transport(rabbit_url)
    listener.start()
    try:
        notifier = Notifier(transport, "api.host9", topics=[topic])
        note = notifier.info({"user_id": "u-2", "project_id": "p-2", "auth_token": "SECRET",
                              "request_id": "req-xyz"}, "book.create.end", {"id": 5})
        assert notifier.flush(10)
        wait_until(lambda: received, 15, "oslo's listener to get carya's notification")
    finally:
        listener.stop()
        listener.wait()
        transport.close()
    [(ctxt, publisher_id, event_type, payload, metadata)] = received
    assert (publisher_id, event_type, payload) == ("api.host9", "book.create.end", {"id": 5})
    assert ctxt["user_id"] == "u-2" and ctxt["project_id"] == "p-2"
    assert ctxt["request_id"] == "req-xyz" and ctxt["auth_token"] is None
    assert metadata == {"message_id": note.message_id, "timestamp": note.timestamp}


def test_oslo_and_carya_listeners_share_one_pool(oslo_transport, rabbit_url, names):
    """The same pool name means the same queue to both: each message handled once."""
    topic, pool = names.topic("pool"), names.pool("shared")
    oslo_seen, carya = [], Recorder()

    class OsloEndpoint:
        def info(self, ctxt, publisher_id, event_type, payload, metadata):
            oslo_seen.append(payload["i"])

    oslo_listener = oslo_messaging.get_notification_listener(
        oslo_transport, [oslo_messaging.Target(topic=topic)], [OsloEndpoint()],
        executor="threading", pool=pool)
    transport = get_transport(rabbit_url)
    carya_listener = Listener(transport, [topic], [carya], pool=pool, prefetch=1,
                              poll_interval=0.05)
    oslo_listener.start()
    carya_listener.start()
    try:
        notifier = Notifier(transport, "p", topics=[topic])
        for i in range(30):
            notifier.info({}, "e", {"i": i})
        notifier.flush(10)
        wait_until(lambda: len(oslo_seen) + len(carya.calls) >= 30, 15, "30 messages")
    finally:
        carya_listener.stop()
        oslo_listener.stop()
        carya_listener.wait(10)
        oslo_listener.wait()
        transport.close()
    assert sorted(oslo_seen + [c[4]["i"] for c in carya.calls]) == list(range(30))
