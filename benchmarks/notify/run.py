"""carya.notify vs oslo.messaging: publish throughput and end-to-end latency.

    python -m benchmarks.notify [--quick] [--count N] [--samples M] [--embedded-choice]

One run, one RabbitMQ (127.0.0.1:5672), one publisher thread:

* **publish throughput**: ``N`` ``info()`` calls, timed until the broker has
  confirmed every one (carya: ``flush()``; oslo.messaging's rabbit driver
  waits for each confirm inside ``info()``). For the embedded transport, until
  every row is committed.
* **latency**: ``M`` notifications one at a time, from just before ``info()``
  to the endpoint call in a listener in the same process (same clock), the
  next sent only after the previous arrived; p50 and p99.

Targets (issue 6): carya's publish throughput >= 2x oslo.messaging's, carya's
p99 latency <= oslo.messaging's. Every loop is bounded in count and time.
Results go to ``benchmarks/results/notify.json`` (git-ignored).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import statistics
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Callable
from typing import Any

RABBIT = "rabbit://guest:guest@127.0.0.1:5672/"
PAYLOAD = {"id": 0, "name": "x" * 50, "state": "active", "tags": ["a", "b"]}
RESULTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "results")


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


class Arrivals:
    """An endpoint noting when each message arrived (perf_counter)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.at = 0.0
        self.count = 0

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        self.at = time.perf_counter()
        self.count += 1
        self.event.set()


def measure_latency(send: Callable[[int], None], arrivals: Arrivals, samples: int,
                    budget: float) -> list[float]:
    """Send one, wait for it (<= 5 s), repeat; stop at ``samples`` or ``budget`` seconds."""
    out: list[float] = []
    end = time.monotonic() + budget
    for i in range(samples):
        if time.monotonic() > end:
            break
        arrivals.event.clear()
        start = time.perf_counter()
        send(i)
        if not arrivals.event.wait(5):
            raise RuntimeError(f"message {i} did not arrive within 5 s")
        out.append((arrivals.at - start) * 1000)
    return out


def timed_publish(publish: Callable[[int], None], finish: Callable[[], bool], count: int,
                  budget: float) -> tuple[int, float]:
    """Publish up to ``count`` (stopping at ``budget`` seconds), then ``finish``; (n, seconds)."""
    start = time.perf_counter()
    end = time.monotonic() + budget
    sent = 0
    for i in range(count):
        publish(i)
        sent += 1
        if (i & 255) == 0 and time.monotonic() > end:
            break
    if not finish():
        raise RuntimeError("the broker did not confirm everything in time")
    return sent, time.perf_counter() - start


# --- oslo.messaging -----------------------------------------------------------------


def oslo_side(topic: str) -> tuple[Any, Any, Callable[[], Any]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import oslo_messaging
        from oslo_config import cfg
    conf = cfg.ConfigOpts()
    conf([])
    transport = oslo_messaging.get_notification_transport(conf, url=RABBIT)
    notifier = oslo_messaging.Notifier(transport, "bench.oslo", driver="messagingv2",
                                       topics=[topic])

    def listener(endpoint: Any) -> Any:
        return oslo_messaging.get_notification_listener(
            transport, [oslo_messaging.Target(topic=topic)], [endpoint], executor="threading")

    return transport, notifier, listener


def bench_oslo(count: int, samples: int, budget: float) -> dict:
    topic = f"bench-oslo-{uuid.uuid4().hex[:8]}"
    transport, notifier, make_listener = oslo_side(topic)
    try:
        notifier.info({}, "bench.warm", PAYLOAD)
        sent, seconds = timed_publish(lambda i: notifier.info({}, "bench.event", PAYLOAD),
                                      lambda: True, count, budget)
        purge([f"{topic}.info"])
        arrivals = Arrivals()
        listener = make_listener(arrivals)
        listener.start()
        try:
            warm(lambda i: notifier.info({}, "bench.warm", PAYLOAD), arrivals)
            lat = measure_latency(lambda i: notifier.info({}, "bench.latency", PAYLOAD),
                                  arrivals, samples, budget)
        finally:
            listener.stop()
            listener.wait()
    finally:
        transport.cleanup()
        delete_queues([f"{topic}.info"])
    return result("oslo.messaging (rabbit)", sent, seconds, lat)


# --- carya ------------------------------------------------------------------------


def bench_carya(url: str, label: str, count: int, samples: int, budget: float) -> dict:
    from carya.notify import Listener, Notifier, get_transport

    topic = f"bench-carya-{uuid.uuid4().hex[:8]}"
    transport = get_transport(url)
    try:
        notifier = Notifier(transport, "bench.carya", topics=[topic])
        notifier.info({}, "bench.warm", PAYLOAD)
        notifier.flush(30)
        sent, seconds = timed_publish(lambda i: notifier.info({}, "bench.event", PAYLOAD),
                                      lambda: notifier.flush(120), count, budget)
        transport.purge(f"{topic}.info")
        arrivals = Arrivals()
        with Listener(transport, [topic], [arrivals], poll_interval=0.2):
            warm(lambda i: notifier.info({}, "bench.warm", PAYLOAD), arrivals)
            lat = measure_latency(lambda i: notifier.info({}, "bench.latency", PAYLOAD),
                                  arrivals, samples, budget)
    finally:
        transport.close()
        if url.startswith("rabbit"):
            delete_queues([f"{topic}.info"])
    return result(label, sent, seconds, lat)


def warm(send: Callable[[int], None], arrivals: Arrivals, n: int = 20) -> None:
    for i in range(n):
        arrivals.event.clear()
        send(i)
        if not arrivals.event.wait(10):
            raise RuntimeError("warm-up message did not arrive")


def result(label: str, sent: int, seconds: float, lat: list[float]) -> dict:
    return {"label": label, "published": sent, "seconds": round(seconds, 4),
            "per_second": round(sent / seconds, 1), "latency_samples": len(lat),
            "p50_ms": round(percentile(lat, 50), 3), "p99_ms": round(percentile(lat, 99), 3),
            "mean_ms": round(statistics.fmean(lat), 3)}


# --- RabbitMQ housekeeping ------------------------------------------------------------


def _channel_op(op: Callable[[Any], Any]) -> None:
    import kombu

    with kombu.Connection("amqp://guest:guest@127.0.0.1:5672//") as conn:
        channel = conn.channel()
        with contextlib.suppress(Exception):
            op(channel)


def purge(queues: list[str]) -> None:
    for q in queues:
        _channel_op(lambda ch, q=q: ch.queue_purge(q))


def delete_queues(queues: list[str]) -> None:
    for q in queues:
        _channel_op(lambda ch, q=q: ch.queue_delete(q))


# --- report -------------------------------------------------------------------------


def report(rows: list[dict]) -> list[str]:
    oslo = rows[0]
    lines = [
        f"{'':32} {'publish/s':>10} {'vs oslo':>8} {'p50 ms':>8} {'p99 ms':>8}",
    ]
    for row in rows:
        ratio = row["per_second"] / oslo["per_second"]
        lines.append(f"{row['label']:32} {row['per_second']:>10.0f} {ratio:>7.2f}x "
                     f"{row['p50_ms']:>8.3f} {row['p99_ms']:>8.3f}")
    carya = rows[1]
    tp = carya["per_second"] / oslo["per_second"]
    lines.append("")
    lines.append(f"target publish >= 2x oslo: {tp:.2f}x  "
                 f"{'PASS' if tp >= 2 else 'FAIL'}")
    lines.append(f"target p99 <= oslo: {carya['p99_ms']:.3f} ms vs {oslo['p99_ms']:.3f} ms  "
                 f"{'PASS' if carya['p99_ms'] <= oslo['p99_ms'] else 'FAIL'}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.notify")
    parser.add_argument("--quick", action="store_true", help="small counts (a smoke run)")
    parser.add_argument("--count", type=int, help="notifications per throughput run "
                        "(default 5000; --quick 500)")
    parser.add_argument("--samples", type=int, help="latency samples (default 500; --quick 50)")
    parser.add_argument("--seconds", type=float, default=60.0,
                        help="time cap per measured loop (default 60)")
    parser.add_argument("--embedded-choice", action="store_true",
                        help="also compare embedded queue designs (SQLite vs a spool directory)")
    parser.add_argument("--output", default=RESULTS, help="where notify.json goes")
    args = parser.parse_args(argv)
    count = args.count or (500 if args.quick else 5000)
    samples = args.samples or (50 if args.quick else 500)
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        rows = [
            bench_oslo(count, samples, args.seconds),
            bench_carya(RABBIT, "carya (rabbit)", count, samples, args.seconds),
            bench_carya(f"embedded://{tmp}/bench.sqlite3", "carya (embedded, SQLite)", count,
                        samples, args.seconds),
        ]
        print(f"notifications: {count} published, {samples} latency samples, one publisher, "
              "RabbitMQ 127.0.0.1:5672")
        lines = report(rows)
        print("\n".join(lines))
        extra = {}
        if args.embedded_choice:
            from benchmarks.notify.embedded_choice import compare

            extra = compare(tmp, count, samples, args.seconds)
    os.makedirs(args.output, exist_ok=True)
    with open(os.path.join(args.output, "notify.json"), "w") as fh:
        json.dump({"count": count, "samples": samples, "rows": rows, "embedded_choice": extra},
                  fh, indent=2)
    return 0
