"""Entry point for ``python -m benchmarks.mapper`` (run from the repository root)."""

import sys

from benchmarks.mapper.run import main

sys.exit(main())
