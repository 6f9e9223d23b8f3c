"""Fixtures shared by the whole suite: the bundled demo, copied and built once per run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jiyi.build import BuildSummary, build, open_workspace
from jiyi.errors import JiyiError
from jiyi.iiif.facsimile import find_cjk_font
from jiyi.model import AccessStatus, Record, read_jsonl
from jiyi.progress import QUIET
from jiyi.workspace import Workspace

from helpers import DEMO_SOURCE, load_tool


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory) -> tuple[Workspace, BuildSummary]:
    """The demo workspace built end to end, exactly as `jiyi demo` builds it."""
    root = tmp_path_factory.mktemp("demo") / "jiyi-demo"
    shutil.copytree(DEMO_SOURCE, root)
    ws, config = open_workspace(root)
    return ws, build(ws, config, QUIET)


@pytest.fixture(scope="session")
def font() -> Path:
    """The CJK font facsimile pages are drawn with (Debian's fonts-noto-cjk, which `make test` installs)."""
    try:
        return find_cjk_font("")
    except JiyiError as error:
        pytest.skip(f"no CJK font on this machine: {error}")


@pytest.fixture(scope="session")
def restricted_records(built_demo) -> list[Record]:
    ws, _ = built_demo
    records = [r for r in read_jsonl(ws.records_file, Record) if r.access is not AccessStatus.OPEN]
    assert records, "the demo must hold restricted records for the leak tests to mean anything"
    return records


@pytest.fixture
def make_workspace(tmp_path):
    """A factory of small workspaces with one catalogue, for tests that need their own input."""
    return lambda csv_text, **options: _make_workspace(tmp_path / "ws", csv_text, **options)


def _make_workspace(root: Path, csv_text: str, *, bom: bool = False, extra_toml: str = "") -> Workspace:
    (root / "sources").mkdir(parents=True, exist_ok=True)
    (root / "sources" / "catalogue.csv").write_bytes((b"\xef\xbb\xbf" if bom else b"") + csv_text.encode("utf-8"))
    (root / "jiyi.toml").write_text(
        '[project]\nname = "test"\n\n[[catalogue]]\nfile = "sources/catalogue.csv"\nrecord_set = "t"\n\n'
        '[catalogue.columns]\nid = "档号"\ntitle = "题名"\ndate = "日期"\naccess = "开放状态"\nabstract = "摘要"\n'
        + extra_toml,
        encoding="utf-8",
    )
    return Workspace(root)


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory):
    """(uri, user, password) of a Neo4j 5.26 on a free loopback port, its data in a temp folder.

    One server for the run: the mirror tests (tests/graph) and the console tests (tests/apps) each empty it first.
    """
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


@pytest.fixture
def neo4j_db(neo4j_server):
    """The server's `neo4j` database, emptied: Community has one database, so each test starts clean."""
    import neo4j

    uri, user, password = neo4j_server
    with neo4j.GraphDatabase.driver(uri, auth=(user, password)) as driver:
        driver.execute_query("MATCH (n) DETACH DELETE n")
    return neo4j_server
