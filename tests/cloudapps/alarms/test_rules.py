"""Event rules: event type globs, query fields and operators."""

from __future__ import annotations

import pytest
from cloudapps.alarms.rules import check_field, compile_rule, event_of


def event(event_type="deployment.create.error", **payload):
    return event_of("error", "deployer.host1", event_type, payload,
                    {"message_id": "m1", "timestamp": "2026-01-01 00:00:00"})


@pytest.mark.parametrize("pattern, event_type, expected", [
    ("deployment.*.error", "deployment.create.error", True),
    ("deployment.*.error", "deployment.delete.error", True),
    ("deployment.*.error", "deployment.create.end", False),
    ("deployment.create.error", "deployment.create.error", True),
    ("compute.instance.*", "compute.instance.update", True),
    ("*", "anything.at.all", True),
    ("Deployment.*", "deployment.create.error", False),  # case matters, as in Aodh
])
def test_event_type_globs(pattern, event_type, expected):
    assert compile_rule({"event_type": pattern})(event(event_type)) is expected


@pytest.mark.parametrize("query, expected", [
    ([{"field": "payload.state", "op": "eq", "value": "error"}], True),
    ([{"field": "payload.state", "value": "error"}], True),  # op defaults to eq
    ([{"field": "payload.state", "op": "ne", "value": "error"}], False),
    ([{"field": "traits.state", "op": "eq", "value": "error"}], True),
    ([{"field": "payload.instances", "op": "gt", "value": 2}], True),
    ([{"field": "payload.instances", "op": "ge", "value": 3}], True),
    ([{"field": "payload.instances", "op": "lt", "value": 3}], False),
    ([{"field": "payload.instances", "op": "le", "value": "3"}], True),  # "3" vs 3: numbers
    ([{"field": "payload.cpu", "op": "gt", "value": 9}], True),  # "10" in the event
    ([{"field": "payload.metadata.deployment_id", "value": "d-1"}], True),
    ([{"field": "payload.metadata.missing", "op": "ne", "value": "x"}], False),
    ([{"field": "payload.nothere", "op": "ne", "value": "x"}], False),
    ([{"field": "publisher_id", "value": "deployer.host1"}], True),
    ([{"field": "event_type", "value": "deployment.create.error"}], True),
    ([{"field": "priority", "value": "error"}], True),
    ([{"field": "payload.state", "value": "error"},
      {"field": "payload.instances", "op": "gt", "value": 5}], False),  # AND
    ([{"field": "payload.state", "op": "gt", "value": 1}], False),  # unorderable: no match
    ([{"field": "payload.ok", "value": False}], True),
    ([{"field": "payload.ok", "value": "false"}], False),
])
def test_queries(query, expected):
    ev = event(state="error", instances=3, cpu="10", ok=False,
               metadata={"deployment_id": "d-1"})
    assert compile_rule({"event_type": "deployment.*", "query": query})(ev) is expected


def test_a_payload_that_is_not_a_dict_matches_no_payload_query():
    ev = event_of("info", "p", "x.y", ["a", "list"], {})
    assert compile_rule({"event_type": "x.*"})(ev)
    assert not compile_rule({"event_type": "x.*", "query": [{"field": "payload.a",
                                                             "value": 1}]})(ev)


@pytest.mark.parametrize("field, ok", [
    ("payload.state", True), ("payload.a.b.c", True), ("traits.state", True),
    ("event_type", True), ("publisher_id", True), ("state", False), ("payload.", False),
    ("payload..x", False), ("traits", False), ("other.x", False),
])
def test_check_field(field, ok):
    assert (check_field(field) is None) is ok
