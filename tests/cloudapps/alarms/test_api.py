"""``/v2/alarms`` over WebTest, on SQLite and PostgreSQL: CRUD, state, history, bad input."""

from __future__ import annotations

import pytest

from tests.cloudapps.alarms.conftest import alarm_body

JSON = {"Accept": "application/json"}


def create(api, **over) -> dict:
    res = api.post_json("/v2/alarms", alarm_body(**over), headers=JSON, status=201)
    assert res.headers["Location"].endswith(f"/v2/alarms/{res.json['id']}")
    return res.json


def test_create_show_list(api):
    alarm = create(api, alarm_actions=["http://127.0.0.1:9999/hook", "log://"])
    assert alarm["state"] == "insufficient data"
    assert alarm["alarm_id"] == alarm["id"] and alarm["enabled"] is True
    assert alarm["event_rule"]["event_type"] == "deployment.*.error"
    assert alarm["alarm_actions"] == ["http://127.0.0.1:9999/hook", "log://"]
    shown = api.get(f"/v2/alarms/{alarm['id']}").json
    assert shown == alarm
    other = create(api, name="other", state="ok")
    listed = api.get("/v2/alarms").json
    assert [a["id"] for a in listed] == [alarm["id"], other["id"]]


def test_list_filters_by_state_name_enabled(api):
    first = create(api, name="a")
    second = create(api, name="b", state="ok", enabled=False)
    assert [a["id"] for a in api.get("/v2/alarms?state=ok").json] == [second["id"]]
    assert [a["id"] for a in api.get("/v2/alarms?name=a").json] == [first["id"]]
    assert [a["id"] for a in api.get("/v2/alarms?enabled=false").json] == [second["id"]]
    assert api.get("/v2/alarms?state=alarm").json == []
    res = api.get("/v2/alarms?state=bogus", headers=JSON, status=400)
    assert "state" in res.text


def test_update_changes_fields_and_records_a_rule_change(api):
    alarm = create(api)
    res = api.put_json(f"/v2/alarms/{alarm['id']}",
                       {"name": "renamed", "repeat_actions": True,
                        "event_rule": {"event_type": "compute.instance.update",
                                       "query": [{"field": "traits.state", "value": "error"}]}})
    assert res.json["name"] == "renamed" and res.json["repeat_actions"] is True
    assert res.json["event_rule"]["event_type"] == "compute.instance.update"
    assert api.get(f"/v2/alarms/{alarm['id']}").json["name"] == "renamed"
    history = api.get(f"/v2/alarms/{alarm['id']}/history").json
    assert [h["type"] for h in history] == ["rule change", "creation"]
    assert set(history[0]["detail"]) == {"name", "repeat_actions", "event_rule"}


def test_delete(api):
    alarm = create(api)
    api.delete(f"/v2/alarms/{alarm['id']}", status=204)
    api.get(f"/v2/alarms/{alarm['id']}", headers=JSON, status=404)
    api.delete(f"/v2/alarms/{alarm['id']}", headers=JSON, status=404)
    assert api.get("/v2/alarms").json == []


def test_state_get_and_put_with_history(api):
    alarm = create(api)
    url = f"/v2/alarms/{alarm['id']}/state"
    assert api.get(url).json == "insufficient data"
    assert api.put_json(url, "alarm").json == "alarm"
    assert api.put_json(url, {"state": "ok", "reason": "fixed by hand"}).json == "ok"
    assert api.get(url).json == "ok"
    assert api.get(f"/v2/alarms/{alarm['id']}").json["state_reason"] == "fixed by hand"
    history = api.get(f"/v2/alarms/{alarm['id']}/history").json
    transitions = [(h["previous"], h["current"], h["reason"]) for h in history
                   if h["type"] == "state transition"]
    assert transitions == [("alarm", "ok", "fixed by hand"),
                           ("insufficient data", "alarm", "State set via the API")]
    assert all(h["timestamp"] for h in history)
    res = api.put_json(url, "broken", headers=JSON, status=400)
    assert "broken" in res.text


def test_unknown_alarm_is_404_everywhere(api):
    for path in ("/v2/alarms/nope", "/v2/alarms/nope/state", "/v2/alarms/nope/history"):
        res = api.get(path, headers=JSON, status=404)
        assert "nope" in res.json["description"]
    api.put_json("/v2/alarms/nope", {"name": "x"}, headers=JSON, status=404)
    api.put_json("/v2/alarms/nope/state", "ok", headers=JSON, status=404)


@pytest.mark.parametrize("change, words", [
    ({"name": ""}, "name"),
    ({"type": "threshold"}, "type"),
    ({"event_rule": {"query": []}}, "event_type"),
    ({"event_rule": {"event_type": "x", "query": [{"field": "payload.a", "op": "like",
                                                   "value": 1}]}}, "op"),
    ({"event_rule": {"event_type": "x", "query": [{"field": "state", "value": "error"}]}},
     "query field 'state'"),
    ({"alarm_actions": ["ftp://example.com/"]}, "'ftp://example.com/' is not an http"),
    ({"alarm_actions": "http://x"}, "alarm_actions"),
    ({"repeat_actions": "yes"}, "repeat_actions"),
    ({"colour": "red"}, "colour"),
])
def test_bad_bodies_are_clear_400s(api, change, words):
    res = api.post_json("/v2/alarms", alarm_body(**change), headers=JSON, status=400)
    assert words in res.json["description"], res.json
    assert "Traceback" not in res.text
    assert api.get("/v2/alarms").json == []  # nothing half-made


def test_missing_name_and_non_json_bodies(api):
    body = alarm_body()
    del body["name"]
    res = api.post_json("/v2/alarms", body, headers=JSON, status=400)
    assert "name" in res.json["description"]
    res = api.post("/v2/alarms", "{not json", headers={**JSON, "Content-Type":
                                                        "application/json"}, status=400)
    assert "Traceback" not in res.text
    alarm = create(api)
    api.put_json(f"/v2/alarms/{alarm['id']}", {}, headers=JSON, status=400)
    res = api.put_json(f"/v2/alarms/{alarm['id']}", {"severity": "huge"}, headers=JSON,
                       status=400)
    assert "severity" in res.json["description"]


def test_versions_document(api):
    assert api.get("/").json["versions"]["values"][0]["id"] == "v2"
