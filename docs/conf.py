"""Sphinx configuration of carya's documentation site (``./scripts/docs`` builds it)."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

import carya  # noqa: E402 - after the path that makes the source tree importable

project = "carya"
author = "the carya developers"
copyright = "the carya developers"  # noqa: A001 - Sphinx's setting name
release = version = carya.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "README.md"]
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]

autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_mock_imports: list[str] = []

html_theme = "alabaster"
html_title = f"carya {release}"
html_static_path: list[str] = []


#: Pages written in other branches: their toctree entries are dropped while the file is
#: missing, so the site builds (with -W) before and after they arrive.
OPTIONAL_PAGES = ("migrating-from-pecan",)


def _drop_missing_pages(app, docname, source):
    if docname != "index":
        return
    for page in OPTIONAL_PAGES:
        if not os.path.exists(os.path.join(app.srcdir, page + ".md")):
            source[0] = "\n".join(line for line in source[0].split("\n") if line != page)


def setup(app):
    app.connect("source-read", _drop_missing_pages)
