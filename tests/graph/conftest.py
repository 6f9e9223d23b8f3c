"""A real Neo4j Community server for the Neo4j mirror tests: fetched once, started once per run."""

from __future__ import annotations

import importlib.util
import shutil
import sys

import pytest

from helpers import REPO


def load_server_tool():
    """tools/ is not a package: load tools/neo4j_server.py by its path."""
    spec = importlib.util.spec_from_file_location("jiyi_neo4j_server", REPO / "tools" / "neo4j_server.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory):
    """(uri, user, password) of a Neo4j 5.26 on a free loopback port, its data in a temp folder."""
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    if missing:  # CI has both: a missing one is a broken machine, not a reason to skip
        pytest.fail(f"the Neo4j tests need {' and '.join(missing)} on PATH "
                    "(Debian: apt-get install openjdk-17-jdk-headless maven); then `make neo4j`")
    tool = load_server_tool()
    try:
        server = tool.start(tool.fetch(quiet=True), tmp_path_factory.mktemp("neo4j"), password="jiyi-test-password")
    except tool.ServerError as error:
        pytest.fail(f"could not start Neo4j: {error}")
    yield server.uri, server.user, server.password
    server.stop()
