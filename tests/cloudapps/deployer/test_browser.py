"""The GUI end to end in a real headless Chromium (Debian's, driven by Selenium).

The whole deployer side runs as it does in production, each part a process on
loopback in a temporary state dir: the cloud API and compute worker, the
deployer API + GUI (``carya serve etc/deployer/config.py``) and its tracker
(``carya listen etc/deployer/config.py``). The browser picks options, clicks
Deploy and watches the deployment reach ACTIVE; then deploys with the failing
flavor and watches ERROR (with its reason); bad input shows the server's
message. A screenshot goes to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from tests.support import ROOT, free_port, running

from .conftest import CARYA, DEPLOYER_CONFIG, background, cloud_running

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = os.path.join(ROOT, "test-artifacts")


@pytest.fixture(scope="module")
def gui(tmp_path_factory):
    state = str(tmp_path_factory.mktemp("cloudapps-gui"))
    with cloud_running(state) as cloud:
        env = dict(cloud.env, CLOUDAPPS_CLOUD_URL=cloud.url,
                   CLOUDAPPS_ALARMS_URL=f"http://127.0.0.1:{free_port()}")
        port = free_port()
        with running([CARYA, "serve", DEPLOYER_CONFIG, "--port", str(port)], port, env=env), \
                background([CARYA, "listen", DEPLOYER_CONFIG], env,
                           os.path.join(state, "tracker.log")):
            yield f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def browser():
    assert os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} missing: run scripts/ci-deps"
    assert os.access(CHROMEDRIVER, os.X_OK), f"{CHROMEDRIVER} missing: run scripts/ci-deps"
    profile = tempfile.mkdtemp(prefix="carya-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={profile}", "--window-size=1280,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


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


def row_state(driver, name):
    rows = driver.find_elements(By.CSS_SELECTOR, f"tr[data-testid=deployment][data-name='{name}']")
    return rows[0].get_attribute("data-state") if rows else None


def test_deploy_from_the_gui_reaches_active_and_a_failing_flavor_reaches_error(gui, browser):
    browser.get(gui)
    wait = WebDriverWait(browser, 20, poll_frequency=0.2)
    wait.until(lambda d: len(Select(d.find_element(By.ID, "flavor")).options) >= 4)
    labels = {lab.get_attribute("for") for lab in browser.find_elements(By.TAG_NAME, "label")}
    assert {"template", "image", "flavor", "instances"} <= labels

    deploy(browser, "shop", "m1.tiny (1 vCPU, 512 MB)", instances="2", template="web+db")
    wait.until(lambda d: row_state(d, "shop") == "active")
    row = browser.find_element(By.CSS_SELECTOR, "tr[data-name='shop']")
    statuses = [s.get_attribute("data-status")
                for s in row.find_elements(By.CSS_SELECTOR, "[data-testid=server]")]
    assert statuses == ["ACTIVE"] * 3

    deploy(browser, "doomed", "m1.fail (1 vCPU, 256 MB)")
    wait.until(lambda d: row_state(d, "doomed") == "error")
    reason = browser.find_element(By.CSS_SELECTOR, "tr[data-name='doomed'] [data-testid=reason]")
    assert "went to ERROR" in reason.text

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
