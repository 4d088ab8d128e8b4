"""``carya apache-conf CONFIG``: an Apache 2.4 + mod_wsgi site for the application.

Prints a ``<VirtualHost>`` that runs the application in a mod_wsgi daemon
process group (its own processes, user and virtualenv, restartable without
restarting Apache), in the main interpreter (``%{GLOBAL}``, which C extensions
need), with the ``Authorization`` header passed on (token auth needs it).
``--write-wsgi PATH`` also writes the ``app.wsgi`` the site points at. On
Debian: save the output as ``/etc/apache2/sites-available/NAME.conf``, then
``a2enmod wsgi && a2ensite NAME && systemctl reload apache2``.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

from .errors import CommandError
from .loading import ConfigSpec, load, parse_spec

__all__ = ["add_parser", "run", "render_site", "render_wsgi", "SiteOptions"]

_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
_ACCOUNT_RE = re.compile(r"^[A-Za-z0-9_.#-][A-Za-z0-9_.@$-]*$")


def add_parser(sub: argparse._SubParsersAction, parents: list) -> None:
    parser = sub.add_parser(
        "apache-conf", parents=parents, help="print an Apache mod_wsgi VirtualHost for the app",
        description=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("config", help="a config.py, or an INI file with an optional #name")
    parser.add_argument("--name", help="daemon process group and log name "
                                       "(default: the app's package, else the config directory)")
    parser.add_argument("--user", help="run the daemon processes as this user")
    parser.add_argument("--group", help="run the daemon processes as this group")
    parser.add_argument("--processes", type=int, default=2, help="daemon processes (default 2)")
    parser.add_argument("--threads", type=int, default=8,
                        help="threads per process (default 8)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    parser.add_argument("--server-name", default="localhost",
                        help="ServerName of the virtual host (default localhost)")
    parser.add_argument("--python-home", metavar="VENV",
                        help="virtualenv of the daemon processes (default: the current one, "
                             "if carya runs in a virtualenv)")
    parser.add_argument("--wsgi-file", metavar="PATH",
                        help="the app.wsgi to serve (default: app.wsgi beside the config)")
    parser.add_argument("--write-wsgi", metavar="PATH",
                        help="write the app.wsgi the site needs to PATH (and serve it)")
    parser.add_argument("--force", action="store_true",
                        help="with --write-wsgi: replace an existing, different file")
    parser.add_argument("--log-dir", default="${APACHE_LOG_DIR}",
                        help="directory of the error and access logs "
                             "(default ${APACHE_LOG_DIR}, Debian's)")
    parser.add_argument("--state-dir", metavar="DIR",
                        help="where the application writes its state, as CARYA_STATE_DIR in "
                             "the app.wsgi (default /var/lib/NAME)")
    parser.add_argument("--no-check", action="store_true",
                        help="do not load the application to check the config first")
    parser.set_defaults(func=run)


class SiteOptions:
    """Everything the VirtualHost needs, checked so Apache will accept it."""

    def __init__(self, spec: ConfigSpec, args: argparse.Namespace, default_name: str):
        self.spec = spec
        self.name = args.name or _sanitize(default_name)
        if not _NAME_RE.match(self.name):
            raise CommandError(f"--name {self.name!r}: use letters, digits, '_', '-' or '.'")
        for option in ("user", "group"):
            value = getattr(args, option)
            if value is not None and not _ACCOUNT_RE.match(value):
                raise CommandError(f"--{option} {value!r} is not a valid account name")
        self.user, self.group = args.user, args.group
        if args.processes < 1 or args.threads < 1:
            raise CommandError("--processes and --threads must be at least 1")
        self.processes, self.threads = args.processes, args.threads
        if not 1 <= args.port <= 65535:
            raise CommandError(f"--port {args.port} is out of range (1-65535)")
        self.host, self.port = args.host, args.port
        if not self.host or any(c.isspace() for c in self.host):
            raise CommandError(f"--host {self.host!r} is not an address")
        self.server_name = args.server_name
        self.python_home = _python_home(args.python_home)
        self.wsgi_file = _wsgi_path(spec, args)
        self.log_dir = args.log_dir.rstrip("/") or "/"
        self.state_dir = os.path.abspath(args.state_dir or default_state_dir(self.name))


def default_state_dir(name: str) -> str:
    """Where a deployed application keeps the files it writes (a SQLite database...)."""
    return f"/var/lib/{name}"


def _sanitize(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_.-")
    return cleaned or "carya_app"


def _python_home(value: str | None) -> str | None:
    if value is None:
        return sys.prefix if sys.prefix != sys.base_prefix else None
    home = os.path.abspath(os.path.expanduser(value))
    if not os.path.isdir(home):
        raise CommandError(f"--python-home {home} is not a directory")
    return home


def _wsgi_path(spec: ConfigSpec, args: argparse.Namespace) -> str:
    write = os.path.abspath(args.write_wsgi) if args.write_wsgi else None
    given = os.path.abspath(args.wsgi_file) if args.wsgi_file else None
    if write and given and write != given:
        raise CommandError(f"--wsgi-file {given} and --write-wsgi {write} name different files")
    path = write or given or os.path.join(spec.directory, "app.wsgi")
    if not write and given and not os.path.isfile(given):
        raise CommandError(f"--wsgi-file {given} does not exist (write one with --write-wsgi)")
    return path


def _quote(value: str) -> str:
    """An Apache argument: quoted when it holds spaces or quotes."""
    if re.search(r'[\s"]', value):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


def render_site(opts: SiteOptions) -> str:
    """The VirtualHost text."""
    daemon = [f"WSGIDaemonProcess {opts.name}"]
    if opts.user:
        daemon.append(f"user={opts.user}")
    if opts.group:
        daemon.append(f"group={opts.group}")
    daemon += [f"processes={opts.processes}", f"threads={opts.threads}",
               "display-name=%{GROUP}"]
    if opts.python_home:
        daemon.append(_quote(f"python-home={opts.python_home}"))
    daemon.append(_quote(f"python-path={opts.spec.directory}"))
    address = f"[{opts.host}]" if ":" in opts.host else opts.host
    wsgi_dir = os.path.dirname(opts.wsgi_file)
    return "\n".join([
        f"# Apache 2.4 + mod_wsgi site for {opts.name}, written by `carya apache-conf`.",
        f"# Application: {opts.spec}",
        f"# Debian: save as /etc/apache2/sites-available/{opts.name}.conf, then",
        f"#   a2enmod wsgi && a2ensite {opts.name} && systemctl reload apache2",
        "# State: the application writes its files (a `carya create` project: its SQLite",
        f"#   database) in {opts.state_dir} (CARYA_STATE_DIR, set by app.wsgi). Create it,",
        "#   owned by the daemon's user, before the first request:",
        f"#   install -d -o {opts.user or 'www-data'} -g {opts.group or opts.user or 'www-data'}"
        f" {_quote(opts.state_dir)}",
        "",
        f"Listen {address}:{opts.port}",
        "",
        f"<VirtualHost {address}:{opts.port}>",
        f"    ServerName {_quote(opts.server_name)}",
        "",
        "    " + " \\\n        ".join(daemon),
        f"    WSGIProcessGroup {opts.name}",
        "    WSGIApplicationGroup %{GLOBAL}",
        "    WSGIPassAuthorization On",
        f"    WSGIScriptAlias / {_quote(opts.wsgi_file)}",
        "",
        f"    <Directory {_quote(wsgi_dir)}>",
        "        Require all granted",
        "    </Directory>",
        "",
        f"    ErrorLog {_quote(f'{opts.log_dir}/{opts.name}_error.log')}",
        f"    CustomLog {_quote(f'{opts.log_dir}/{opts.name}_access.log')} combined",
        "</VirtualHost>",
        "",
    ])


def render_wsgi(spec: ConfigSpec, state_dir: str) -> str:
    """The ``app.wsgi`` mod_wsgi loads: ``application`` built from the config, with
    ``CARYA_STATE_DIR`` defaulting to ``state_dir``."""
    head = '"""WSGI entry point for Apache mod_wsgi (see `carya apache-conf`)."""\n\n'
    state = ("# Where the application writes its state (the notes database): a directory the\n"
             "# daemon's user owns (`carya apache-conf` prints how to create it).\n"
             f'os.environ.setdefault("CARYA_STATE_DIR", {state_dir!r})\n')
    if spec.kind == "py":
        return head + (
            "import os\n\n"
            "from carya.deploy import deploy\n\n"
            + state +
            f"application = deploy({spec.path!r})\n"
        )
    return head + (
        "import os\n"
        "import sys\n\n"
        "from paste.deploy import loadapp\n\n"
        + state +
        f"if {spec.directory!r} not in sys.path:  # factories may name packages beside the INI\n"
        f"    sys.path.insert(0, {spec.directory!r})\n"
        f"application = loadapp({'config:' + spec.path!r}, name={spec.name or 'main'!r})\n"
    )


def _default_name(spec: ConfigSpec, loaded_conf: object) -> str:
    if spec.kind == "py" and loaded_conf is not None:
        modules = getattr(loaded_conf, "app", {}).get("modules") or []
        if modules:
            return str(modules[0])
    if spec.kind == "ini" and spec.name and spec.name != "main":
        return spec.name
    return os.path.basename(spec.directory)


def _conf_only(spec: ConfigSpec) -> object:
    if spec.kind != "py":
        return None
    from ..configuration import ConfigError, conf_from_file

    try:
        return conf_from_file(spec.path)
    except ConfigError as error:
        raise CommandError(str(error)) from error


def write_wsgi(path: str, text: str, force: bool) -> bool:
    """Write ``text`` to ``path``; False when the file already says exactly that."""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            if fh.read() == text:
                return False
        if not force:
            raise CommandError(f"{path} exists with other content; add --force to replace it")
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        raise CommandError(f"cannot write {path}: {directory} is not a directory")
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as error:
        raise CommandError(f"cannot write {path}: {error.strerror or error}") from error
    return True


def run(args: argparse.Namespace) -> int:
    if args.no_check:
        spec = parse_spec(args.config)
        conf = _conf_only(spec)
    else:
        loaded = load(args.config)
        spec, conf = loaded.spec, loaded.conf
    opts = SiteOptions(spec, args, _default_name(spec, conf))
    if args.write_wsgi:
        written = write_wsgi(opts.wsgi_file, render_wsgi(spec, opts.state_dir), args.force)
        state = "wrote" if written else "unchanged:"
        print(f"carya apache-conf: {state} {opts.wsgi_file}", file=sys.stderr)
    sys.stdout.write(render_site(opts))
    return 0
