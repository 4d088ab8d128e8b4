"""Fixtures for notification tests: a real RabbitMQ on loopback, unique names, waits."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator

import pytest

with warnings.catch_warnings():
    # oslo.messaging (a test dependency) warns about eventlet when first imported.
    warnings.simplefilter("ignore")
    import oslo_messaging  # noqa: F401

from carya.notify.message import PRIORITIES

RABBIT_URL = "rabbit://guest:guest@127.0.0.1:5672/"
RABBIT_PORT = 5672


def wait_until(predicate: Callable[[], object], timeout: float = 10.0,
               what: str = "condition") -> None:
    """Poll ``predicate`` until true; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def rabbit_port_open() -> bool:
    try:
        socket.create_connection(("127.0.0.1", RABBIT_PORT), timeout=1).close()
        return True
    except OSError:
        return False


def rabbitmqctl(*args: str, timeout: float = 120) -> str:
    done = subprocess.run(["rabbitmqctl", *args], capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def ensure_rabbit_up() -> None:
    """Bring RabbitMQ's application back if a test left it stopped; fail loudly if it cannot."""
    if rabbit_port_open():
        return
    with contextlib.suppress(RuntimeError):
        rabbitmqctl("start_app")
    with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
        rabbitmqctl("await_startup", "--timeout", "60")
    wait_until(rabbit_port_open, 60, "RabbitMQ on 127.0.0.1:5672 (run scripts/ci-deps)")


@contextlib.contextmanager
def broker_stopped() -> Iterator[None]:
    """``rabbitmqctl stop_app`` for the block; the broker is up again afterwards, whatever
    happened inside."""
    rabbitmqctl("stop_app")
    try:
        yield
    finally:
        rabbitmqctl("start_app")
        ensure_rabbit_up()


@pytest.fixture(scope="session")
def rabbit_url() -> Iterator[str]:
    """The real broker's URL; it must be up (scripts/ci-deps starts it), never skipped.
    It is up again when the session ends, whatever a fault test did to it."""
    ensure_rabbit_up()
    yield RABBIT_URL
    ensure_rabbit_up()


@pytest.fixture
def names(rabbit_url: str) -> Iterator[Namer]:
    """Unique topic/pool names for one test; their queues are deleted afterwards."""
    namer = Namer()
    yield namer
    ensure_rabbit_up()
    namer.cleanup()


class Namer:
    def __init__(self) -> None:
        self.token = uuid.uuid4().hex[:8]
        self.queues: set[str] = set()
        self.exchanges: set[str] = set()

    def topic(self, base: str = "t") -> str:
        name = f"carya-test-{base}-{self.token}"
        for p in PRIORITIES:
            self.queues.update({f"{name}.{p}", f"carya.dead.{name}.{p}"})
        return name

    def pool(self, base: str = "pool") -> str:
        name = f"carya-test-{base}-{self.token}"
        self.queues.update({name, f"carya.dead.{name}"})
        return name

    def exchange(self, base: str = "x") -> str:
        name = f"carya-test-{base}-{self.token}"
        self.exchanges.add(name)
        return name

    def cleanup(self) -> None:
        import kombu

        with kombu.Connection("amqp://guest:guest@127.0.0.1:5672//") as conn:
            for queue in self.queues:
                channel = conn.channel()
                with contextlib.suppress(Exception):
                    channel.queue_delete(queue)
                with contextlib.suppress(Exception):
                    channel.close()
            for exchange in self.exchanges:
                channel = conn.channel()
                with contextlib.suppress(Exception):
                    channel.exchange_delete(exchange)
                with contextlib.suppress(Exception):
                    channel.close()


@pytest.fixture
def memory_url() -> str:
    """A fresh in-process bus for one test."""
    return f"memory://test-{uuid.uuid4().hex[:8]}"


class Recorder:
    """An endpoint that records what it is given (every priority)."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def _record(self, priority: str):
        def method(ctxt, publisher_id, event_type, payload, metadata):
            self.calls.append((priority, ctxt, publisher_id, event_type, payload, metadata))
        return method

    def __getattr__(self, name: str):
        if name in PRIORITIES:
            return self._record(name)
        raise AttributeError(name)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


class Output:
    """Collects a child process's output lines on a thread (select() and Python's
    buffered pipes do not mix: a line already buffered never shows as readable)."""

    def __init__(self, proc: subprocess.Popen):
        self.proc = proc
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)

    def text(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, timeout: float = 20.0) -> None:
        """Until a line contains ``text``; fail with the output when the process dies first."""
        wait_until(lambda: any(text in line for line in self.lines)
                   or self.proc.poll() is not None, timeout, f"{text!r} in {self.text()!r}")
        assert any(text in line for line in self.lines), f"exited: {self.text()}"
