"""``pecan.hooks``."""

from carya.hooks import Hook, HookController, PecanHook, RequestViewerHook, TransactionHook

__all__ = [
    "PecanHook", "Hook", "HookController", "TransactionHook", "RequestViewerHook",
]
