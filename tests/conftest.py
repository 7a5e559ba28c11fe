"""Shared test set-up: Hypothesis profiles, paths and the cat data.

Profiles: ``fast`` (the default, for everyday runs), ``thorough`` (many more examples) and
``ci`` (100 examples from a fixed seed, so a CI run is repeatable; the default when ``CI=true``);
choose with ``HYPOTHESIS_PROFILE=thorough pytest``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tinygrad_ng.data import catvnoncat_dir

settings.register_profile(
    "fast",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough",
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("ci", settings.get_profile("fast"), max_examples=100, derandomize=True, database=None)

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if IN_CI else "fast"))


def examples(share: float) -> settings:
    """The loaded profile's settings with ``share`` of its ``max_examples`` (at least 10).

    For the slowest property tests whose examples overlap most: each profile keeps its proportions
    (``ci`` 100 -> 50 with ``share=0.5``, ``thorough`` 500 -> 250).
    """
    return settings(max_examples=max(10, round(settings.default.max_examples * share)))


# The cat data's folder, found as tinygrad_ng.data finds it; tests that need it skip without it, except in CI.
CAT_DIR = catvnoncat_dir()
HAVE_CAT_DATA = CAT_DIR is not None and (CAT_DIR / "train_catvnoncat.h5").is_file()
needs_cat_data = pytest.mark.skipif(not HAVE_CAT_DATA and not IN_CI, reason="the cat data is not on this machine")

# Lines a test module wants printed at the end of the run (the differential test's program count).
SUMMARY: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in SUMMARY:
        terminalreporter.write_line(line)
