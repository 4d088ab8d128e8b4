"""Loading the application a command names: a ``config.py``, or an INI file ``app.ini#name``.

A ``.py`` file is a carya/Pecan config loaded with :func:`carya.deploy.load_app`;
anything else is a Paste Deploy INI file loaded with ``paste.deploy.loadapp``,
``#name`` choosing the app section (default ``main``). Every way loading can
fail becomes a :class:`CommandError` whose one-line message names the file.
"""

from __future__ import annotations

import configparser
import os
import sys
from dataclasses import dataclass
from typing import Any

from .errors import CommandError

__all__ = ["Loaded", "ConfigSpec", "parse_spec", "load"]


@dataclass(frozen=True)
class ConfigSpec:
    """What the user named: the absolute file path, its kind, and an INI app name."""

    path: str
    kind: str  # "py" or "ini"
    name: str | None = None

    @property
    def directory(self) -> str:
        return os.path.dirname(self.path)

    def __str__(self) -> str:
        return self.path + (f"#{self.name}" if self.name else "")


@dataclass
class Loaded:
    """A loaded application and what the command line may want from its config."""

    spec: ConfigSpec
    wsgiapp: Any
    conf: Any
    host: str | None
    port: int | None


def parse_spec(text: str) -> ConfigSpec:
    """``config.py`` or ``app.ini#name`` -> a :class:`ConfigSpec` for an existing file."""
    path, name = text, None
    if "#" in text and not os.path.exists(text):
        path, _, name = text.rpartition("#")
        if not name:
            raise CommandError(f"{text!r}: nothing after '#'; write app.ini#NAME or app.ini")
    abspath = os.path.abspath(os.path.expanduser(path))
    if not os.path.exists(abspath):
        raise CommandError(f"config file {abspath} does not exist")
    if not os.path.isfile(abspath):
        raise CommandError(f"{abspath} is not a file; name a config.py or an INI file")
    kind = "py" if abspath.endswith(".py") else "ini"
    if kind == "py" and name is not None:
        raise CommandError(f"{abspath}: '#{name}' names an INI section; a config.py has none")
    return ConfigSpec(abspath, kind, name)


def load(text: str) -> Loaded:
    """Load the application ``text`` names, or raise a one-line :class:`CommandError`."""
    spec = parse_spec(text)
    if spec.kind == "py":
        return _load_python(spec)
    return _load_ini(spec)


def _load_python(spec: ConfigSpec) -> Loaded:
    from ..configuration import ConfigError
    from ..deploy import load_app

    try:
        app = load_app(spec.path)
    except ConfigError as error:
        raise CommandError(str(error)) from error
    except Exception as error:  # noqa: BLE001 - any failure is reported in one line
        raise CommandError(f"{spec.path}: cannot load the application: {_describe(error)}") \
            from error
    conf = getattr(app, "config", None)
    server = conf.get("server") if conf is not None else None
    host = server.get("host") if server is not None else None
    port = server.get("port") if server is not None else None
    return Loaded(spec, app, conf, host, _port(port, f"{spec.path}: server.port"))


def _load_ini(spec: ConfigSpec) -> Loaded:
    from .. import conf

    try:
        from paste.deploy import loadapp
    except ImportError as error:  # pragma: no cover - PasteDeploy is a dependency
        raise CommandError("INI files need PasteDeploy: pip install PasteDeploy") from error
    if spec.directory not in sys.path:
        # As for a config.py: factories may name packages beside the INI file.
        sys.path.insert(0, spec.directory)
    try:
        app = loadapp("config:" + spec.path, name=spec.name)
    except LookupError as error:
        raise CommandError(f"{spec}: {error}") from error
    except configparser.Error as error:
        raise CommandError(f"{spec.path}: not a valid INI file: {error}") from error
    except Exception as error:  # noqa: BLE001 - any failure is reported in one line
        raise CommandError(f"{spec}: cannot load the application: {_describe(error)}") \
            from error
    host, port = _ini_server(spec.path)
    return Loaded(spec, app, conf, host, _port(port, f"{spec.path}: [server:main] port"))


def _ini_server(path: str) -> tuple[str | None, str | None]:
    """``host`` and ``port`` of the INI's ``[server:main]``, if it has one."""
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read(path)
    except configparser.Error:
        return None, None
    if not parser.has_section("server:main"):
        return None, None
    return parser.get("server:main", "host", fallback=None), \
        parser.get("server:main", "port", fallback=None)


def _port(value: Any, where: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        port = int(value)
    except (TypeError, ValueError):
        raise CommandError(f"{where} {value!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise CommandError(f"{where} {port} is out of range (0-65535)")
    return port


def _describe(error: BaseException) -> str:
    text = str(error)
    if isinstance(error, (ValueError, ImportError)) and text:
        return text
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
