"""The error a command raises for a mistake the user can fix (exit status 2)."""

from __future__ import annotations

__all__ = ["CommandError"]


class CommandError(Exception):
    """A user-facing error: printed as one line, no traceback (unless ``--debug``)."""

    def __init__(self, message: str, status: int = 2):
        super().__init__(" ".join(str(message).split()))
        self.status = status
