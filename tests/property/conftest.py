"""Hypothesis profiles for the property tests: short in CI, long when fuzzing by hand.

    pytest tests/property                               # profile "ci": 100 examples a test
    HYPOTHESIS_PROFILE=fuzz pytest tests/property       # profile "fuzz": 10,000 examples a test

docs/load.md ("Fuzzing") says how long a fuzz run takes and what it found.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# No deadline: CI machines (and this 2-core one under a benchmark) are slow in bursts, and a
# slow example is not a bug; a hang still fails through pytest's own timeout, if one is set.
# derandomize: CI draws the same examples on every run, so a red build is a change in the code, never the
# luck of the draw; the fuzz profile explores new examples on each run and saves what fails to .hypothesis/.
settings.register_profile("ci", max_examples=100, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", max_examples=10_000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
