"""Push the built graph to the user's own SPARQL 1.1 store (Fuseki, GraphDB, …), and read it back with rdflib.

The graph is always built into the embedded Oxigraph store first (the app and the public
Turtle read it there); with `[graph] store = "sparql"` the graph stage then pushes each named
graph to the user's store, replacing it whole so that a rebuild leaves no stale triples:

- Graph Store Protocol, when `graph_store_endpoint` is given: one `PUT <endpoint>?graph=<g>` per
  graph with the graph as N-Triples. Preferred: the store reads the body with its streaming RDF
  parser, and the body is Oxigraph's own dump, so Python never touches a triple. A PUT replaces
  the graph in one transaction.
- SPARQL 1.1 Update otherwise: `DROP SILENT GRAPH <g> ; INSERT DATA { GRAPH <g> { … } }` in one
  request, which every SPARQL 1.1 store runs as one transaction. N-Triples is valid SPARQL data,
  so the body is again Oxigraph's dump, wrapped.

Not rdflib's SPARQLUpdateStore for the push: it would turn each of ~100k Oxigraph terms into an
rdflib term and back into text in Python, and DROP plus the inserts in one request would need
its transaction mode. rdflib's SPARQLStore is the right tool for *reading* the pushed graph, so
`remote_dataset` hands researchers one.

Credentials come from the environment (JIYI_SPARQL_USER, JIYI_SPARQL_PASSWORD), never from
jiyi.toml, which is shared with the workspace. Only the public graph is pushed unless
`push_restricted = true`: the user's store may well be public-facing.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

import pyoxigraph
import rdflib
from pyoxigraph import NamedNode, RdfFormat
from rdflib.plugins.stores.sparqlstore import SPARQLStore

from jiyi.config import Config
from jiyi.errors import JiyiError
from jiyi.progress import Reporter

from .vocab import Minter

USER_VARIABLE, PASSWORD_VARIABLE = "JIYI_SPARQL_USER", "JIYI_SPARQL_PASSWORD"
RETRY_STATUSES = {502, 503, 504}  # a proxy or a store still starting: worth another try


@dataclass(frozen=True)
class RemoteStore:
    """Where and how to reach the user's store."""

    update_endpoint: str = ""
    graph_store_endpoint: str = ""  # used instead of update_endpoint when given
    query_endpoint: str = ""  # when given, the push is checked by counting triples there
    user: str = ""
    password: str = ""
    timeout: float = 300.0  # seconds for one request; a big graph takes a while to load
    retries: int = 3  # further attempts after a connection error, waiting 1, 2, 4 … × retry_wait
    retry_wait: float = 1.0

    @classmethod
    def from_config(cls, config: Config) -> RemoteStore:
        return cls(update_endpoint=config.update_endpoint, graph_store_endpoint=config.graph_store_endpoint,
                   query_endpoint=config.query_endpoint, user=os.environ.get(USER_VARIABLE, ""),
                   password=os.environ.get(PASSWORD_VARIABLE, ""))

    @property
    def endpoint(self) -> str:
        return self.graph_store_endpoint or self.update_endpoint


@dataclass
class PushReport:
    endpoint: str
    method: str  # "graph store protocol" or "sparql update"
    triples: dict[str, int] = field(default_factory=dict)  # graph IRI → triples pushed
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.triples.values())


def push_if_configured(config: Config, store: pyoxigraph.Store, reporter: Reporter) -> dict[str, int] | None:
    """After the local build: push to the user's store if jiyi.toml asks for it; counts for the build summary."""
    if config.graph_store != "sparql":
        return None
    minter = Minter(config.base_uri)
    names = ["public", "restricted"] if config.push_restricted else ["public"]
    report = push(store, RemoteStore.from_config(config), [minter.graph(name) for name in names])
    reporter.say(f"pushed {report.total:,} triples in {len(report.triples)} named graph(s) to {report.endpoint} "
                 f"({report.method}, {report.seconds:.1f}s)")
    return {"pushed triples": report.total}


def push(store: pyoxigraph.Store, remote: RemoteStore, graphs: list[NamedNode]) -> PushReport:
    """Replace each of `graphs` in the remote store with its content in the local Oxigraph store."""
    if not remote.endpoint:
        raise JiyiError("E410", "no SPARQL endpoint to push the graph to", 'add update_endpoint = "http://…/update" '
                        'or graph_store_endpoint = "http://…/data" under [graph] in jiyi.toml')
    started = time.perf_counter()
    method = "graph store protocol" if remote.graph_store_endpoint else "sparql update"
    report = PushReport(remote.endpoint, method)
    if not graphs:
        return report
    _try_a_write(remote, graphs[0])
    for graph in graphs:
        ntriples = store.dump(format=RdfFormat.N_TRIPLES, from_graph=graph)
        if remote.graph_store_endpoint:
            url = _with_query(remote.graph_store_endpoint, {"graph": graph.value})
            _send(remote, "PUT", url, ntriples, "application/n-triples")
        else:
            update = (f"DROP SILENT GRAPH <{graph.value}> ;\nINSERT DATA {{ GRAPH <{graph.value}> {{\n".encode()
                      + ntriples + b"} }\n")
            _send(remote, "POST", remote.update_endpoint, update, "application/sparql-update")
        report.triples[graph.value] = sum(1 for _ in store.quads_for_pattern(None, None, None, graph))
    if remote.query_endpoint:
        for graph, expected in report.triples.items():
            found = count_remote(remote, graph)
            if found < expected:  # more is no error: a store that reasons (GraphDB's rulesets) may add inferred triples
                raise JiyiError("E412", f"{remote.query_endpoint}: graph <{graph}> holds {found} triples after the push, "
                                f"fewer than the {expected} sent", "check that query_endpoint and the push endpoint are "
                                "the same dataset, and that nothing else writes to this graph")
    report.seconds = time.perf_counter() - started
    return report


def _try_a_write(remote: RemoteStore, graph: NamedNode) -> None:
    """A write that changes nothing, so a wrong URL or login is reported as such.

    Sent with the whole graph, a refusal often shows only as a broken connection: the store
    answers 404 or 401 and hangs up while the body is still being uploaded.
    """
    if remote.graph_store_endpoint:  # POST merges the body into the graph: an empty body adds nothing
        _send(remote, "POST", _with_query(remote.graph_store_endpoint, {"graph": graph.value}), b"", "application/n-triples")
    else:
        _send(remote, "POST", remote.update_endpoint, b"INSERT DATA { }", "application/sparql-update")


def count_remote(remote: RemoteStore, graph: str) -> int:
    """Triples in one named graph of the remote store, by a SPARQL query."""
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    body = _send(remote, "POST", remote.query_endpoint, urllib.parse.urlencode({"query": query}).encode(),
                 "application/x-www-form-urlencoded", accept="application/sparql-results+json")
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def remote_dataset(query_endpoint: str, *, user: str | None = None, password: str | None = None) -> rdflib.Dataset:
    """The user's store, read-only, with rdflib's API: every query goes to the endpoint as it is.

    Name the graph in queries (GRAPH <…/graph/public> { … }), or wrap one graph as
    `rdflib.Graph(dataset.store, identifier=URIRef(iri))`: its queries and triple patterns then run on it alone.
    """
    user = os.environ.get(USER_VARIABLE, "") if user is None else user
    password = os.environ.get(PASSWORD_VARIABLE, "") if password is None else password
    store = SPARQLStore(query_endpoint, returnFormat="json", auth=(user, password) if user else None)
    # default_union: otherwise rdflib sends default-graph-uri=urn:x-rdflib:default with each
    # query, which hides every named graph from GRAPH <…> patterns.
    return rdflib.Dataset(store=store, default_union=True)


def _send(remote: RemoteStore, method: str, url: str, body: bytes, content_type: str, accept: str = "*/*") -> bytes:
    """One HTTP request, retried with backoff while the endpoint cannot be reached; errors say what to do."""
    headers = {"Content-Type": content_type, "Accept": accept}
    if remote.user:  # sent up front: some stores answer 403 rather than ask with a 401
        token = base64.b64encode(f"{remote.user}:{remote.password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    for attempt in range(remote.retries + 1):
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=remote.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            if exc.code not in RETRY_STATUSES or attempt == remote.retries:
                raise _http_error(remote, url, exc) from None
            reason = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:  # refused, reset, timed out, unknown host
            reason = str(getattr(exc, "reason", exc))
            if attempt == remote.retries:
                raise JiyiError("E410", f"{_shown(url)}: cannot reach the SPARQL store ({reason}) after {attempt + 1} tries",
                                "start the store, or fix the endpoint under [graph] in jiyi.toml; "
                                "Fuseki, e.g.: fuseki-server --update --mem /ds") from None
        time.sleep(remote.retry_wait * 2 ** attempt)
    raise AssertionError("unreachable")


def _http_error(remote: RemoteStore, url: str, exc: urllib.error.HTTPError) -> JiyiError:
    said = exc.read().decode("utf-8", errors="replace").strip()
    if said.startswith("<"):  # an HTML error page: its title is the message
        title = re.search(r"<title>(.*?)</title>", said, re.S)
        said = title.group(1).strip() if title else ""
    said = said[:300]
    what = f"{_shown(url)}: HTTP {exc.code} {exc.reason}" + (f": {said}" if said else "")
    if exc.code == 401:
        fix = (f"the store refused the account {USER_VARIABLE}={remote.user!r}: check it and {PASSWORD_VARIABLE}" if remote.user
               else f"the store needs a login: set {USER_VARIABLE} and {PASSWORD_VARIABLE} in the environment")
    elif exc.code == 403:
        fix = f"give the account in {USER_VARIABLE} write access to this dataset/repository in the store"
    elif exc.code == 404:
        fix = "check the endpoint URL under [graph] in jiyi.toml, dataset or repository name included"
    elif exc.code == 405:
        fix = ("this URL does not take updates: use the store's update endpoint (Fuseki: …/DATASET/update, "
               "GraphDB: …/repositories/REPO/statements), and start Fuseki with --update")
    elif exc.code == 415:
        fix = ("this URL does not take SPARQL Update or RDF uploads: is it the query endpoint? Give update_endpoint "
               "(Fuseki: …/DATASET/update) or graph_store_endpoint (Fuseki: …/DATASET/data) under [graph]")
    elif exc.code == 413:
        fix = "the store (or a proxy before it) limits the request size: raise that limit"
    elif exc.code >= 500:
        fix = "the store failed on its side: look at its log"
    else:
        fix = "the store rejected the request: see its message above"
    return JiyiError("E411", what, fix)


def _with_query(url: str, params: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urllib.parse.urlencode(params)


def _shown(url: str) -> str:
    """The URL without its query string: the Graph Store Protocol's ?graph=… is noise in a message."""
    return url.split("?", 1)[0]
