"""The wire format, checked against oslo.messaging's own (de)serialization code."""

from __future__ import annotations

import datetime
import json
import math

import pytest
from oslo_context import context as oslo_context
from oslo_messaging._drivers import amqp as oslo_amqp
from oslo_messaging._drivers import common as oslo_common

from carya.notify import PayloadError, UndecodableMessage
from carya.notify.message import build, context_to_dict, decode


def test_envelope_is_what_oslo_deserializes_as_a_v2_notification():
    ctxt = {"user_id": "u1", "project_id": "p1", "request_id": "req-1"}
    note, body = build(ctxt, "api.host1", "book.create.end", "info", {"id": 7})
    outer = json.loads(body)
    assert outer["oslo.version"] == "2.0"
    assert isinstance(outer["oslo.message"], str)
    inner = oslo_common.deserialize_msg(outer)  # oslo's own reader
    assert inner["message_id"] == note.message_id
    assert inner["publisher_id"] == "api.host1"
    assert inner["event_type"] == "book.create.end"
    assert inner["priority"] == "INFO"  # oslo sends upper case
    assert inner["payload"] == {"id": 7}
    assert inner["_unique_id"]
    context = oslo_amqp.unpack_context(dict(inner)).to_dict()  # oslo's context reader
    assert context["user_id"] == "u1" and context["project_id"] == "p1"
    assert context["request_id"] == "req-1"
    # the timestamp is str() of a naive UTC datetime, as oslo writes it
    stamp = datetime.datetime.strptime(inner["timestamp"], "%Y-%m-%d %H:%M:%S.%f")
    assert abs((datetime.datetime.utcnow() - stamp).total_seconds()) < 5


def test_decodes_what_oslo_serializes():
    raw = {"message_id": "m-1", "publisher_id": "compute.h1", "event_type": "x.y",
           "priority": "ERROR", "payload": [1, 2], "timestamp": "2024-01-02 03:04:05.000006",
           "_unique_id": "abc"}
    oslo_amqp.pack_context(raw, {"user": "u", "roles": ["admin"]})
    note = decode(json.dumps(oslo_common.serialize_msg(raw)).encode())
    assert (note.message_id, note.publisher_id, note.event_type, note.priority) == (
        "m-1", "compute.h1", "x.y", "error")
    assert note.payload == [1, 2]
    assert note.context == {"user": "u", "roles": ["admin"]}
    assert note.metadata == {"message_id": "m-1", "timestamp": "2024-01-02 03:04:05.000006"}


def test_oslo_v1_messages_without_envelope_are_read_too():
    note = decode(json.dumps({"event_type": "a", "priority": "INFO", "payload": {},
                              "message_id": "m", "_context_user_id": "u"}))
    assert note.priority == "info" and note.context == {"user_id": "u"}


def test_secrets_are_redacted_from_dict_and_object_contexts():
    assert context_to_dict({"auth_token": "T", "service_token": "S", "user_id": "u",
                            "admin_password": "P", "request_id": "r"}) == {
        "auth_token": None, "service_token": None, "user_id": "u", "admin_password": None,
        "request_id": "r"}
    ctx = oslo_context.RequestContext(user_id="u", project_id="p", auth_token="SECRET",
                                      request_id="req-9")
    flat = context_to_dict(ctx)
    assert flat["user"] == "u" and flat["request_id"] == "req-9"  # oslo.context's key names
    assert "SECRET" not in json.dumps(flat)
    _, body = build(ctx, "p", "e", "info", {})
    assert b"SECRET" not in body


def test_any_object_with_to_dict_is_a_context():
    class Ctx:
        user_id = "u"

        def to_dict(self):
            return {"user_id": "u", "auth_token": "T"}

    assert context_to_dict(Ctx()) == {"user_id": "u", "auth_token": None}
    with pytest.raises(PayloadError, match="to_dict"):
        context_to_dict(object())


@pytest.mark.parametrize("payload", [object(), {"x": math.nan}, {"k": {1j}}])
def test_a_payload_json_cannot_hold_fails_at_the_call(payload):
    with pytest.raises(PayloadError, match="payload cannot be encoded"):
        build({}, "p", "e.v", "info", payload)


def test_known_types_are_encoded_by_carya_jsonify_rules():
    when = datetime.datetime(2024, 1, 2, 3, 4, 5)
    note, body = build({}, "p", "e", "info", {"when": when, "tags": {"a"}})
    assert decode(body).payload == {"when": "2024-01-02T03:04:05", "tags": ["a"]}


def test_a_context_json_cannot_hold_is_named_as_the_context():
    with pytest.raises(PayloadError, match="context cannot be encoded"):
        build({"user": object()}, "p", "e", "info", {})


@pytest.mark.parametrize("body, why", [
    (b"\xff\xfe", "not UTF-8"),
    (b"not json", "not valid JSON"),
    (b"[1, 2]", "not an object"),
    (json.dumps({"oslo.version": "3.0", "oslo.message": "{}"}).encode(), "unsupported envelope"),
    (json.dumps({"oslo.version": "2.0", "oslo.message": "{bad"}).encode(), "'oslo.message'"),
    (json.dumps({"oslo.version": "2.0", "oslo.message": "[]"}).encode(), "JSON object"),
    (json.dumps({"priority": "INFO"}).encode(), "event_type"),
    (json.dumps({"event_type": "e", "priority": "LOUD"}).encode(), "priority 'LOUD'"),
])
def test_undecodable_bodies_say_why(body, why):
    with pytest.raises(UndecodableMessage, match=why):
        decode(body)
