"""Does ``carya serve`` keep answering while slow and idle clients hold connections?

``python -m benchmarks.http.slowloris`` serves the seed-003 catalog app under
each server (``carya``: ``carya serve``'s default; ``carya-gthread``: the same
with gunicorn's gthread worker, the server before issue 14), then, from a
separate attacker process, opens ``--trickle-headers`` connections that send
their request head one byte a second, ``--trickle-bodies`` that do the same
with a declared 100 kB body, and ``--idle`` that connect and send nothing;
whenever the server closes one, the attacker opens another. Meanwhile a normal
client asks ``/catalog/books/bestsellers`` on a fresh connection every 20 ms
(timeout 5 s) and the report gives its latency percentiles, its failures and
the longest time without an answer ("outage"). Loopback only; every run is
bounded by ``--seconds``; servers are stopped with SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import subprocess
import sys
import time

from benchmarks.http import launch
from benchmarks.http.table import render

ROUTE = "/catalog/books/bestsellers"
SERVERS = {"carya": "carya serve (default)",
           "carya-gthread": "carya serve, gthread worker (before)"}


# -- the attacker (its own process: it must not steal the measuring client's GIL) ---------

async def _hold(port: int, prefix: bytes, trickle: bytes, stop_at: float, stats: dict) -> None:
    """Keep one connection open doing ``trickle`` (one byte a second); reopen when closed."""
    while time.monotonic() < stop_at:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            stats["connect_failed"] += 1
            await asyncio.sleep(0.5)
            continue
        stats["opened"] += 1
        try:
            if prefix:
                writer.write(prefix)
            i = 0
            while time.monotonic() < stop_at:
                try:
                    await asyncio.wait_for(reader.read(4096), timeout=1.0)
                except asyncio.TimeoutError:
                    if trickle:
                        writer.write(trickle[i % len(trickle):i % len(trickle) + 1])
                        await writer.drain()
                        i += 1
                    continue
                stats["closed_by_server"] += 1  # closed, or answered (408, 413...)
                break
        except OSError:
            stats["closed_by_server"] += 1
        finally:
            writer.close()


async def _attack(port: int, headers: int, bodies: int, idle: int, seconds: float) -> dict:
    stats = {"opened": 0, "closed_by_server": 0, "connect_failed": 0}
    stop_at = time.monotonic() + seconds
    head = b"GET /catalog/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    body_head = (b"POST /basemethod/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                 b"application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n")
    kinds = ([(head, b"X-Slow-Header: aaaaaaaaaaaaaaaaaaaaaaa\r\n")] * headers
             + [(body_head, b"a=" + b"b" * 30 + b"&")] * bodies + [(b"", b"")] * idle)
    tasks = []
    for start in range(0, len(kinds), 200):  # ramp up in batches: do not flood the backlog
        for prefix, trickle in kinds[start:start + 200]:
            tasks.append(asyncio.ensure_future(_hold(port, prefix, trickle, stop_at, stats)))
        await asyncio.sleep(0.05)
    print("ready", flush=True)
    await asyncio.gather(*tasks, return_exceptions=True)
    return stats


def attacker_main(argv: list[str]) -> int:
    port, headers, bodies, idle, seconds = (int(argv[0]), int(argv[1]), int(argv[2]),
                                            int(argv[3]), float(argv[4]))
    stats = asyncio.run(_attack(port, headers, bodies, idle, seconds))
    print("stats", stats, flush=True)
    return 0


# -- the measurement ----------------------------------------------------------------------

def _normal_client(port: int, seconds: float) -> dict:
    latencies, failures, answered_at = [], 0, []
    started = time.monotonic()
    last_ok = started
    outage = 0.0
    while time.monotonic() - started < seconds:
        sent = time.monotonic()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", ROUTE)
            response = conn.getresponse()
            ok = response.status == 200 and response.read() == b"We have 5 books in the top 10."
            conn.close()
        except OSError:
            ok = False
        now = time.monotonic()
        if ok:
            latencies.append((now - sent) * 1000)
            answered_at.append(now)
            outage = max(outage, now - last_ok - (now - sent))
            last_ok = now
        else:
            failures += 1
        time.sleep(max(0.0, 0.02 - (time.monotonic() - sent)))
    outage = max(outage, time.monotonic() - last_ok)
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] if latencies else 5000.0

    return {"ok": len(latencies), "failed": failures, "p50": pct(0.5), "p99": pct(0.99),
            "max": latencies[-1] if latencies else 5000.0, "outage": outage}


def measure(name: str, args: argparse.Namespace) -> dict:
    server = launch.Server(SERVERS[name], launch.embedded(name))
    with launch.serving(server, "catalog", probe=ROUTE) as base:
        port = int(base.rsplit(":", 1)[1])
        baseline = _normal_client(port, 2.0)
        attacker = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.http.slowloris", "--attacker", str(port),
             str(args.trickle_headers), str(args.trickle_bodies), str(args.idle),
             str(args.seconds + 10)],
            stdout=subprocess.PIPE, text=True, cwd=launch.ROOT,
            env={**os.environ, "PYTHONPATH": launch.ROOT})
        try:
            ready = attacker.stdout.readline().strip()
            if ready != "ready":
                raise RuntimeError(f"the attacker did not start: {ready!r}")
            time.sleep(1.0)  # let every connection send its first bytes
            under_attack = _normal_client(port, args.seconds)
        finally:
            attacker.terminate()
            try:
                attacker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                attacker.kill()
                attacker.wait()
    return {"baseline": baseline, "attack": under_attack}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--attacker"]:
        return attacker_main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m benchmarks.http.slowloris")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured attack (20)")
    parser.add_argument("--trickle-headers", type=int, default=1000)
    parser.add_argument("--trickle-bodies", type=int, default=200)
    parser.add_argument("--idle", type=int, default=1000)
    parser.add_argument("--servers", default="carya,carya-gthread",
                        help=f"comma-separated, of {', '.join(SERVERS)}")
    args = parser.parse_args(argv)
    rows = []
    for name in args.servers.split(","):
        result = measure(name, args)
        for phase in ("baseline", "attack"):
            r = result[phase]
            rows.append([SERVERS[name], phase, str(r["ok"]), str(r["failed"]),
                         f"{r['p50']:.1f}", f"{r['p99']:.1f}", f"{r['max']:.1f}",
                         f"{r['outage']:.1f}"])
    print()
    print(f"normal client: GET {ROUTE}, a new connection every 20 ms, timeout 5 s; attack: "
          f"{args.trickle_headers} trickling heads, {args.trickle_bodies} trickling bodies, "
          f"{args.idle} idle connections, {args.seconds:g} s")
    print(render(["server", "phase", "answered", "failed", "p50 ms", "p99 ms", "max ms",
                  "outage s"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
