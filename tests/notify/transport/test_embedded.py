"""The embedded (SQLite) transport: persistence, wake-ups, options, clear errors."""

from __future__ import annotations

import time

import pytest

from carya.notify import Listener, Notifier, TransportURLError, get_transport
from carya.notify.transport.embedded import default_path
from tests.notify.conftest import Recorder, wait_until
from tests.support import sqlite_write_lock


def test_messages_and_dead_letters_survive_reopening_the_file(tmp_path):
    url = f"embedded://{tmp_path}/q.sqlite3"
    first = get_transport(url)
    Notifier(first, "p", topics=["t"]).info({}, "e", {"i": 1})
    first.send(first.default_exchange, "t.info", b"garbage")
    first.close()
    second = get_transport(url)
    assert second.pending("t.info") == 2
    recorder = Recorder()
    with Listener(second, ["t"], [recorder], poll_interval=0.05) as listener:
        wait_until(lambda: listener.stats["received"] == 2, 10, "both messages")
    second.close()
    third = get_transport(url)
    [dead] = third.dead_letters("t.info")
    assert dead.body == b"garbage" and [c[4] for c in recorder.calls] == [{"i": 1}]


def test_a_waiting_consumer_is_woken_at_once_not_at_its_next_poll(tmp_path):
    url = f"embedded://{tmp_path}/q.sqlite3"
    transport = get_transport(url, poll_interval=5.0)
    recorder = Recorder()
    with Listener(transport, ["t"], [recorder], poll_interval=10.0):
        time.sleep(0.2)  # the consumer is now asleep in its wait
        sent = time.monotonic()
        Notifier(get_transport(url), "p", topics=["t"]).info({}, "e", {})
        wait_until(lambda: recorder.calls, 3, "the wake-up")
        assert time.monotonic() - sent < 1.0


def test_sync_full_is_accepted_and_bad_options_are_named(tmp_path):
    transport = get_transport(f"embedded://{tmp_path}/q.sqlite3?sync=full")
    assert transport.options["sync"] == "full"
    with pytest.raises(TransportURLError, match="sync=.*must be one of off, normal, full"):
        get_transport(f"embedded://{tmp_path}/q.sqlite3?sync=sometimes")
    with pytest.raises(TransportURLError, match="unknown URL 'durable'"):
        get_transport(f"embedded://{tmp_path}/q.sqlite3?durable=1")


def test_a_process_opening_the_file_while_another_writes_waits_its_turn(tmp_path):
    """The first switch of a file to WAL is refused at once while another process holds
    a write lock (carya.sqlite): the transport and the deduplicator wait instead."""
    from carya.notify.dedup import Deduplicator

    path = tmp_path / "queue.db"
    with sqlite_write_lock(path, 0.3):
        get_transport(f"embedded://{path}").close()
    seen = tmp_path / "seen.db"
    with sqlite_write_lock(seen, 0.3):
        Deduplicator(100, path=str(seen)).close()


def test_a_file_that_cannot_be_used_is_a_clear_error(tmp_path):
    (tmp_path / "not-a-dir").write_text("x")
    with pytest.raises(TransportURLError, match="cannot use .*not-a-dir/q.sqlite3"):
        get_transport(f"embedded://{tmp_path}/not-a-dir/q.sqlite3")


def test_default_file_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CARYA_NOTIFY_DB", str(tmp_path / "env.sqlite3"))
    assert default_path() == str(tmp_path / "env.sqlite3")
    assert get_transport("embedded://").path == str(tmp_path / "env.sqlite3")
    monkeypatch.delenv("CARYA_NOTIFY_DB")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert default_path() == str(tmp_path / "state" / "carya" / "notify.sqlite3")


def test_purge_and_default_queues_off(tmp_path):
    transport = get_transport(f"embedded://{tmp_path}/q.sqlite3?default_queues=false")
    Notifier(transport, "p", topics=["t"]).info({}, "e", {})
    assert transport.pending("t.info") == 0  # nobody bound, no default queue: not kept
    kept = get_transport(f"embedded://{tmp_path}/q2.sqlite3")
    Notifier(kept, "p", topics=["t"]).info({}, "e", {})
    assert kept.purge("t.info") == 1 and kept.pending("t.info") == 0
