"""The GUI end to end in a real headless Chromium (Debian's, driven by Selenium).

The whole deployer side runs as it does in production, each part a process on
loopback in a temporary state dir: the cloud API and compute worker, the
deployer API + GUI (``carya serve etc/deployer/config.py``) and its tracker
(``carya listen etc/deployer/config.py``). The browser picks options, clicks
Deploy and watches the deployment reach ACTIVE; then deploys with the failing
flavor and watches ERROR (with its reason); bad input shows the server's
message. With the alarm service running too (``carya serve`` / ``carya listen``
``etc/alarms/config.py``), an event alarm on ``deployment.create.error`` goes to
``alarm`` when the browser deploys the failing flavor, and the GUI shows it with
its history. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from contextlib import contextmanager

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from tests.support import ROOT, free_port, headless_chromium, running

from .conftest import CARYA, DEPLOYER_CONFIG, alarms_running, background, cloud_running

ARTIFACTS = os.path.join(ROOT, "test-artifacts")


@contextmanager
def deployer_running(env: dict, state: str):
    """The deployer API + GUI and its tracker, in ``env``; yields the GUI's URL."""
    port = free_port()
    with running([CARYA, "serve", DEPLOYER_CONFIG, "--port", str(port)], port, env=env), \
            background([CARYA, "listen", DEPLOYER_CONFIG], env,
                       os.path.join(state, "tracker.log")):
        yield f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def gui(tmp_path_factory):
    """The deployer side only: the alarm URL points at a port nothing listens on."""
    state = str(tmp_path_factory.mktemp("cloudapps-gui"))
    with cloud_running(state) as cloud:
        env = dict(cloud.env, CLOUDAPPS_CLOUD_URL=cloud.url,
                   CLOUDAPPS_ALARMS_URL=f"http://127.0.0.1:{free_port()}")
        with deployer_running(env, state) as url:
            yield url


@pytest.fixture(scope="module")
def gui_with_alarms(tmp_path_factory):
    """Cloud, deployer and the alarm service (API + evaluator) on one transport; (GUI, alarms)."""
    state = str(tmp_path_factory.mktemp("cloudapps-gui-alarms"))
    with cloud_running(state) as cloud, alarms_running(cloud.env, state) as alarms_url:
        env = dict(cloud.env, CLOUDAPPS_CLOUD_URL=cloud.url, CLOUDAPPS_ALARMS_URL=alarms_url)
        with deployer_running(env, state) as url:
            yield url, alarms_url


@pytest.fixture(scope="module")
def browser():
    with headless_chromium(console=True) as driver:  # console: the tests check for errors
        yield driver


def deploy(driver, name, flavor, instances="1", template="web"):
    driver.find_element(By.ID, "name").clear()
    driver.find_element(By.ID, "name").send_keys(name)
    Select(driver.find_element(By.ID, "template")).select_by_value(template)
    Select(driver.find_element(By.ID, "image")).select_by_visible_text("cirros-0.6.2")
    Select(driver.find_element(By.ID, "flavor")).select_by_visible_text(flavor)
    count = driver.find_element(By.ID, "instances")
    count.clear()
    count.send_keys(instances)
    driver.find_element(By.CSS_SELECTOR, "[data-testid=deploy]").click()


#: One deployment row as the GUI shows it, read in one script run: the table is rebuilt
#: every second, so element handles held across calls would go stale.
ROW_SNAPSHOT = """
const row = document.querySelector(`tr[data-testid=deployment][data-name="${arguments[0]}"]`);
if (!row) return null;
const reason = row.querySelector("[data-testid=reason]");
return {state: row.dataset.state, reason: reason ? reason.textContent : null,
        servers: [...row.querySelectorAll("[data-testid=server]")].map((s) => s.dataset.status)};
"""


def shown_row(driver, name):
    """The deployment row named ``name`` (state, reason, server statuses), or None."""
    return driver.execute_script(ROW_SNAPSHOT, name)


def row_state(driver, name):
    row = shown_row(driver, name)
    return row and row["state"]


def test_deploy_from_the_gui_reaches_active_and_a_failing_flavor_reaches_error(gui, browser):
    browser.get(gui)
    wait = WebDriverWait(browser, 20, poll_frequency=0.2)
    wait.until(lambda d: len(Select(d.find_element(By.ID, "flavor")).options) >= 4)
    labels = {lab.get_attribute("for") for lab in browser.find_elements(By.TAG_NAME, "label")}
    assert {"template", "image", "flavor", "instances"} <= labels

    deploy(browser, "shop", "m1.tiny (1 vCPU, 512 MB)", instances="2", template="web+db")
    wait.until(lambda d: row_state(d, "shop") == "active")
    assert shown_row(browser, "shop")["servers"] == ["ACTIVE"] * 3

    deploy(browser, "doomed", "m1.fail (1 vCPU, 256 MB)")
    wait.until(lambda d: row_state(d, "doomed") == "error")
    assert "went to ERROR" in shown_row(browser, "doomed")["reason"]

    alarms_error = browser.find_element(By.ID, "alarms-error")
    wait.until(lambda d: alarms_error.is_displayed())
    assert "alarm service is not available" in alarms_error.text

    os.makedirs(ARTIFACTS, exist_ok=True)
    assert browser.save_screenshot(os.path.join(ARTIFACTS, "deployer-gui.png"))


def test_bad_input_shows_the_servers_message(gui, browser):
    browser.get(gui)
    wait = WebDriverWait(browser, 20, poll_frequency=0.2)
    wait.until(lambda d: len(Select(d.find_element(By.ID, "flavor")).options) >= 4)
    deploy(browser, "too-many", "m1.tiny (1 vCPU, 512 MB)", instances="11")
    error = browser.find_element(By.ID, "form-error")
    wait.until(lambda d: error.is_displayed())
    assert "'instances' must be from 1 to 10, not 11" in error.text
    assert row_state(browser, "too-many") is None


def http_json(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={
        "Content-Type": "application/json", "Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - loopback test URL
        return resp.status, json.loads(resp.read() or b"null")


#: One alarm as the GUI shows it, read in one script run: the list is re-rendered every few
#: seconds, so element handles held across calls would go stale.
ALARM_SNAPSHOT = """
const item = document.querySelector(`li[data-testid=alarm][data-id="${arguments[0]}"]`);
if (!item) return null;
const text = (sel) => { const n = item.querySelector(sel); return n ? n.textContent : null; };
return {state: item.dataset.state, name: text("[data-testid=alarm-name]"),
        state_text: text("[data-testid=alarm-state]"), reason: text("[data-testid=alarm-reason]"),
        text: item.textContent,
        history: [...item.querySelectorAll("[data-testid=alarm-history-item]")].map((h) => [
          h.dataset.type, h.dataset.current, h.dataset.timestamp,
          h.querySelector("[data-testid=alarm-history-reason]").textContent])};
"""


def shown_alarm(driver, alarm_id):
    return driver.execute_script(ALARM_SNAPSHOT, alarm_id)


def test_a_failing_deployment_fires_an_event_alarm_the_gui_shows_with_its_history(
        gui_with_alarms, browser):
    gui_url, alarms_url = gui_with_alarms
    status, alarm = http_json("POST", f"{alarms_url}/v2/alarms", {
        "name": "deploy-failed", "type": "event",
        "event_rule": {"event_type": "deployment.create.error", "query": []},
        "alarm_actions": ["log://"], "ok_actions": [], "repeat_actions": False})
    assert status == 201 and alarm["state"] == "insufficient data"
    alarm_id = alarm["id"]

    browser.get(gui_url)
    wait = WebDriverWait(browser, 30, poll_frequency=0.2)
    wait.until(lambda d: len(Select(d.find_element(By.ID, "flavor")).options) >= 4)
    shown = wait.until(lambda d: (shown_alarm(d, alarm_id) or {}).get("history")
                       and shown_alarm(d, alarm_id))
    assert shown["name"].strip() == "deploy-failed"
    assert shown["state"] == shown["state_text"] == "insufficient data"
    assert [h[0] for h in shown["history"]] == ["creation"]
    assert not browser.find_element(By.ID, "alarms-error").is_displayed()

    deploy(browser, "doomed-alarm", "m1.fail (1 vCPU, 256 MB)")
    wait.until(lambda d: row_state(d, "doomed-alarm") == "error")

    def fired(d):
        shown = shown_alarm(d, alarm_id)
        return shown and shown["state"] == "alarm" and len(shown["history"]) == 2 and shown
    shown = wait.until(fired)
    assert shown["state_text"] == "alarm"
    assert "deployment.create.error" in shown["reason"]
    (kind, current, when, reason), (first_kind, _, first_when, first_reason) = shown["history"]
    assert (kind, current) == ("state transition", "alarm")  # newest first
    assert "Event deployment.create.error" in reason and "matched the alarm's rule" in reason
    assert (first_kind, first_reason) == ("creation", "Alarm created")
    assert when and first_when and when >= first_when
    assert "[object Object]" not in shown["text"]

    # the GUI read the same list, through the deployer's proxy, as the alarm API serves it
    _, proxied = http_json("GET", f"{gui_url}v1/alarms/{alarm_id}/history")
    _, direct = http_json("GET", f"{alarms_url}/v2/alarms/{alarm_id}/history")
    assert proxied == direct
    assert [(h["type"], h["reason"], h["timestamp"]) for h in proxied] == [
        (kind, reason, when), (first_kind, first_reason, first_when)]

    browser.execute_script("document.getElementById('alarms-title').scrollIntoView()")
    os.makedirs(ARTIFACTS, exist_ok=True)
    assert browser.save_screenshot(os.path.join(ARTIFACTS, "gui-alarm.png"))


#: The page's state read in one script run (the lists re-render every 1-3 s).
PAGE_SNAPSHOT = """
const flavor = document.getElementById("flavor");
const main = document.querySelector("main").getBoundingClientRect();
const chosen = flavor.options[flavor.selectedIndex];
return {flavor: chosen ? chosen.text : null,
        main_width: main.width, window_width: document.documentElement.clientWidth,
        rows: [...document.querySelectorAll("tr[data-testid=deployment]")].map(
          (r) => [r.dataset.name, r.dataset.state]),
        deleted_count: document.getElementById("deleted-count").textContent,
        alarms: [...document.querySelectorAll("li[data-testid=alarm]")].map((a) => ({
          id: a.dataset.id, name: a.dataset.name, state: a.dataset.state,
          rule: a.querySelector("[data-testid=alarm-rule]").textContent}))};
"""


def page(driver) -> dict:
    return driver.execute_script(PAGE_SNAPSHOT)


def gui_alarm(driver, name):
    return next((a for a in page(driver)["alarms"] if a["name"] == name), None)


def click(driver, selector: str) -> None:
    """Find and click in one script run (no element handle to go stale)."""
    assert driver.execute_script(
        "const n = document.querySelector(arguments[0]); if (n) n.click(); return !!n;",
        selector), selector


def fill(driver, element_id: str, text: str) -> None:
    field = driver.find_element(By.ID, element_id)
    field.clear()
    field.send_keys(text)


def test_the_gui_as_a_user_expects_it(gui_with_alarms, browser):
    """Good default flavor, full width, no console errors, deleted deployments hidden,
    alarms created, edited (the whole document PUT) and deleted from the GUI."""
    gui_url, alarms_url = gui_with_alarms
    browser.get(gui_url)
    browser.get_log("browser")  # start from a clean console
    wait = WebDriverWait(browser, 30, poll_frequency=0.2)
    wait.until(lambda d: len(Select(d.find_element(By.ID, "flavor")).options) >= 4)
    shown = page(browser)
    assert shown["flavor"].startswith("m1.tiny"), shown["flavor"]
    assert shown["main_width"] >= shown["window_width"] - 5, shown

    # an alarm made in the GUI: event type, a query on the payload, the default log:// action
    fill(browser, "alarm-name", "gui-alarm")
    fill(browser, "alarm-event", "deployment.create.end")
    fill(browser, "alarm-query-field", "payload.name")
    fill(browser, "alarm-query-value", "gui-shop")
    click(browser, "[data-testid=alarm-save]")
    made = wait.until(lambda d: gui_alarm(d, "gui-alarm"))
    assert "payload.name eq gui-shop" in made["rule"] and "log://" in made["rule"]
    _, doc = http_json("GET", f"{alarms_url}/v2/alarms/{made['id']}")
    assert doc["event_rule"] == {"event_type": "deployment.create.end", "query": [
        {"field": "payload.name", "op": "eq", "value": "gui-shop"}]}

    # edited: new name and a webhook; the rest of the document is kept
    click(browser, f"li[data-id='{made['id']}'] [data-testid=alarm-edit]")
    wait.until(lambda d: d.find_element(By.ID, "alarm-name").get_attribute("value")
               == "gui-alarm")
    fill(browser, "alarm-name", "gui-alarm-2")
    fill(browser, "alarm-webhook", "http://127.0.0.1:9/hook")
    click(browser, "[data-testid=alarm-save]")
    wait.until(lambda d: gui_alarm(d, "gui-alarm-2"))
    _, doc = http_json("GET", f"{alarms_url}/v2/alarms/{made['id']}")
    assert doc["name"] == "gui-alarm-2" and doc["alarm_actions"] == ["http://127.0.0.1:9/hook"]
    assert doc["event_rule"]["query"][0]["value"] == "gui-shop"

    # a bad edit shows the alarm service's own message
    click(browser, f"li[data-id='{made['id']}'] [data-testid=alarm-edit]")
    fill(browser, "alarm-webhook", "ftp://example.com/")
    click(browser, "[data-testid=alarm-save]")
    error = browser.find_element(By.ID, "alarm-form-error")
    wait.until(lambda d: error.is_displayed())
    assert "is not an http://, https:// or log:// URL" in error.text
    click(browser, "[data-testid=alarm-cancel]")

    # the query matches this deployment only: the alarm fires when it is active
    deploy(browser, "gui-shop", "m1.tiny (1 vCPU, 512 MB)")
    wait.until(lambda d: row_state(d, "gui-shop") == "active")
    wait.until(lambda d: (gui_alarm(d, "gui-alarm-2") or {}).get("state") == "alarm")

    # deleted deployments are hidden unless asked for
    click(browser, "tr[data-name='gui-shop'] [data-testid=delete]")
    wait.until(lambda d: ["gui-shop", "deleted"] not in page(d)["rows"]
               and "hidden" in page(d)["deleted_count"])
    assert row_state(browser, "gui-shop") is None
    click(browser, "#show-deleted")
    wait.until(lambda d: row_state(d, "gui-shop") == "deleted")
    click(browser, "#show-deleted")

    click(browser, f"li[data-id='{made['id']}'] [data-testid=alarm-delete]")
    wait.until(lambda d: gui_alarm(d, "gui-alarm-2") is None)
    with pytest.raises(urllib.error.HTTPError) as gone:
        http_json("GET", f"{alarms_url}/v2/alarms/{made['id']}")
    assert gone.value.code == 404

    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    # the refused edit above is the only failed request the page made
    assert all("/v1/alarms/" in e["message"] and " 400 " in e["message"] for e in severe), severe
    os.makedirs(ARTIFACTS, exist_ok=True)
    assert browser.save_screenshot(os.path.join(ARTIFACTS, "gui-alarm-form.png"))
