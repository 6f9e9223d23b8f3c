"""Search results as a file: CSV for spreadsheets, JSON-LD for linked-data tools (format from the suffix)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from urllib.parse import quote

from jiyi.errors import JiyiError
from jiyi.model import atomic_writer

from .index import Hit

EXPORT_LIMIT = 10_000  # an export holds every match up to this many, in the query's order
CSV_COLUMNS = ["rank", "id", "title", "date", "type", "fonds", "record_set", "access", "persons", "places",
               "organisations", "score"]
# The same terms the graph publishes records with (RiC-O), so an export merges with public.jsonld.
CONTEXT = {
    "rico": "https://www.ica.org/standards/RiC/ontology#",
    "schema": "https://schema.org/",
    "identifier": "rico:identifier",
    "title": "rico:title",
    "date": "schema:dateCreated",
    "documentType": "schema:genre",
    "conditionsOfAccess": "rico:conditionsOfAccess",
    "persons": "schema:mentions",
    "places": "schema:contentLocation",
    "organisations": "schema:mentions",
    "position": "schema:position",
    "score": "schema:ratingValue",
}


def export_results(path: Path, hits: list[Hit], *, base_uri: str, query: dict) -> None:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        write_csv(path, hits)
    elif suffix in (".jsonld", ".json"):
        write_jsonld(path, hits, base_uri=base_uri, query=query)
    else:
        raise JiyiError("E706", f"{path}: cannot tell the export format from `{suffix or 'no suffix'}`",
                        "name the file e.g. results.csv or results.jsonld")


def write_csv(path: Path, hits: list[Hit]) -> None:
    with atomic_writer(path) as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for hit in hits:
            row = [getattr(hit, column) for column in CSV_COLUMNS]
            writer.writerow(["；".join(v) if isinstance(v, list) else v for v in row])


def write_jsonld(path: Path, hits: list[Hit], *, base_uri: str, query: dict) -> None:
    """A schema:ItemList of the hits; each item is the record's URI in the graph, with its main fields."""
    items = []
    for hit in hits:
        item = {"@id": f"{base_uri}record/{quote(hit.id, safe='')}", "@type": "rico:Record", "position": hit.rank,
                "identifier": hit.id, "title": hit.title, "score": hit.score}
        optional = {"date": hit.date, "documentType": hit.type, "conditionsOfAccess": hit.access,
                    "persons": hit.persons, "places": hit.places, "organisations": hit.organisations}
        item.update({key: value for key, value in optional.items() if value})
        items.append(item)
    document = {"@context": CONTEXT, "@type": "schema:ItemList", "schema:name": json.dumps(query, ensure_ascii=False),
                "schema:numberOfItems": len(items), "schema:itemListElement": items}
    with atomic_writer(path) as out:
        json.dump(document, out, ensure_ascii=False, indent=2)
        out.write("\n")
