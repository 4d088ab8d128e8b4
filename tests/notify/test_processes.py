"""Real processes: the embedded default between publisher and subscriber processes, a
subscriber restarted with messages waiting, and a consumer killed (SIGKILL) mid-message."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter

import pytest

from tests.notify.conftest import Output, wait_until
from tests.support import ROOT


def _spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.notify.worker", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _ready(proc: subprocess.Popen, timeout: float = 20) -> None:
    """Wait (bounded) for the worker's ``ready`` line."""
    proc.output = Output(proc)
    proc.output.wait_for("ready", timeout)


def _publish(url: str, topic: str, first: int, count: int) -> None:
    done = subprocess.run([sys.executable, "-m", "tests.notify.worker", "publish", url, topic,
                           "--first", str(first), "--count", str(count)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "published" in done.stdout, done.stdout + done.stderr


def _log(path) -> list[tuple[str, int]]:
    if not os.path.exists(path):
        return []
    with open(path) as fh:
        return [(w, int(i)) for w, i, _ in (line.split() for line in fh if line.strip())]


def _done(path) -> Counter:
    return Counter(i for what, i in _log(path) if what == "done")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def urls(request, tmp_path):
    def make(kind: str) -> tuple[str, str, str]:
        if kind == "embedded":
            return f"embedded://{tmp_path}/shared.sqlite3", "carya-proc", "carya-proc-pool"
        names = request.getfixturevalue("names")
        return request.getfixturevalue("rabbit_url"), names.topic("proc"), names.pool("proc")
    return make


def test_embedded_between_processes_with_a_subscriber_restart(urls, tmp_path):
    url, topic, pool = urls("embedded")
    log = tmp_path / "sub.log"
    sub = _spawn("consume", url, topic, pool, str(log))
    try:
        _ready(sub)
        _publish(url, topic, 0, 10)
        wait_until(lambda: len(_done(log)) == 10, 20, "10 messages in the subscriber")
    finally:
        _stop(sub)
    assert sub.returncode == 0
    _publish(url, topic, 10, 15)  # the subscriber is down: these wait in the file
    assert _done(log) == Counter(range(10))
    sub = _spawn("consume", url, topic, pool, str(log))
    try:
        _ready(sub)
        wait_until(lambda: len(_done(log)) == 25, 20, "the 15 that waited")
    finally:
        _stop(sub)
    assert _done(log) == Counter(range(25))  # each exactly once: nothing failed


@pytest.mark.parametrize("kind", ["embedded", "rabbit"])
def test_consumer_killed_mid_message_loses_nothing(urls, tmp_path, kind):
    url, topic, pool = urls(kind)
    log = tmp_path / "kill.log"
    first = _spawn("consume", url, topic, pool, str(log), "--hang-on", "3")
    try:
        _ready(first)
        _publish(url, topic, 0, 12)
        wait_until(lambda: ("start", 3) in _log(log), 20, "the consumer to reach message 3")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        _stop(first)
    assert ("done", 3) not in _log(log)
    second = _spawn("consume", url, topic, pool, str(log))
    try:
        _ready(second)
        wait_until(lambda: set(_done(log)) == set(range(12)), 30, "all 12 handled")
    finally:
        _stop(second)
    done = _done(log)
    assert set(done) == set(range(12))
    # At least once: only what the killed consumer held unacknowledged may repeat (at most
    # its prefetch of 4: message 3 and the ones fetched after it).
    assert sum(done.values()) - 12 <= 4
    assert Counter(i for w, i in _log(log) if w == "start")[3] == 2
