"""Entry point for ``python -m benchmarks.notify`` (run from the repository root)."""

import sys

from benchmarks.notify.run import main

sys.exit(main())
