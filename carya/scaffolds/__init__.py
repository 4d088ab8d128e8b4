"""Project templates behind ``carya create``.

A scaffold is a directory of files shipped as package data. Paths are copied
with ``+package+`` replaced by the project's package name; files whose names
end in ``_tmpl`` are rendered with :class:`string.Template` (``${package}``,
``${project_dir}``...) and lose the suffix, so Python sources in the template
are not Python (nor packages, nor tests) inside carya itself. A leading
``dot-`` becomes ``.`` (``dot-gitignore`` -> ``.gitignore``).
"""

from __future__ import annotations

import importlib.util
import keyword
import os
import string
import sys
from collections.abc import Mapping

__all__ = ["ScaffoldError", "SCAFFOLDS", "check_name", "create_project", "scaffold_dir"]

SCAFFOLDS = ("project",)
_HERE = os.path.dirname(os.path.abspath(__file__))


class ScaffoldError(ValueError):
    """The project name or target directory cannot be used; the message says why."""


def scaffold_dir(name: str = "project") -> str:
    if name not in SCAFFOLDS:
        raise ScaffoldError(f"no scaffold named {name!r}; available: {', '.join(SCAFFOLDS)}")
    return os.path.join(_HERE, name)


def check_name(name: str, target: str | None = None) -> None:
    """A package name must be an identifier that does not shadow an importable module."""
    if not name.isidentifier() or not name.isascii():
        raise ScaffoldError(
            f"{name!r} is not a valid Python package name: use letters, digits and '_', "
            "not starting with a digit (e.g. 'my_service')"
        )
    if keyword.iskeyword(name):
        raise ScaffoldError(f"{name!r} is a Python keyword; choose another package name")
    if name in sys.stdlib_module_names or name in sys.builtin_module_names:
        raise ScaffoldError(
            f"{name!r} is a standard library module; a package with that name would shadow it"
        )
    if _importable_elsewhere(name, target):
        raise ScaffoldError(
            f"{name!r} is already an importable module; a package with that name "
            "would shadow it (or be shadowed)"
        )


def _importable_elsewhere(name: str, target: str | None) -> bool:
    """Whether ``name`` imports from somewhere other than the current directory/target."""
    ignored = {"", os.getcwd()}
    if target:
        ignored.add(os.path.abspath(target))
    saved = sys.path[:]
    try:
        sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") not in ignored and p]
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False
    finally:
        sys.path[:] = saved


def create_project(package: str, target: str, variables: Mapping[str, str] | None = None,
                   scaffold: str = "project") -> list[str]:
    """Write a new project for ``package`` into ``target``; return the files written.

    ``target`` must not exist or be an empty directory: nothing is overwritten.
    """
    target = os.path.abspath(target)
    check_name(package, target)
    if os.path.exists(target):
        if not os.path.isdir(target):
            raise ScaffoldError(f"{target} exists and is not a directory")
        if os.listdir(target):
            raise ScaffoldError(f"{target} is not empty; choose a new or empty directory")
    values = {"package": package, "project_dir": target}
    values.update(variables or {})
    source = scaffold_dir(scaffold)
    plan = list(_plan(source, target, package))
    written = []
    for src, dest in plan:
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        if src.endswith("_tmpl"):
            with open(src, encoding="utf-8") as fh:
                text = _render(fh.read(), values, src)
            with open(dest, "w", encoding="utf-8") as fh:
                fh.write(text)
        else:
            with open(src, "rb") as fh_in, open(dest, "wb") as fh_out:
                fh_out.write(fh_in.read())
        written.append(dest)
    return written


def _plan(source: str, target: str, package: str):
    """(template file, destination) pairs, in a stable order."""
    for dirpath, dirnames, filenames in os.walk(source):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        rel = os.path.relpath(dirpath, source)
        for filename in sorted(filenames):
            parts = [] if rel == "." else rel.split(os.sep)
            parts.append(filename[: -len("_tmpl")] if filename.endswith("_tmpl") else filename)
            parts = [_dest_name(part, package) for part in parts]
            yield os.path.join(dirpath, filename), os.path.join(target, *parts)


def _dest_name(part: str, package: str) -> str:
    part = part.replace("+package+", package)
    if part.startswith("dot-"):
        part = "." + part[len("dot-"):]
    return part


def _render(text: str, values: Mapping[str, str], where: str) -> str:
    try:
        return string.Template(text).substitute(values)
    except (KeyError, ValueError) as error:  # a broken template is carya's bug
        raise RuntimeError(f"scaffold template {where}: {error!r}") from error
