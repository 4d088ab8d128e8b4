"""WSME's ``wsexpose`` (``wsmeext.pecan``) on carya, its plain cases compiled.

WSME converts every argument and result through generic functions
(``from_param``, ``fromjson``, ``tojson``) that look the type up on each call,
and reads the request through Pecan's request object: some 20 µs a request on
top of the framework. When carya builds the handler of a function that
``wsexpose`` decorated, this adapter replaces WSME's ``callfunction`` with one
whose conversions are compiled once per signature: path arguments, query
arguments of ``str``/``int``/``float``/``bool``, JSON bodies of complex types and
results, each through the function WSME's dispatch would pick for its type (looked
up once; plain ``str``/``int``/``float``/``bool`` attributes inline). Everything
else goes to WSME's own function:

- Before the decorated function is called, any input outside those cases hands
  the whole request to WSME's ``callfunction``. Every error status and message
  for unusual or invalid input is WSME's own; nothing has run twice.
- After, the result is answered as ``callfunction`` answers it (status code,
  ``wsme.api.Response``, faults), and the JSON renderer encodes it with the
  compiled converters, which give WSME's bytes, or else with WSME's encoder.

Conversions registered with WSME's generic functions (``tojson.when_object``...)
are called where WSME's dispatch would call them: each type's function is looked
up once, and a registration made after a type compiled makes it compile again.
``disable()`` puts WSME's path back for handlers built afterwards.
"""

from __future__ import annotations

from carya.handler import ADAPTERS, Handler

from .call import compile_call, json_renderer, plain_params
from .conversions import Registry

__all__ = ["adapt", "enable", "disable", "registry"]

_WSME_MODULE = "wsmeext.pecan"  # the module whose callfunction this replaces
_registry: Registry | None = None


def registry() -> Registry | None:
    """The one registry, made when the first WSME handler is built."""
    global _registry
    if _registry is None:
        try:
            _registry = Registry()
        except (ImportError, LookupError, AttributeError):
            return None
    return _registry


def adapt(handler: Handler) -> None:
    """Compile a handler whose function WSME's ``wsexpose`` made; leave others alone."""
    func = handler.func
    if getattr(func, "__globals__", {}).get("__name__") != _WSME_MODULE:
        return
    if not hasattr(func, "_wsme_definition") or not hasattr(func, "__wrapped__"):
        return
    compiled = registry()
    if compiled is None:
        return
    handler.func = compile_call(func, compiled)
    handler.binder.params = plain_params
    for ctype, template in handler.templates.items():
        render = handler.content_types.get(ctype)
        if template == "wsmejson:" and render is not None:
            handler.content_types[ctype] = json_renderer(render, compiled)


def enable() -> None:
    """Compile WSME handlers built from now on (the default once Pecan's alias loads)."""
    if adapt not in ADAPTERS:
        ADAPTERS.append(adapt)


def disable() -> None:
    """Leave WSME handlers built from now on to WSME's own ``callfunction``."""
    if adapt in ADAPTERS:
        ADAPTERS.remove(adapt)
