"""``carya serve --reload``: restart the server when the project's code changes.

The server runs in a child process (``python -m carya serve ...`` without
``--reload``); this parent polls the modification times of the ``.py`` files
under the config's directory and the application's packages, and when one
changes it stops the child (SIGTERM, so requests in flight finish) and starts
a new one. Polling needs no extra dependency and behaves the same on every
filesystem. The scan is bounded (at most :data:`MAX_FILES` files, skipping
virtualenvs, caches and hidden directories). A child that fails to start is
reported, and the parent waits for the next change instead of looping.
SIGTERM or Ctrl-C stops the child and exits with status 0. The child runs with
``CARYA_RELOADER=1`` in its environment, should an application want to know.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable

from .errors import CommandError
from .loading import ConfigSpec

__all__ = ["Reloader", "watched_roots", "scan", "MAX_FILES"]

MAX_FILES = 20000
STOP_TIMEOUT = 10.0
_SKIP_DIRS = {"__pycache__", "node_modules", "build", "dist", "site-packages"}

Snapshot = dict[str, tuple[int, int]]


class _Stop(BaseException):
    """SIGTERM in the parent: leave the watch loop."""


def watched_roots(spec: ConfigSpec) -> list[str]:
    """The directories whose ``.py`` files restart the server: the config's, and the
    packages a config.py names in ``app.modules`` and ``app.root``."""
    roots = [spec.directory]
    if spec.kind != "py":
        return roots
    from ..configuration import ConfigError, conf_from_file

    try:
        conf = conf_from_file(spec.path)
    except ConfigError:
        return roots  # the child reports the error; watching the directory is enough
    names = list(conf.app.get("modules") or [])
    root = conf.app.get("root")
    if isinstance(root, str) and "." in root:
        names.append(root.split(".")[0])
    added = spec.directory not in sys.path
    if added:
        sys.path.insert(0, spec.directory)
    try:
        for name in names:
            roots.extend(_package_dirs(str(name).split(".")[0]))
    finally:
        if added:
            sys.path.remove(spec.directory)
    unique: list[str] = []
    for root_dir in roots:
        real = os.path.realpath(root_dir)
        if not any(real == u or real.startswith(u + os.sep) for u in unique):
            unique = [u for u in unique if not u.startswith(real + os.sep)] + [real]
    return unique


def _package_dirs(name: str) -> list[str]:
    try:
        found = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return []
    if found is None:
        return []
    if found.submodule_search_locations:
        return list(found.submodule_search_locations)
    return [os.path.dirname(found.origin)] if found.origin else []


def scan(roots: Iterable[str], extra: Iterable[str] = ()) -> Snapshot:
    """``path -> (mtime_ns, size)`` for the ``.py`` files under ``roots``, bounded."""
    snapshot: Snapshot = {}
    for path in extra:
        _stat_into(snapshot, path)
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [
                d for d in dirnames
                if not d.startswith(".") and d not in _SKIP_DIRS and not d.endswith(".egg-info")
                and not os.path.exists(os.path.join(dirpath, d, "pyvenv.cfg"))
            ]
            for filename in filenames:
                if filename.endswith(".py"):
                    _stat_into(snapshot, os.path.join(dirpath, filename))
                    if len(snapshot) >= MAX_FILES:
                        return snapshot
    return snapshot


def _stat_into(snapshot: Snapshot, path: str) -> None:
    try:
        st = os.stat(path)
    except OSError:
        return
    snapshot[path] = (st.st_mtime_ns, st.st_size)


def _changed(old: Snapshot, new: Snapshot) -> list[str]:
    return sorted(p for p in old.keys() | new.keys() if old.get(p) != new.get(p))


class Reloader:
    """Run ``carya <child_argv>`` in a child process; restart it when the code changes."""

    def __init__(self, spec: ConfigSpec, child_argv: list[str], interval: float = 1.0):
        if interval <= 0:
            raise CommandError(f"--reload-interval {interval}: must be more than 0 seconds")
        self.spec = spec
        self.command = [sys.executable, "-m", "carya", *child_argv]
        self.interval = interval
        self.roots = watched_roots(spec)
        self.child: subprocess.Popen | None = None

    def run(self) -> int:
        # Installed explicitly for both signals: a reloader started from a background
        # job inherits SIGINT ignored, and Python then keeps it ignored, so Ctrl-C (or
        # a supervisor's SIGINT) would never stop it.
        stopping = (signal.SIGTERM, signal.SIGINT)
        previous = {sig: signal.signal(sig, self._on_stop_signal) for sig in stopping}
        print(f"reloader: watching .py files under {', '.join(self.roots)}", flush=True)
        try:
            self.loop()
        except (KeyboardInterrupt, _Stop):
            pass
        finally:
            for sig in stopping:  # a second signal must not cut stop() short
                signal.signal(sig, signal.SIG_IGN)
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        print("reloader: stopped", flush=True)
        return 0

    @staticmethod
    def _on_stop_signal(signum: int, frame: object) -> None:
        raise _Stop()

    def loop(self) -> None:
        snapshot = self.snapshot()
        self.start()
        reported = False
        while True:
            time.sleep(self.interval)
            if self.child is not None and self.child.poll() is not None and not reported:
                print(f"reloader: the server exited with status {self.child.returncode}; "
                      "waiting for a change to restart it", flush=True)
                reported = True
            current = self.snapshot()
            changed = _changed(snapshot, current)
            if not changed:
                continue
            time.sleep(min(0.2, self.interval))  # let an editor finish writing
            snapshot = self.snapshot()
            shown = ", ".join(os.path.relpath(p, self.spec.directory) for p in changed[:3])
            more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
            print(f"reloader: {shown}{more} changed; restarting the server", flush=True)
            self.stop()
            self.start()
            reported = False

    def snapshot(self) -> Snapshot:
        return scan(self.roots, extra=[self.spec.path])

    def start(self) -> None:
        env = dict(os.environ, CARYA_RELOADER="1")
        self.child = subprocess.Popen(self.command, env=env)
        print(f"reloader: server started (pid {self.child.pid})", flush=True)

    def stop(self) -> None:
        """SIGTERM the child and wait for it (bounded); kill it if it hangs."""
        child, self.child = self.child, None
        if child is None or child.poll() is not None:
            return
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        except KeyboardInterrupt:
            child.kill()
            child.wait()
