"""The front worker's start-up: a stop signal sent while it boots is not lost."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# Run in a fresh interpreter: init_signals installs process-wide handlers.
SCRIPT = textwrap.dedent("""
    import os, queue, signal
    from gunicorn.config import Config
    from carya.front.settings import FrontSettings
    from carya.front.worker import worker_class

    class Arbiter:  # what a forked worker inherits: the arbiter's queueing handler
        SIG_QUEUE = queue.SimpleQueue()
        def signal(self, sig, frame):
            self.SIG_QUEUE.put_nowait(sig)

    arbiter = Arbiter()
    signal.signal(signal.SIGTERM, arbiter.signal)
    {before}
    worker = worker_class(FrontSettings())(0, 1, [], None, 30, Config(), None)
    worker.PIPE = os.pipe()  # as init_process makes it, before init_signals
    for fd in worker.PIPE:
        os.set_blocking(fd, False)
    worker.init_signals()
    print("alive" if worker.alive else "stopping")
    print("handler", signal.getsignal(signal.SIGTERM) == worker.handle_exit)
""")


def _run(before: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", SCRIPT.format(before=before)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split("\n")


def test_a_sigterm_received_before_the_workers_handlers_stops_it():
    assert _run("arbiter.signal(signal.SIGTERM, None)")[:2] == ["stopping", "handler True"]


def test_without_a_stop_signal_the_worker_runs():
    assert _run("arbiter.signal(signal.SIGHUP, None)")[:2] == ["alive", "handler True"]
