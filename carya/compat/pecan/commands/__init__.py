"""``pecan.commands``: Pecan's command classes, running carya's tools."""

from .base import BaseCommand, CommandManager, CommandRunner
from .create import CreateCommand
from .serve import ServeCommand
from .shell import ShellCommand

__all__ = [
    "BaseCommand", "CommandManager", "CommandRunner", "CreateCommand", "ServeCommand",
    "ShellCommand",
]
