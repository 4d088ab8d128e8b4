"""``pecan.configuration``: carya's config module itself (its globals are Pecan's)."""

import sys

from carya import configuration

sys.modules[__name__] = configuration
