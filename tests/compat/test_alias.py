"""The opt-in ``pecan`` alias: in-process install() and ``carya pecan-alias``.

Real Pecan is installed in the dev venv (the parity suites use it), so each
alias check runs in a fresh interpreter and this process's ``pecan`` is untouched.
"""

from __future__ import annotations

import subprocess
import sys

from carya.cli import main
from carya.compat import alias


def python(code: str, *args: str) -> str:
    done = subprocess.run([sys.executable, *args, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_install_maps_pecan_and_its_submodules_onto_carya():
    out = python(
        "from carya.compat import alias; alias.install(); import pecan, pecan.hooks, "
        "pecan.core, pecan.util, pecan.templating, pecan.middleware.recursive, carya.hooks; "
        "assert pecan.hooks.PecanHook is carya.hooks.PecanHook; "
        "assert pecan.core.abort is carya.abort; "
        "from pecan.templating import _builtin_renderers; from pecan.util import _cfg; "
        "print(pecan.__name__, pecan.hooks.__name__)"
    )
    assert out == "carya.compat.pecan carya.compat.pecan.hooks"


def test_uninstall_gives_pecan_back():
    out = python(
        "from carya.compat import alias; alias.install(); import pecan; "
        "a = pecan.__name__; alias.uninstall(); import importlib; "
        "print(a, importlib.import_module('pecan').__name__)"
    )
    assert out == "carya.compat.pecan pecan"  # real Pecan, installed in the dev venv


def test_unknown_submodule_is_not_claimed():
    out = python(
        "from carya.compat import alias; alias.install()\n"
        "try:\n    import pecan.no_such_module\nexcept ModuleNotFoundError as e:\n    print(e.name)"
    )
    assert out == "pecan.no_such_module"


def test_alias_not_installed_leaves_real_pecan(fw):
    import pecan

    assert pecan.__name__ == "pecan" and not alias.installed()


def test_enable_status_disable(tmp_path, capsys):
    site = str(tmp_path)
    assert main(["pecan-alias", "status", "--site-packages", site]) == 0
    assert "disabled" in capsys.readouterr().out
    assert main(["pecan-alias", "enable", "--site-packages", site]) == 0
    pth = tmp_path / alias.PTH_NAME
    assert pth.exists()
    # The .pth file, processed at start-up, makes import pecan give carya (without
    # importing carya until pecan is imported).
    out = python(
        f"import site, sys; site.addsitedir({site!r}); "
        "print('carya' in sys.modules); import pecan; print(pecan.__name__)"
    )
    assert out.splitlines() == ["False", "carya.compat.pecan"]
    assert main(["pecan-alias", "status", "--site-packages", site]) == 0
    assert "enabled" in capsys.readouterr().out
    assert main(["pecan-alias", "disable", "--site-packages", site]) == 0
    assert not pth.exists()


def test_enable_refuses_where_real_pecan_is_installed(tmp_path, capsys):
    (tmp_path / "pecan-1.8.0.dist-info").mkdir()
    assert main(["pecan-alias", "enable", "--site-packages", str(tmp_path)]) == 2
    assert "real Pecan is installed" in capsys.readouterr().err
    assert not (tmp_path / alias.PTH_NAME).exists()
    assert main(["pecan-alias", "enable", "--force", "--site-packages", str(tmp_path)]) == 0
    assert (tmp_path / alias.PTH_NAME).exists()


PECAN_MODULES = (
    "core", "templating", "util", "compat", "jsonify", "routing", "rest", "hooks", "secure",
    "decorators", "configuration", "deploy", "testing", "log", "ext", "middleware",
    "middleware.debug", "middleware.errordocument", "middleware.recursive", "middleware.static",
)


def test_every_pecan_module_has_a_home():
    names = ", ".join(f"pecan.{m}" for m in PECAN_MODULES)
    out = python(
        f"from carya.compat import alias; alias.install(); import {names}; import sys; "
        f"print(all(sys.modules[n].__name__.startswith(('carya.compat.pecan', 'carya.')) "
        f"for n in {[f'pecan.{m}' for m in PECAN_MODULES]!r}))"
    )
    assert out == "True"
