"""The one timing loop every benchmark uses: bounded by time and by count."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any

CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def timed_run(call: Callable[[], Any], budget: float, max_iter: int,
              batch: int = 50, clock: str = "wall") -> tuple[float, int]:
    """Calls per second over one loop that stops at ``budget`` seconds or ``max_iter`` calls.

    Calls run in batches so the clock is read rarely; the garbage collector
    runs first so a pending collection does not land inside one contender's loop.
    ``clock="cpu"`` counts this process's CPU time only (``time.process_time``):
    on a shared machine, time the process spent waiting for a core is left out.
    """
    gc.collect()
    clock = CLOCKS[clock]
    count = 0
    start = clock()
    deadline = start + budget
    while True:
        for _ in range(batch):
            call()
        count += batch
        now = clock()
        if now >= deadline or count >= max_iter:
            return count / (now - start), count


def _ignore_start_response(status, headers, exc_info=None):
    return None


def wsgi_caller(app: Callable, template: dict, body: bytes = b"") -> Callable[[], None]:
    """A no-argument function that sends one request to a WSGI ``app``.

    Every call gets a fresh environ copy and a fresh ``wsgi.input``, because
    frameworks may mutate the environ and consume the input stream; the
    response is iterated and closed, as a server would.
    """
    from io import BytesIO

    def call() -> None:
        environ = template.copy()
        environ["wsgi.input"] = BytesIO(body)
        result = app(environ, _ignore_start_response)
        try:
            for _chunk in result:
                pass
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

    return call


def loop_us(call: Callable[[], Any], number: int) -> float:
    """µs per call over ``number`` calls (wall clock)."""
    start = time.perf_counter()
    for _ in range(number):
        call()
    return (time.perf_counter() - start) / number * 1e6


def best_in_turns(calls: dict, number: int, rounds: int,
                  loop: Callable[[Callable[[], Any], int], float] = loop_us) -> dict:
    """µs per call for each of ``calls``: after a warm-up, the calls take turns loop by
    loop for ``rounds`` loops of ``number`` calls and each keeps its best loop, so a
    slow spell of a shared machine lands on all of them alike. ``loop(call, number)``
    times one loop (default :func:`loop_us`)."""
    for call in calls.values():
        loop(call, max(1, number // 10))
    best = dict.fromkeys(calls, float("inf"))
    for _ in range(rounds):
        for key, call in calls.items():
            best[key] = min(best[key], loop(call, number))
    return best

