"""``carya listen CONFIG``: run the notification listeners a config declares."""

from ..notify.cli import add_parser
from ..notify.cli import listen_main as run

__all__ = ["add_parser", "run"]
