"""Paths the tests share (importable because pytest puts tests/ on sys.path)."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEMO_SOURCE = REPO / "jiyi" / "demo"
SHARED = REPO.parent / "shared"  # the reference data beside the checkout; absent in a user's clone
