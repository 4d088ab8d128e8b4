"""Every code block of the documentation site runs, so the docs cannot drift from the code.

Each page under ``docs/`` is one test, run in a scratch directory of its own:
``python`` blocks are executed in order in one namespace per page (a later
block builds on an earlier one, as a reader does; the blocks assert what the
text claims), ``sh`` blocks run in bash with this virtualenv first on PATH
(``set -euo pipefail``; background jobs they start are stopped at the end of
the block; the port 8080 the text uses is replaced by a free one), ``ini``
blocks must parse, ``json`` blocks must load; an ``ini`` or ``json`` block whose fence
names a file (```` ```ini api-paste.ini ````) is also written to that file, for the
blocks after it to use. A block in any other language
fails the test: a new kind of block needs a way to run it here first.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT, free_port

DOCS = Path(ROOT) / "docs"
FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})(?P<lang>[^\s`]*)[ \t]*(?P<file>[^\s`]*)[^\n]*\n"
                   r"(?P<code>.*?)^(?P=fence)\s*$", re.M | re.S)
BIN = os.path.dirname(sys.executable)
PAGES = sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts)
SHELL_PRELUDE = "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n"


def blocks(page: Path) -> list[tuple[str, str, int, str]]:
    """``(language, code, line, file)`` of each fenced block; MyST directives
    (``{toctree}``) are not code."""
    text = page.read_text(encoding="utf-8")
    found = []
    for m in FENCE.finditer(text):
        lang = m.group("lang")
        if lang.startswith("{"):
            continue
        line = text.count("\n", 0, m.start()) + 1
        found.append((lang, m.group("code"), line, m.group("file")))
    return found


def run_python(code: str, namespace: dict, where: str) -> None:
    exec(compile(code, where, "exec"), namespace)  # noqa: S102 - the project's own docs


def run_shell(code: str, cwd: Path, where: str) -> None:
    port = str(free_port())
    script = SHELL_PRELUDE + code.replace("8080", port)
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""),
               CARYA_DOCS_ROOT=ROOT, VIRTUAL_ENV=os.path.dirname(BIN))
    done = subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, (
        f"{where}: exit {done.returncode}\n--- stdout\n{done.stdout[-3000:]}"
        f"\n--- stderr\n{done.stderr[-3000:]}")


def check_ini(code: str, where: str) -> None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(code, source=where)
    assert parser.sections(), f"{where}: an INI block with no section"


@pytest.fixture
def isolated_page(monkeypatch, tmp_path):
    """A page's blocks see ``CARYA_DOCS_ROOT`` (a carya checkout); the environment they
    change is restored, and the modules they import (their example packages) are
    forgotten, after the page."""
    environ = dict(os.environ)
    before = set(sys.modules)
    monkeypatch.setenv("CARYA_DOCS_ROOT", ROOT)
    yield
    os.environ.clear()
    os.environ.update(environ)
    for name in set(sys.modules) - before:
        where = getattr(sys.modules[name], "__file__", None) or ""
        if where.startswith(str(tmp_path)):
            del sys.modules[name]


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_page_code_blocks_run(page, tmp_path, monkeypatch, isolated_page):
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    namespace: dict = {"__name__": f"docs_{page.stem.replace('-', '_')}"}
    for lang, code, line, filename in blocks(page):
        where = f"{page.relative_to(DOCS)}:{line}"
        if lang == "python":
            run_python(code, namespace, where)
        elif lang in ("sh", "bash"):
            run_shell(code, tmp_path, where)
        elif lang in ("ini", "json"):
            if lang == "ini":
                check_ini(code, where)
            else:
                json.loads(code)
            if filename:
                (tmp_path / filename).write_text(code, encoding="utf-8")
        else:
            pytest.fail(f"{where}: a ```{lang or '(no language)'} block: the docs tests "
                        "only know python, sh, ini and json")


def test_every_page_is_in_the_site():
    """A page no toctree names would be built with a warning; list them here to see why."""
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    for page in PAGES:
        name = str(page.relative_to(DOCS).with_suffix(""))
        assert name == "index" or re.search(rf"^{re.escape(name)}$", index, re.M), (
            f"docs/{name}.md is not in a toctree of docs/index.md")
