"""Start a benchmark app under a real server on loopback, and stop it with SIGTERM.

Each server is a small spec: a label and a function building its command line.
Servers run as subprocesses in their own process group, so a stop can never
leave a worker behind.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from benchmarks.http.entry import ROOT

#: The unprivileged account Apache runs mod_wsgi daemons as when we are root
#: (``scripts/ci-deps`` creates it and lets it read the Python install).
WSGI_USER = os.environ.get("CARYA_WSGI_USER", "carya-wsgi")
WSGI_DIR = os.path.join(ROOT, "benchmarks", "http", "wsgi")


@dataclass
class Server:
    """A named server configuration: ``command(app, port, workdir)`` -> argv."""

    label: str
    command: Callable[[str, int, str], list[str]]
    notes: str = ""
    env: dict = field(default_factory=dict)


def embedded(server: str, threads: int = 8, workers: int = 0) -> Callable:
    def command(app: str, port: int, workdir: str) -> list[str]:
        argv = [sys.executable, "-m", "benchmarks.http.embedded", "--server", server,
                "--app", app, "--port", str(port), "--threads", str(threads)]
        return argv + (["--workers", str(workers)] if workers else [])

    return command


def gunicorn(workers: int, worker_class: str = "sync", threads: int = 1) -> Callable:
    def command(app: str, port: int, workdir: str) -> list[str]:
        return [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
                "--workers", str(workers), "--worker-class", worker_class,
                "--threads", str(threads), "--no-control-socket", "--log-level", "warning",
                "--chdir", ROOT, f'benchmarks.http.entry:build("{app}")']

    return command


def mod_wsgi_express(processes: int, threads: int) -> Callable:
    def command(app: str, port: int, workdir: str) -> list[str]:
        express = shutil.which("mod_wsgi-express", path=os.path.dirname(sys.executable))
        if express is None:
            raise SystemExit("mod_wsgi-express missing: run scripts/ci-deps (pip install mod_wsgi)")
        argv = [express, "start-server", os.path.join(WSGI_DIR, f"{app}.wsgi"),
                "--host", "127.0.0.1", "--port", str(port),
                "--server-root", os.path.join(workdir, "httpd"), "--python-path", ROOT,
                "--processes", str(processes), "--threads", str(threads),
                "--locale", "C.UTF-8", "--log-level", "warn"]
        if os.geteuid() == 0:
            pwd.getpwnam(WSGI_USER)  # KeyError names the missing account
            argv += ["--user", WSGI_USER, "--group", WSGI_USER]
        return argv

    return command


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, proc: subprocess.Popen, log: str, timeout: float = 30.0) -> None:
    """Wait until ``url`` answers (any status): the app is loaded, not just the port open."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            with open(log) as output:
                raise RuntimeError(f"server exited early ({proc.returncode}): {output.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


def split_cores() -> tuple[frozenset[int], frozenset[int]] | None:
    """(server's CPUs, client's CPUs): this process's CPUs in two halves, or ``None``
    with fewer than two.

    On a small shared machine the scheduler otherwise moves the server's workers
    and wrk's threads onto the same core now and then, and a run's req/s swings by
    a factor of two from one run to the next (seen here: carya/raw of single rounds
    from 0.45 to 2.3); with each side on its own cores the same runs agree within
    a few percent.
    """
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    half = len(cpus) // 2
    return frozenset(cpus[:half]), frozenset(cpus[half:])


def on_cpus(cpus: frozenset[int] | None) -> Callable[[], None] | None:
    """A ``preexec_fn`` keeping a child (and what it forks) on ``cpus``; None: anywhere."""
    if not cpus:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


@contextmanager
def serving(server: Server, app: str, probe: str = "/",
            cpus: frozenset[int] | None = None) -> Iterator[str]:
    """Run ``app`` under ``server`` (on ``cpus`` when given); yield its base URL;
    SIGTERM the group afterwards."""
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="carya-bench-")
    os.chmod(workdir, 0o755)  # Apache's unprivileged children reach their sockets here
    env = {**os.environ, "PYTHONPATH": ROOT, **server.env}
    log = os.path.join(workdir, "server.log")
    with open(log, "w") as output:  # a file, not a pipe: nobody drains a pipe under load
        proc = subprocess.Popen(server.command(app, port, workdir), cwd=ROOT, env=env,
                                stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=on_cpus(cpus))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base + probe, proc, log)
        PIDS[base] = proc.pid
        yield base
    finally:
        PIDS.pop(base, None)
        stop(proc)
        shutil.rmtree(workdir, ignore_errors=True)


#: base URL -> the pid of the server started for it (see :func:`server_cpu`)
PIDS: dict[str, int] = {}


def server_cpu(base: str) -> float:
    """CPU seconds (user + system) used so far by the server at ``base`` and every
    process under it (gunicorn's or Apache's workers).

    Divided by the requests of a run, this is what a request costs the server,
    whatever else the machine does meanwhile: a steadier figure than req/s on a
    shared machine, where a run's throughput also depends on who else had the cores.
    """
    import psutil

    root = psutil.Process(PIDS[base])
    total = 0.0
    for proc in [root, *root.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def stop(proc: subprocess.Popen, timeout: float = 20.0) -> None:
    """SIGTERM the server, wait, then SIGKILL its whole process group if anything is left."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
