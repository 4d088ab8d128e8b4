"""Paste Deploy interop: carya apps, URL maps and auth-strategy pipelines in ``.ini`` files.

OpenStack services are assembled from an ``api-paste.ini``; these factories let
a carya service sit in one unchanged::

    [composite:osapi]
    use = egg:carya#urlmap
    / = versions
    /v2.1 = api_v21

    [composite:api_v21]
    use = egg:carya#strategy
    noauth2 = request_id faultwrap noauth v21
    keystone = request_id faultwrap authtoken v21

    [app:v21]
    use = egg:carya#main
    config = v21_config.py

The INI loader is PasteDeploy's (:func:`loadapp` only adds errors that name the
file and key). Everything here runs once, at load time: the URL map is a prefix
table sorted when it is built, the pipeline is wrapped once; the request path
is a loop over a few prefixes.
"""

from __future__ import annotations

import configparser
import importlib
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from paste.deploy import loadapp as _paste_loadapp
from paste.deploy.converters import asbool

from .configuration import ConfigError, conf_from_file
from .errors import NotFound, fast_error

__all__ = [
    "URLMap",
    "app_factory",
    "loadapp",
    "strategy_pipeline_factory",
    "urlmap_factory",
    "STRATEGY_ENV",
]

#: Environment variable consulted when no INI option names the strategy.
STRATEGY_ENV = "CARYA_AUTH_STRATEGY"

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]

_BOOL_OPTIONS = frozenset(
    {"debug", "force_canonical", "guess_content_type_from_ext", "use_context_locals"}
)
_TEXT_OPTIONS = frozenset({"default_renderer"})
_PATH_OPTIONS = frozenset({"template_path"})
_APP_OPTIONS = _BOOL_OPTIONS | _TEXT_OPTIONS | _PATH_OPTIONS


def _ini(global_conf: Mapping[str, Any]) -> str:
    """The INI file a factory is reading, for error messages."""
    return str(global_conf.get("__file__") or "<paste config>")


# --- egg:carya#main -----------------------------------------------------------


def app_factory(global_conf: Mapping[str, Any], **local_conf: str) -> WSGIApp:
    """``paste.app_factory``: a carya app from ``config = file.py`` or ``root = dotted.Path``.

    ``config`` is a carya/Pecan ``config.py``, relative to the INI's directory;
    ``root`` names the root controller (``pkg.module.Class`` or
    ``pkg.module:Class``). Either may be combined with the simple app options
    ``debug``, ``force_canonical``, ``guess_content_type_from_ext``,
    ``use_context_locals``, ``default_renderer`` and ``template_path``, which
    override the config file's ``app`` section. With ``root``, ``debug`` falls
    back to the INI's ``[DEFAULT] debug``, as Paste apps conventionally do.
    """
    ini = _ini(global_conf)
    here = str(global_conf.get("here") or os.getcwd())
    config = local_conf.pop("config", None)
    root = local_conf.pop("root", None)
    if config and root:
        raise ConfigError(f"{ini}: set either 'config' or 'root' for egg:carya#main, not both")
    if not config and not root:
        raise ConfigError(
            f"{ini}: egg:carya#main needs 'config = path/to/config.py' "
            "or 'root = package.module.RootController'"
        )
    options = _app_options(local_conf, here, ini)
    _add_to_path(here)
    if config:
        return _app_from_config(config, here, ini, options)
    if "debug" not in options and "debug" in global_conf:
        options["debug"] = _bool_option("debug", global_conf["debug"], ini)
    from .app import make_app

    return make_app(_import_root(root, ini), **options)


def _app_options(local_conf: Mapping[str, str], here: str, ini: str) -> dict[str, Any]:
    """INI strings -> ``make_app`` options; an unknown key is an error naming it."""
    options: dict[str, Any] = {}
    for key, value in local_conf.items():
        if key in _BOOL_OPTIONS:
            options[key] = _bool_option(key, value, ini)
        elif key in _PATH_OPTIONS:
            options[key] = os.path.join(here, value)
        elif key in _TEXT_OPTIONS:
            options[key] = value
        else:
            known = ", ".join(sorted(_APP_OPTIONS | {"config", "root"}))
            raise ConfigError(
                f"{ini}: unknown option {key!r} for egg:carya#main (known: {known})"
            )
    return options


def _bool_option(key: str, value: Any, ini: str) -> bool:
    try:
        return asbool(value)
    except ValueError:
        raise ConfigError(f"{ini}: {key} = {value!r} is not true or false") from None


def _add_to_path(directory: str) -> None:
    """Let ``root``/``config`` name packages beside the INI file, as carya.deploy does."""
    if directory not in sys.path:
        sys.path.insert(0, directory)


def _import_root(path: str, ini: str) -> Any:
    """The root controller ``path`` names (a class is instantiated), or an error naming it."""
    module_name, sep, attr = path.partition(":")
    if not sep:
        module_name, _, attr = path.rpartition(".")
    if not module_name or not attr:
        raise ConfigError(
            f"{ini}: root = {path!r} is not a dotted path like 'package.module.RootController'"
        )
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except ImportError as error:
        raise ConfigError(f"{ini}: root = {path!r}: cannot import {module_name!r}: {error}") \
            from error
    except AttributeError:
        raise ConfigError(f"{ini}: root = {path!r}: {module_name!r} has no {attr!r}") from None
    return obj() if isinstance(obj, type) else obj


def _app_from_config(config: str, here: str, ini: str, options: dict[str, Any]) -> WSGIApp:
    from .deploy import load_app

    path = os.path.normpath(os.path.join(here, config))
    if not os.path.isfile(path):
        raise ConfigError(f"{ini}: config = {config!r}: no such file {path!r}")
    try:
        conf = conf_from_file(path)
        for key, value in options.items():
            conf.app[key] = value
        _add_to_path(os.path.dirname(path))
        return load_app(conf)
    except (ImportError, ValueError) as error:
        raise ConfigError(f"{ini}: config = {config!r}: {error}") from error


# --- egg:carya#urlmap -------------------------------------------------------------


class URLMap:
    """Dispatch on the longest mounted path prefix, at segment boundaries.

    ``/v1`` serves ``/v1`` and ``/v1/x`` but not ``/v10``; the matched prefix
    moves from ``PATH_INFO`` to ``SCRIPT_NAME`` so the mounted app sees paths
    relative to its mount point. Unmatched paths go to ``not_found_app`` or
    get carya's plain 404 (text, or JSON when the client prefers it).
    """

    __slots__ = ("_table", "_not_found", "mounts")

    def __init__(self, mounts: Mapping[str, WSGIApp], not_found_app: WSGIApp | None = None,
                 where: str = "<urlmap>"):
        prefixes: dict[str, str] = {}
        for key in mounts:
            prefix = _parse_prefix(key, where)
            if prefix in prefixes:
                raise ConfigError(
                    f"{where}: {key!r} and {prefixes[prefix]!r} mount the same path"
                )
            prefixes[prefix] = key
        #: normalized prefix -> app, for introspection (``'/'`` is stored as ``''``)
        self.mounts = {prefix: mounts[key] for prefix, key in prefixes.items()}
        ordered = sorted(self.mounts.items(), key=lambda item: len(item[0]), reverse=True)
        self._table = tuple((prefix, prefix + "/", len(prefix), app) for prefix, app in ordered)
        self._not_found = not_found_app or _not_found

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        for prefix, below, size, app in self._table:
            if path.startswith(below) or path == prefix:
                environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + prefix
                environ["PATH_INFO"] = path[size:]
                return app(environ, start_response)
        return self._not_found(environ, start_response)


def _parse_prefix(key: str, where: str) -> str:
    """``'/v1/'`` -> ``'/v1'``, ``'/'`` -> ``''``; anything but an absolute path is an error."""
    if not isinstance(key, str) or not key.startswith("/"):
        hint = ""
        if isinstance(key, str) and (key.startswith("domain ") or "://" in key):
            hint = " (host-based mapping is not supported; mount paths only)"
        raise ConfigError(f"{where}: urlmap key {key!r} is not a path like '/v1'{hint}")
    if any(ch.isspace() or ch in "?#" for ch in key):
        raise ConfigError(f"{where}: urlmap key {key!r} is not a path like '/v1'")
    return key.rstrip("/")


def _not_found(environ: dict, start_response: Callable) -> Iterable[bytes]:
    status, headers, body = fast_error(NotFound(), environ)
    start_response(status, headers)
    return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]


def urlmap_factory(loader: Any, global_conf: Mapping[str, Any], **local_conf: str) -> URLMap:
    """``paste.composite_factory``: ``/prefix = app_name`` entries -> a :class:`URLMap`.

    Works like ``egg:Paste#urlmap`` for path keys. ``not_found_app`` (this
    section, else ``[DEFAULT]``) names the app for unmatched paths.
    """
    ini = _ini(global_conf)
    not_found_name = local_conf.pop("not_found_app", None) or global_conf.get("not_found_app")
    for key in local_conf:
        _parse_prefix(key, ini)  # fail on a bad key before loading any app
    not_found_app = None
    if not_found_name:
        not_found_app = loader.get_app(not_found_name, global_conf=global_conf)
    mounts = {
        key: loader.get_app(name.strip(), global_conf=global_conf)
        for key, name in local_conf.items()
    }
    return URLMap(mounts, not_found_app, where=ini)


# --- egg:carya#strategy -------------------------------------------------------------


def strategy_pipeline_factory(loader: Any, global_conf: Mapping[str, Any],
                              **local_conf: str) -> WSGIApp:
    """``paste.composite_factory``: one of several pipelines, chosen by a strategy name.

    Nova's ``pipeline_factory_v21``: each option is ``strategy = filter ... app``.
    The strategy is read from the option named by ``strategy_key`` (default
    ``auth_strategy``) in this section, then in ``[DEFAULT]``/global conf, then
    from ``$CARYA_AUTH_STRATEGY``; with none of those, ``keystone`` if defined.
    """
    ini = _ini(global_conf)
    key = local_conf.pop("strategy_key", "auth_strategy").strip()
    chosen = local_conf.pop(key, None) or global_conf.get(key) or os.environ.get(STRATEGY_ENV)
    pipelines = {name: value.split() for name, value in local_conf.items()}
    available = ", ".join(sorted(pipelines)) or "none"
    if not chosen:
        if "keystone" not in pipelines:
            raise ConfigError(
                f"{ini}: no strategy chosen: set {key!r} (section or [DEFAULT]) or "
                f"${STRATEGY_ENV} to one of: {available}"
            )
        chosen = "keystone"
    chosen = chosen.strip()
    names = pipelines.get(chosen)
    if names is None:
        raise ConfigError(f"{ini}: {key} = {chosen!r} has no pipeline; available: {available}")
    if not names:
        raise ConfigError(f"{ini}: pipeline {chosen!r} is empty; it must end with an app")
    return _load_pipeline(loader, names, global_conf)


def _load_pipeline(loader: Any, names: list[str], global_conf: Mapping[str, Any]) -> WSGIApp:
    """``a b c app`` -> ``a(b(c(app)))``; filters and app come from the loader."""
    filters = [loader.get_filter(name, global_conf=global_conf) for name in names[:-1]]
    app = loader.get_app(names[-1], global_conf=global_conf)
    for wrap in reversed(filters):
        app = wrap(app)
    return app


# --- loading an INI file --------------------------------------------------------------


def loadapp(path: str, name: str | None = None,
            global_conf: Mapping[str, Any] | None = None) -> WSGIApp:
    """The WSGI app section ``name`` (default ``main``) of the INI file ``path`` describes.

    PasteDeploy's ``loadapp`` with errors that name the file and, when an
    import fails, the ``[section] key`` that named the missing module.
    """
    abspath = os.path.abspath(path)
    if not os.path.isfile(abspath):
        raise ConfigError(f"paste config {abspath!r} does not exist")
    section = name or "main"
    try:
        return _paste_loadapp(f"config:{abspath}", name=name, global_conf=dict(global_conf or {}))
    except (LookupError, ImportError, AttributeError, configparser.Error) as error:
        where = _where_named(abspath, error)
        raise ConfigError(
            f"{abspath}: cannot load {section!r}{where}: {error} ({type(error).__name__})"
        ) from error


def _where_named(path: str, error: BaseException) -> str:
    """`` at [app:x] key = value`` for the INI option that names what failed to import."""
    needle = getattr(error, "name", None)
    if not isinstance(needle, str) or not needle:
        return ""
    parser = configparser.RawConfigParser(strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read(path)
    except configparser.Error:
        return ""
    found = [
        f"[{section}] {key} = {value}"
        for section in parser.sections()
        for key, value in parser.items(section, raw=True)
        if needle.lower() in value.lower() and key not in parser.defaults()
    ]
    return f" (at {'; '.join(found)})" if found else ""
