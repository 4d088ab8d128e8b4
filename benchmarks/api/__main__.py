"""Entry point for ``python -m benchmarks.api`` (run from the repository root)."""

import sys

from benchmarks.api.run import main

sys.exit(main())
