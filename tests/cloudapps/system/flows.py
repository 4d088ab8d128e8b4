"""What a user does with the system, over HTTP: used by every system test.

All of it goes through the public APIs of DESIGN.md (deployer ``/v1``, alarms
``/v2/alarms``), never through a service's database.
"""

from __future__ import annotations

from tests.cloudapps.system.conftest import call, wait_until

FAIL_FLAVOR = "m1.fail"


def catalog(deployer: int) -> dict:
    status, body = call(deployer, "GET", "/v1/catalog")
    if status in (301, 302):  # object dispatch may add the trailing slash
        status, body = call(deployer, "GET", "/v1/catalog/")
    assert status == 200, (status, body)
    return body


def good_flavor(cat: dict) -> str:
    """A flavor of the catalog that does not fail (the first one that is not m1.fail)."""
    for flavor in cat["flavors"]:
        name = flavor["name"] if isinstance(flavor, dict) else flavor
        if name != FAIL_FLAVOR:
            return name
    raise AssertionError(f"no usable flavor in the catalog: {cat}")


def image(cat: dict) -> str:
    first = cat["images"][0]
    return first["name"] if isinstance(first, dict) else first


def deploy(deployer: int, name: str, flavor: str, image_name: str, instances: int = 1,
           template: str = "web") -> dict:
    body = {"name": name, "template": template, "image": image_name, "flavor": flavor,
            "instances": instances}
    status, answer = call(deployer, "POST", "/v1/deployments", body)
    assert status == 201, (status, answer)
    return answer.get("deployment", answer)


def deployment(deployer: int, ident: str) -> dict:
    status, body = call(deployer, "GET", f"/v1/deployments/{ident}")
    assert status == 200, (status, body)
    return body.get("deployment", body)


def wait_state(deployer: int, ident: str, state: str, timeout: float = 60,
               on_fail=None) -> dict:
    """Until the deployment is in ``state`` (fails at once on a different final state)."""
    final = {"active", "error", "deleted"} - {state}

    def reached():
        current = deployment(deployer, ident)
        assert current["state"] not in final, current
        return current if current["state"] == state else None

    return wait_until(reached, timeout, f"deployment {ident} -> {state}", on_fail)


def create_alarm(alarms: int, name: str, event_type: str, actions: list[str],
                 repeat: bool = False, query: list | None = None) -> dict:
    body = {"name": name, "type": "event",
            "event_rule": {"event_type": event_type, "query": query or []},
            "alarm_actions": actions, "ok_actions": [], "repeat_actions": repeat}
    status, answer = call(alarms, "POST", "/v2/alarms", body)
    assert status == 201, (status, answer)
    return answer


def alarm(alarms: int, ident: str) -> dict:
    status, body = call(alarms, "GET", f"/v2/alarms/{ident}")
    assert status == 200, (status, body)
    return body


def history(alarms: int, ident: str) -> list:
    status, body = call(alarms, "GET", f"/v2/alarms/{ident}/history")
    assert status == 200, (status, body)
    return body
