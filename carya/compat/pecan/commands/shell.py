"""``pecan.commands.shell``: a Python shell with the application loaded."""

from __future__ import annotations

import code
from typing import Any

from .base import BaseCommand

__all__ = ["ShellCommand"]


class ShellCommand(BaseCommand):
    """Open an interactive shell with the Pecan app loaded."""

    def run(self, args: Any) -> None:
        super().run(args)
        from carya.cli.shell import namespace
        from carya.configuration import conf

        app = self.load_app()
        code.interact(banner="carya (pecan) shell", local=namespace(app, conf))
