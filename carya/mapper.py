"""Routes-compatible URL mapping: ``from carya.mapper import Mapper`` where code had
``from routes import Mapper``. See :mod:`carya.routing.mapper` for what is compatible
and for the fast-path API the framework uses."""

from .routing.mapper import *  # noqa: F403 - this module is the package's public face
from .routing.mapper import __all__  # noqa: F401
