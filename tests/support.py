"""Helpers for tests that run real servers on loopback."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen | None = None, timeout: float = 15.0) -> None:
    """Wait until something accepts on 127.0.0.1:port; fail fast if ``proc`` died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else ""
            raise RuntimeError(f"server exited early ({proc.returncode}): {out}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listened on 127.0.0.1:{port} within {timeout}s")


@contextmanager
def running(cmd: Sequence[str], port: int, cwd: str | None = None,
            env: dict | None = None) -> Iterator[subprocess.Popen]:
    """Run a server command, wait for its port, stop it with SIGTERM afterwards."""
    proc = subprocess.Popen(
        list(cmd), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        wait_for_port(port, proc)
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def fetch(port: int, method: str, path: str, body: str | bytes | None = None,
          headers: dict | None = None) -> tuple[int, dict, str]:
    """One HTTP request over a real socket: (status, headers, body text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read().decode()
    finally:
        conn.close()


CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@contextmanager
def headless_chromium(console: bool = False) -> Iterator:
    """Debian's Chromium, headless, driven by Selenium, with a throwaway profile.

    ``console=True`` keeps the page's console messages for ``driver.get_log('browser')``.
    The flags keep it off the (closed) network; the profile is removed afterwards.
    """
    import shutil
    import tempfile

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} missing: run scripts/ci-deps"
    assert os.access(CHROMEDRIVER, os.X_OK), f"{CHROMEDRIVER} missing: run scripts/ci-deps"
    profile = tempfile.mkdtemp(prefix="carya-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    if console:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={profile}", "--window-size=1280,1000"):
        options.add_argument(flag)
    try:
        driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
        try:
            driver.set_page_load_timeout(20)
            yield driver
        finally:
            driver.quit()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@contextmanager
def sqlite_write_lock(path: str | os.PathLike, seconds: float) -> Iterator[None]:
    """Another connection holds a write lock on the SQLite file ``path`` (as another
    process's transaction would) and commits after ``seconds``."""
    import sqlite3
    import threading

    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE IF NOT EXISTS held (x)")
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(seconds, other.execute, args=("COMMIT",))
    release.start()
    try:
        yield
    finally:
        release.join(seconds + 10)
        other.close()
