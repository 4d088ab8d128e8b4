"""``carya listen CONFIG``: run the notification listeners a service's config declares.

Runs every listener of ``notifications.listeners`` (or those named with
``--listener``) until SIGTERM or SIGINT, then stops them gracefully: each
finishes the message in hand, what was fetched and not started goes back to
its queue. ``--dead-letters`` lists the listeners' dead letters as JSON lines
and ``--replay`` puts them back in their queues; both exit at once.

Exit status: 0 after a clean stop, 2 for a configuration error, 1 when the
broker cannot be reached at start-up.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Sequence

from .errors import BrokerUnavailable, NotificationConfigError, NotifyError

__all__ = ["add_parser", "add_listen_arguments", "listen_main", "main"]

LOG = logging.getLogger("carya.notify.cli")


def add_listen_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``carya listen`` (for the ``carya`` command's sub-parser)."""
    parser.add_argument("config", help="path to a config.py or an INI file with 'notifications'")
    parser.add_argument("--listener", action="append", metavar="NAME",
                        help="run only this listener (repeatable; default: all declared)")
    parser.add_argument("--dead-letters", action="store_true",
                        help="print the listeners' dead letters as JSON lines, then exit")
    parser.add_argument("--replay", action="store_true",
                        help="put the listeners' dead letters back in their queues, then exit")
    parser.add_argument("--stop-timeout", type=float, default=30.0, metavar="SECONDS",
                        help="how long to wait for messages in hand at shutdown (default 30)")


def add_parser(sub: argparse._SubParsersAction,
               parents: Sequence[argparse.ArgumentParser] = ()) -> argparse.ArgumentParser:
    """Register ``listen`` on the ``carya`` command's sub-parsers (carya.cli's protocol)."""
    parser = sub.add_parser("listen", parents=list(parents),
                            help="run the notification listeners a config declares",
                            description=__doc__.split("\n\n", 1)[1],
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    add_listen_arguments(parser)
    parser.set_defaults(func=listen_main)
    return parser


def listen_main(args: argparse.Namespace) -> int:
    """Run ``carya listen`` with parsed ``args``; returns the exit status."""
    from .config import load

    try:
        cfg = load(args.config)
        if not cfg.listeners:
            raise NotificationConfigError(f"{cfg.where}: notifications.listeners declares none")
        transport = cfg.transport()
        listeners = cfg.build_listeners(transport, args.listener)
    except NotificationConfigError as error:
        print(f"carya listen: {error}", file=sys.stderr)
        return 2
    try:
        if args.dead_letters or args.replay:
            return _dead_letters(listeners, args.replay)
        return _run(listeners, args.stop_timeout)
    except BrokerUnavailable as error:
        print(f"carya listen: {error}", file=sys.stderr)
        return 1
    finally:
        transport.close()


def _dead_letters(listeners: list, replay: bool) -> int:
    for listener in listeners:
        if replay:
            count = listener.replay_dead_letters()
            print(f"{listener.name}: {count} dead letter(s) replayed")
            continue
        for d in listener.dead_letters():
            print(json.dumps({"listener": listener.name, "queue": d.queue, "id": d.id,
                              "reason": d.reason, "attempts": d.attempts,
                              "dead_at": d.dead_at,
                              "body": d.body.decode("utf-8", "replace")}))
    return 0


def _run(listeners: list, stop_timeout: float) -> int:
    done = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        LOG.info("carya listen: %s received, stopping", signal.Signals(signum).name)
        done.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    started = []
    try:
        for listener in listeners:
            listener.start()
            started.append(listener)
        queues = sorted({q.name for lst in listeners for q in lst.queues})
        print(f"carya listen: {len(listeners)} listener(s) consuming {', '.join(queues)}",
              flush=True)
        while not done.wait(0.5):
            dead = [lst.name for lst in started if not lst.running]
            if dead:
                LOG.error("carya listen: listener(s) %s stopped unexpectedly", ", ".join(dead))
                return 1
        return 0
    finally:
        for listener in started:
            listener.stop()
        for listener in started:
            if not listener.wait(stop_timeout):
                LOG.error("carya listen: listener %s did not stop within %.0fs",
                          listener.name, stop_timeout)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        LOG.info("carya listen: stopped; %s", {lst.name: lst.stats for lst in started})


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m carya.notify listen CONFIG`` (the same as ``carya listen CONFIG``)."""
    parser = argparse.ArgumentParser(prog="python -m carya.notify")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s [%(name)s] %(message)s")
    try:
        return args.func(args)
    except NotifyError as error:
        print(f"carya listen: {error}", file=sys.stderr)
        return 1
