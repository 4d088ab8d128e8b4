"""Fixtures for notification tests: a real RabbitMQ on loopback, unique names, waits."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
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
from tests.support import free_port

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


class PrivateBroker:
    """A RabbitMQ node of this test session's own, on its own ports and data directory.

    The fault tests stop and start a broker; doing that to the shared one on 5672
    would break whatever else uses it at that moment (a second CI run, the system
    tests' services). Same Erlang cookie and binaries as the shared node.
    """

    def __init__(self, base: str):
        self.port, dist_port = free_port(), free_port()
        self.node = f"carya-test-{uuid.uuid4().hex[:8]}@localhost"
        self.url = f"rabbit://guest:guest@127.0.0.1:{self.port}/"
        config = os.path.join(base, "rabbitmq")
        with open(config + ".conf", "w") as fh:
            fh.write(f"listeners.tcp.local = 127.0.0.1:{self.port}\n")
        plugins = os.path.join(base, "enabled_plugins")
        with open(plugins, "w") as fh:
            fh.write("[].\n")
        env = dict(os.environ, RABBITMQ_NODENAME=self.node, RABBITMQ_NODE_PORT=str(self.port),
                   RABBITMQ_DIST_PORT=str(dist_port), RABBITMQ_CONFIG_FILE=config,
                   RABBITMQ_ENABLED_PLUGINS_FILE=plugins,
                   RABBITMQ_MNESIA_BASE=os.path.join(base, "mnesia"),
                   RABBITMQ_LOG_BASE=os.path.join(base, "log"),
                   RABBITMQ_PID_FILE=os.path.join(base, "node.pid"),
                   RABBITMQ_FEATURE_FLAGS_FILE=os.path.join(base, "feature_flags"),
                   RABBITMQ_PLUGINS_EXPAND_DIR=os.path.join(base, "plugins-expand"))
        for sub in ("mnesia", "log", "plugins-expand"):
            os.makedirs(os.path.join(base, sub), exist_ok=True)
        # Debian's rabbitmq-server runs the node as the rabbitmq user: it owns the lot.
        for dirpath, _, filenames in os.walk(base):
            shutil.chown(dirpath, "rabbitmq", "rabbitmq")
            for filename in filenames:
                shutil.chown(os.path.join(dirpath, filename), "rabbitmq", "rabbitmq")
        self.log = os.path.join(base, "server.out")
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(["rabbitmq-server"], env=env, stdout=out, cwd=base,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_until(self.booted, 120, f"RabbitMQ node {self.node} on port {self.port}")
        except BaseException:
            self.close()
            raise

    def booted(self) -> bool:
        if self.proc.poll() is not None:
            with open(self.log, errors="replace") as fh:
                raise RuntimeError(f"RabbitMQ node {self.node} exited: {fh.read()[-2000:]}")
        return self.port_open()

    def ctl(self, *args: str, timeout: float = 120) -> str:
        return rabbitmqctl("-n", self.node, *args, timeout=timeout)

    def port_open(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False

    @contextlib.contextmanager
    def stopped(self) -> Iterator[None]:
        """``stop_app`` for the block; the node answers again afterwards, whatever
        happened inside."""
        self.ctl("stop_app")
        try:
            yield
        finally:
            self.ctl("start_app")
            wait_until(self.port_open, 60, f"RabbitMQ node {self.node} back")

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self.ctl("stop", timeout=60)
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)


@pytest.fixture(scope="session")
def private_broker() -> Iterator[PrivateBroker]:
    """A RabbitMQ node for the tests that stop a broker (see :class:`PrivateBroker`).
    Its directory is outside pytest's (root-only) tmp tree, for the rabbitmq user."""
    base = tempfile.mkdtemp(prefix="carya-rabbitmq-")
    try:
        broker = PrivateBroker(base)
        try:
            yield broker
        finally:
            broker.close()
    finally:
        shutil.rmtree(base, ignore_errors=True)


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
