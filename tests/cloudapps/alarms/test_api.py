"""``/v2/alarms`` over WebTest, on SQLite and PostgreSQL: CRUD, state, history, bad input."""

from __future__ import annotations

import json

import pytest

from tests.cloudapps.alarms.conftest import alarm_body

JSON = {"Accept": "application/json"}


def fault(res) -> str:
    """The message of an Aodh error body (what aodhclient shows)."""
    assert res.json["error_message"]["faultcode"] == "Client", res.json
    return res.json["error_message"]["faultstring"]


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


def test_update_takes_the_whole_document_and_records_a_rule_change(api):
    alarm = create(api, description="first", severity="critical")
    # as aodhclient does: read the alarm, change some keys, send the whole document back
    doc = {**alarm, "name": "renamed", "repeat_actions": True,
           "event_rule": {"event_type": "compute.instance.update",
                          "query": [{"field": "traits.state", "value": "error"}]}}
    del doc["description"]  # an omitted key gets Aodh's default
    res = api.put_json(f"/v2/alarms/{alarm['id']}", doc)
    assert res.json["name"] == "renamed" and res.json["repeat_actions"] is True
    assert res.json["event_rule"]["event_type"] == "compute.instance.update"
    assert res.json["description"] == "" and res.json["severity"] == "critical"
    assert api.get(f"/v2/alarms/{alarm['id']}").json["name"] == "renamed"
    history = api.get(f"/v2/alarms/{alarm['id']}/history").json
    assert [h["type"] for h in history] == ["rule change", "creation"]
    assert set(json.loads(history[0]["detail"])) == {
        "name", "repeat_actions", "event_rule", "description"}
    assert len({h["event_id"] for h in history}) == 2
    res = api.put_json(f"/v2/alarms/{alarm['id']}", {**doc, "alarm_id": "other"},
                       headers=JSON, status=400)
    assert "alarm_id 'other'" in fault(res)


def test_time_constraints_and_user(api):
    constraint = {"name": "office", "start": "0 9 * * 1-5", "duration": 3600,
                  "timezone": "Europe/Paris"}
    res = api.post_json("/v2/alarms", alarm_body(time_constraints=[constraint]),
                        headers={**JSON, "X-User-Id": "u-1", "X-Project-Id": "p-1"},
                        status=201)
    assert res.json["user_id"] == "u-1" and res.json["project_id"] == "p-1"
    assert res.json["time_constraints"] == [{
        **constraint, "description": "Time constraint at 0 9 * * 1-5 lasting for 3600 seconds"}]
    for bad, words in (({**constraint, "timezone": "Mars/Olympus"}, "not a known timezone"),
                       ({**constraint, "start": "soon"}, "start"),
                       ({**constraint, "duration": -1}, "duration")):
        res = api.post_json("/v2/alarms", alarm_body(time_constraints=[bad]), headers=JSON,
                            status=400)
        assert words in fault(res)
    res = api.post_json("/v2/alarms", alarm_body(time_constraints=[constraint, constraint]),
                        headers=JSON, status=400)
    assert "unique" in fault(res)


def test_simple_queries_limit_sort_and_marker(api):
    a = create(api, name="a", severity="critical")
    b = create(api, name="b", state="ok")
    c = create(api, name="c", state="ok", enabled=False)

    def names(query: str) -> list[str]:
        return [x["name"] for x in api.get(f"/v2/alarms?{query}").json]

    assert names("q.field=state&q.op=eq&q.value=ok") == ["b", "c"]
    assert names("q.field=state&q.value=ok&q.field=enabled&q.value=true") == ["b"]
    assert names("q.field=severity&q.op=ne&q.value=critical") == ["b", "c"]
    assert names("q.field=all_projects&q.op=eq&q.value=true") == ["a", "b", "c"]
    assert names("sort=name:desc") == ["c", "b", "a"]
    assert names("sort=name:desc&limit=2") == ["c", "b"]
    assert names(f"sort=name:asc&marker={a['id']}&limit=1") == ["b"]
    assert b["id"] != c["id"]
    for query, words in (("q.field=colour&q.value=red", "Unknown argument: 'colour'"),
                         ("q.field=name&q.op=like&q.value=a", "q.op 'like'"),
                         ("q.field=name&q.value=a&q.value=b", "complete sets"),
                         ("q.field=enabled&q.value=maybe", "not a boolean"),
                         ("sort=colour", "sort key 'colour'"),
                         ("sort=name:sideways", "sort direction"),
                         ("limit=0", "positive"),
                         ("limit=x", "limit")):
        res = api.get(f"/v2/alarms?{query}", headers=JSON, status=400)
        assert words in fault(res), (query, fault(res))


def test_complex_queries_and_capabilities(api):
    create(api, name="a", severity="critical")
    create(api, name="b", state="ok")
    create(api, name="c", state="alarm")

    def names(body: dict) -> list[str]:
        return [x["name"] for x in api.post_json("/v2/query/alarms", body).json]

    assert names({"filter": json.dumps({"=": {"name": "b"}})}) == ["b"]
    assert names({"filter": json.dumps({"or": [{"=": {"name": "a"}},
                                               {"in": {"state": ["alarm"]}}]}),
                  "orderby": json.dumps([{"name": "desc"}])}) == ["c", "a"]
    assert names({"filter": json.dumps({"not": {"=": {"state": "ok"}}}), "limit": 1}) == ["a"]
    assert names({}) == ["a", "b", "c"]
    for body, words in (({"filter": "{nope"}, "not valid JSON"),
                        ({"filter": json.dumps({"like": {"name": "a"}})}, "operator 'like'"),
                        ({"filter": json.dumps({"=": {"colour": "red"}})}, "'colour'"),
                        ({"filter": json.dumps({"and": [{"=": {"name": "a"}}]})},
                         "at least two")):
        res = api.post_json("/v2/query/alarms", body, headers=JSON, status=400)
        assert words in fault(res)
    history = api.post_json("/v2/query/alarms/history",
                            {"filter": json.dumps({"=": {"type": "creation"}})}).json
    assert len(history) == 3 and {h["type"] for h in history} == {"creation"}
    caps = api.get("/v2/capabilities/").json
    assert caps["api"]["alarms:query:complex"] is True
    assert api.get("/v2/capabilities").json == caps


def test_history_limit_sort_and_filter(api):
    alarm = create(api)
    url = f"/v2/alarms/{alarm['id']}"
    for state in ("alarm", "ok", "alarm"):
        api.put_json(f"{url}/state", state)
    assert [h["current"] for h in api.get(f"{url}/history?limit=2").json] == ["alarm", "ok"]
    oldest = api.get(f"{url}/history?sort=timestamp:asc&limit=2").json
    assert [h["type"] for h in oldest] == ["creation", "state transition"]
    only = api.get(f"{url}/history?q.field=type&q.op=eq&q.value=creation").json
    assert [h["type"] for h in only] == ["creation"]
    res = api.get(f"{url}/history?limit=-1", headers=JSON, status=400)
    assert "limit" in fault(res)


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
        assert "nope" in fault(res)
        for accept in ("*/*", "text/html"):  # curl's, a browser's: still Aodh's JSON error
            res = api.get(path, headers={"Accept": accept}, status=404)
            assert fault(res) == "Alarm nope not found"
    api.put_json("/v2/alarms/nope", alarm_body(), headers=JSON, status=404)
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
    assert words in fault(res), res.json
    assert "Traceback" not in res.text
    assert api.get("/v2/alarms").json == []  # nothing half-made


def test_missing_name_and_non_json_bodies(api):
    body = alarm_body()
    del body["name"]
    res = api.post_json("/v2/alarms", body, headers=JSON, status=400)
    assert "name" in fault(res)
    res = api.post("/v2/alarms", "{not json", headers={**JSON, "Content-Type":
                                                        "application/json"}, status=400)
    assert "Traceback" not in res.text
    alarm = create(api)
    api.put_json(f"/v2/alarms/{alarm['id']}", {}, headers=JSON, status=400)
    res = api.put_json(f"/v2/alarms/{alarm['id']}", {**alarm, "severity": "huge"},
                       headers=JSON, status=400)
    assert "severity" in fault(res)


def test_versions_document(api):
    assert api.get("/").json["versions"]["values"][0]["id"] == "v2"
