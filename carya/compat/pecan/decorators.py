"""``pecan.decorators``."""

from carya.decorators import (
    accept_noncanonical,
    after_commit,
    after_rollback,
    expose,
    transactional,
)
from carya.expose import when_for

__all__ = [
    "expose", "transactional", "after_commit", "after_rollback", "accept_noncanonical", "when_for",
]
