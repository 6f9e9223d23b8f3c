"""A real Neo4j Community server for the Neo4j mirror tests: fetched once, started once per run."""

from __future__ import annotations

import shutil

import pytest

from helpers import load_tool


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory):
    """(uri, user, password) of a Neo4j 5.26 on a free loopback port, its data in a temp folder."""
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    if missing:  # CI has both: a missing one is a broken machine, not a reason to skip
        pytest.fail(f"the Neo4j tests need {' and '.join(missing)} on PATH "
                    "(Debian: apt-get install openjdk-17-jdk-headless maven); then `make neo4j`")
    tool = load_tool("neo4j_server")
    try:
        server = tool.start(tool.fetch(quiet=True), tmp_path_factory.mktemp("neo4j"), password="jiyi-test-password")
    except tool.ServerError as error:
        pytest.fail(f"could not start Neo4j: {error}")
    yield server.uri, server.user, server.password
    server.stop()
