"""The RabbitMQ transport against the real broker: naming, durability, faults."""

from __future__ import annotations

import json
import logging
import threading
import time

import kombu
import pytest

from carya.notify import (
    BrokerUnavailable,
    BufferFull,
    Listener,
    Notifier,
    get_transport,
)
from tests.notify.conftest import Recorder, rabbitmqctl, wait_until
from tests.support import free_port

FAST_RETRY = {"retry_interval": 0.2, "retry_interval_max": 1.0}


def _queues() -> dict[str, str]:
    out = rabbitmqctl("list_queues", "-q", "--no-table-headers", "name", "durable")
    return dict(line.split("\t") for line in out.splitlines() if "\t" in line)


class Counting:
    """Records every ``i`` it handles; raises for the ones in ``poison``."""

    def __init__(self, poison=()):
        self.seen: list[int] = []
        self.poison = set(poison)
        self.lock = threading.Lock()

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        if payload["i"] in self.poison:
            raise ValueError(f"poison {payload['i']}")
        with self.lock:
            self.seen.append(payload["i"])


def test_queue_names_follow_oslo_and_durability_follows_the_option(rabbit_url, names):
    plain_topic, durable_topic = names.topic("plain"), names.topic("durable")
    pool = names.pool("durable-pool")
    exchange = names.exchange("durable")
    plain = get_transport(rabbit_url)
    durable = get_transport(rabbit_url, durable=True, exchange=exchange)
    listeners = [Listener(plain, [plain_topic], [Recorder()]),
                 Listener(durable, [durable_topic], [Counting()], pool=pool)]
    for listener in listeners:
        listener.start()
    try:
        queues = _queues()
    finally:
        for listener in listeners:
            listener.stop()
            listener.wait(10)
        plain.close()
        durable.close()
    # without a pool: <topic>.<priority> for every priority an endpoint has
    assert f"{plain_topic}.info" in queues, queues
    assert queues[f"{plain_topic}.info"] == "false"
    assert queues[f"{plain_topic}.sample"] == "false"
    # a pool: one queue named after it (durable when configured)
    assert queues[pool] == "true"
    assert f"{durable_topic}.info" not in queues


def test_exchange_declared_otherwise_by_someone_else_is_used_as_it_is(rabbit_url, names,
                                                                     caplog):
    exchange, topic = names.exchange("nondurable"), names.topic("mismatch")
    with kombu.Connection("amqp://guest:guest@127.0.0.1:5672//") as conn:
        conn.channel().exchange_declare(exchange, "topic", durable=False)
    transport = get_transport(rabbit_url, durable=True, exchange=exchange)
    counting = Counting()
    try:
        with Listener(transport, [topic], [counting], poll_interval=0.05):
            Notifier(transport, "p", topics=[topic]).info({}, "e", {"i": 1})
            wait_until(lambda: counting.seen == [1], 10, "the message through the old exchange")
    finally:
        transport.close()
    assert "exists with other settings" in caplog.text


def test_unreachable_broker_at_start_up_is_a_clear_error():
    url = f"rabbit://guest:s3cr3t@127.0.0.1:{free_port()}/"
    started = time.monotonic()
    with pytest.raises(BrokerUnavailable) as info:
        Notifier(url, "p")
    assert time.monotonic() - started < 15
    message = str(info.value)
    assert "cannot reach RabbitMQ at rabbit://guest:***@127.0.0.1:" in message
    assert "s3cr3t" not in message and "notifier" in message
    with pytest.raises(BrokerUnavailable, match="for the listener"):
        Listener(url, ["t"], [Recorder()]).start()


def test_wrong_credentials_are_a_clear_error(rabbit_url):
    with pytest.raises(BrokerUnavailable) as info:
        Notifier("rabbit://guest:wrong-s3cr3t@127.0.0.1:5672/", "p")
    assert "ACCESS_REFUSED" in str(info.value) or "refused" in str(info.value).lower()
    assert "wrong-s3cr3t" not in str(info.value)


def test_broker_stopped_and_started_mid_stream_loses_nothing(private_broker, names, caplog):
    """Publish steadily while the broker goes away and comes back; every one arrives."""
    caplog.set_level(logging.INFO, logger="carya.notify")
    exchange, topic = names.exchange("restart"), names.topic("restart")
    options = {"durable": True, "exchange": exchange, **FAST_RETRY}
    url = private_broker.url
    pub, sub = get_transport(url, options), get_transport(url, options)
    counting = Counting()
    listener = Listener(sub, [topic], [counting], poll_interval=0.05).start()
    notifier = Notifier(pub, "p", topics=[topic])
    stop_publishing = threading.Event()
    published: list[int] = []
    errors: list[BaseException] = []

    def publish() -> None:
        try:
            for i in range(3000):  # bounded; the test stops it much earlier
                if stop_publishing.is_set():
                    return
                notifier.info({}, "e", {"i": i})
                published.append(i)
                time.sleep(0.005)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    thread = threading.Thread(target=publish)
    thread.start()
    try:
        wait_until(lambda: len(published) >= 100 or errors, 30, "100 published")
        with private_broker.stopped():
            time.sleep(1.5)  # the publisher keeps publishing into its buffer meanwhile
            buffered_while_away = pub.buffered
        time.sleep(0.5)
        stop_publishing.set()
        thread.join(30)
        assert not errors, errors
        assert notifier.flush(60), "the broker never confirmed everything"
        total = len(published)
        wait_until(lambda: set(counting.seen) == set(range(total)), 60, "all consumed")
    finally:
        stop_publishing.set()
        thread.join(30)
        listener.stop()
        listener.wait(20)
        pub.close()
        sub.close()
    assert buffered_while_away > 0  # kept while the broker was away, not dropped
    assert total > 200
    duplicates = len(counting.seen) - total
    assert 0 <= duplicates <= 64  # at least once: at most what was in flight when it went
    assert "lost RabbitMQ" in caplog.text and "reconnected" in caplog.text
    assert "guest:guest@" not in caplog.text  # the URL is logged, its password never


def test_buffer_is_bounded_while_the_broker_is_away(private_broker, names):
    exchange, topic = names.exchange("buffer"), names.topic("buffer")
    options = {"durable": True, "exchange": exchange, "buffer_size": 5, "send_timeout": 0.5,
               **FAST_RETRY}
    transport = get_transport(private_broker.url, options)
    notifier = Notifier(transport, "p", topics=[topic])
    counting = Counting()
    try:
        notifier.info({}, "e", {"i": -1})
        assert notifier.flush(10)
        with private_broker.stopped():
            for i in range(5):
                notifier.info({}, "e", {"i": i})
            with pytest.raises(BufferFull) as info:
                notifier.info({}, "e", {"i": 99})
        message = str(info.value)
        assert f"5 notifications wait for RabbitMQ at rabbit://guest:***@127.0.0.1:" \
               f"{private_broker.port}/" in message and "not accepted" in message
        assert notifier.flush(60)
        with Listener(transport, [topic], [counting], poll_interval=0.05):
            wait_until(lambda: len(counting.seen) >= 6, 30, "the buffered five")
            time.sleep(0.3)
    finally:
        transport.close()
    assert sorted(counting.seen) == [-1, 0, 1, 2, 3, 4]  # 99 was refused, not half-sent


def test_poison_and_undecodable_messages_counted_in_and_out(rabbit_url, names, caplog):
    topic = names.topic("poison")
    poison = {7, 17, 27, 37}
    transport = get_transport(rabbit_url)
    counting = Counting(poison)
    with caplog.at_level(logging.WARNING):
        try:
            with Listener(transport, [topic], [counting], max_retries=1,
                          poll_interval=0.05) as listener:
                notifier = Notifier(transport, "p", topics=[topic])
                for i in range(50):
                    notifier.info({}, "e", {"i": i})
                transport.send(transport.default_exchange, f"{topic}.info", b"{broken")
                transport.send(transport.default_exchange, f"{topic}.info",
                               json.dumps({"oslo.version": "2.0", "oslo.message": "7"}).encode())
                assert notifier.flush(10)
                wait_until(lambda: listener.stats["handled"] + listener.stats["dead_lettered"]
                           == 52, 30, "52 messages settled")
                dead = listener.dead_letters()
            assert transport.pending(f"{topic}.info") == 0
        finally:
            transport.close()
    assert sorted(counting.seen) == sorted(set(range(50)) - poison)  # in == out
    assert len(dead) == 6 and listener.stats["retried"] == 4
    poisoned = sorted(json.loads(json.loads(d.body)["oslo.message"])["payload"]["i"]
                      for d in dead if not d.reason.startswith("undecodable"))
    assert poisoned == sorted(poison)
    assert sum(d.reason.startswith("undecodable") for d in dead) == 2


def test_cluster_url_fails_over_to_a_live_host(rabbit_url, names):
    topic = names.topic("failover")
    url = f"rabbit://guest:guest@127.0.0.1:{free_port()},guest:guest@127.0.0.1:5672/"
    transport = get_transport(url, FAST_RETRY)
    counting = Counting()
    try:
        with Listener(transport, [topic], [counting], poll_interval=0.05):
            Notifier(transport, "p", topics=[topic]).info({}, "e", {"i": 1})
            wait_until(lambda: counting.seen == [1], 15, "the message via the second host")
    finally:
        transport.close()


@pytest.mark.filterwarnings("ignore:Using fork:DeprecationWarning")  # eventlet, via oslo
def test_a_forked_worker_publishes_on_its_own_connection(rabbit_url, names):
    """Pre-forking servers build the app (and its notifier) before forking workers."""
    import os

    topic = names.topic("fork")
    transport = get_transport(rabbit_url)
    notifier = Notifier(transport, "p", topics=[topic])  # connected in the parent
    counting = Counting()
    try:
        with Listener(get_transport(rabbit_url), [topic], [counting], poll_interval=0.05):
            pid = os.fork()
            if pid == 0:  # the worker: send, wait for the confirm, leave without cleanup
                try:
                    notifier.info({}, "e", {"i": 1})
                    os._exit(0 if notifier.flush(20) else 3)
                except BaseException:  # noqa: BLE001
                    os._exit(4)
            _, status = os.waitpid(pid, 0)
            assert os.waitstatus_to_exitcode(status) == 0
            notifier.info({}, "e", {"i": 2})  # the parent's connection is still its own
            assert notifier.flush(10)
            wait_until(lambda: sorted(counting.seen) == [1, 2], 15, "both processes' messages")
    finally:
        transport.close()
