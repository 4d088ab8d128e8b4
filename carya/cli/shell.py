"""``carya shell CONFIG``: an interactive Python shell with the application loaded.

Preloaded names: ``app`` (the carya App), ``wsgiapp`` (the full WSGI stack,
middleware included), ``conf`` (the configuration) and ``testapp`` (a WebTest
``TestApp`` around ``wsgiapp``: ``testapp.get('/')``). IPython is used when it
is installed, unless ``--plain``.
"""

from __future__ import annotations

import argparse
import code
import sys
from typing import Any

from .loading import load

__all__ = ["add_parser", "run", "namespace"]


def add_parser(sub: argparse._SubParsersAction, parents: list) -> None:
    parser = sub.add_parser(
        "shell", parents=parents, help="a Python shell with the application loaded",
        description=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("config", help="a config.py, or an INI file with an optional #name")
    parser.add_argument("--plain", action="store_true",
                        help="use the standard Python shell even if IPython is installed")
    parser.set_defaults(func=run)


def namespace(wsgiapp: Any, conf: Any) -> dict[str, Any]:
    """The shell's preloaded names."""
    from ..routing.listing import mounted_apps

    apps = mounted_apps(wsgiapp)
    ns: dict[str, Any] = {
        "app": apps[0][1] if apps else wsgiapp,
        "wsgiapp": wsgiapp,
        "conf": conf,
    }
    try:
        from webtest import TestApp
    except ImportError:
        ns["testapp"] = None
    else:
        ns["testapp"] = TestApp(wsgiapp)
    return ns


def banner(ns: dict[str, Any], source: str) -> str:
    lines = [f"carya shell: {source}", "Available:"]
    described = {
        "app": "the carya application",
        "wsgiapp": "the WSGI application, middleware included",
        "conf": "the configuration",
        "testapp": "a WebTest TestApp around wsgiapp: testapp.get('/')",
    }
    for name, text in described.items():
        value = ns[name]
        if name == "testapp" and value is None:
            text = "None (install WebTest for a test client)"
        lines.append(f"  {name:<8} {text} ({type(value).__name__})")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    loaded = load(args.config)
    ns = namespace(loaded.wsgiapp, loaded.conf)
    text = banner(ns, str(loaded.spec))
    if not args.plain:
        try:
            from IPython import start_ipython
        except ImportError:
            pass
        else:
            print(text, flush=True)
            start_ipython(argv=["--no-banner"], user_ns=ns)
            return 0
    if sys.stdin.isatty():
        _enable_completion(ns)
    code.interact(banner=text, local=ns, exitmsg="")
    return 0


def _enable_completion(ns: dict[str, Any]) -> None:
    try:
        import readline
        import rlcompleter
    except ImportError:  # pragma: no cover - platform dependent
        return
    readline.set_completer(rlcompleter.Completer(ns).complete)
    readline.parse_and_bind("tab: complete")
