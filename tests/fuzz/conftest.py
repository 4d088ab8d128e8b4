"""The fuzz suite's fixed budget: seeded (derandomized), bounded examples, no database.

Every run draws the same examples, so a failure is reproducible and CI time is
fixed (a few seconds per test); ``CARYA_FUZZ_EXAMPLES`` raises the count for a
longer local hunt.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("CARYA_FUZZ_EXAMPLES", "400"))

settings.register_profile(
    "carya-fuzz", max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],
)
FUZZ = settings.get_profile("carya-fuzz")
