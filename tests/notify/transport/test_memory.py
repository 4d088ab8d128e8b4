"""The in-process transport: buses by name."""

from __future__ import annotations

from carya.notify import Notifier, get_transport


def test_transports_on_one_name_share_a_bus_and_other_names_do_not(memory_url):
    first, second = get_transport(memory_url), get_transport(memory_url)
    other = get_transport(memory_url + "-other")
    Notifier(first, "p", topics=["t"]).info({}, "e", {})
    assert second.pending("t.info") == 1
    assert other.pending("t.info") == 0
    assert get_transport("fake://").bus is get_transport("memory://default").bus
