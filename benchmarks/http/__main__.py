"""Entry point for ``python -m benchmarks.http`` (run from the repository root)."""

import sys

from benchmarks.http.run import main

sys.exit(main())
