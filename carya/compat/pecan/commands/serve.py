"""``pecan.commands.serve``: ``pecan serve config.py`` on carya's embedded server."""

from __future__ import annotations

from typing import Any

from .base import BaseCommand

__all__ = ["ServeCommand"]


class ServeCommand(BaseCommand):
    """Serves a Pecan web application."""

    def run(self, args: Any) -> None:
        super().run(args)
        app = self.load_app()
        from carya import conf
        from carya.server import serve

        server = conf.get("server") or {}
        serve(app, host=server.get("host", "127.0.0.1"), port=int(server.get("port", 8080)))
