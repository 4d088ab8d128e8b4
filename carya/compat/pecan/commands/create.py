"""``pecan.commands.create``: ``pecan create NAME [TEMPLATE]``."""

from __future__ import annotations

import importlib.metadata
import logging
from typing import Any

from ..scaffolds import DEFAULT_SCAFFOLD, BaseScaffold, RestAPIScaffold
from .base import BaseCommand

__all__ = ["CreateCommand", "ScaffoldManager"]

log = logging.getLogger(__name__)


class ScaffoldManager:
    """The built-in scaffolds and those registered as ``pecan.scaffold`` entry points."""

    def __init__(self) -> None:
        self.scaffolds: dict[str, Any] = {"base": BaseScaffold, "rest-api": RestAPIScaffold}
        for ep in importlib.metadata.entry_points(group="pecan.scaffold"):
            try:
                self.add({ep.name: ep.load()})
            except Exception as error:  # noqa: BLE001 - a broken plugin is skipped, logged
                log.warning("cannot load pecan scaffold %s: %s", ep, error)

    def add(self, cmd: dict) -> None:
        self.scaffolds.update(cmd)


class CreateCommand(BaseCommand):
    """Creates the file layout for a new Pecan scaffolded project."""

    manager = ScaffoldManager()
    arguments = (
        {"name": "project_name", "help": "the (package) name of the new project"},
        {"name": "template_name", "metavar": "template_name", "nargs": "?",
         "default": DEFAULT_SCAFFOLD, "help": "a registered Pecan template"},
    )

    def run(self, args: Any) -> None:
        super().run(args)
        self.manager.scaffolds[args.template_name]().copy_to(args.project_name)
