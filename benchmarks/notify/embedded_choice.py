"""Why the embedded transport is a SQLite queue: the alternatives, measured.

    python -m benchmarks.notify --embedded-choice

Each design keeps messages across a crash of either process, works between
processes on one machine and needs nothing installed:

* ``sqlite-normal``: carya's embedded transport (WAL, ``synchronous=NORMAL``,
  Unix-socket wake-ups);
* ``sqlite-full``: the same with ``synchronous=FULL`` (an fsync per commit:
  also survives power loss);
* ``sqlite-poll``: the same without wake-ups, the consumer polling every 50 ms;
* ``spool``: a directory with one file per message, written to a temporary
  name then renamed in (atomic), claimed by renaming, acknowledged by unlink;
  the consumer polls every 5 ms (the standard library has no portable file
  watch).

Publish: ``count`` messages, one thread. Consume: claim + ack of all of them.
Latency: one message at a time, publish to handled, in one process.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

from benchmarks.notify.run import percentile

BODY = b'{"oslo.version": "2.0", "oslo.message": "' + b"x" * 300 + b'"}'


class Spool:
    """A minimal spool-directory queue (only for this comparison)."""

    def __init__(self, root: str):
        self.new = os.path.join(root, "new")
        self.tmp = os.path.join(root, "tmp")
        self.cur = os.path.join(root, "cur")
        for d in (self.new, self.tmp, self.cur):
            os.makedirs(d, exist_ok=True)
        self.seq = 0

    def publish(self, body: bytes) -> None:
        self.seq += 1
        name = f"{time.time_ns():020d}.{os.getpid()}.{self.seq}"
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as fh:
            fh.write(body)
        os.rename(path, os.path.join(self.new, name))

    def take(self, limit: int = 64) -> list[str]:
        taken = []
        for name in sorted(os.listdir(self.new))[:limit]:
            try:
                os.rename(os.path.join(self.new, name), os.path.join(self.cur, name))
            except FileNotFoundError:
                continue  # another consumer claimed it
            taken.append(name)
        return taken

    def read_and_ack(self, name: str) -> bytes:
        path = os.path.join(self.cur, name)
        with open(path, "rb") as fh:
            body = fh.read()
        os.unlink(path)
        return body


def _rate(n: int, run: Callable[[], None]) -> float:
    start = time.perf_counter()
    run()
    return n / (time.perf_counter() - start)


def _sqlite(tmp: str, name: str, count: int, samples: int, **options) -> dict:
    from carya.notify.transport import QueueSpec, get_transport

    transport = get_transport(f"embedded://{tmp}/{name}.sqlite3", options)
    ex = transport.default_exchange

    def publish() -> None:
        for _ in range(count):
            transport.send(ex, "q.info", BODY)

    def consume() -> None:
        consumer = transport.consumer([QueueSpec("q.info", ((ex, "q.info"),))], 64)
        left = count
        deadline = time.monotonic() + 120
        while left and time.monotonic() < deadline:
            for d in consumer.poll(1.0):
                d.ack()
                left -= 1
        consumer.close()

    row = {"publish_per_s": _rate(count, publish), "consume_per_s": _rate(count, consume)}
    row.update(_latency(lambda: transport.send(ex, "q.info", BODY),
                        lambda: transport.consumer([QueueSpec("q.info", ((ex, "q.info"),))], 64),
                        samples))
    transport.close()
    return row


def _latency(send: Callable[[], None], make_consumer: Callable[[], object],
             samples: int) -> dict:
    consumer = make_consumer()
    got = threading.Event()
    stop = threading.Event()
    arrived = [0.0]

    def loop() -> None:
        while not stop.is_set():
            for d in consumer.poll(0.2):
                arrived[0] = time.perf_counter()
                d.ack()
                got.set()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    lat = []
    for _ in range(samples):
        got.clear()
        start = time.perf_counter()
        send()
        if not got.wait(5):
            break
        lat.append((arrived[0] - start) * 1000)
    stop.set()
    thread.join(5)
    consumer.close()
    return {"p50_ms": percentile(lat, 50), "p99_ms": percentile(lat, 99)} if lat else {}


def _spool(tmp: str, count: int, samples: int) -> dict:
    spool = Spool(os.path.join(tmp, "spool"))

    def publish() -> None:
        for _ in range(count):
            spool.publish(BODY)

    def consume() -> None:
        left = count
        deadline = time.monotonic() + 120
        while left and time.monotonic() < deadline:
            for name in spool.take():
                spool.read_and_ack(name)
                left -= 1

    row = {"publish_per_s": _rate(count, publish), "consume_per_s": _rate(count, consume)}

    class Polling:
        def poll(self, timeout: float) -> list:
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                names = spool.take()
                if names:
                    return [_SpoolDelivery(spool, n) for n in names]
                time.sleep(0.005)
            return []

        def close(self) -> None:
            pass

    row.update(_latency(lambda: spool.publish(BODY), Polling, samples))
    return row


class _SpoolDelivery:
    def __init__(self, spool: Spool, name: str):
        self.spool, self.name = spool, name

    def ack(self) -> None:
        self.spool.read_and_ack(self.name)


def compare(tmp: str, count: int, samples: int, budget: float) -> dict:
    count = min(count, 5000)
    samples = min(samples, 200)
    rows = {
        "sqlite-normal (carya)": _sqlite(tmp, "normal", count, samples),
        "sqlite-full": _sqlite(tmp, "full", min(count, 1000), samples, sync="full"),
        "sqlite-poll (no wake-up)": _sqlite(tmp, "poll", count, min(samples, 40),
                                            poll_interval=0.05, wake=False),
        "spool directory": _spool(tmp, count, samples),
    }
    print(f"\nembedded queue designs ({count} messages, {samples} latency samples):")
    print(f"{'':26} {'publish/s':>10} {'consume/s':>10} {'p50 ms':>8} {'p99 ms':>8}")
    for name, row in rows.items():
        print(f"{name:26} {row['publish_per_s']:>10.0f} {row['consume_per_s']:>10.0f} "
              f"{row.get('p50_ms', float('nan')):>8.3f} {row.get('p99_ms', float('nan')):>8.3f}")
    return rows
