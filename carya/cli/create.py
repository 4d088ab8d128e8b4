"""``carya create NAME [DIR]``: start a new project from the scaffold.

Writes a package NAME (controllers, model, Jinja2 templates, tests), ``public/``
static files, ``config.py``, ``app.wsgi`` for Apache mod_wsgi and a
``pyproject.toml`` depending on carya, into DIR (default ``./NAME``). NAME must
be a Python identifier that is not already an importable module; DIR must be
new or empty, so nothing is overwritten.
"""

from __future__ import annotations

import argparse
import os

from .errors import CommandError

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction, parents: list) -> None:
    parser = sub.add_parser(
        "create", parents=parents, help="create a new project from the scaffold",
        description=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("name", help="the project's package name, e.g. my_service")
    parser.add_argument("dir", nargs="?", help="where to create it (default: ./NAME)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import __version__
    from ..scaffolds import ScaffoldError, create_project
    from .apache import default_state_dir

    target = os.path.abspath(args.dir or args.name)
    config_path = os.path.join(target, "config.py")
    variables = {"carya_version": __version__, "config_repr": repr(config_path),
                 "state_dir_repr": repr(default_state_dir(args.name))}
    try:
        written = create_project(args.name, target, variables)
    except ScaffoldError as error:
        raise CommandError(str(error)) from error
    except OSError as error:
        raise CommandError(f"cannot write the project to {target}: {error}") from error
    shown = os.path.relpath(target)
    shown = shown if not shown.startswith("..") else target
    print(f"created {args.name} in {target} ({len(written)} files)")
    print("next:")
    print(f"  cd {shown}")
    print("  pip install -e '.[test]'")
    print("  pytest")
    print("  carya serve config.py")
    return 0
