"""Entry point for ``python -m benchmarks`` (run from the repository root)."""

import sys

from benchmarks.run import main

sys.exit(main())
