"""Paths and loaders the tests share (importable because pytest puts tests/ on sys.path)."""

import importlib.util
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEMO_SOURCE = REPO / "jiyi" / "demo"
SHARED = REPO.parent / "shared"  # the reference data beside the checkout; absent in a user's clone


def load_tool(name: str):
    """A script of tools/ (not a package) as a module, loaded by its path: load_tool("neo4j_server")."""
    spec = importlib.util.spec_from_file_location(f"jiyi_tools_{name}", REPO / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module
