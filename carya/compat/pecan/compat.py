"""``pecan.compat``: the Python 2/3 names Pecan-era code still imports."""

from __future__ import annotations

import inspect
import urllib.parse as urlparse
from collections import namedtuple
from html import escape
from typing import Any
from urllib.parse import quote, unquote_plus
from urllib.request import URLError, urlopen

__all__ = [
    "urlparse", "quote", "unquote_plus", "urlopen", "URLError", "escape", "izip",
    "is_bound_method", "getargspec",
]

izip = zip
ArgSpec = namedtuple("ArgSpec", "args varargs keywords defaults")


def is_bound_method(ob: Any) -> bool:
    return inspect.ismethod(ob) and ob.__self__ is not None


def getargspec(func: Any) -> ArgSpec:
    """``inspect.getargspec``'s four fields, from ``getfullargspec``."""
    spec = inspect.getfullargspec(func)
    return ArgSpec(spec.args, spec.varargs, spec.varkw, spec.defaults)
