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


def run(args: argparse.Namespace) -> int:
    from ..api.policy import PolicyError, dump, enforcers_in

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
