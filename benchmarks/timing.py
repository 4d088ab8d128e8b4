"""The one timing loop every benchmark uses: bounded by time and by count."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any


def timed_run(call: Callable[[], Any], budget: float, max_iter: int,
              batch: int = 50) -> tuple[float, int]:
    """Calls per second over one loop that stops at ``budget`` seconds or ``max_iter`` calls.

    Calls run in batches so the clock is read rarely; the garbage collector
    runs first so a pending collection does not land inside one contender's loop.
    """
    gc.collect()
    clock = time.perf_counter
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
