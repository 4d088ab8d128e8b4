"""``python -m carya.notify listen CONFIG``."""

import sys

from .cli import main

sys.exit(main())
