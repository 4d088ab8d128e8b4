"""Run the seed-000 pair end to end: the deployer publishes, the alarm service subscribes.

    python examples/notify/run.py                       # embedded default, nothing to install
    python examples/notify/run.py --url rabbit://guest:guest@127.0.0.1:5672/
    python examples/notify/run.py --url ... --topic deployments-2 --pool alarming-2

Starts the alarm service (``python -m carya.notify listen subscriber_config.py``,
the same as ``carya listen``) and the deployer (``python -m carya serve
publisher_config.py``), deploys a few apps over HTTP (one of them fails), waits
for the alarms, prints them, and stops both. Exit status 0 when every
expected alarm arrived. ``--topic`` and ``--pool`` rename the topic and the
listener's queue, so two runs on one broker do not take each other's messages.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise SystemExit(f"run.py: timed out after {timeout}s waiting for {what}")


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def post(port: int, body: dict) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", "/deployments/", json.dumps(body),
                     {"Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def alarms(path: str) -> list[dict]:
    if not os.path.exists(path):
        return []
    with open(path) as fh:
        return [json.loads(line) for line in fh if line.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="transport URL (default: embedded, in a temp dir)")
    parser.add_argument("--apps", type=int, default=3, help="deployments that succeed")
    parser.add_argument("--topic", default="deployments",
                        help="the deployer's notification topic (deployments)")
    parser.add_argument("--pool", default="alarming",
                        help="the alarm service's listener pool, its queue (alarming)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"embedded://{tmp}/notify.sqlite3"
        env = dict(os.environ, CARYA_NOTIFY_URL=url, ALARMS_FILE=f"{tmp}/alarms.jsonl",
                   DEPLOYER_DB=f"{tmp}/deployer.sqlite3", PYTHONUNBUFFERED="1",
                   DEPLOYER_TOPIC=args.topic, ALARMS_POOL=args.pool)
        port = free_port()
        log = open(f"{tmp}/services.log", "w+")
        subscriber = subprocess.Popen(
            [sys.executable, "-m", "carya.notify", "listen", "subscriber_config.py"],
            cwd=HERE, env=env, stdout=log, stderr=subprocess.STDOUT)
        publisher = subprocess.Popen(
            [sys.executable, "-m", "carya", "serve", "publisher_config.py", "--port", str(port)],
            cwd=HERE, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait(lambda: "consuming" in open(f"{tmp}/services.log").read(), 30,
                 "the alarm service")
            wait(lambda: port_open(port), 30, "the deployer")
            for i in range(args.apps):
                status, body = post(port, {"app": f"app-{i}"})
                print(f"POST /deployments app-{i}: {status} {body}")
            status, body = post(port, {"app": "doomed"})
            print(f"POST /deployments doomed: {status} (failed, rolled back)")
            expected = args.apps + 1
            wait(lambda: len(alarms(env["ALARMS_FILE"])) >= expected, 30, "the alarms")
            time.sleep(0.3)  # anything extra (there should be nothing) shows up too
            got = alarms(env["ALARMS_FILE"])
            print(f"\nalarms raised by the subscriber ({url.split('@')[-1]}):")
            for alarm in got:
                print("  " + json.dumps(alarm, sort_keys=True))
            created = sorted(a["app"] for a in got if a["alarm"] == "created")
            sent = [a for a in got if a["alarm"] == "sent"]
            ok = created == [f"app-{i}" for i in range(args.apps)] and len(sent) == 1
            print("\nOK: every deployment raised one alarm, the failure one more; the rolled "
                  "back deployment announced nothing else" if ok else "\nMISMATCH")
            return 0 if ok else 1
        finally:
            for proc in (publisher, subscriber):
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in (publisher, subscriber):
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
            log.seek(0)
            if os.environ.get("RUN_VERBOSE"):
                print(log.read())
            log.close()


if __name__ == "__main__":
    sys.exit(main())
