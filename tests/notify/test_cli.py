"""``carya listen CONFIG``, run as the real ``carya`` command (``python -m carya listen``)."""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import textwrap

import pytest

from carya.notify import Notifier, get_transport
from carya.notify.cli import add_listen_arguments, listen_main
from tests.notify.conftest import Output, wait_until
from tests.support import ROOT, free_port


@pytest.fixture
def service(tmp_path):
    """A config.py with one listener whose endpoint appends to a file."""
    (tmp_path / "audit_endpoints.py").write_text(textwrap.dedent(f"""
        class Audit:
            def info(self, ctxt, publisher_id, event_type, payload, metadata):
                if payload.get("poison"):
                    raise ValueError("poisoned")
                with open({str(tmp_path / 'seen.log')!r}, "a") as fh:
                    fh.write(event_type + "\\n")
    """))
    url = f"embedded://{tmp_path}/bus.sqlite3"
    (tmp_path / "config.py").write_text(textwrap.dedent(f"""
        notifications = {{
            "transport_url": {url!r},
            "listeners": {{"audit": {{"topics": ["notifications"], "pool": "audit",
                                      "endpoints": ["audit_endpoints:Audit"],
                                      "max_retries": 0}}}},
        }}
    """))
    return tmp_path, url


def _listen(*args):
    return subprocess.Popen([sys.executable, "-m", "carya", "listen", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_listen_runs_the_declared_listeners_until_sigterm(service):
    tmp_path, url = service
    proc = _listen(str(tmp_path / "config.py"))
    try:
        output = Output(proc)
        output.wait_for("1 listener(s) consuming audit")
        transport = get_transport(url)
        Notifier(transport, "api").info({}, "book.create.end", {})
        seen = tmp_path / "seen.log"
        wait_until(lambda: seen.exists() and seen.read_text() == "book.create.end\n", 20,
                   "the endpoint to run")
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        output._thread.join(10)
        out = output.text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert "SIGTERM received, stopping" in out and "'handled': 1" in out


def test_bad_config_exits_2_with_the_reason(tmp_path):
    (tmp_path / "config.py").write_text("notifications = {'transport_url': 'kafka://h/'}\n")
    done = subprocess.run([sys.executable, "-m", "carya.notify", "listen",
                           str(tmp_path / "config.py")], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert "config.py: notifications.transport_url" in done.stderr
    assert "unknown transport 'kafka'" in done.stderr


def test_unreachable_broker_exits_1_with_the_reason(tmp_path):
    (tmp_path / "audit_endpoints.py").write_text(
        "class Audit:\n    def info(self, *a):\n        pass\n")
    url = f"rabbit://guest:s3cr3t@127.0.0.1:{free_port()}/"
    (tmp_path / "config.py").write_text(
        f"notifications = {{'transport_url': {url!r}, 'listeners': {{'a': "
        "{'endpoints': ['audit_endpoints:Audit']}}}\n")
    done = subprocess.run([sys.executable, "-m", "carya.notify", "listen",
                           str(tmp_path / "config.py")], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1
    assert "cannot reach RabbitMQ at rabbit://guest:***@127.0.0.1" in done.stderr
    assert "s3cr3t" not in done.stderr + done.stdout


def test_dead_letters_are_listed_and_replayed(service, capsys):
    tmp_path, url = service
    parser = argparse.ArgumentParser()
    add_listen_arguments(parser)
    transport = get_transport(url)
    proc = _listen(str(tmp_path / "config.py"))
    try:
        Output(proc).wait_for("consuming")  # the pool's queue exists from now on
        Notifier(transport, "api").info({}, "bad.event", {"poison": True})
        wait_until(lambda: transport.dead_letters("audit"), 20, "the poison dead-lettered")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    assert listen_main(parser.parse_args([str(tmp_path / "config.py"), "--dead-letters"])) == 0
    [line] = capsys.readouterr().out.splitlines()
    dead = json.loads(line)
    assert dead["listener"] == "audit" and "poisoned" in dead["reason"]
    assert "bad.event" in dead["body"]
    assert listen_main(parser.parse_args([str(tmp_path / "config.py"), "--replay"])) == 0
    assert "audit: 1 dead letter(s) replayed" in capsys.readouterr().out
    assert transport.pending("audit") == 1 and transport.dead_letters("audit") == []


def test_add_parser_plugs_into_the_carya_command_protocol(service, capsys):
    """carya.cli builds sub-commands with ``add_parser(sub, [common])`` and calls
    ``args.func(args)``; ``listen`` follows that protocol."""
    from carya.notify.cli import add_parser

    tmp_path, _ = service
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
    parser = argparse.ArgumentParser(prog="carya", parents=[common])
    add_parser(parser.add_subparsers(dest="command", required=True), [common])
    args = parser.parse_args(["listen", str(tmp_path / "config.py"), "--dead-letters"])
    assert args.func is listen_main and args.func(args) == 0
    assert capsys.readouterr().out == ""  # no dead letters yet
