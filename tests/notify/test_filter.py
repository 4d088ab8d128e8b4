"""filter_rule: the same answers as oslo.messaging's NotificationFilter, case by case."""

from __future__ import annotations

import pytest
from oslo_messaging.notify.filter import NotificationFilter as OsloFilter

from carya.notify import NotificationFilter

RULES = [
    {},
    {"event_type": r"^book\."},
    {"event_type": r"create"},  # match() is anchored at the start: no match for book.create
    {"publisher_id": r"^api\.h[0-9]$"},
    {"context": {"project_id": "^p1$"}},
    {"context": {"roles": "admin"}},  # a list value never matches
    {"metadata": {"timestamp": "2024"}},
    {"payload": {"state": "^active$"}},
    {"event_type": r"^book\.", "context": {"user_id": "^u"}, "payload": {"state": "act"}},
]
MESSAGES = [
    ({"project_id": "p1", "user_id": "u1", "roles": ["admin"]}, "api.h1", "book.create.end",
     {"message_id": "m", "timestamp": "2024-01-01"}, {"state": "active"}),
    ({"project_id": "p2"}, "compute.h1", "instance.create", {"message_id": "m",
                                                             "timestamp": "2023"}, {"state": 1}),
    ({}, None, "book.delete", {}, "not a dict"),
]


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("message", MESSAGES)
def test_same_decision_as_oslo(rule, message):
    assert NotificationFilter(**rule).match(*message) == OsloFilter(**rule).match(*message)


def test_some_cases_really_match_and_some_do_not():
    assert NotificationFilter(event_type=r"^book\.").match(*MESSAGES[0])
    assert not NotificationFilter(event_type=r"^book\.").match(*MESSAGES[1])


def test_a_bad_pattern_is_a_clear_error():
    with pytest.raises(ValueError, match=r"context\['user'\] pattern"):
        NotificationFilter(context={"user": "("})
