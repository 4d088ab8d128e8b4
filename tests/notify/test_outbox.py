"""The outbox outside the web stack: ``deferred()`` around any unit of work."""

from __future__ import annotations

import threading

import pytest

from carya.notify import Notifier, deferred, get_transport


def test_deferred_sends_on_success_and_drops_on_error(memory_url):
    transport = get_transport(memory_url)
    notifier = Notifier(transport, "p")
    with deferred() as box:
        notifier.info({}, "a", {})
        notifier.info({}, "b", {})
        assert len(box) == 2 and transport.pending("notifications.info") == 0
    assert transport.pending("notifications.info") == 2
    with pytest.raises(ValueError), deferred():
        notifier.info({}, "c", {})
        raise ValueError("rolled back")
    assert transport.pending("notifications.info") == 2


def test_outbox_is_per_thread_and_opt_out_per_notifier(memory_url):
    transport = get_transport(memory_url)
    notifier = Notifier(transport, "p")
    direct = Notifier(transport, "p", outbox=False)
    with deferred():
        direct.info({}, "now", {})
        other = threading.Thread(target=lambda: notifier.info({}, "other-thread", {}))
        other.start()
        other.join()
        assert transport.pending("notifications.info") == 2  # neither was held
        notifier.info({}, "held", {})
        assert transport.pending("notifications.info") == 2
    assert transport.pending("notifications.info") == 3
