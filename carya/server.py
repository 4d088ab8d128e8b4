"""The embedded production server: ``carya.serve(app, host, port)``.

``serve()`` runs gunicorn's pre-fork arbiter in-process (no extra command, no
import string: the already-built application is what every worker serves), with
carya's own worker, the *front* (:mod:`carya.front`): one event loop per process
reads each request head and body under deadlines and checks its framing strictly
before a thread runs the application, so idle, trickling and half-sent
connections hold a buffer, never a thread, and smuggling attempts are a 400.
Chosen by measurement (``python -m benchmarks.http.servers`` and
``python -m benchmarks.http.slowloris``; tables in README.md, "Deployment"):
against gunicorn's own ``gthread`` worker on the seed-003 catalog app it
answers more requests per second, and it keeps answering (p99 under 100 ms)
while thousands of connections trickle or sit idle, where ``gthread`` stops
answering at all. gunicorn gives the rest: worker processes (both cores, no
shared GIL), graceful SIGTERM (stop accepting, let requests in flight finish),
heartbeats, and workers that notice a dead master and exit, so a killed server
leaves no orphans. ``worker_class="gthread"`` brings gunicorn's worker back.

Timeouts and limits (:class:`carya.front.settings.FrontSettings`: header, body,
keep-alive and request timeouts, connections per worker, buffered body size)
are keyword arguments here, ``config.py``'s ``server`` section and ``carya
serve`` flags; any other gunicorn setting can be passed too.

``make_server()`` is the other use: a server embedded in an existing process
(a test, a tool) that must run in a thread and be closed from it. That has to
be single-process and thread-safe to drive, so it stays waitress.

Defaults bind to loopback; exposing a service is an explicit ``host``.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["serve", "make_server", "GunicornServer", "DEFAULT_HOST", "DEFAULT_PORT",
           "default_workers"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
#: Seconds a stopping worker gives requests in flight before it is killed.
GRACEFUL_TIMEOUT = 30

log = logging.getLogger("carya.server")

_SIGNALS = ("SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGWINCH",
            "SIGTTIN", "SIGTTOU", "SIGCHLD")


def default_workers() -> int:
    """One worker process per core (at least two, so one busy worker never stalls all)."""
    return max(2, os.cpu_count() or 1)


def make_server(app: Callable, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                threads: int = 8, **options: Any):
    """An in-process waitress server bound to ``host:port``, not yet serving.

    ``.run()`` serves in the calling thread; close it from its own loop with
    ``server.trigger.pull_trigger(server.close)``. For tests and tools that
    embed a server in a thread; production serving is :func:`serve`.
    """
    from waitress.server import create_server

    options.setdefault("ident", "carya")
    options.setdefault("clear_untrusted_proxy_headers", True)
    return create_server(app, host=host, port=int(port), threads=threads, **options)


def _listen(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """Bind and listen before forking: a busy port is an ``OSError`` here, in the
    caller's process; ``port=0`` has its real number before anything is printed; and
    clients connecting from the moment it is printed wait in the backlog."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, int(port)))
        sock.listen(backlog)
    except BaseException:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _base_application():
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError as error:  # gunicorn needs fcntl: POSIX only
        raise RuntimeError(
            f"carya.serve needs gunicorn, which cannot run here ({error}); on this platform "
            "use carya.server.make_server(app).run() (waitress, single process)"
        ) from error
    return BaseApplication


class GunicornServer:
    """gunicorn's arbiter serving one prebuilt WSGI app on an already-bound socket.

    The socket's descriptor is handed over (``fd://N``): gunicorn owns and
    closes it from then on, so this object keeps only its address.
    """

    def __init__(self, app: Callable, sock: socket.socket, settings: dict[str, Any]):
        base = _base_application()
        host, port = sock.getsockname()[:2]

        class _Application(base):
            def load_config(inner) -> None:
                for key, value in settings.items():
                    inner.cfg.set(key, value)

            def load(inner) -> Callable:
                return app

        settings = {**settings, "bind": [f"fd://{sock.fileno()}"]}
        self.application = _Application()
        self.effective_host, self.effective_port = host, port
        self.workers = self.application.cfg.workers
        self.threads = self.application.cfg.threads
        sock.detach()

    def run(self) -> None:
        """Serve until SIGTERM/SIGINT (graceful) or SIGQUIT (immediate), then return.

        Only the master returns: a worker process that reaches here leaves with
        ``os._exit`` so it never runs the caller's code after ``serve()``.
        """
        from gunicorn.arbiter import Arbiter

        master = os.getpid()
        saved = {name: signal.getsignal(getattr(signal, name))
                 for name in _SIGNALS if hasattr(signal, name)}
        try:
            Arbiter(self.application).run()
        except SystemExit as stop:
            if os.getpid() != master:
                _exit_worker(stop.code)
            if stop.code not in (0, None):
                raise
        finally:
            if os.getpid() == master:
                for name, handler in saved.items():
                    signal.signal(getattr(signal, name), handler)


def _exit_worker(code: Any) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else (0 if code is None else 1))


def _settings(threads: int, workers: int | None, options: dict[str, Any]) -> dict[str, Any]:
    from .front.settings import SETTING_NAMES, FrontSettings
    from .front.worker import worker_class

    given = sorted(SETTING_NAMES & set(options))
    if "keepalive" in options and "keepalive_timeout" not in options \
            and options.get("worker_class", "carya") == "carya":
        # gunicorn's name for the same setting: honoured, not silently ignored, and
        # named as given when it is wrong
        value = options["keepalive"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"carya.serve: server option keepalive={value!r}: expected a "
                             "number of seconds >= 0")
        options = {**options, "keepalive_timeout": value}
    try:
        front, options = FrontSettings.pick(options)
    except (TypeError, ValueError) as error:
        raise ValueError(f"carya.serve: {error}") from error
    if options.get("worker_class", "carya") != "carya":
        if given:
            raise ValueError(f"carya.serve: {', '.join(given)} need carya's own worker, "
                             f"not worker_class={options['worker_class']!r}")
    else:
        options["worker_class"] = worker_class(front)
    settings = {
        "workers": workers or default_workers(),
        "threads": threads,
        "graceful_timeout": GRACEFUL_TIMEOUT,
        "proc_name": "carya",
        "control_socket_disable": True,  # no control socket in $HOME (gunicorn >= 24)
    }
    from gunicorn.config import KNOWN_SETTINGS

    names = {setting.name for setting in KNOWN_SETTINGS}
    for key in options:
        if key not in names:
            raise ValueError(f"carya.serve: unknown server option {key!r} (options are "
                             f"{', '.join(sorted(SETTING_NAMES))}, and gunicorn's settings: "
                             "graceful_timeout, limit_request_line, timeout, ...)")
    settings.update(options)
    if "control_socket_disable" not in names:
        settings.pop("control_socket_disable")
    _check_values(settings)
    return settings


def _check_values(settings: dict[str, Any]) -> None:
    """Reject bad values here, as ``ValueError`` naming the option: inside the
    arbiter gunicorn would print them and ``sys.exit(1)``."""
    from gunicorn.config import Config

    scratch = Config()
    for key, value in settings.items():
        try:
            scratch.set(key, value)
        except (TypeError, ValueError) as error:
            raise ValueError(f"carya.serve: server option {key}={value!r}: {error}") from error


def serve(app: Callable, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          threads: int = 8, workers: int | None = None, **options: Any) -> None:
    """Serve ``app`` on ``host:port`` with ``workers`` processes of ``threads`` threads.

    Returns after SIGTERM/SIGINT once requests in flight have finished (at most
    ``graceful_timeout`` seconds). ``options`` are the front's settings
    (``header_timeout``, ``body_timeout``, ``keepalive_timeout``,
    ``keepalive_requests``, ``max_connections``, ``request_timeout``,
    ``buffer_body``) and gunicorn settings (``limit_request_line``,
    ``graceful_timeout``, ...). Raises ``ValueError`` for a bad option and
    ``OSError`` when the address cannot be bound, before any worker starts.
    """
    if threads < 1:
        raise ValueError(f"carya.serve: threads={threads}: at least one thread is needed")
    _base_application()
    sock = _listen(host, port)
    try:
        server = GunicornServer(app, sock, _settings(threads, workers, options))
    except BaseException:
        sock.close()
        raise
    print(f"serving on http://{_url_host(server.effective_host)}:{server.effective_port}/ "
          f"(workers={server.workers}, threads={server.threads}); Ctrl-C to stop", flush=True)
    server.run()
    log.info("stopped: requests in flight finished")


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
