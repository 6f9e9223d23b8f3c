"""Pushing the built graph to the user's own SPARQL store, tested against a real Apache Jena Fuseki.

The Fuseki fixture fetches Fuseki 5.6.0 with Maven once (into ~/.cache/jiyi, or $JIYI_CACHE;
`make fuseki` does it ahead) and starts it on loopback with an in-memory dataset for the run.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import time
import urllib.parse
import urllib.request

import pytest
import rdflib
from pyoxigraph import NamedNode

from jiyi.config import load_config
from jiyi.errors import ConfigError, JiyiError
from jiyi.graph.remote import PASSWORD_VARIABLE, USER_VARIABLE, RemoteStore, count_remote, push, push_if_configured, remote_dataset
from jiyi.graph.store import open_store
from jiyi.graph.vocab import RICO, A, Minter
from jiyi.progress import QUIET

from helpers import DEMO_SOURCE, load_tool

KNOWN_ID, KNOWN_TITLE = "RA-1921-001", "中国共产党第一个纲领"  # an open record of the demo


fuseki_server = load_tool("fuseki_server")


def _start(tmp_path_factory, **options):
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    if missing:  # as for the Neo4j tests: a missing tool is a broken machine, not a reason to skip
        pytest.fail(f"the SPARQL store tests need {' and '.join(missing)} on PATH "
                    "(Debian: apt-get install openjdk-17-jdk-headless maven); then `make fuseki`")
    started = time.perf_counter()
    try:
        server = fuseki_server.start(log=tmp_path_factory.mktemp("fuseki") / "fuseki.log", **options)
    except fuseki_server.FusekiError as error:
        pytest.fail(f"could not start Fuseki: {error}")
    print(f"\nFuseki up on port {server.port} in {time.perf_counter() - started:.1f}s")
    return server


@pytest.fixture(scope="session")
def fuseki_process(tmp_path_factory):
    server = _start(tmp_path_factory)
    yield server
    server.stop()


@pytest.fixture
def fuseki(fuseki_process):
    """The running Fuseki, emptied before each test."""
    _update(fuseki_process.update_endpoint, "DROP ALL")
    return fuseki_process


@pytest.fixture(scope="module")
def locked_fuseki(tmp_path_factory):
    """A second Fuseki that wants HTTP basic auth for every request (user jiyi, password s3cret)."""
    passwd = tmp_path_factory.mktemp("fuseki-auth") / "passwd"
    passwd.write_text("jiyi: s3cret\n", encoding="utf-8")
    server = _start(tmp_path_factory, passwd_file=passwd)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def demo(built_demo):
    """The built demo: its workspace, config, local Oxigraph store (read-only) and graph names."""
    ws, _ = built_demo
    config = load_config(ws.config_file)
    minter = Minter(config.base_uri)
    store = open_store(ws)
    yield ws, config, store, minter.graph("public"), minter.graph("restricted")
    del store


def local_count(store, graph) -> int:
    return sum(1 for _ in store.quads_for_pattern(None, None, None, graph))


def _update(endpoint: str, update: str) -> None:
    request = urllib.request.Request(endpoint, data=update.encode(), method="POST",
                                     headers={"Content-Type": "application/sparql-update"})
    urllib.request.urlopen(request, timeout=30).close()


def _select(endpoint: str, query: str) -> list[dict]:
    request = urllib.request.Request(endpoint, data=urllib.parse.urlencode({"query": query}).encode(), method="POST",
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["results"]["bindings"]


def remote_of(server, *, graph_store: bool) -> RemoteStore:
    return RemoteStore(update_endpoint=server.update_endpoint, query_endpoint=server.query_endpoint,
                       graph_store_endpoint=server.graph_store_endpoint if graph_store else "")


def sparql_config(config, server, **changes):
    return dataclasses.replace(config, graph_store="sparql", update_endpoint=server.update_endpoint,
                               query_endpoint=server.query_endpoint, **changes)


@pytest.mark.parametrize("graph_store", [True, False], ids=["graph-store-protocol", "sparql-update"])
def test_the_public_graph_arrives_whole(fuseki, demo, graph_store):
    _, _, store, public, restricted = demo
    report = push(store, remote_of(fuseki, graph_store=graph_store), [public])
    expected = local_count(store, public)
    assert expected > 1000
    assert report.triples == {public.value: expected}
    assert count_remote(remote_of(fuseki, graph_store=graph_store), public.value) == expected
    titles = _select(fuseki.query_endpoint, f"""PREFIX rico: <{RICO}>
        SELECT ?title WHERE {{ GRAPH <{public.value}> {{ ?r a rico:Record ; rico:identifier "{KNOWN_ID}" ; rico:title ?title }} }}""")
    assert [t["title"]["value"] for t in titles] == [KNOWN_TITLE]


@pytest.mark.parametrize("graph_store", [True, False], ids=["graph-store-protocol", "sparql-update"])
def test_a_second_push_replaces_the_graph(fuseki, demo, graph_store):
    _, _, store, public, _ = demo
    remote = remote_of(fuseki, graph_store=graph_store)
    push(store, remote, [public])
    # a triple left over from an older build must not survive the next push
    _update(fuseki.update_endpoint, f"INSERT DATA {{ GRAPH <{public.value}> {{ <urn:stale> <urn:p> 'old' }} }}")
    push(store, remote, [public])
    assert count_remote(remote, public.value) == local_count(store, public)
    assert not _select(fuseki.query_endpoint, "SELECT * WHERE { GRAPH ?g { <urn:stale> ?p ?o } }")


def test_the_restricted_graph_stays_home_unless_asked(fuseki, demo):
    _, config, store, public, restricted = demo
    assert local_count(store, restricted) > 0, "the demo must hold restricted triples for this test to mean anything"
    remote = remote_of(fuseki, graph_store=False)

    counts = push_if_configured(sparql_config(config, fuseki), store, QUIET)
    assert counts == {"pushed triples": local_count(store, public)}
    assert count_remote(remote, restricted.value) == 0

    counts = push_if_configured(sparql_config(config, fuseki, push_restricted=True), store, QUIET)
    assert counts == {"pushed triples": local_count(store, public) + local_count(store, restricted)}
    assert count_remote(remote, restricted.value) == local_count(store, restricted)


def test_nothing_is_pushed_with_the_default_store(demo):
    _, config, store, _, _ = demo
    assert config.graph_store == "oxigraph"
    assert push_if_configured(config, store, QUIET) is None


def test_rdflib_reads_the_pushed_graph_through_sparqlstore(fuseki, demo):
    _, _, store, public, _ = demo
    push(store, remote_of(fuseki, graph_store=True), [public])
    dataset = remote_dataset(fuseki.query_endpoint)
    rows = list(dataset.query(f"""PREFIX rico: <{RICO}>
        SELECT ?title WHERE {{ GRAPH <{public.value}> {{ ?r rico:identifier "{KNOWN_ID}" ; rico:title ?title }} }}"""))
    assert [str(title) for (title,) in rows] == [KNOWN_TITLE]
    # one graph of the store, with rdflib's triple patterns and queries that need no GRAPH clause
    graph = rdflib.Graph(store=dataset.store, identifier=rdflib.URIRef(public.value))
    records = set(graph.subjects(rdflib.RDF.type, rdflib.URIRef(RICO + "Record")))
    assert len(records) == sum(1 for _ in store.quads_for_pattern(None, A, NamedNode(RICO + "Record"), public)) > 0
    rows = list(graph.query(f'PREFIX rico: <{RICO}> SELECT ?title WHERE {{ ?r rico:identifier "{KNOWN_ID}" ; rico:title ?title }}'))
    assert [str(title) for (title,) in rows] == [KNOWN_TITLE]


def test_an_endpoint_that_is_down_is_named_after_retries(demo):
    _, _, store, public, _ = demo
    endpoint = f"http://127.0.0.1:{fuseki_server.free_port()}/ds/update"
    started = time.perf_counter()
    with pytest.raises(JiyiError) as caught:
        push(store, RemoteStore(update_endpoint=endpoint, retries=2, retry_wait=0.05), [public])
    assert caught.value.code == "E410"
    assert endpoint in caught.value.message and "after 3 tries" in caught.value.message
    assert "start the store" in caught.value.fix
    assert time.perf_counter() - started < 10


@pytest.mark.parametrize("graph_store", [True, False], ids=["graph-store-protocol", "sparql-update"])
def test_a_wrong_dataset_is_an_http_404(fuseki, demo, graph_store):
    _, _, store, public, _ = demo
    endpoint = (fuseki.graph_store_endpoint if graph_store else fuseki.update_endpoint).replace("/ds/", "/nosuch/")
    remote = RemoteStore(graph_store_endpoint=endpoint) if graph_store else RemoteStore(update_endpoint=endpoint)
    with pytest.raises(JiyiError) as caught:
        push(store, remote, [public])
    assert caught.value.code == "E411" and caught.value.message == f"{endpoint}: HTTP 404 Not Found: Error 404 Not Found"
    assert "dataset or repository name" in caught.value.fix


def test_the_query_endpoint_given_for_updates_is_explained(fuseki, demo):
    _, _, store, public, _ = demo
    with pytest.raises(JiyiError, match="HTTP 415") as caught:
        push(store, RemoteStore(update_endpoint=fuseki.query_endpoint), [public])
    assert "is it the query endpoint?" in caught.value.fix


def test_credentials_come_from_the_environment(locked_fuseki, demo, monkeypatch):
    _, config, store, public, _ = demo
    config = sparql_config(config, locked_fuseki, graph_store_endpoint=locked_fuseki.graph_store_endpoint)
    monkeypatch.delenv(USER_VARIABLE, raising=False)
    monkeypatch.delenv(PASSWORD_VARIABLE, raising=False)
    with pytest.raises(JiyiError) as caught:
        push_if_configured(config, store, QUIET)
    assert caught.value.code == "E411" and "HTTP 401" in caught.value.message
    assert USER_VARIABLE in caught.value.fix and PASSWORD_VARIABLE in caught.value.fix

    monkeypatch.setenv(USER_VARIABLE, "jiyi")
    monkeypatch.setenv(PASSWORD_VARIABLE, "wrong")
    with pytest.raises(JiyiError, match="HTTP 401") as caught:
        push_if_configured(config, store, QUIET)
    assert "'jiyi'" in caught.value.fix

    monkeypatch.setenv(PASSWORD_VARIABLE, "s3cret")
    assert push_if_configured(config, store, QUIET) == {"pushed triples": local_count(store, public)}
    rows = list(remote_dataset(locked_fuseki.query_endpoint).query(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{public.value}> {{ ?s ?p ?o }} }}"))
    assert int(rows[0][0]) == local_count(store, public)


# [graph] in jiyi.toml: checked like every other section

def write_config(tmp_path, graph_table: str):
    path = tmp_path / "jiyi.toml"
    path.write_text(DEMO_SOURCE.joinpath("jiyi.toml").read_text(encoding="utf-8") + "\n[graph]\n" + graph_table, encoding="utf-8")
    return path, path.read_text(encoding="utf-8").splitlines().index("[graph]") + 1


def test_a_sparql_store_is_read_from_the_graph_section(tmp_path):
    path, _ = write_config(tmp_path, 'store = "sparql"\nupdate_endpoint = "http://localhost:3030/ds/update"\n'
                                     'query_endpoint = "http://localhost:3030/ds/query"\npush_restricted = true\n')
    config = load_config(path)
    assert (config.graph_store, config.update_endpoint, config.query_endpoint, config.graph_store_endpoint,
            config.push_restricted) == ("sparql", "http://localhost:3030/ds/update", "http://localhost:3030/ds/query", "", True)


@pytest.mark.parametrize("graph_table, line, message, fix", [
    ('store = "sparql"\nupdate_endpont = "http://localhost:3030/ds/update"\n', 2, "unknown key `update_endpont` in graph",
     "did you mean `update_endpoint`"),
    ('store = "fuseki"\n', 1, "unknown graph store `fuseki`", 'store = "sparql"'),
    ('store = "sparql"\n', 1, 'store = "sparql" needs an endpoint to push to', "update_endpoint"),
    ('store = "sparql"\nupdate_endpoint = "localhost:3030/ds/update"\n', 2, "must be an http:// or https:// URL", "update_endpoint"),
    ('push_restricted = "yes"\n', 1, "`push_restricted` must be true or false", "public-facing"),
])
def test_a_bad_graph_section_is_located(tmp_path, graph_table, line, message, fix):
    path, header = write_config(tmp_path, graph_table)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.message.startswith(f"{path}:{header + line}: ")
    assert message in caught.value.message
    assert fix in caught.value.fix
