"""`jiyi neo4j bulk-files`: the files Neo4j's offline importer loads, checked against `jiyi neo4j sync`.

The main test runs Neo4j's real importer (`neo4j-admin database import full`, from the same
Maven jars as the test server) on the files, starts a second Neo4j on the imported database,
and compares it, node by node and relationship by relationship, with what the sync wrote for
the same workspace on the shared `neo4j_server`. Then it syncs onto the imported database and
expects no node or relationship written: only the constraint and indexes the importer does not make.
"""

from __future__ import annotations

import csv
import shlex
from collections import Counter
from pathlib import Path

import neo4j
import pytest
import typer
from typer.testing import CliRunner

from jiyi.errors import JiyiError
from jiyi.graph.neo4j_cli import neo4j_app
from jiyi.graph.neo4j_import import ARRAY_DELIMITER, MANIFEST, write_bulk_files
from jiyi.graph.neo4j_mirror import MIRROR_LABEL, content_hash, read_graph, relationship_type, sync

from helpers import load_tool

IMPORT_PASSWORD = "jiyi-import-password"


def snapshot(uri: str, user: str, password: str) -> tuple[dict, dict]:
    """Every mirrored node (uri → labels, properties) and relationship ((start, type, predicate, end) → properties)."""
    with neo4j.GraphDatabase.driver(uri, auth=(user, password), notifications_min_severity="OFF") as driver:
        node_rows = driver.execute_query("MATCH (n:Resource) RETURN n.uri AS uri, labels(n) AS labels, "
                                         "properties(n) AS props").records
        link_rows = driver.execute_query("MATCH (a:Resource)-[r]->(b:Resource) RETURN a.uri AS s, type(r) AS type, "
                                         "b.uri AS o, properties(r) AS props").records
    nodes = {row["uri"]: (sorted(row["labels"]), row["props"]) for row in node_rows}
    links = {(row["s"], row["type"], row["props"].get("predicate"), row["o"]): row["props"] for row in link_rows}
    assert len(nodes) == len(node_rows) and len(links) == len(link_rows), "duplicate uris or relationships"
    return nodes, links


def printed_command(output: str) -> list[str]:
    """The neo4j-admin command `jiyi neo4j bulk-files` printed, as an argument list."""
    start = output.index("neo4j-admin database import full")
    end = output.index("\n\n", start)
    return shlex.split(output[start:end].replace("\\\n", " "))


def test_the_imported_database_is_the_synced_one_and_a_sync_after_it_writes_nothing(built_demo, neo4j_db, tmp_path):
    ws, _ = built_demo
    sync(ws, *neo4j_db)
    synced_nodes, synced_links = snapshot(*neo4j_db)

    cli = typer.Typer()
    cli.add_typer(neo4j_app, name="neo4j")
    written = CliRunner().invoke(cli, ["neo4j", "bulk-files", "--workspace", str(ws.root), "--out",
                                       str(tmp_path / "bulk"), "-q"])
    assert written.exit_code == 0, written.output
    command = printed_command(written.stdout)
    assert command[:5] == ["neo4j-admin", "database", "import", "full", "neo4j"]
    assert "--overwrite-destination" in command and "--array-delimiter=U+001F" in command
    files = sorted(Path(arg.split("=", 1)[1]).name for arg in command if arg.startswith(("--nodes=", "--relationships=")))
    assert files == sorted(p.name for p in (tmp_path / "bulk").glob("*.csv"))  # every file written, and only those

    tool = load_tool("neo4j_server")
    try:
        lib = tool.fetch(quiet=True)
        home = tmp_path / "imported-neo4j"
        # The printed command as it is, run through the admin tool's class; only a small off-heap
        # budget added in front, as the machine is shared (the importer takes 90 % of RAM by default).
        tool.admin_import(lib, home, command[1:5] + ["--max-off-heap-memory=256m"] + command[5:],
                          password=IMPORT_PASSWORD)
        server = tool.start(lib, home, password=IMPORT_PASSWORD)  # a free loopback port
    except tool.ServerError as error:
        pytest.fail(f"could not import into or start Neo4j: {error}")
    imported = (server.uri, server.user, IMPORT_PASSWORD)
    try:
        imported_nodes, imported_links = snapshot(*imported)

        # Per label and per type first, for a readable failure; then everything, property by property.
        count_labels = lambda nodes: Counter(label for labels, _ in nodes.values() for label in labels)  # noqa: E731
        assert count_labels(imported_nodes) == count_labels(synced_nodes)
        assert Counter(key[1] for key in imported_links) == Counter(key[1] for key in synced_links)
        assert imported_nodes.keys() == synced_nodes.keys()
        for uri, node in synced_nodes.items():
            assert imported_nodes[uri] == node, uri
        assert imported_links == synced_links
        # A few properties by name, so a change in what the mirror writes is seen here too.
        person = next(props for labels, props in synced_nodes.values() if "Person" in labels)
        same = imported_nodes[person["uri"]][1]
        assert same["label_zh_Hans"] == person["label_zh_Hans"] and same["public"] is True
        assert same["jiyi_hash"] == person["jiyi_hash"] and same["jiyi_labels"] == person["jiyi_labels"]
        evidenced = next(key for key, props in synced_links.items() if props.get("records"))
        assert imported_links[evidenced]["records"] == synced_links[evidenced]["records"]
        assert imported_links[evidenced]["confidence"] == synced_links[evidenced]["confidence"]

        # The first sync onto the imported database: every hash matches, so it writes no node or
        # relationship; it only makes the uniqueness constraint and lookup indexes.
        first = sync(ws, *imported)
        assert (first.nodes_created, first.nodes_updated, first.nodes_deleted) == (0, 0, 0)
        assert (first.relationships_created, first.relationships_updated, first.relationships_deleted) == (0, 0, 0)
        assert first.nodes_unchanged == len(synced_nodes) and first.relationships_unchanged == len(synced_links)
        assert set(first.counters) <= {"constraints_added", "indexes_added"} and first.counters["constraints_added"] == 1
        assert snapshot(*imported) == (imported_nodes, imported_links)
        second = sync(ws, *imported)
        assert second.server_writes == 0
    finally:
        server.stop()
    assert not server.running()


def read_back(folder: Path) -> tuple[dict, dict]:
    """The bulk files parsed the way the importer reads them (an empty field is no property)."""
    convert = {"string": str, "long": int, "double": float, "boolean": lambda text: text == "true"}
    nodes, links = {}, {}
    for path in sorted(folder.glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as handle:
            rows = csv.reader(handle)
            header = next(rows)
            for row in rows:
                values: dict = {}
                for column, text in zip(header, row):
                    name, _, kind = column.rpartition(":")
                    if text == "" and kind not in ("ID", "START_ID", "END_ID"):
                        continue
                    base = kind.removesuffix("[]")
                    if kind.endswith("[]") or kind == "LABEL":
                        values[name or kind] = [convert.get(base, str)(part) for part in text.split(ARRAY_DELIMITER)]
                    else:
                        values[name or kind] = convert.get(base, str)(text)
                if path.name.startswith("nodes-"):
                    nodes[values.pop("uri")] = values
                else:
                    links[(values.pop("START_ID"), values["predicate"], values.pop("END_ID"))] = values
    return nodes, links


@pytest.mark.parametrize("include_restricted", [False, True])
def test_the_files_hold_what_the_sync_would_write(built_demo, tmp_path, include_restricted):
    """Without Neo4j, both scopes: each node and relationship with the sync's properties and hash."""
    ws, _ = built_demo
    result = write_bulk_files(ws, tmp_path / "bulk", include_restricted=include_restricted)
    graph = read_graph(ws, include_restricted=include_restricted)
    nodes, links = read_back(tmp_path / "bulk")
    assert (result.nodes, result.relationships) == (len(graph.nodes), len(graph.edges)) == (len(nodes), len(links))

    for uri, node in graph.nodes.items():
        props = {**node.props, "public": node.public}
        expected = {**props, "jiyi_hash": content_hash([node.labels, props]), "jiyi_keys": sorted(node.props),
                    "jiyi_labels": node.labels}
        # An empty string reads back as "no property" with Python's csv module (the importer keeps it).
        expected = {k: v for k, v in expected.items() if v not in ([], "")}
        found = nodes[uri]
        assert sorted(found.pop("LABEL")) == sorted([MIRROR_LABEL, *node.labels]), uri
        assert found == expected, uri
    for key, edge in graph.edges.items():
        props = edge.props()
        expected = {k: v for k, v in props.items() if v is not None}
        found = links[key]
        assert found.pop("TYPE") == relationship_type(edge.predicate)
        assert found.pop("jiyi_hash") == content_hash(props)
        assert found == expected, key
    assert result.labels[MIRROR_LABEL] == len(graph.nodes)
    assert sum(result.types.values()) == len(graph.edges)
    if include_restricted:
        assert any(not node.public for node in graph.nodes.values())  # the scope made a difference


def test_a_rerun_replaces_the_folder_whole_and_a_foreign_folder_is_refused(built_demo, tmp_path):
    ws, _ = built_demo
    out = tmp_path / "bulk"
    write_bulk_files(ws, out)
    (out / "nodes-9999.csv").write_text("left over from an older run\n", encoding="utf-8")
    again = write_bulk_files(ws, out)
    assert sorted(p.name for p in out.iterdir()) == sorted(again.node_files + again.relationship_files + [MANIFEST])
    assert [p.name for p in tmp_path.iterdir()] == ["bulk"]  # no .writing- or .old- folder left beside it

    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(JiyiError) as caught:
        write_bulk_files(ws, foreign)
    assert caught.value.code == "E458" and "new or empty folder" in caught.value.fix
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_no_graph_built_is_the_store_error_and_nothing_is_written(tmp_path):
    from jiyi.workspace import Workspace

    with pytest.raises(JiyiError) as caught:
        write_bulk_files(Workspace(tmp_path / "ws"), tmp_path / "bulk")
    assert caught.value.code == "E401"
    assert not (tmp_path / "bulk").exists()
