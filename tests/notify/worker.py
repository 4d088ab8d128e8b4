"""A real publisher or subscriber process for the multi-process tests.

    python -m tests.notify.worker consume URL TOPIC POOL LOG [--hang-on I] [--options JSON]
    python -m tests.notify.worker publish URL TOPIC --first I --count N

The consumer appends ``start <i> <message_id>`` and ``done <i> <message_id>``
lines to LOG (one write each, O_APPEND, so a SIGKILL never leaves half a
line), prints ``ready`` when consuming, and stops gracefully on SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time

from carya.notify import Listener, Notifier, get_transport


class LoggingEndpoint:
    def __init__(self, log_path: str, hang_on: int | None):
        self.fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.hang_on = hang_on

    def _line(self, text: str) -> None:
        os.write(self.fd, (text + "\n").encode())

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        i = payload["i"]
        self._line(f"start {i} {metadata['message_id']}")
        if i == self.hang_on:
            time.sleep(120)  # the test kills us here
        self._line(f"done {i} {metadata['message_id']}")


def consume(args: argparse.Namespace) -> int:
    transport = get_transport(args.url, json.loads(args.options))
    listener = Listener(transport, [args.topic], [LoggingEndpoint(args.log, args.hang_on)],
                        pool=args.pool, prefetch=args.prefetch, poll_interval=0.05)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    listener.start()
    print("ready", flush=True)
    while not stop.wait(0.1):
        pass
    listener.stop()
    listener.wait(30)
    transport.close()
    return 0


def publish(args: argparse.Namespace) -> int:
    transport = get_transport(args.url, json.loads(args.options))
    notifier = Notifier(transport, "worker.publisher", topics=[args.topic])
    for i in range(args.first, args.first + args.count):
        notifier.info({"user_id": "worker"}, "test.event", {"i": i})
    ok = notifier.flush(30)
    transport.close()
    print("published" if ok else "flush timed out", flush=True)
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("consume")
    for name in ("url", "topic", "pool", "log"):
        c.add_argument(name)
    c.add_argument("--hang-on", type=int)
    c.add_argument("--prefetch", type=int, default=4)
    c.add_argument("--options", default="{}")
    c.set_defaults(func=consume)
    p = sub.add_parser("publish")
    p.add_argument("url")
    p.add_argument("topic")
    p.add_argument("--first", type=int, default=0)
    p.add_argument("--count", type=int, default=10)
    p.add_argument("--options", default="{}")
    p.set_defaults(func=publish)
    args = parser.parse_args()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
