"""Logging helpers for config files (``carya.log``), as Pecan's ``pecan.log``.

A config's ``logging`` section is a :func:`logging.config.dictConfig` dict; its
formatters may use ``'()': 'carya.log.ColorFormatter'`` and the record fields
``%(color_levelname)s`` / ``%(padded_color_levelname)s``.
"""

from __future__ import annotations

import logging
import logging.config
from typing import Any

__all__ = ["ColorFormatter", "configure"]

_COLORS = {
    "DEBUG": "\033[94m",     # blue
    "INFO": "\033[92m",      # green
    "WARNING": "\033[93m",   # yellow
    "ERROR": "\033[91m",     # red
    "CRITICAL": "\033[95m",  # magenta
}
_RESET = "\033[0m"
_WIDTH = max(len(name) for name in _COLORS)


class ColorFormatter(logging.Formatter):
    """A formatter that adds ANSI-coloured level names to each record."""

    def format(self, record: logging.LogRecord) -> str:
        level = record.levelname
        color = _COLORS.get(level, "")
        reset = _RESET if color else ""
        record.color_levelname = f"{color}{level}{reset}"
        record.padded_color_levelname = f"{color}{level:<{_WIDTH}}{reset}"
        return super().format(record)


def configure(section: Any) -> None:
    """Apply a config file's ``logging`` section (a dict or Config) with dictConfig."""
    if section is None:
        return
    config = section.to_dict() if hasattr(section, "to_dict") else dict(section)
    config = _plain(config)
    config.setdefault("version", 1)
    config.setdefault("disable_existing_loggers", False)
    try:
        logging.config.dictConfig(config)
    except (ValueError, TypeError, AttributeError, ImportError) as error:
        from .configuration import ConfigError

        raise ConfigError(f"logging section: {error}") from error


def _plain(value: Any) -> Any:
    """Drop Pecan's ``__force_dict__`` markers, which dictConfig does not know."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "__force_dict__"}
    return value
