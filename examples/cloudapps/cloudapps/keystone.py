"""``python -m cloudapps keystone``: a real Keystone on loopback for the ``keystone`` strategy.

Keystone (the ``keystone`` package from PyPI) has heavy dependencies of its own,
so it lives in its own virtualenv (``$CLOUDAPPS_KEYSTONE_VENV``, default
``examples/cloudapps/.keystone-venv``, built on first use with ``pip install
keystone gunicorn``; ``scripts/ci-deps`` builds it for CI). It runs as a process
of that virtualenv: gunicorn serving Keystone's own WSGI application
(``keystone.wsgi.api:application``), configured by a ``keystone.conf`` written
into the state directory (SQLite database, fernet keys beside it).

The steps, each idempotent so a second start reuses the database:

1. :func:`ensure_venv` - the virtualenv (timed: the first build takes minutes);
2. :func:`write_config` and :func:`bootstrap` - ``keystone-manage db_sync``,
   ``fernet_setup``, ``credential_setup``, ``bootstrap`` (user ``admin``,
   project ``admin``, roles ``admin``/``member``/``reader``/``service``);
3. :func:`start` - gunicorn on ``127.0.0.1:PORT``;
4. :func:`provision` - over Keystone's own API: the projects ``demo`` and
   ``service``, the users of :data:`USERS` with their roles, and the catalog
   entries ``compute`` (the cloud) and ``alarming`` (the alarm service).

Development passwords only (:data:`USERS`); never expose this Keystone.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["USERS", "ADMIN_PASSWORD", "Keystone", "default_venv", "ensure_venv",
           "write_config", "bootstrap", "start", "provision", "run"]

ADMIN_PASSWORD = "cloudapps-admin"
#: user -> (password, project, roles): who the tests and the README log in as.
USERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "cloudapps": ("cloudapps-service", "service", ("service", "admin")),  # auth_token's user
    "demo": ("demo-password", "demo", ("member", "reader")),
    "viewer": ("viewer-password", "demo", ("reader",)),
}
_HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def default_venv() -> str:
    return os.environ.get("CLOUDAPPS_KEYSTONE_VENV") or os.path.join(_HERE, ".keystone-venv")


def ensure_venv(venv: str | None = None, log: Any = print) -> float:
    """Build Keystone's virtualenv unless it is there; the seconds it took (0 if there)."""
    venv = venv or default_venv()
    gunicorn = os.path.join(venv, "bin", "gunicorn")
    manage = os.path.join(venv, "bin", "keystone-manage")
    if os.path.exists(gunicorn) and os.path.exists(manage):
        return 0.0
    started = time.monotonic()
    log(f"keystone: building {venv} (python -m venv; pip install keystone gunicorn)")
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    subprocess.run([os.path.join(venv, "bin", "python"), "-m", "pip", "install", "-q",
                    "keystone", "gunicorn"], check=True)
    took = time.monotonic() - started
    log(f"keystone: virtualenv ready in {took:.0f}s")
    return took


@dataclass(frozen=True)
class Keystone:
    """Where one Keystone lives: its virtualenv, state directory and port."""

    venv: str
    state_dir: str
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def config(self) -> str:
        return os.path.join(self.state_dir, "keystone.conf")

    def bin(self, name: str) -> str:
        return os.path.join(self.venv, "bin", name)


def write_config(ks: Keystone) -> str:
    """``keystone.conf``: SQLite in the state directory, fernet tokens, logs to stderr."""
    os.makedirs(ks.state_dir, exist_ok=True)
    keys = {name: os.path.join(ks.state_dir, name) for name in ("fernet-keys", "credential-keys")}
    text = "\n".join([
        "[DEFAULT]", "use_stderr = true", "",
        "[database]", f"connection = sqlite:///{os.path.join(ks.state_dir, 'keystone.sqlite')}",
        "",
        "[token]", "provider = fernet", "expiration = 3600", "",
        "[fernet_tokens]", f"key_repository = {keys['fernet-keys']}", "",
        "[fernet_receipts]", f"key_repository = {keys['fernet-keys']}", "",
        "[credential]", f"key_repository = {keys['credential-keys']}", "",
    ])
    with open(ks.config, "w") as handle:
        handle.write(text)
    return ks.config


def bootstrap(ks: Keystone, admin_password: str = ADMIN_PASSWORD) -> None:
    """``keystone-manage``: schema, keys, and the admin user/project/roles/identity endpoint."""
    user = _user_name()
    steps = [
        ["db_sync"],
        ["fernet_setup", "--keystone-user", user, "--keystone-group", user],
        ["credential_setup", "--keystone-user", user, "--keystone-group", user],
        ["bootstrap", "--bootstrap-password", admin_password,
         "--bootstrap-admin-url", f"{ks.url}/v3", "--bootstrap-public-url", f"{ks.url}/v3",
         "--bootstrap-internal-url", f"{ks.url}/v3", "--bootstrap-region-id", "RegionOne"],
    ]
    for step in steps:
        done = subprocess.run([ks.bin("keystone-manage"), "--config-file", ks.config, *step],
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"keystone-manage {step[0]} failed ({done.returncode}):\n"
                               f"{done.stdout}{done.stderr}")


def _user_name() -> str:
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name


#: Run by Keystone's virtualenv Python: gunicorn's API serving Keystone's application.
#: Keystone parses ``sys.argv`` with oslo.config when the application loads, so the
#: arguments are read and cleared first; gunicorn's own command line cannot be used.
_SERVE = """
import sys
bind, threads = sys.argv[1], int(sys.argv[2])
sys.argv = sys.argv[:1]
from gunicorn.app.base import BaseApplication

class Serve(BaseApplication):
    def load_config(self):
        for key, value in {"bind": bind, "workers": 1, "threads": threads,
                           "worker_class": "gthread", "timeout": 120,
                           "control_socket_disable": True}.items():
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self):
        from keystone.wsgi.api import application
        return application

Serve().run()
"""


def start(ks: Keystone, log_file: Any = None, threads: int = 8) -> subprocess.Popen:
    """gunicorn serving Keystone's WSGI application on loopback (not waiting for it)."""
    env = {**os.environ, "OS_KEYSTONE_CONFIG_FILES": ks.config}
    return subprocess.Popen(
        [ks.bin("python"), "-c", _SERVE, f"127.0.0.1:{ks.port}", str(threads)],
        env=env, stdout=log_file, stderr=subprocess.STDOUT if log_file else None,
        start_new_session=True)


def wait_ready(ks: Keystone, proc: subprocess.Popen, timeout: float = 120) -> None:
    """Until ``GET /v3`` answers; fail if gunicorn exits or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"Keystone (gunicorn) exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{ks.url}/v3", timeout=5) as resp:
                if resp.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"Keystone did not answer at {ks.url}/v3 within {timeout}s")
        time.sleep(0.2)


# --- provisioning over Keystone's API ----------------------------------------------------


def _request(url: str, method: str, body: Any = None, token: str | None = None
             ) -> tuple[int, Mapping[str, str], Any]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json",
                                          **({"X-Auth-Token": token} if token else {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            text = resp.read()
            return resp.status, resp.headers, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        text = error.read()
        try:
            return error.code, error.headers, json.loads(text)
        except ValueError:
            return error.code, error.headers, text.decode(errors="replace")


def admin_token(ks: Keystone, password: str = ADMIN_PASSWORD) -> str:
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"id": "default"}, "password": password}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}
    status, headers, answer = _request(f"{ks.url}/v3/auth/tokens", "POST", body)
    if status != 201:
        raise RuntimeError(f"Keystone refused the admin login ({status}): {answer}")
    return headers["X-Subject-Token"]


class _Api:
    """Find-or-create over ``/v3`` with the admin token (provisioning is idempotent)."""

    def __init__(self, ks: Keystone, token: str):
        self.base, self.token = f"{ks.url}/v3", token

    def call(self, method: str, path: str, body: Any = None, ok: tuple = (200, 201, 204)
             ) -> Any:
        status, _, answer = _request(self.base + path, method, body, self.token)
        if status not in ok:
            raise RuntimeError(f"Keystone {method} {path}: {status} {answer}")
        return answer

    def ensure(self, collection: str, key: str, name: str, extra: dict | None = None,
               query: str = "") -> str:
        found = self.call("GET", f"/{collection}?name={name}{query}")[collection]
        if found:
            return found[0]["id"]
        return self.call("POST", f"/{collection}", {key: {"name": name, **(extra or {})}}
                         )[key]["id"]


def provision(ks: Keystone, endpoints: Mapping[str, str],
              admin_password: str = ADMIN_PASSWORD) -> None:
    """Projects, users and roles of :data:`USERS`; catalog entries ``type -> public URL``."""
    api = _Api(ks, admin_token(ks, admin_password))
    domain = {"domain_id": "default"}
    projects = {name: api.ensure("projects", "project", name, domain)
                for name in sorted({project for _, project, _ in USERS.values()})}
    roles = {name: api.ensure("roles", "role", name)
             for name in sorted({r for _, _, rs in USERS.values() for r in rs})}
    for user, (password, project, user_roles) in USERS.items():
        user_id = api.ensure("users", "user", user, {**domain, "password": password})
        api.call("PATCH", f"/users/{user_id}", {"user": {"password": password}})
        for role in user_roles:
            api.call("PUT", f"/projects/{projects[project]}/users/{user_id}/roles/{roles[role]}")
    names = {"compute": "nova", "alarming": "aodh"}
    for service_type, url in endpoints.items():
        service_id = api.ensure("services", "service", names.get(service_type, service_type),
                                {"type": service_type})
        existing = api.call("GET", f"/endpoints?service_id={service_id}&interface=public")
        for endpoint in existing["endpoints"]:
            api.call("DELETE", f"/endpoints/{endpoint['id']}")
        api.call("POST", "/endpoints", {"endpoint": {
            "service_id": service_id, "interface": "public", "url": url,
            "region_id": "RegionOne"}})


class _Stopped(Exception):
    """SIGTERM or SIGINT arrived: stop Keystone and return."""


def run(state_dir: str, port: int, endpoints: Mapping[str, str],
        venv: str | None = None) -> int:
    """The ``keystone`` command: build, bootstrap, serve, provision; stop on SIGTERM/Ctrl-C."""
    ks = Keystone(venv or default_venv(), os.path.abspath(state_dir), port)
    took = ensure_venv(ks.venv)
    if took:
        print(f"keystone: venv built in {took:.0f}s", flush=True)
    write_config(ks)
    started = time.monotonic()
    bootstrap(ks)
    os.makedirs(os.path.join(ks.state_dir, "log"), exist_ok=True)
    stop = {"signal": None}

    def on_signal(signum: int, frame: Any) -> None:
        stop["signal"] = signum
        raise _Stopped()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with open(os.path.join(ks.state_dir, "log", "keystone.log"), "ab") as log_file:
        proc = start(ks, log_file)
        with open(os.path.join(ks.state_dir, "gunicorn.pid"), "w") as handle:
            handle.write(str(proc.pid))  # for whoever must clean up after a kill -9 of us
        try:
            wait_ready(ks, proc)
            provision(ks, endpoints)
            print(f"keystone: bootstrapped and provisioned in "
                  f"{time.monotonic() - started:.1f}s", flush=True)
            users = ", ".join(f"{u}/{p} ({project}: {','.join(r)})"
                              for u, (p, project, r) in USERS.items())
            print(f"keystone: users admin/{ADMIN_PASSWORD} (admin), {users}", flush=True)
            print(f"keystone: up at {ks.url}/v3 (Ctrl-C stops)", flush=True)
            while proc.poll() is None:
                time.sleep(0.2)
            print(f"keystone: gunicorn exited with {proc.returncode}", flush=True)
        except _Stopped:
            pass
        finally:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
    return 0 if stop["signal"] is not None else 1
