"""``pecan.scaffolds``: project templates copied with ``+name+`` and ``_tmpl`` substitution.

``BaseScaffold`` and ``RestAPIScaffold`` copy carya's project template; a
scaffold names its template directory as ``(package, subdirectory)``.
"""

from __future__ import annotations

import importlib
import importlib.resources
import os
import re
import sys
from pathlib import Path
from string import Template
from typing import IO, Any

__all__ = [
    "PecanScaffold", "BaseScaffold", "RestAPIScaffold", "copy_dir", "render_template",
    "substitute_filename", "DEFAULT_SCAFFOLD",
]

DEFAULT_SCAFFOLD = "base"
_BAD_CHARS = re.compile("[^a-zA-Z0-9_]")


class PecanScaffold:
    """A project template: ``_scaffold_dir = ('package', 'sub/directory')``."""

    _scaffold_dir: tuple[str, str]

    def normalize_output_dir(self, dest: str) -> str:
        return os.path.abspath(os.path.normpath(dest))

    def normalize_pkg_name(self, dest: str) -> str:
        return _BAD_CHARS.sub("", dest.lower())

    def copy_to(self, dest: str, **kw: Any) -> None:
        copy_dir(self._scaffold_dir, self.normalize_output_dir(dest),
                 {"package": self.normalize_pkg_name(dest)}, **kw)


class BaseScaffold(PecanScaffold):
    """carya's project template (what ``carya create`` writes)."""

    def copy_to(self, dest: str, **kw: Any) -> None:
        from carya.scaffolds import create_project

        create_project(self.normalize_pkg_name(dest), self.normalize_output_dir(dest))


class RestAPIScaffold(BaseScaffold):
    """carya's project template serves JSON REST already."""


def _source_dir(package: str, subdir: str) -> Path:
    """The template directory: looked up on every ``__path__`` entry of ``package``."""
    module = importlib.import_module(package)
    for root in getattr(module, "__path__", ()):
        candidate = Path(root, subdir)
        if candidate.is_dir():
            return candidate
    return Path(str(importlib.resources.files(package).joinpath(subdir)))


def copy_dir(source: tuple[str, str], dest: str, variables: dict,
             out_: IO[str] = sys.stdout, i: int = 0) -> None:
    """Copy ``source`` (package, subdirectory) to ``dest``, substituting ``variables``
    in file names (``+name+``) and in ``*_tmpl`` files (``${name}``, suffix dropped).
    An existing ``dest`` is left alone (reported)."""

    def out(msg: str) -> None:
        out_.write(" " * (i * 2) + msg + "\n")
        out_.flush()

    if os.path.exists(dest):
        out(f"{dest} already exists")
        return
    out(f"Creating {dest}")
    os.makedirs(dest)
    root = _source_dir(*source)
    for entry in sorted(root.iterdir()):
        target = os.path.join(dest, substitute_filename(entry.name, variables))
        templated = target.endswith("_tmpl")
        if templated:
            target = target[:-len("_tmpl")]
        if entry.is_dir():
            out(f"Recursing into {entry.name}")
            copy_dir((source[0], os.path.join(source[1], entry.name)), target, variables,
                     out_, i + 1)
            continue
        content = entry.read_bytes()
        if templated:
            content = render_template(content, variables)
        out(f"Copying {os.path.join(source[1], entry.name)} to {target}")
        Path(target).write_bytes(content)


def substitute_filename(fn: str, variables: dict) -> str:
    for var, value in variables.items():
        fn = fn.replace(f"+{var}+", str(value))
    return fn


def render_template(content: bytes, variables: dict) -> bytes:
    encoding = sys.getfilesystemencoding()
    return Template(content.decode(encoding)).substitute(variables).encode(encoding)
