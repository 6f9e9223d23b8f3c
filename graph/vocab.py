"""The vocabularies the graph speaks, and the URIs Jiyi mints from a configured base."""

from __future__ import annotations

from urllib.parse import quote

from pyoxigraph import NamedNode

RICO = "https://www.ica.org/standards/RiC/ontology#"
RICO_RECORD_SET_TYPES = "https://www.ica.org/standards/RiC/vocabularies/recordSetTypes#"  # ships in RiC-O 1.1
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SCHEMA = "https://schema.org/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
OWL = "http://www.w3.org/2002/07/owl#"

PREFIXES = {"rico": RICO, "ric-rst": RICO_RECORD_SET_TYPES, "prov": PROV, "oa": OA, "rdf": RDF, "rdfs": RDFS, "xsd": XSD, "schema": SCHEMA,
            "skos": SKOS, "owl": OWL}


def rico(name: str) -> NamedNode:
    return NamedNode(RICO + name)


def rico_record_set_type(name: str) -> NamedNode:
    """Fonds, Series, File or Collection, the record set types RiC-O 1.1 defines."""
    return NamedNode(RICO_RECORD_SET_TYPES + name)


def prov(name: str) -> NamedNode:
    return NamedNode(PROV + name)


def oa(name: str) -> NamedNode:
    return NamedNode(OA + name)


def schema(name: str) -> NamedNode:
    return NamedNode(SCHEMA + name)


A = NamedNode(RDF + "type")
LABEL = NamedNode(RDFS + "label")
ALT_LABEL = NamedNode(SKOS + "altLabel")
SAME_AS = NamedNode(OWL + "sameAs")


class Minter:
    """Stable URIs under the workspace's base: the same input gives the same URI on every run."""

    def __init__(self, base_uri: str):
        self.base = base_uri
        self.jiyi = base_uri + "ns#"  # Jiyi's own few terms (method, confidence)

    def node(self, kind: str, key: str) -> NamedNode:
        return NamedNode(f"{self.base}{kind}/{quote(key, safe='')}")

    def mention(self, record_id: str, field: str, start: int, end: int) -> NamedNode:
        return NamedNode(f"{self.base}mention/{quote(record_id, safe='')}/{field}/{start}-{end}")

    def term(self, name: str) -> NamedNode:
        return NamedNode(self.jiyi + name)

    def graph(self, name: str) -> NamedNode:
        return NamedNode(f"{self.base}graph/{name}")
