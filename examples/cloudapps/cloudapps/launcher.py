"""``python -m cloudapps up``: run the whole system on one machine, on embedded defaults.

Starts the six processes of DESIGN.md's table (three APIs on carya's embedded
server, the compute worker, the deployer's tracker, the alarm evaluator) as
children, each in its own session with its output in ``$STATE_DIR/log/``. It
waits (bounded) until the three APIs answer HTTP, prints the GUI's URL, then
supervises: SIGTERM or SIGINT (Ctrl-C) is passed on to every child as SIGTERM
(graceful for all of them). A child that exits on its own while the system runs
is restarted after a backoff (0.5 s, doubling to 30 s; back to 0.5 s once it has
run a minute), and the launcher says so with the end of its log; a child that
keeps dying (:data:`MAX_QUICK_RESTARTS` times without a minute of life) stops the
system with a non-zero exit naming it, as does any death at start-up (a
configuration error, which restarting would not fix). Each child also gets SIGTERM
from the kernel if the launcher itself dies (``PR_SET_PDEATHSIG``), so even a
``kill -9`` of the launcher leaves no orphans.

What the children share comes from the environment (DESIGN.md's variables):
the launcher sets ``CLOUDAPPS_STATE_DIR`` and the two service URLs to match
its ports and passes the rest through, so ``CLOUDAPPS_TRANSPORT_URL=rabbit://...``
or ``CLOUDAPPS_ALARMS_DB=postgresql+psycopg://...`` work unchanged.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from . import settings

__all__ = ["ETC", "Child", "LaunchError", "Ports", "System", "environment", "processes", "up"]

#: The per-service config files (``etc/<service>/...``) beside the package.
ETC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "etc")
_PR_SET_PDEATHSIG = 1
#: Restart backoff: first delay, cap, and how long a child must live to reset it.
BACKOFF_FIRST, BACKOFF_MAX, STABLE_AFTER = 0.5, 30.0, 60.0
#: Restarts in a row without STABLE_AFTER seconds of life before the launcher gives up.
MAX_QUICK_RESTARTS = 8


class LaunchError(RuntimeError):
    """The system could not be started or a process of it died; the message names it."""


@dataclass(frozen=True)
class Ports:
    """The three HTTP ports; DESIGN.md's defaults, or ``base``, ``base+1``, ``base+2``."""

    deployer: int = settings.PORTS["deployer"]
    alarms: int = settings.PORTS["alarms"]
    cloud: int = settings.PORTS["cloud"]

    @classmethod
    def from_base(cls, base: int | None) -> Ports:
        if base is None:
            return cls()
        if not 1 <= base <= 65533:
            raise LaunchError(f"--base-port {base}: needs 1..65533 (three ports from it)")
        return cls(deployer=base, alarms=base + 1, cloud=base + 2)


@dataclass(frozen=True)
class Child:
    """One process of the system: a display name, its command and its HTTP port, if any."""

    name: str
    argv: tuple[str, ...]
    port: int | None = None
    slug: str = field(default="")

    @property
    def log_name(self) -> str:
        return (self.slug or self.name.replace(" ", "-")) + ".log"


def processes(ports: Ports, etc: str = ETC, python: str = sys.executable,
              workers: int = 2) -> list[Child]:
    """DESIGN.md's process table, as commands run with this interpreter."""
    carya = (python, "-m", "carya")
    serve_opts = ("--workers", str(workers), "--threads", "4")
    cloud_ini = os.path.join(etc, "cloud", "api-paste.ini") + "#osapi_compute"
    deployer_py = os.path.join(etc, "deployer", "config.py")
    alarms_py = os.path.join(etc, "alarms", "config.py")
    return [
        Child("cloud API", (*carya, "serve", cloud_ini, "--port", str(ports.cloud), *serve_opts),
              ports.cloud, "cloud-api"),
        Child("cloud compute worker", (python, "-m", "cloudapps.cloud.compute"), None,
              "cloud-compute"),
        Child("alarm API", (*carya, "serve", alarms_py, "--port", str(ports.alarms),
                            *serve_opts), ports.alarms, "alarms-api"),
        Child("alarm evaluator", (*carya, "listen", alarms_py), None, "alarms-evaluator"),
        Child("deployer API + GUI", (*carya, "serve", deployer_py, "--port",
                                     str(ports.deployer), *serve_opts),
              ports.deployer, "deployer-api"),
        Child("deployer tracker", (*carya, "listen", deployer_py), None, "deployer-tracker"),
    ]


def environment(state_dir: str, ports: Ports, base: Mapping[str, str] | None = None
                ) -> dict[str, str]:
    """The children's environment: ``base`` (default: ours) plus the system's own settings.

    The state directory and the service URLs follow the launcher's arguments;
    everything else DESIGN.md lists (transport, databases, build delay...) is
    inherited, so the embedded defaults apply unless the caller says otherwise.
    """
    env = dict(os.environ if base is None else base)
    env["CLOUDAPPS_STATE_DIR"] = os.path.abspath(state_dir)
    env["CLOUDAPPS_CLOUD_URL"] = f"http://127.0.0.1:{ports.cloud}/v2.1"
    env["CLOUDAPPS_ALARMS_URL"] = f"http://127.0.0.1:{ports.alarms}"
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM me when the launcher dies (Linux only)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def answers_http(port: int, timeout: float = 2.0) -> bool:
    """True when 127.0.0.1:port answers an HTTP GET / with any status at all."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True  # an error page is an answer: the app is loaded
    except (OSError, ValueError):
        return False


def tail(path: str, lines: int = 25) -> str:
    try:
        with open(path, errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])
    except OSError as error:
        return f"(cannot read {path}: {error.strerror})"


def _kill_group(pgid: int) -> None:
    """SIGKILL what is left of a dead child's process group (its session)."""
    for pid in _group_members(pgid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _group_members(pgid: int) -> list[int]:
    """Live processes (not zombies) of process group ``pgid``, from /proc."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry))
    return members


class System:
    """The running children: start them, wait for them, watch them, stop them."""

    def __init__(self, children: Sequence[Child], env: Mapping[str, str], log_dir: str,
                 cwd: str | None = None):
        self.children = list(children)
        self.env = dict(env)
        self.log_dir = log_dir
        self.cwd = cwd
        self.procs: dict[str, subprocess.Popen] = {}
        self.started_at: dict[str, float] = {}
        self.quick_restarts: dict[str, int] = {}
        self.restart_at: dict[str, float] = {}
        self.restarts: dict[str, int] = {}

    def log_path(self, child: Child) -> str:
        return os.path.join(self.log_dir, child.log_name)

    def start(self) -> None:
        os.makedirs(self.log_dir, exist_ok=True)
        for child in self.children:
            self.start_child(child, restart=False)

    def start_child(self, child: Child, restart: bool = True) -> subprocess.Popen:
        """Start ``child`` (again, after it exited: its log is appended to)."""
        with open(self.log_path(child), "a" if restart else "w") as log:
            proc = subprocess.Popen(
                child.argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=self.env, cwd=self.cwd, start_new_session=True, preexec_fn=_die_with_parent)
        self.procs[child.name] = proc
        self.started_at[child.name] = time.monotonic()
        return proc

    def dead(self) -> Child | None:
        """The first child that has exited (and is not waiting for its restart), if any."""
        for child in self.children:
            proc = self.procs.get(child.name)
            if proc is not None and proc.poll() is not None and \
                    child.name not in self.restart_at:
                return child
        return None

    def schedule_restart(self, child: Child) -> float:
        """Plan ``child``'s restart; the delay. Raises LaunchError if it keeps dying."""
        proc = self.procs[child.name]
        _kill_group(proc.pid)  # what it forked (gunicorn workers) must not hold its port
        lived = time.monotonic() - self.started_at.get(child.name, 0.0)
        quick = 0 if lived >= STABLE_AFTER else self.quick_restarts.get(child.name, 0) + 1
        if quick > MAX_QUICK_RESTARTS:
            raise LaunchError(self.death_report(
                child, f"while running, {quick - 1} restarts in a row without a minute of "
                "life; giving up"))
        self.quick_restarts[child.name] = quick
        delay = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, quick - 1))
        self.restart_at[child.name] = time.monotonic() + delay
        return delay

    def due_restarts(self) -> list[Child]:
        """Restart every child whose backoff is over; the ones restarted."""
        now, done = time.monotonic(), []
        for child in self.children:
            when = self.restart_at.get(child.name)
            if when is not None and now >= when:
                del self.restart_at[child.name]
                self.start_child(child)
                self.restarts[child.name] = self.restarts.get(child.name, 0) + 1
                done.append(child)
        return done

    def death_report(self, child: Child, when: str) -> str:
        proc = self.procs[child.name]
        return (f"{child.name} exited with status {proc.returncode} {when} "
                f"(command: {' '.join(child.argv)}); last lines of {self.log_path(child)}:\n"
                f"{tail(self.log_path(child))}")

    def wait_ready(self, timeout: float, stop: threading.Event | None = None) -> None:
        """Until every HTTP child answers; a child that exits first is a LaunchError."""
        deadline = time.monotonic() + timeout
        waiting = [c for c in self.children if c.port is not None]
        while waiting:
            if stop is not None and stop.is_set():
                return
            if (child := self.dead()) is not None:
                raise LaunchError(self.death_report(child, "at start-up"))
            waiting = [c for c in waiting if not answers_http(c.port)]
            if not waiting:
                break
            if time.monotonic() > deadline:
                names = ", ".join(f"{c.name} (port {c.port}, log {self.log_path(c)})"
                                  for c in waiting)
                raise LaunchError(f"not answering HTTP after {timeout:g}s: {names}")
            time.sleep(0.2)
        # Workers have no port: they have had as long as the APIs to fail at start-up.
        if (child := self.dead()) is not None:
            raise LaunchError(self.death_report(child, "at start-up"))

    def stop(self, timeout: float = 30.0) -> list[str]:
        """SIGTERM every child, wait (bounded), SIGKILL what is left of each group.

        Returns the names of children that had to be killed."""
        for proc in self.procs.values():
            if proc.poll() is None:
                try:
                    os.kill(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + timeout
        killed = []
        for name, proc in self.procs.items():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                killed.append(name)
            # Each child leads its own process group: nothing of it may outlive it.
            group_deadline = time.monotonic() + 5
            while (left := _group_members(proc.pid)) and time.monotonic() < group_deadline:
                time.sleep(0.1)
            if left:
                if name not in killed:
                    killed.append(name)
                for pid in left:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            if proc.poll() is None:
                proc.wait(timeout=5)
        return killed


def up(state_dir: str = "var", base_port: int | None = None, timeout: float = 60.0,
       stop_timeout: float = 30.0, out=None) -> int:
    """Run the system until SIGTERM/SIGINT; 0 after a clean stop, 1 if a process died at
    start-up or kept dying (one that dies while running is restarted)."""
    out = out or sys.stdout
    ports = Ports.from_base(base_port)
    state_dir = os.path.abspath(state_dir)
    os.makedirs(state_dir, exist_ok=True)
    system = System(processes(ports), environment(state_dir, ports),
                    os.path.join(state_dir, "log"), cwd=state_dir)
    stopping = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}

    def say(text: str) -> None:
        print(f"cloudapps: {text}", file=out, flush=True)

    status = 0
    try:
        system.start()
        for child in system.children:
            where = f"http://127.0.0.1:{child.port}/" if child.port else "(worker)"
            say(f"{child.name:<22} pid {system.procs[child.name].pid:<7} {where:<28} "
                f"log {system.log_path(child)}")
        system.wait_ready(timeout, stopping)
        if not stopping.is_set():
            say(f"state in {state_dir}")
            say(f"up. Open the GUI at http://127.0.0.1:{ports.deployer}/ (Ctrl-C stops)")
        while not stopping.wait(0.2):
            while (child := system.dead()) is not None:
                delay = system.schedule_restart(child)
                say(f"{system.death_report(child, 'while running')}")
                say(f"restarting {child.name} in {delay:g}s "
                    f"(restart {system.restarts.get(child.name, 0) + 1})")
            for child in system.due_restarts():
                say(f"{child.name} restarted: pid {system.procs[child.name].pid}")
        say("stopping")
    except LaunchError as error:
        print(f"cloudapps: FAILED: {error}", file=sys.stderr, flush=True)
        status = 1
    finally:
        killed = system.stop(stop_timeout)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if killed:
        say(f"had to kill: {', '.join(killed)}")
    say("stopped" if status == 0 else "stopped after a failure")
    return status


# --- the same system under Apache mod_wsgi -------------------------------------------

#: service -> (config the app.wsgi loads, daemon process group name)
APACHE_APPS = {
    "cloud": (os.path.join(ETC, "cloud", "api-paste.ini") + "#osapi_compute", "cloudapps_cloud"),
    "deployer": (os.path.join(ETC, "deployer", "config.py"), "cloudapps_deployer"),
    "alarms": (os.path.join(ETC, "alarms", "config.py"), "cloudapps_alarms"),
}


COMBINED_LOG = (r'LogFormat "%h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\""'
                " combined")


def app_wsgi(config: str, env: Mapping[str, str]) -> str:
    """The ``app.wsgi`` of one service: carya's own entry point, settings first.

    mod_wsgi daemon processes see neither the shell's nor Apache's environment
    (``SetEnv`` only reaches the request's WSGI environ, too late for a config
    read at load time), so the ``CLOUDAPPS_*`` settings are written into the file
    and put into ``os.environ`` before ``deploy()``/``loadapp()`` reads them.
    """
    from carya.cli.apache import render_wsgi
    from carya.cli.loading import parse_spec

    # carya's CARYA_STATE_DIR default: the system's own state directory (DESIGN.md)
    state_dir = env.get("CLOUDAPPS_STATE_DIR") or os.path.abspath("var")
    text = render_wsgi(parse_spec(config), state_dir)
    doc, _, body = text.partition('"""\n\n')
    settings_lines = "".join(f"    {key!r}: {value!r},\n" for key, value in sorted(env.items()))
    return (f'{doc}"""\n\nimport os\n\n'
            "# Written by `python -m cloudapps apache-site`: the daemons' settings (DESIGN.md).\n"
            f"os.environ.update({{\n{settings_lines}}})\n\n{body}")


def apache_site(out_dir: str, ports: Ports, env: Mapping[str, str], user: str | None = None,
                group: str | None = None, processes_per_app: int = 1, threads: int = 4,
                python: str = sys.executable) -> str:
    """Write one ``app.wsgi`` per service and a site of three VirtualHosts; return its path.

    Each VirtualHost comes from ``carya apache-conf`` (its own WSGIDaemonProcess and
    WSGIProcessGroup, ``WSGIApplicationGroup %{GLOBAL}``) on the service's port. The
    settings given in ``env`` (every ``CLOUDAPPS_*`` key) plus the URLs of the
    services on ``ports`` are baked into each app.wsgi.
    """
    settings_env = {k: v for k, v in env.items() if k.startswith("CLOUDAPPS_")}
    settings_env["CLOUDAPPS_CLOUD_URL"] = f"http://127.0.0.1:{ports.cloud}/v2.1"
    settings_env["CLOUDAPPS_ALARMS_URL"] = f"http://127.0.0.1:{ports.alarms}"
    sites = []
    for service, (config, name) in APACHE_APPS.items():
        directory = os.path.join(out_dir, service)
        os.makedirs(directory, exist_ok=True)
        wsgi = os.path.join(directory, "app.wsgi")
        with open(wsgi, "w", encoding="utf-8") as handle:
            handle.write(app_wsgi(config, settings_env))
        cmd = [python, "-m", "carya", "apache-conf", config, "--no-check", "--name", name,
               "--port", str(getattr(ports, service)), "--processes", str(processes_per_app),
               "--threads", str(threads), "--python-home", sys.prefix,
               "--wsgi-file", wsgi, "--log-dir", out_dir]
        if user:
            cmd += ["--user", user]
        if group:
            cmd += ["--group", group]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise LaunchError(f"carya apache-conf {config} failed: {done.stderr.strip()}")
        sites.append(done.stdout)
    site = os.path.join(out_dir, "cloudapps.conf")
    with open(site, "w", encoding="utf-8") as handle:
        # Debian's apache2.conf defines the vhosts' "combined" format; a minimal
        # httpd.conf (examples/apache/httpd.conf) does not, so the site says it too.
        handle.write("# cloudapps under Apache mod_wsgi: `python -m cloudapps apache-site`.\n"
                     f"{COMBINED_LOG}\n\n" + "\n".join(sites))
    return site
