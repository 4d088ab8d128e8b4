"""``pecan.commands.base``: the command registry and runner (``pecan.command`` entry points)."""

from __future__ import annotations

import argparse
import importlib.metadata
import logging
from typing import Any

__all__ = ["BaseCommand", "CommandManager", "CommandRunner"]

log = logging.getLogger(__name__)


class BaseCommand:
    """A command: its docstring's first line is its summary; ``arguments`` its options."""

    arguments: tuple[dict, ...] = ({
        "name": "config_file",
        "help": "a Pecan configuration file",
        "nargs": "?",
        "default": None,
    },)

    @classmethod
    def summary(cls) -> str:
        return (cls.__doc__ or "").strip().splitlines()[0].rstrip(".") if cls.__doc__ else ""

    def run(self, args: Any) -> None:
        self.args = args

    def load_app(self) -> Any:
        from ..core import load_app

        return load_app(self.args.config_file)


class CommandManager:
    """The built-in commands, then those registered as ``pecan.command`` entry points."""

    def __init__(self) -> None:
        from .create import CreateCommand
        from .serve import ServeCommand
        from .shell import ShellCommand

        self.commands: dict[str, type] = {
            "create": CreateCommand, "serve": ServeCommand, "shell": ShellCommand,
        }
        for ep in importlib.metadata.entry_points(group="pecan.command"):
            if ep.name in self.commands:
                continue
            try:
                self.add({ep.name: ep.load()})
            except Exception as error:  # noqa: BLE001 - a broken plugin is skipped, logged
                log.warning("cannot load pecan command %s: %s", ep, error)

    def add(self, cmd: dict) -> None:
        self.commands.update(cmd)


class CommandRunner:
    """Parse ``[command, args...]`` and run the command."""

    def __init__(self) -> None:
        self.manager = CommandManager()
        self.parser = argparse.ArgumentParser(prog="pecan")
        sub = self.parser.add_subparsers(dest="command_name", metavar="command")
        for name, cmd in self.commands.items():
            parser = sub.add_parser(name, help=cmd.summary())
            for arg in getattr(cmd, "arguments", ()):
                arg = dict(arg)
                name_or_flags = arg.pop("name")
                names = name_or_flags if isinstance(name_or_flags, list) else [name_or_flags]
                parser.add_argument(*names, **arg)

    @property
    def commands(self) -> dict[str, type]:
        return self.manager.commands

    def run(self, args: list[str]) -> None:
        ns = self.parser.parse_args(args)
        if ns.command_name is None:
            self.parser.print_help()
            return
        self.commands[ns.command_name]().run(ns)

    @classmethod
    def handle_command_line(cls) -> None:  # pragma: no cover - console entry point
        import sys

        cls().run(sys.argv[1:])
