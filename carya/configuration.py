"""Configuration: Pecan-style ``config.py`` files and the global ``carya.conf``.

A config file is plain Python; its public top-level names become sections
(``server``, ``app``, ``logging``, anything else). Dicts become :class:`Config`
objects with attribute access (``conf.app.root``) unless they contain
``'__force_dict__': True``. Strings may use ``%(confdir)s``, the directory of
the file. Errors name the file and the key.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = [
    "Config",
    "ConfigDict",
    "ConfigError",
    "conf_from_file",
    "conf_from_dict",
    "initconf",
    "set_config",
    "get_conf_path_from_env",
    "DEFAULT",
]

DEFAULT: dict[str, Any] = {
    "server": {"host": "127.0.0.1", "port": "8080"},
    "app": {
        "root": None,
        "modules": [],
        "static_root": "public",
        "template_path": "",
        "force_canonical": True,
        "debug": False,
    },
}

IDENTIFIER_OK = str.isidentifier

#: carya's own settings whose keys are data, not names (path prefixes): always plain
#: dicts, with no ``'__force_dict__'`` needed (Pecan's rule stays for everything else).
MAP_SETTINGS = frozenset({"server.max_body_by_path"})


class ConfigError(ValueError):
    """A configuration file or value is wrong; the message names where."""


class ConfigDict(dict):
    """A dict a config asked to keep as a dict (``'__force_dict__': True``).

    The type remembers the request, so copying a config into another
    (``Config(dict(conf))``, ``set_config(conf.to_dict())``) keeps it a dict
    instead of checking its keys (``404``...) as attribute names again; Pecan
    has the same class for the same reason.
    """


class Config:
    """Nested configuration with attribute and item access."""

    def __init__(self, conf_dict: Mapping[str, Any], filename: str = "", prefix: str = ""):
        object.__setattr__(self, "_filename", filename)
        object.__setattr__(self, "_prefix", prefix)
        object.__setattr__(self, "_values", {})
        self.update(conf_dict)

    # mapping-ish API
    def update(self, conf_dict: Mapping[str, Any]) -> None:
        if isinstance(conf_dict, Config):
            conf_dict = conf_dict.to_dict()
        if not isinstance(conf_dict, Mapping):
            raise ConfigError(f"{self._where()}: expected a dict, got {type(conf_dict).__name__}")
        for key, value in conf_dict.items():
            if not (isinstance(key, str) and key.isidentifier()):
                raise ConfigError(
                    f"{self._where()}: {key!r} is not a valid Python identifier, consider "
                    "using the '__force_dict__' key if requiring a native dictionary"
                )
            existing = self._values.get(key)
            if isinstance(existing, Config) and isinstance(value, (Mapping, Config)) \
                    and not isinstance(value, ConfigDict) \
                    and not (isinstance(value, Mapping) and value.get("__force_dict__")):
                existing.update(value)  # update merges sections; assignment replaces them
                continue
            self._values[key] = self._wrap(key, value)

    def _wrap(self, key: str, value: Any) -> Any:
        name = f"{self._prefix}{key}"
        if isinstance(value, Config):
            value = value.to_dict()
        if isinstance(value, ConfigDict):
            return value
        if isinstance(value, Mapping):
            if value.get("__force_dict__") or name in MAP_SETTINGS:
                return ConfigDict(
                    (k, self._interpolate(v)) for k, v in value.items() if k != "__force_dict__"
                )
            return Config(value, self._filename, prefix=name + ".")
        return self._interpolate(value)

    def _interpolate(self, value: Any) -> Any:
        if isinstance(value, str) and "%(confdir)s" in value:
            confdir = os.path.dirname(self._filename) if self._filename else os.getcwd()
            return value.replace("%(confdir)s", confdir)
        if isinstance(value, list):
            return [self._interpolate(v) for v in value]
        return value

    def _where(self) -> str:
        return self._filename or "<config>"

    def get(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._values[key] = self._wrap(key, value)

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def keys(self):
        return self._values.keys()

    def items(self):
        return self._values.items()

    def values(self):
        return self._values.values()

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(
                f"{self._where()}: no setting '{self._prefix}{name}'"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __dir__(self):
        return list(self._values)

    def to_dict(self, prefix: str | None = None) -> dict[str, Any]:
        """A plain-dict copy (nested Configs become dicts); ``prefix`` goes before every
        key, nested ones included (Pecan's rule)."""
        out = {}
        for key, value in self._values.items():
            out_key = f"{prefix}{key}" if prefix else key
            if isinstance(value, Config):
                out[out_key] = value.to_dict(prefix)
            elif isinstance(value, (list, dict, set)):
                out[out_key] = copy.copy(value)
            else:
                out[out_key] = value  # objects (a logging stream...) are shared, not copied
        return out

    def empty(self) -> None:
        """Forget every setting (Pecan's ``Config.empty``)."""
        self._values.clear()

    def __repr__(self) -> str:
        return f"Config({self.to_dict()!r})"


def conf_from_file(filepath: str) -> Config:
    """Load a ``config.py``: run it and keep its public, non-module names."""
    abspath = os.path.abspath(os.path.expanduser(filepath))
    if not os.path.isfile(abspath):
        raise ConfigError(f"config file {abspath!r} does not exist")
    try:
        values = read_config_file(abspath)
    except SyntaxError as error:
        raise ConfigError(f"{abspath}, line {error.lineno}: syntax error: {error.msg}") from error
    except Exception as error:
        raise ConfigError(f"{abspath}: running the config failed: {error!r}") from error
    return conf_from_dict(values, abspath)


def read_config_file(abspath: str) -> dict[str, Any]:
    """Run a ``config.py`` and return its public, non-module names (errors as raised)."""
    namespace: dict[str, Any] = {"__file__": abspath, "__name__": "__carya_config__"}
    with open(abspath, "rb") as fh:
        code = compile(fh.read(), abspath, "exec")
    exec(code, namespace)  # noqa: S102 - config files are Python, as in Pecan
    return {k: v for k, v in namespace.items() if not k.startswith("_") and not _is_module(v)}


def _is_module(value: Any) -> bool:
    return type(value).__name__ == "module"


def conf_from_dict(conf_dict: Mapping[str, Any], filename: str = "",
                   environ: Mapping[str, str] | None = None) -> Config:
    """A Config with the defaults, updated with ``conf_dict``, then the environment."""
    conf = Config(copy.deepcopy(DEFAULT), filename)
    conf.update(conf_dict)
    apply_environ(conf, os.environ if environ is None else environ)
    _check(conf)
    return conf


ENV_PREFIX = "CARYA__"


def apply_environ(conf: Config, environ: Mapping[str, str]) -> None:
    """Override settings from ``CARYA__<SECTION>__<KEY>[__<KEY>...]=value``.

    ``CARYA__SERVER__PORT=9000`` sets ``server.port``; values are read as JSON
    when they parse (``true``, ``8``, ``["a"]``), else as text. A value whose
    type cannot replace the file's (text for a number or a flag) is an error
    naming the variable.
    """
    for name in sorted(environ):
        if not name.startswith(ENV_PREFIX):
            continue
        path = [part.lower() for part in name[len(ENV_PREFIX):].split("__") if part]
        if len(path) < 2:
            raise ConfigError(f"{name}: name a section and a key, like CARYA__APP__DEBUG")
        section: Any = conf
        for part in path[:-1]:
            nested = section.get(part) if hasattr(section, "get") else None
            if nested is None:
                section[part] = {}
                nested = section[part]
            section = nested
        key = path[-1]
        section[key] = _env_value(name, environ[name], section.get(key))


def _env_value(name: str, raw: str, current: Any) -> Any:
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    if isinstance(current, bool) and not isinstance(value, bool):
        raise ConfigError(f"{name}={raw!r}: expected true or false")
    if isinstance(current, int) and not isinstance(current, bool) and (
        isinstance(value, bool) or not isinstance(value, int)
    ):
        raise ConfigError(f"{name}={raw!r}: expected a whole number")
    if isinstance(current, str) and not isinstance(value, str):
        value = raw  # the file had text: keep the text (e.g. a port written '8080')
    return value


def _check(conf: Config) -> None:
    where = conf._where()
    app = conf.get("app")
    if not isinstance(app, Config):
        raise ConfigError(f"{where}: 'app' must be a dict")
    modules = app.get("modules", [])
    if not isinstance(modules, (list, tuple)):
        raise ConfigError(f"{where}: app.modules must be a list of package names")
    root = app.get("root")
    if root is not None and not isinstance(root, str) and isinstance(root, type):
        raise ConfigError(f"{where}: app.root must be a dotted path or a controller instance")
    server = conf.get("server")
    if isinstance(server, Config):
        port = server.get("port")
        try:
            int(port)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: server.port {port!r} is not a port number") from None
        _check_server_limits(where, server)


#: The embedded server's timeouts and limits a ``server`` section may set (see
#: :class:`carya.front.settings.FrontSettings` for their meaning and defaults).
SERVER_LIMITS = ("header_timeout", "body_timeout", "keepalive_timeout", "keepalive_requests",
                 "max_connections", "request_timeout", "buffer_body", "coalesce_bytes")


def _check_server_limits(where: str, server: Config) -> None:
    for name in SERVER_LIMITS:
        value = server.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ConfigError(f"{where}: server.{name} {value!r} must be a number >= 0")
    limit = server.get("max_body")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ConfigError(f"{where}: server.max_body {limit!r} must be a whole number of "
                          "bytes >= 0 (0: no limit)")
    by_path = server.get("max_body_by_path")
    if by_path is not None:
        if not hasattr(by_path, "items"):
            raise ConfigError(f"{where}: server.max_body_by_path must map path prefixes "
                              "to byte limits")
        for prefix, value in by_path.items():
            if not isinstance(prefix, str) or not prefix.startswith("/") or isinstance(
                    value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"{where}: server.max_body_by_path[{prefix!r}] = {value!r}: "
                                  "give a path prefix starting with '/' and a byte limit >= 0")


def get_conf_path_from_env() -> str:
    """The config file named by ``CARYA_CONFIG`` (or Pecan's ``PECAN_CONFIG``)."""
    path = os.environ.get("CARYA_CONFIG") or os.environ.get("PECAN_CONFIG")
    if not path:
        raise ConfigError("no config given and neither CARYA_CONFIG nor PECAN_CONFIG is set")
    if not os.path.isfile(path):
        raise ConfigError(f"CARYA_CONFIG points to {path!r}, which does not exist")
    return path


def initconf() -> Config:
    return conf_from_dict({})


_runtime_conf = initconf()


class _ConfProxy:
    """``carya.conf``: always the configuration set last."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_runtime_conf, name)

    def __getitem__(self, key: str) -> Any:
        return _runtime_conf[key]

    def __contains__(self, key: object) -> bool:
        return key in _runtime_conf

    def __repr__(self) -> str:
        return repr(_runtime_conf)


conf = _ConfProxy()


def set_config(config: Any, overwrite: bool = False) -> Config:
    """Make ``config`` (a dict, a Config or a config file path) the global ``carya.conf``."""
    global _runtime_conf
    if config is None:
        config = get_conf_path_from_env()
    if isinstance(config, str):
        loaded = conf_from_file(config)
    elif isinstance(config, Config):
        loaded = config
    elif isinstance(config, Mapping):
        loaded = conf_from_dict(config)
    else:
        raise ConfigError(f"a config is a file path or a dict, not {type(config).__name__}")
    if overwrite:
        _runtime_conf = loaded
    else:
        _runtime_conf.update(loaded)
    return _runtime_conf
