"""``carya serve``: config.py and INI files over real HTTP, overrides, --reload, shutdown."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest

from tests.cli.conftest import carya_command, run_carya
from tests.support import fetch, free_port, running, wait_for_port


def _json(port: int, path: str) -> tuple[int, dict, object]:
    status, headers, body = fetch(port, "GET", path)
    return status, headers, json.loads(body) if body else None


def test_config_py_with_port_override(zoo):
    port = free_port()
    with running(carya_command("serve", os.path.join(zoo, "config.py"), "--port", str(port)),
                 port) as proc:
        assert _json(port, "/")[2] == {"hello": "zoo"}
        status, headers, body = _json(port, "/authors/7/books/3")
        assert (status, body) == (200, {"author": "7", "book": "3"})
        assert headers["X-Zoo"] == "stamped"
        assert fetch(port, "GET", "/items/42/")[2] == "item 42"
    assert proc.returncode == 0, "SIGTERM stops the server cleanly"


def test_host_and_port_come_from_the_config(zoo, tmp_path):
    port = free_port()
    config = tmp_path / "config.py"
    config.write_text(
        f"server = {{'host': '127.0.0.1', 'port': '{port}'}}\n"
        "app = {'root': 'cli_zoo.controllers.RootController', 'modules': ['cli_zoo']}\n"
    )
    env = dict(os.environ, PYTHONPATH=zoo)
    with running(carya_command("serve", str(config)), port, env=env) as proc:
        assert fetch(port, "GET", "/pages/a/b")[2] == "page a/b"
    output = proc.stdout.read()
    assert f"http://127.0.0.1:{port}/" in output


def test_ini_main_section(zoo):
    port = free_port()
    with running(carya_command("serve", os.path.join(zoo, "zoo.ini"), "--port", str(port)),
                 port) as proc:
        assert _json(port, "/authors")[2] == {"authors": ["a1"]}
    assert proc.returncode == 0


def test_ini_named_composite_with_prefix_and_filter(zoo):
    port = free_port()
    spec = os.path.join(zoo, "zoo.ini") + "#mounted"
    with running(carya_command("serve", spec, "--port", str(port)), port):
        status, headers, body = _json(port, "/api/v1/authors/9")
        assert (status, body) == (200, {"author": "9"})
        assert headers["X-Tag"] == "zoo-ini"
        assert fetch(port, "GET", "/authors/9")[0] == 404


def test_ini_server_section_gives_the_port(zoo, tmp_path):
    port = free_port()
    ini = tmp_path / "site.ini"
    ini.write_text(
        "[server:main]\nhost = 127.0.0.1\n"
        f"port = {port}\n\n"
        "[app:main]\npaste.app_factory = cli_zoo.wsgi:app_factory\n"
    )
    env = dict(os.environ, PYTHONPATH=zoo)
    with running(carya_command("serve", str(ini)), port, env=env):
        assert _json(port, "/")[2] == {"hello": "zoo"}


def test_port_in_use_is_a_clear_error(zoo):
    port = free_port()
    with running(carya_command("serve", os.path.join(zoo, "config.py"), "--port", str(port)),
                 port):
        done = run_carya("serve", os.path.join(zoo, "config.py"), "--port", str(port),
                         timeout=60)
    assert done.returncode == 2
    assert f"cannot serve on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr


def test_server_limits_come_from_the_config_and_flags_override_them(zoo, tmp_path):
    """header_timeout from the config (1 s) and request_timeout from a flag (1 s):
    a head that never ends gets a 408, a handler past its deadline a 503."""
    port = free_port()
    config = tmp_path / "config.py"
    config.write_text(
        f"server = {{'host': '127.0.0.1', 'port': '{port}', 'header_timeout': 1,"
        " 'request_timeout': 300}\n"
        "app = {'root': 'cli_zoo.controllers.RootController', 'modules': ['cli_zoo']}\n"
    )
    env = dict(os.environ, PYTHONPATH=zoo)
    with running(carya_command("serve", str(config), "--request-timeout", "1"), port,
                 env=env), socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        assert sock.recv(100).startswith(b"HTTP/1.1 408 ")
        assert time.monotonic() - started < 5
        assert fetch(port, "GET", "/sleep?seconds=3")[0] == 503


def test_an_ini_server_section_sets_the_limits(zoo, tmp_path):
    port = free_port()
    ini = tmp_path / "site.ini"
    ini.write_text(
        f"[server:main]\nhost = 127.0.0.1\nport = {port}\nheader_timeout = 1\n\n"
        "[app:main]\npaste.app_factory = cli_zoo.wsgi:app_factory\n"
    )
    env = dict(os.environ, PYTHONPATH=zoo)
    with running(carya_command("serve", str(ini)), port, env=env), \
            socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        assert sock.recv(100).startswith(b"HTTP/1.1 408 ")
        assert time.monotonic() - started < 5


def test_serve_help_is_plain_text():
    done = run_carya("serve", "--help")
    assert done.returncode == 0
    assert "``" not in done.stdout and ":mod:" not in done.stdout and ":class:" not in done.stdout
    assert "--header-timeout" in done.stdout and "--request-timeout" in done.stdout


@pytest.mark.parametrize("setting", ["'header_timeout': -1", "'max_connections': 'many'"])
def test_bad_server_limits_in_the_config_are_one_line(zoo, tmp_path, setting):
    config = tmp_path / "config.py"
    config.write_text(f"server = {{{setting}}}\n"
                      "app = {'root': 'cli_zoo.controllers.RootController'}\n")
    done = run_carya("serve", str(config), env=dict(os.environ, PYTHONPATH=zoo))
    assert done.returncode == 2 and "server." in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("option", [["--threads", "0"], ["--workers", "0"], ["--port", "70000"],
                                    ["--header-timeout", "0"], ["--request-timeout", "-1"]])
def test_bad_server_options(zoo, option):
    done = run_carya("serve", os.path.join(zoo, "config.py"), *option)
    assert done.returncode == 2
    assert "carya serve:" in done.stderr and "Traceback" not in done.stderr


# --- --reload ---------------------------------------------------------------------------


@pytest.fixture
def zoo_copy(zoo, tmp_path) -> str:
    """A private copy of the zoo app, to edit."""
    target = tmp_path / "zoo"
    shutil.copytree(zoo, target, ignore=shutil.ignore_patterns("__pycache__"))
    return str(target)


def _edit(path: str, old: str, new: str) -> None:
    with open(path) as fh:
        text = fh.read()
    assert old in text
    with open(path, "w") as fh:
        fh.write(text.replace(old, new))


def _wait_for_body(port: int, path: str, expected: str, timeout: float = 30.0) -> str:
    """Poll until ``path`` answers ``expected`` (the server restarts in between)."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            last = fetch(port, "GET", path)[2]
        except OSError:
            last = "<connection refused>"
        if last == expected:
            return last
        time.sleep(0.2)
    raise AssertionError(f"{path} still answers {last!r}, not {expected!r}, after {timeout}s")


class Reloading:
    """``carya serve --reload`` in a subprocess, its output collected by a thread."""

    def __init__(self, config: str, port: int, ignore_sigint: bool = False):
        # A session of its own, so a reloader that does not stop can be killed with
        # every server it started (see stop()).
        self.proc = subprocess.Popen(
            carya_command("serve", "--reload", "--reload-interval", "0.2", config,
                          "--port", str(port)),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
            preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
            if ignore_sigint else None,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        try:
            wait_for_port(port)
        except BaseException:
            self.kill()
            raise

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for_output(self, text: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if time.monotonic() > deadline:
                raise AssertionError(f"no {text!r} in the output after {timeout}s:\n"
                                     + self.output)
            time.sleep(0.05)

    def stop(self, sig: int = signal.SIGTERM) -> str:
        """Send ``sig`` to the reloader alone; if it is not gone within 30 s, kill its
        whole session (the reloader and its servers) and fail."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"the reloader ignored signal {sig}:\n{self.output}") from None
        self.reader.join(timeout=10)
        return self.output

    def kill(self) -> None:
        """SIGKILL the reloader's session: the reloader and every server it started."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.reader.join(timeout=10)


def _started_pids(out: str) -> list[int]:
    return [int(p) for p in re.findall(r"server started \(pid (\d+)\)", out)]


def test_reload_restarts_on_a_code_change(zoo_copy):
    port = free_port()
    controllers = os.path.join(zoo_copy, "cli_zoo", "controllers.py")
    server = Reloading(os.path.join(zoo_copy, "config.py"), port)
    try:
        assert fetch(port, "GET", "/pages/x")[2] == "page x"
        _edit(controllers, 'return "page " +', 'return "changed page " +')
        _wait_for_body(port, "/pages/x", "changed page x")
    finally:
        out = server.stop()
    assert server.proc.returncode == 0, out
    assert "cli_zoo/controllers.py changed; restarting the server" in out
    pids = _started_pids(out)
    assert len(pids) == 2, out
    for pid in pids:  # every server the reloader started is gone
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    with pytest.raises(OSError):
        fetch(port, "GET", "/")


def test_reload_survives_a_broken_edit(zoo_copy):
    port = free_port()
    controllers = os.path.join(zoo_copy, "cli_zoo", "controllers.py")
    server = Reloading(os.path.join(zoo_copy, "config.py"), port)
    try:
        _edit(controllers, "class PagesController:", "class PagesController(:")
        server.wait_for_output("waiting for a change to restart it")
        assert server.proc.poll() is None, "the reloader keeps running"
        with pytest.raises(OSError):
            fetch(port, "GET", "/")
        _edit(controllers, "class PagesController(:", "class PagesController:")
        _wait_for_body(port, "/pages/ok", "page ok")
    finally:
        out = server.stop()
    assert server.proc.returncode == 0, out
    assert "cannot load the application: SyntaxError: invalid syntax (controllers.py" in out
    assert len(_started_pids(out)) == 3, out


@pytest.mark.parametrize("ignore_sigint", [False, True], ids=["sigint", "sigint-inherited-ignored"])
def test_reload_stops_on_ctrl_c(zoo_copy, ignore_sigint):
    """Also when started with SIGINT ignored, as a background job of a shell is."""
    port = free_port()
    server = Reloading(os.path.join(zoo_copy, "config.py"), port, ignore_sigint=ignore_sigint)
    out = server.stop(signal.SIGINT)  # to the reloader alone, not its process group
    assert server.proc.returncode == 0, out
    assert "reloader: stopped" in out
    (pid,) = _started_pids(out)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_reload_with_a_missing_config_fails_fast(tmp_path):
    done = run_carya("serve", "--reload", str(tmp_path / "nope.py"))
    assert done.returncode == 2
    assert "does not exist" in done.stderr
