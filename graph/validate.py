"""Check a built graph against the SHACL shapes Jiyi ships (graph/shapes.ttl), with pyshacl.

Each violation is reported as: the node (shortened with the graph's prefixes), the
property, what is wrong (the shape's message, written for an archivist) and the
offending value, so a broken catalogue row or curation decision can be found.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import pyshacl
import rdflib
from pyoxigraph import RdfFormat

from jiyi.workspace import Workspace

from .store import open_store
from .vocab import PREFIXES, Minter

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


@dataclass(frozen=True)
class Violation:
    focus: str
    path: str
    message: str
    value: str = ""
    severity: str = "Violation"

    def __str__(self) -> str:
        value = f" (value: {self.value})" if self.value else ""
        return f"{self.focus} {self.path}: {self.message}{value}"


def shapes() -> rdflib.Graph:
    text = resources.files("jiyi.graph").joinpath("shapes.ttl").read_text(encoding="utf-8")
    return rdflib.Graph().parse(data=text, format="turtle")


def validate_graph(data: rdflib.Graph, base_uri: str = "") -> list[Violation]:
    """Every SHACL result for `data`, once each, sorted so the same graph always reports in the same order.

    Nodes under `base_uri` are shown by their path (record/RA-1935-001), which names the
    record or entity a user can look up.
    """
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes(), inference="none", allow_warnings=True)
    names = data.namespace_manager
    found = set()  # one shape may fail a value in several ways (datatype, range): said once
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        value = report.value(result, SH.value)
        path = report.value(result, SH.resultPath)
        found.add(Violation(
            focus=_short(report.value(result, SH.focusNode), names, base_uri),
            path=_short(path, names, base_uri) if path is not None else "",
            message=str(report.value(result, SH.resultMessage) or "does not fit its shape"),
            value=_short(value, names, base_uri) if value is not None else "",
            severity=str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1],
        ))
    return sorted(found, key=lambda v: (v.focus, v.path, v.message, v.value))


def workspace_graph(ws: Workspace, base_uri: str, *, scope: str = "all") -> rdflib.Graph:
    """The built graph as rdflib data: the public named graph, or every graph merged ("all")."""
    store = open_store(ws)
    graphs = [Minter(base_uri).graph("public")] if scope == "public" else None
    data = rdflib.Graph()
    for name, namespace in {**PREFIXES, "jiyi": Minter(base_uri).jiyi}.items():
        data.bind(name, namespace)
    for graph in graphs or list(store.named_graphs()):
        data.parse(data=store.dump(format=RdfFormat.N_TRIPLES, from_graph=graph), format="nt")
    return data


def _short(term, names, base_uri: str) -> str:
    if isinstance(term, rdflib.URIRef) and base_uri and term.startswith(base_uri):
        return term[len(base_uri):]
    if isinstance(term, rdflib.URIRef):
        try:
            return names.normalizeUri(term)
        except Exception:  # an IRI no prefix fits is shown whole
            return f"<{term}>"
    return str(term)
