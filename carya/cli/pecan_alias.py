"""``carya pecan-alias enable|disable|status``: let ``import pecan`` run on carya.

``enable`` writes a ``.pth`` file into this environment's site-packages; at
every interpreter start it installs :class:`carya.compat.alias.PecanAliasFinder`,
so ``import pecan`` (and ``wsmeext.pecan``, which imports it) gives carya's
:mod:`carya.compat.pecan`. It refuses while real Pecan is installed there (the
alias would hide it) unless ``--force``. ``disable`` removes the file.
"""

from __future__ import annotations

import argparse
import os

from ..compat import alias
from .errors import CommandError

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction, parents: list) -> None:
    parser = sub.add_parser(
        "pecan-alias", parents=parents, help="make 'import pecan' use carya (opt-in)",
        description=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("action", choices=("enable", "disable", "status"))
    parser.add_argument("--site-packages", metavar="DIR", default=None,
                        help="the site-packages directory to change (default: this Python's)")
    parser.add_argument("--force", action="store_true",
                        help="enable even though real Pecan is installed there")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    site = args.site_packages or alias.site_packages()
    pth = os.path.join(site, alias.PTH_NAME)
    real = alias.real_pecan_in(site)
    if args.action == "status":
        state = "enabled" if os.path.exists(pth) else "disabled"
        print(f"pecan alias: {state} ({pth})")
        if real:
            print(f"real Pecan is installed: {real}")
        return 0
    if args.action == "disable":
        if os.path.exists(pth):
            os.remove(pth)
            print(f"pecan alias disabled (removed {pth})")
        else:
            print("pecan alias was not enabled")
        return 0
    if real and not args.force:
        raise CommandError(
            f"real Pecan is installed in {site} ({os.path.basename(real)}): the alias would "
            "hide it. Uninstall it (pip uninstall pecan), or pass --force."
        )
    if not os.path.isdir(site):
        raise CommandError(f"{site} is not a directory")
    with open(pth, "w", encoding="utf-8") as fh:
        fh.write(alias.pth_line())
    print(f"pecan alias enabled: 'import pecan' now gives carya ({pth})")
    return 0
