"""aodhclient (the library) and its ``aodh`` CLI against the alarm service.

Covered, library: alarm create/get/list (filters, limit, sort, marker)/query (complex)/
update (aodhclient reads the alarm and PUTs the whole document back)/delete,
get_state/set_state, alarm_history get (limit, sort)/search, capabilities, and
errors as aodhclient's exceptions carrying Aodh's ``faultstring``. CLI: ``alarm
create/list/show (by id and by name)/update/state get|set/delete``, ``alarm-history
show/search``, ``capabilities list``, and an error's message on stderr.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from aodhclient import client as aodh_client
from aodhclient import exceptions as aodh_exc
from aodhclient import noauth
from keystoneauth1 import session as ks_session

from .conftest import alarms_url

EVENT_RULE = {"event_type": "deployment.*.error",
              "query": [{"field": "payload.state", "op": "eq", "value": "error"}]}


def aodh(system, user: str = "u-aodh", project: str = "p-aodh"):
    auth = noauth.AodhNoAuthPlugin(user_id=user, project_id=project, roles="admin",
                                   endpoint=alarms_url(system))
    return aodh_client.Client("2", session=ks_session.Session(auth=auth))


def new_alarm(client, name: str, **over) -> dict:
    return client.alarm.create({"name": name, "type": "event", "event_rule": dict(EVENT_RULE),
                                "alarm_actions": ["log://"], **over})


def test_alarm_crud_state_history_and_queries(system):
    client = aodh(system)
    alarm = new_alarm(client, "lib-a", severity="critical",
                      time_constraints=[{"name": "night", "start": "0 22 * * *",
                                         "duration": 28800}])
    assert alarm["user_id"] == "u-aodh" and alarm["project_id"] == "p-aodh"
    assert alarm["time_constraints"][0]["timezone"] == ""
    other = new_alarm(client, "lib-b", state="ok")
    assert client.alarm.get(alarm["alarm_id"]) == alarm

    def names(**kwargs) -> list[str]:
        return [a["name"] for a in client.alarm.list(**kwargs) if a["name"].startswith("lib-")]

    assert names(filters={"state": "ok"}) == ["lib-b"]
    assert names(filters={"severity": "critical", "type": "event"}) == ["lib-a"]
    assert names(sorts=["name:desc"]) == ["lib-b", "lib-a"]
    assert len(client.alarm.list(limit=1)) == 1
    assert names(sorts=["name:asc"], marker=alarm["alarm_id"]) == ["lib-b"]
    found = client.alarm.query(json.dumps({"and": [{"=": {"name": "lib-b"}},
                                                  {"=": {"state": "ok"}}]}))
    assert [a["alarm_id"] for a in found] == [other["alarm_id"]]

    updated = client.alarm.update(alarm["alarm_id"], {
        "name": "lib-a2", "event_rule": {"event_type": "deployment.create.error"}})
    assert updated["name"] == "lib-a2" and updated["severity"] == "critical"
    assert updated["event_rule"] == {**EVENT_RULE, "event_type": "deployment.create.error"}
    assert client.alarm.set_state(alarm["alarm_id"], "alarm") == "alarm"
    assert client.alarm.get_state(alarm["alarm_id"]) == "alarm"

    history = client.alarm_history.get(alarm["alarm_id"])
    assert [h["type"] for h in history] == ["state transition", "rule change", "creation"]
    assert all(h["event_id"] and isinstance(h["detail"], str) for h in history)
    assert json.loads(history[1]["detail"])["name"] == "lib-a2"
    assert [h["type"] for h in client.alarm_history.get(alarm["alarm_id"], limit=1)] == \
        ["state transition"]
    oldest = client.alarm_history.get(alarm["alarm_id"], sorts=["timestamp:asc"])
    assert oldest[0]["type"] == "creation"
    searched = client.alarm_history.search(json.dumps({"and": [
        {"=": {"alarm_id": alarm["alarm_id"]}}, {"=": {"type": "rule change"}}]}))
    assert [h["event_id"] for h in searched] == [history[1]["event_id"]]

    caps = client.capabilities.list()
    assert caps["api"]["alarms:query:complex"] is True

    client.alarm.delete(alarm["alarm_id"])
    client.alarm.delete(other["alarm_id"])
    with pytest.raises(aodh_exc.NotFound, match=f"Alarm {alarm['alarm_id']} not found"):
        client.alarm.get(alarm["alarm_id"])


def test_errors_carry_the_servers_faultstring(system):
    client = aodh(system)
    with pytest.raises(aodh_exc.BadRequest, match="'name' is a required property") as raised:
        client.alarm.create({"type": "event", "event_rule": dict(EVENT_RULE)})
    assert raised.value.code == 400
    with pytest.raises(aodh_exc.BadRequest, match="is not an http://, https:// or log://"):
        new_alarm(client, "bad-action", alarm_actions=["ftp://example.com/"])
    with pytest.raises(aodh_exc.BadRequest, match="Unknown argument: 'colour'"):
        client.alarm.list(filters={"colour": "red"})
    with pytest.raises(aodh_exc.NotFound, match="Alarm nope not found"):
        client.alarm.set_state("nope", "ok")


# --- the aodh CLI ------------------------------------------------------------------------


def cli(system, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """``aodh --os-auth-type aodh-noauth ... <args>``, as a user types it."""
    aodh_bin = os.path.join(os.path.dirname(sys.executable), "aodh")
    command = [aodh_bin, "--os-auth-type", "aodh-noauth", "--aodh-endpoint", alarms_url(system),
               "--user-id", "u-cli", "--project-id", "p-cli", "--roles", "admin", *args]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    if check:
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done


def cli_json(system, *args: str) -> object:
    return json.loads(cli(system, *args, "-f", "json").stdout)


def test_aodh_cli(system):
    created = cli_json(system, "alarm", "create", "--type", "event", "--name", "cli_alarm",
                       "--event-type", "deployment.create.error",
                       "--query", "payload.state=string::error",
                       "--alarm-action", "log://", "--severity", "moderate",
                       "--time-constraint", "name=weekdays;start=0 9 * * 1-5;duration=3600")
    alarm_id = created["alarm_id"]
    assert created["event_type"] == "deployment.create.error"
    assert created["query"] == "payload.state = error" and created["user_id"] == "u-cli"
    assert "weekdays" in created["time_constraints"]

    listed = cli_json(system, "alarm", "list", "--filter", "name=cli_alarm")
    assert [a["alarm_id"] for a in listed] == [alarm_id]
    assert cli_json(system, "alarm", "list", "--query", "name=cli_alarm")[0]["name"] == \
        "cli_alarm"
    assert cli_json(system, "alarm", "show", alarm_id)["severity"] == "moderate"
    assert cli_json(system, "alarm", "show", "--name", "cli_alarm")["alarm_id"] == alarm_id

    updated = cli_json(system, "alarm", "update", alarm_id, "--severity", "critical",
                       "--name", "cli_alarm_2")
    assert updated["severity"] == "critical" and updated["name"] == "cli_alarm_2"
    assert updated["event_type"] == "deployment.create.error"
    assert cli_json(system, "alarm", "state", "set", "--state", "alarm", alarm_id)["state"] \
        == "alarm"
    assert cli_json(system, "alarm", "state", "get", alarm_id)["state"] == "alarm"

    history = cli_json(system, "alarm-history", "show", alarm_id)
    assert [h["type"] for h in history] == ["state transition", "rule change", "creation"]
    assert all(h["event_id"] for h in history)
    assert len(cli_json(system, "alarm-history", "show", alarm_id, "--limit", "1")) == 1
    searched = cli_json(system, "alarm-history", "search", "--query",
                        f"alarm_id={alarm_id} and type=creation")
    assert [h["type"] for h in searched] == ["creation"]
    caps = cli_json(system, "capabilities", "list")
    assert caps["api"]["alarms:query:simple"] is True

    cli(system, "alarm", "delete", alarm_id)
    missing = cli(system, "alarm", "show", alarm_id, check=False)
    assert missing.returncode != 0 and f"Alarm {alarm_id} not found" in missing.stderr
    bad = cli(system, "alarm", "create", "--type", "event", "--name", "bad",
              "--event-type", "x", "--alarm-action", "ftp://example.com/", check=False)
    assert bad.returncode != 0 and "is not an http://, https:// or log:// URL" in bad.stderr
