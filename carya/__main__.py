"""``python -m carya`` is the ``carya`` command."""

import sys

from .cli import main

sys.exit(main())
