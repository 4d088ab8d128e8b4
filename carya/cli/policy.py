"""``carya policy CONFIG``: the effective policy of the application's APIs (defaults
merged with the policy file), as commented YAML, or ``--format json``."""

from __future__ import annotations

import argparse

from .errors import CommandError
from .loading import load

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction, parents: list) -> None:
    parser = sub.add_parser("policy", parents=parents,
                            help="print the effective policy of the app's APIs")
    parser.add_argument("config", help="a config.py, or an INI file with an optional #name")
    parser.add_argument("--format", choices=("yaml", "json"), default="yaml")
    parser.set_defaults(func=run)


#: The modules of the ``api`` extra (pyproject.toml): missing, they are one line, not a traceback.
API_EXTRA = frozenset({"yaml", "fastjsonschema", "jsonschema"})


def run(args: argparse.Namespace) -> int:
    try:
        return _print_policies(args)
    except (ImportError, CommandError) as error:
        missing = _missing_module(error)
        if missing not in API_EXTRA:
            raise
        raise CommandError(f"carya policy needs the 'api' extra ({missing} is not installed): "
                           "pip install 'carya[api]'") from error


def _missing_module(error: BaseException) -> str:
    """The top-level module an ImportError (perhaps behind a CommandError) names."""
    if isinstance(error, CommandError):
        error = error.__cause__
    if isinstance(error, ImportError):
        return (error.name or "").partition(".")[0]
    return ""


def _print_policies(args: argparse.Namespace) -> int:
    from ..api.enforcer import PolicyError, dump, enforcers_in

    found = enforcers_in(load(args.config).wsgiapp)
    if not found:
        raise CommandError(f"{args.config}: no carya.api application (APIRouter) in it")
    for prefix, enforcer in found:
        if len(found) > 1:
            print(f"# --- API at {prefix}")
        try:
            print(dump(enforcer, args.format), end="")
        except PolicyError as error:
            raise CommandError(str(error)) from error
    return 0
