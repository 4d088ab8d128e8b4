"""De-duplication by message_id."""

from __future__ import annotations

import pytest

from carya.notify import REQUEUE, Deduplicator, Listener, Notifier, deduplicated, get_transport
from carya.notify.message import decode
from tests.notify.conftest import Recorder, wait_until


@pytest.mark.parametrize("persistent", [False, True])
def test_remembers_the_last_ids_up_to_capacity(tmp_path, persistent):
    dedup = Deduplicator(capacity=3, path=str(tmp_path / "seen.db") if persistent else None)
    for i in range(5):
        dedup.mark(f"m{i}")
    assert [dedup.seen(f"m{i}") for i in range(5)] == [False, False, True, True, True]
    assert len(dedup) == 3
    dedup.forget("m4")
    assert "m4" not in dedup


def test_persistent_record_survives_a_restart(tmp_path):
    Deduplicator(path=str(tmp_path / "seen.db")).mark("abc")
    assert Deduplicator(path=str(tmp_path / "seen.db")).seen("abc")


def test_duplicates_are_acknowledged_without_calling_the_endpoint_again(memory_url):
    transport = get_transport(memory_url)
    recorder = Recorder()
    note = Notifier(transport, "p", topics=["d"]).info({}, "e", {})
    body = transport.bus.queues["d.info"].waiting[0].body
    transport.send(transport.default_exchange, "d.info", body)  # the same message again
    wrapped = deduplicated(recorder)
    with Listener(transport, ["d"], [wrapped], poll_interval=0.05) as listener:
        wait_until(lambda: listener.stats["handled"] == 2, 10, "both copies settled")
    assert len(recorder.calls) == 1 and wrapped.duplicates == 1
    assert decode(body).message_id == note.message_id


def test_a_failed_or_requeued_attempt_is_not_recorded():
    dedup = Deduplicator()
    results = iter([RuntimeError("first try fails"), REQUEUE, None])

    class Flaky:
        filter_rule = "kept"

        def info(self, ctxt, publisher_id, event_type, payload, metadata):
            result = next(results)
            if isinstance(result, Exception):
                raise result
            return result

    wrapped = deduplicated(Flaky(), dedup)
    metadata = {"message_id": "m-1", "timestamp": "t"}
    with pytest.raises(RuntimeError):
        wrapped.info({}, "p", "e", {}, metadata)
    assert wrapped.info({}, "p", "e", {}, metadata) == REQUEUE
    assert wrapped.info({}, "p", "e", {}, metadata) is None  # handled now
    assert wrapped.info({}, "p", "e", {}, metadata) is None and wrapped.duplicates == 1
    assert wrapped.filter_rule == "kept"


def test_one_deduplicator_serves_several_endpoints_separately():
    dedup = Deduplicator()
    first, second = Recorder(), Recorder()

    class Other(Recorder):
        pass

    a, b = deduplicated(first, dedup), deduplicated(Other(), dedup)
    metadata = {"message_id": "m-1", "timestamp": "t"}
    a.info({}, "p", "e", {}, metadata)
    b.info({}, "p", "e", {}, metadata)
    assert len(first.calls) == 1 and len(b.endpoint.calls) == 1
    assert second.calls == []
