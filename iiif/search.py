"""IIIF Content Search 2.0 over a record's transcription annotations.

Chinese has no spaces between words, so a term matches anywhere inside an annotation's text
(a two-character query finds its hits). Text and query are both folded with normalise_text
(traditional → simplified, full-width → half-width), which keeps the length of the string,
so an offset in the folded text is the same offset in the text a reader sees; the selectors
quote the original text. Terms separated by spaces must all occur in an annotation.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

from jiyi.extract.normalise import normalise_text

PRESENTATION_CONTEXT = "http://iiif.io/api/presentation/3/context.json"
SEARCH_CONTEXT = "http://iiif.io/api/search/2/context.json"
ANNOTATIONS_PER_PAGE = 50
CONTEXT_CHARS = 12  # characters of text before and after a hit, for a snippet
KNOWN_PARAMETERS = {"q", "page"}


def transcription_files(record_folder: Path) -> list[Path]:
    """The record's transcription AnnotationPages, in page order."""
    return sorted((record_folder / "annotations").glob("p*-transcription.json"))


def load_annotations(files: list[Path]) -> list[dict]:
    """The annotations of these AnnotationPages that carry text to search."""
    annotations = []
    for path in files:
        page = json.loads(path.read_text(encoding="utf-8"))
        for annotation in page.get("items", []):
            if _text_of(annotation):
                annotations.append(annotation)
    return annotations


def _text_of(annotation: dict) -> str:
    bodies = annotation.get("body")
    for body in bodies if isinstance(bodies, list) else [bodies]:
        if isinstance(body, dict) and body.get("type") == "TextualBody" and isinstance(body.get("value"), str):
            return body["value"]
    return ""


def fold(text: str) -> str:
    """Text as it is compared: normalised and lower-cased, at the same length (hence the same offsets)."""
    folded = normalise_text(text)
    lowered = folded.lower()
    return lowered if len(lowered) == len(folded) else folded  # a few letters lower-case to two


def find_hits(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """(start, end) of every occurrence of every term in the text, in order; none unless all terms occur."""
    folded = fold(text)
    hits = []
    for term in terms:
        found = []
        start = folded.find(term)
        while start >= 0 and term:
            found.append((start, start + len(term)))
            start = folded.find(term, start + len(term))
        if not found:
            return []
        hits.extend(found)
    return sorted(hits)


def search(annotations: list[dict], q: str, service_id: str, *, page: int = 0, ignored: list[str] | None = None,
           per_page: int = ANNOTATIONS_PER_PAGE) -> dict:
    """The Search 2.0 response page `page` (from 0) for query `q` against the annotations of
    one manifest, whose search service is `service_id`: matching annotations in `items`,
    one `highlighting` annotation per hit in `annotations`."""
    terms = [fold(term) for term in q.split()]
    matches = [(annotation, hits) for annotation in annotations
               if terms and (hits := find_hits(_text_of(annotation), terms))]
    n_pages = max(1, -(-len(matches) // per_page))
    collection_id = f"{service_id}?{urlencode({'q': q})}"

    def page_ref(n: int) -> dict:
        return {"id": f"{service_id}?{urlencode({'q': q, 'page': n})}", "type": "AnnotationPage"}

    shown = matches[page * per_page:(page + 1) * per_page]
    response: dict = {"@context": [PRESENTATION_CONTEXT, SEARCH_CONTEXT], **page_ref(page),
                      "partOf": {"id": collection_id, "type": "AnnotationCollection", "total": len(matches),
                                 "first": page_ref(0), "last": page_ref(n_pages - 1)},
                      "startIndex": page * per_page}
    if page > 0:
        response["prev"] = page_ref(page - 1)
    if page < n_pages - 1:
        response["next"] = page_ref(page + 1)
    if ignored:
        response["ignored"] = sorted(ignored)
    response["items"] = [annotation for annotation, _ in shown]
    highlights = []
    for annotation, hits in shown:
        text = _text_of(annotation)
        for start, end in hits:
            selector = {"type": "TextQuoteSelector", "exact": text[start:end]}
            if start:
                selector["prefix"] = text[max(0, start - CONTEXT_CHARS):start]
            if end < len(text):
                selector["suffix"] = text[end:end + CONTEXT_CHARS]
            highlights.append({"id": f"{page_ref(page)['id']}#hit-{len(highlights) + 1}", "type": "Annotation",
                               "motivation": "highlighting",
                               "target": {"type": "SpecificResource", "source": annotation["id"],
                                          "selector": [selector]}})
    response["annotations"] = [{"type": "AnnotationPage", "items": highlights}]
    return response


def search_record(record_folder: Path, q: str, service_id: str, *, page: int = 0,
                  ignored: list[str] | None = None) -> dict:
    """Search one record's transcriptions as they are on disk."""
    return search(load_annotations(transcription_files(record_folder)), q, service_id, page=page, ignored=ignored)
