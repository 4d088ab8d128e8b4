"""``pecan.configuration``: Pecan's config functions, on carya's ``Config`` and global conf.

Pecan's semantics differ from carya's own loader (:mod:`carya.configuration`,
which adds the defaults, ``CARYA__`` environment overrides and checks): here a
file or dict gives exactly its own values, ``set_config(..., overwrite=True)``
keeps only them, errors are ``RuntimeError``/``SyntaxError``/``ImportError`` as
raised, and the defaults are Pecan's (``server.host`` ``0.0.0.0``).
"""

from __future__ import annotations

import copy
import inspect
import os
from typing import Any

from carya import configuration as _carya
from carya.configuration import Config, ConfigDict

__all__ = [
    "Config", "ConfigDict", "DEFAULT", "conf_from_file", "conf_from_dict", "initconf",
    "set_config", "get_conf_path_from_env",
]


DEFAULT: dict[str, Any] = {
    "server": {"port": "8080", "host": "0.0.0.0"},
    "app": {
        "root": None,
        "modules": [],
        "static_root": "public",
        "template_path": "",
        "force_canonical": True,
    },
}


def __getattr__(name: str) -> Any:
    if name in ("_runtime_conf", "conf"):
        return _carya._runtime_conf  # always the live global (carya may replace it)
    raise AttributeError(f"module 'pecan.configuration' has no attribute {name!r}")


def conf_from_dict(conf_dict: dict) -> Config:
    """A Config of exactly ``conf_dict``'s values (dunder names and modules left out)."""
    conf = Config({}, conf_dict.get("__file__", ""))
    for key, value in conf_dict.items():
        if key.startswith("__") or inspect.ismodule(value):
            continue
        conf[key] = value
    return conf


def conf_from_file(filepath: str) -> Config:
    abspath = os.path.abspath(os.path.expanduser(filepath))
    if not os.path.isfile(abspath):
        raise RuntimeError(f"`{abspath}` is not a file.")
    values = _carya.read_config_file(abspath)
    values["__file__"] = abspath
    return conf_from_dict(values)


def get_conf_path_from_env() -> str:
    path = os.environ.get("PECAN_CONFIG")
    if not path:
        raise RuntimeError("PECAN_CONFIG is not set and no config file was passed as an argument.")
    if not os.path.isfile(path):
        raise RuntimeError(f"PECAN_CONFIG was set to an invalid path: {path}")
    return path


def initconf() -> Config:
    return conf_from_dict(copy.deepcopy(DEFAULT))


def set_config(config: Any, overwrite: bool = False) -> Config:
    """Update the global configuration (emptied first with ``overwrite=True``)."""
    if config is None:
        config = get_conf_path_from_env()
    runtime = _carya._runtime_conf
    if isinstance(config, str):
        loaded = conf_from_file(config)
    elif isinstance(config, (dict, Config)):
        loaded = config if isinstance(config, Config) else conf_from_dict(config)
    else:
        raise TypeError(f"{config} is neither a dictionary or a string.")
    if overwrite:
        runtime.empty()
    runtime.update(loaded)
    if loaded._filename:
        object.__setattr__(runtime, "_filename", loaded._filename)
    return runtime
