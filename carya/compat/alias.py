"""The opt-in ``pecan`` import alias: ``import pecan`` gives :mod:`carya.compat.pecan`.

A meta-path finder claims ``pecan`` and every ``pecan.X`` that
``carya.compat.pecan.X`` provides, and hands back carya's module object itself,
so ``pecan.hooks.PecanHook is carya.hooks.PecanHook`` and code written for
Pecan (``wsmeext.pecan`` included) runs on carya unchanged. Names the compat
package does not provide are left to the normal import system, so a project's
own ``pecan.tests`` directory can still be added to ``pecan.__path__``.

This module imports only the standard library: a ``.pth`` file loads it at
every interpreter start (``carya pecan-alias enable``), and carya itself is
imported only when something imports ``pecan``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import sysconfig
from types import ModuleType

__all__ = [
    "PecanAliasFinder", "install", "uninstall", "installed",
    "PTH_NAME", "pth_line", "real_pecan_in", "site_packages",
]

ALIAS = "pecan"
TARGET = "carya.compat.pecan"
PTH_NAME = "carya-pecan-alias.pth"
_MARK = "_carya_pecan_alias"


class _AliasLoader(importlib.abc.Loader):
    """Loads ``pecan.X`` as the already-imported ``carya.compat.pecan.X``."""

    def __init__(self, target: str):
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(self.target)
        self._spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # The import system stamped the alias spec on carya's module; keep carya's.
        module.__spec__ = self._spec


class PecanAliasFinder(importlib.abc.MetaPathFinder):
    """Resolve ``pecan`` and its submodules to :mod:`carya.compat.pecan`."""

    _carya_pecan_alias = True

    def find_spec(self, fullname, path=None, target=None):
        if fullname != ALIAS and not fullname.startswith(ALIAS + "."):
            return None
        real = TARGET + fullname[len(ALIAS):]
        if fullname != ALIAS:
            try:
                if importlib.util.find_spec(real) is None:
                    return None
            except ModuleNotFoundError:
                return None
        is_package = fullname == ALIAS or _is_package(real)
        return importlib.machinery.ModuleSpec(
            fullname, _AliasLoader(real), is_package=is_package
        )


def _is_package(name: str) -> bool:
    spec = importlib.util.find_spec(name)
    return spec is not None and spec.submodule_search_locations is not None


def installed() -> bool:
    return any(getattr(f, _MARK, False) for f in sys.meta_path)


def install() -> None:
    """Make ``import pecan`` resolve to carya in this process (idempotent).

    The finder goes first on ``sys.meta_path``, so it wins even where real
    Pecan is installed; a ``pecan`` already imported is left alone.
    """
    if not installed():
        sys.meta_path.insert(0, PecanAliasFinder())


def uninstall() -> None:
    """Remove the alias, and forget the ``pecan`` modules it gave out."""
    sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, _MARK, False)]
    for name in [n for n in sys.modules if n == ALIAS or n.startswith(ALIAS + ".")]:
        module = sys.modules[name]
        if getattr(module, "__name__", "").startswith(TARGET):
            del sys.modules[name]


def pth_line() -> str:
    """The ``.pth`` line: load this file by path, without importing carya, and install.

    ``import carya`` at every interpreter start would cost its import time; the
    finder needs only the standard library until something imports ``pecan``.
    """
    return (
        "import importlib.util as _u, os as _o; _c = _u.find_spec('carya'); "
        "_s = _c and _u.spec_from_file_location('_carya_pecan_alias', _o.path.join("
        "list(_c.submodule_search_locations)[0], 'compat', 'alias.py')); "
        "_m = _s and _u.module_from_spec(_s); "
        "_m and (_s.loader.exec_module(_m), _m.install())\n"
    )


def site_packages() -> str:
    """This interpreter's site-packages (where ``carya pecan-alias`` writes)."""
    return sysconfig.get_paths()["purelib"]


def real_pecan_in(directory: str) -> str | None:
    """The real Pecan distribution installed in ``directory``, if any (its path)."""
    try:
        names = os.listdir(directory)
    except OSError:
        return None
    for name in names:
        lower = name.lower()
        if lower == "pecan" or (lower.startswith("pecan-") and lower.endswith(".dist-info")):
            return os.path.join(directory, name)
    return None
