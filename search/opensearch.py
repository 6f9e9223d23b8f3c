"""The search backend on an OpenSearch server (2.x; Elasticsearch 7/8 speak the same requests).

Same interface and same answers as TantivyBackend (search/index.py): the documents arrive
folded, cut and transliterated (search/documents.py), so the index needs only a whitespace
tokenizer, and queries are cut by Jiyi's own Tokenizer before they are sent. The mapping
and the translation of a SearchRequest are described in docs/search.md.

A build never shows readers a half-built index: it fills a new index (`<name>-<time>`),
then moves the alias `<name>`, which is what queries name, onto it and drops the old index
in the same atomic _aliases call.

HTTP goes through httpx (already a dependency); no OpenSearch client library is needed for
the four endpoints used (index creation, _bulk, _aliases, _search).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Iterable, Iterator

import httpx

from jiyi.errors import JiyiError

from .documents import SearchDocument, Tokenizer, fold
from .index import (FACET_FIELDS, KEYWORD_FIELDS, TITLE_BOOST, Hit, SearchRequest, SearchResult, check_request,
                    document_fields, facet_aggregations, highlight_words)
from .query import ParsedQuery, parse_query
from .snippets import snippet

BATCH_DOCUMENTS = 1000  # documents per _bulk request: a few MB, well under OpenSearch's 100 MB request limit
BATCH_BYTES = 8_000_000  # …or fewer, when the texts are long
MAX_WINDOW = 10_000  # OpenSearch's index.max_result_window: from + size may not pass it
BULK_RETRIES = 5  # a busy node answers 429 (too many requests): wait and send the batch again
TOKEN_FIELDS = ("title_tokens", "tokens", "pinyin")
_ASCII = re.compile(r"^[a-z0-9]+$")
_INDEX_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

# The index: docs/search.md shows the same. The token fields use the built-in `whitespace` analyzer
# (the whitespace tokenizer and nothing else, in the server's core; a custom analyzer naming
# the whitespace *tokenizer* would need the analysis-common module). One shard, because a theme
# is at most a few million records, and one shard makes the terms aggregations (facet counts)
# exact and gives BM25 the statistics of the whole index, as tantivy has them.
MAPPING = {
    "dynamic": "strict",
    # The token fields are searched, never shown: _source keeps only what a hit shows.
    "_source": {"excludes": list(TOKEN_FIELDS)},
    "properties": {
        "id": {"type": "keyword"},
        "title": {"type": "keyword", "index": False, "doc_values": False},
        "text": {"type": "text", "index": False},
        "date": {"type": "keyword", "index": False, "doc_values": False},
        "title_tokens": {"type": "text", "analyzer": "whitespace", "index_options": "freqs", "norms": True},
        "tokens": {"type": "text", "analyzer": "whitespace", "index_options": "freqs", "norms": True},
        "pinyin": {"type": "text", "analyzer": "whitespace", "index_options": "docs", "norms": False},
        **{name: {"type": "keyword"} for name in KEYWORD_FIELDS},
        "year": {"type": "integer"},
        "date_key": {"type": "integer", "index": False},  # sorted on (doc values), never searched
    },
}
SETTINGS = {
    "number_of_shards": 1,
    "number_of_replicas": 0,  # while building; set to the backend's `replicas` once built
    "refresh_interval": "-1",  # no refresh while building: one at the end
}


def server_error(message: str) -> JiyiError:
    return JiyiError("E708", message, "start the server (for tests and development: `python tools/opensearch_server.py "
                     "start`) or correct the OpenSearch url ([search] url in jiyi.toml)")


class OpenSearchBackend:
    """One theme's index on an OpenSearch server at `url`, read and written under the alias `index_name`."""

    def __init__(self, url: str, index_name: str, facets: Iterable[str] = FACET_FIELDS,
                 tokenizer: Tokenizer | None = None, *, replicas: int = 0, timeout: float = 120):
        if not _INDEX_NAME.match(index_name):
            raise JiyiError("E708", f"`{index_name}` cannot name an OpenSearch index",
                            "use lower-case letters, digits, - and _ (a theme's name is such a name)")
        self.url = url.rstrip("/")
        self.alias = index_name
        self.facets = [key for key in facets if key in FACET_FIELDS]
        self.replicas = replicas
        self._tokenizer = tokenizer
        self._http = httpx.Client(timeout=timeout)  # one connection, kept open between requests

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "OpenSearchBackend":
        return self

    def __exit__(self, *_) -> None:
        self.close()

    @property
    def tokenizer(self) -> Tokenizer:
        if self._tokenizer is None:
            self._tokenizer = Tokenizer()
        return self._tokenizer

    # ------------------------------------------------------------------ HTTP

    def _call(self, method: str, path: str, body: dict | list | None = None, *, ndjson: bytes | None = None,
              missing_ok: bool = False) -> dict:
        """One request; the answer's JSON. Any failure becomes an E708 that says what the server answered."""
        if ndjson is not None:
            content, kind = ndjson, "application/x-ndjson"
        else:
            content, kind = (json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None), "application/json"
        try:
            response = self._http.request(method, self.url + path, content=content, headers={"Content-Type": kind})
        except httpx.TransportError as error:
            raise server_error(f"OpenSearch at {self.url} does not answer ({type(error).__name__}: {error})") from error
        if response.status_code == 404 and missing_ok:
            return {}
        if response.status_code >= 400:
            raise JiyiError("E708", f"OpenSearch {method} {path}: {response.status_code} {_reason(response)}",
                            "see the server's log; the request follows the mapping in docs/search.md")
        return response.json()

    # ------------------------------------------------------------------ build

    def build(self, documents: Iterable[SearchDocument], batch_documents: int = BATCH_DOCUMENTS) -> int:
        """Index the documents into a new index, then point the alias at it; the number indexed."""
        new = f"{self.alias}-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
        self._call("PUT", f"/{new}", {"settings": {"index": SETTINGS}, "mappings": MAPPING})
        try:
            count = 0
            for lines, size in _batches(documents, batch_documents):
                self._bulk(new, lines)
                count += size
            self._call("PUT", f"/{new}/_settings", {"index": {"refresh_interval": None,  # back to the default
                                                              "number_of_replicas": self.replicas}})
            self._call("POST", f"/{new}/_refresh")
            self._point_alias_at(new)
        except BaseException:
            self._call("DELETE", f"/{new}", missing_ok=True)  # a half-built index is of no use to anyone
            raise
        return count

    def _bulk(self, index: str, lines: list[bytes]) -> None:
        for attempt in range(BULK_RETRIES):
            answer = self._call("POST", f"/{index}/_bulk", ndjson=b"".join(lines))
            if not answer.get("errors"):
                return
            failures = [item["index"] for item in answer["items"] if item["index"].get("error")]
            if any(failure.get("status") != 429 for failure in failures):
                first = next(failure for failure in failures if failure.get("status") != 429)
                raise JiyiError("E708", f"OpenSearch refused record {first.get('_id')}: {first['error'].get('reason')}",
                                "the document does not fit the mapping in search/opensearch.py (docs/search.md)")
            time.sleep(2 ** attempt)  # only "too many requests": the whole batch again, indexing by id overwrites
        raise server_error(f"OpenSearch at {self.url} stayed too busy to index (429 after {BULK_RETRIES} tries)")

    def _point_alias_at(self, new: str) -> None:
        """The alias moves to `new` and the indexes it named are deleted, in one atomic step."""
        old = list(self._call("GET", f"/_alias/{self.alias}", missing_ok=True))
        actions = [{"add": {"index": new, "alias": self.alias}}] + [{"remove_index": {"index": name}} for name in old]
        self._call("POST", "/_aliases", {"actions": actions})

    def drop(self) -> None:
        """Delete the index the alias names (and so the alias)."""
        for name in self._call("GET", f"/_alias/{self.alias}", missing_ok=True):
            self._call("DELETE", f"/{name}", missing_ok=True)

    # ------------------------------------------------------------------ query

    def query(self, request: SearchRequest) -> SearchResult:
        check_request(request, self.facets)
        return self._run(request)

    def all_hits(self, request: SearchRequest, limit: int) -> list[Hit]:
        """Every hit of the request (up to limit, at most 10,000 here), in its order: what an export writes."""
        check_request(request, self.facets)
        everything = SearchRequest(**{**request.__dict__, "page": 1, "size": min(limit, MAX_WINDOW)})
        return self._run(everything).hits

    def _run(self, request: SearchRequest) -> SearchResult:
        self.tokenizer  # loading jieba's dictionary is a one-off, not part of a query's time
        started = time.perf_counter()
        offset = (request.page - 1) * request.size
        if offset + request.size > MAX_WINDOW:
            raise JiyiError("E704", f"page {request.page} of {request.size}: past hit {MAX_WINDOW:,}, where OpenSearch stops",
                            "narrow the search with facets or a year range")
        parsed = parse_query(request.text)
        body = {
            "query": self.make_query(parsed, request),
            "from": offset,
            "size": request.size,
            "track_total_hits": True,  # the exact total, not "10,000 or more"
            "aggs": self.facet_aggregations(request.facet_size),
        }
        if request.sort == "date":
            body["sort"] = [{"date_key": "asc"}]  # undated records have 99999999: last, as in tantivy
        answer = self._call("POST", f"/{self.alias}/_search", body)
        words = self.highlight_words(parsed)
        hits = [self._hit(offset + rank, found, words) for rank, found in enumerate(answer["hits"]["hits"], start=1)]
        aggregations = answer.get("aggregations", {})
        facets = {key: [(str(b["key"]), b["doc_count"]) for b in aggregations.get(key, {}).get("buckets", [])]
                  for key in self.facets}
        return SearchResult(answer["hits"]["total"]["value"], hits, facets, request.page, request.size,
                            (time.perf_counter() - started) * 1000)

    def make_query(self, parsed: ParsedQuery, request: SearchRequest) -> dict:
        """The bool query of docs/search.md: terms in must / must_not, facets and years in filter (no score)."""
        whole = self._whole_words(parsed)
        must = [self._alternatives(group, whole) for group in parsed.required]
        must_not = [self._term(term, whole) for term in parsed.excluded]
        filters = []
        for key, values in request.facets.items():
            for value in values:
                filters.append({"term": {FACET_FIELDS[key]: int(value) if key == "year" else value}})
        if request.year_from is not None or request.year_to is not None:
            bounds = {"gte": request.year_from, "lte": request.year_to}
            filters.append({"range": {"year": {k: v for k, v in bounds.items() if v is not None}}})
        return {"bool": {"must": must or [{"match_all": {}}], "must_not": must_not, "filter": filters}}

    def _whole_words(self, parsed: ParsedQuery) -> set[str]:
        """The folded query terms the index holds as one token (an entity name, a word jieba cut the same way).

        TantivyBackend.words_of asks the index the same question: such a term is searched whole,
        any other is cut into its words. Only terms whose cut differs from themselves need asking,
        all in one _msearch (most queries need none).
        """
        doubtful = []
        for term in parsed.terms() + parsed.excluded:
            folded = fold(term).strip()
            if folded and " " not in folded and self.tokenizer.query_words(folded) != [folded]:
                doubtful.append(folded)
        doubtful = list(dict.fromkeys(doubtful))
        if not doubtful:
            return set()
        lines = []
        for word in doubtful:
            lines.append(json.dumps({"index": self.alias}).encode("utf-8") + b"\n")
            search = {"size": 0, "terminate_after": 1, "track_total_hits": True, "query": {"term": {"tokens": word}}}
            lines.append(json.dumps(search, ensure_ascii=False).encode("utf-8") + b"\n")
        answer = self._call("POST", "/_msearch", ndjson=b"".join(lines))
        return {word for word, found in zip(doubtful, answer["responses"]) if found["hits"]["total"]["value"] > 0}

    def _alternatives(self, terms: list[str], whole: set[str]) -> dict:
        if len(terms) == 1:
            return self._term(terms[0], whole)
        return {"bool": {"should": [self._term(term, whole) for term in terms]}}

    def _term(self, term: str, whole: set[str]) -> dict:
        """One query term: every word of it must match (in the title, the text, or as pinyin)."""
        words = self.words_of(term, whole)
        if not words:
            return {"match_none": {}}
        clauses = [self._word(word) for word in words]
        return clauses[0] if len(clauses) == 1 else {"bool": {"must": clauses}}

    def words_of(self, term: str, whole: set[str]) -> list[str]:
        folded = fold(term).strip()
        if folded in whole:
            return [folded]
        return [word for piece in folded.split() for word in self.tokenizer.query_words(piece)]

    @staticmethod
    def _word(word: str) -> dict:
        should = [{"term": {"tokens": word}}, {"term": {"title_tokens": {"value": word, "boost": TITLE_BOOST}}}]
        if _ASCII.match(word):
            should.append({"term": {"pinyin": word}})
        return {"bool": {"should": should}}

    def facet_aggregations(self, size: int) -> dict:
        return facet_aggregations(self.facets, size)

    def highlight_words(self, parsed: ParsedQuery) -> list[str]:
        return highlight_words(parsed, self.tokenizer)

    @staticmethod
    def _hit(rank: int, found: dict, words: list[str]) -> Hit:
        source = found["_source"]
        text = source.get("text") or source.get("title", "")
        return Hit(rank=rank, id=source["id"], title=source.get("title", ""), date=source.get("date", ""),
                   score=round(float(found.get("_score") or 0.0), 4),  # no score when sorted by date
                   snippet=snippet(text, words), record_set=source.get("record_set", ""),
                   fonds=source.get("fonds", ""), type=source.get("type", ""), access=source.get("access", ""),
                   persons=source.get("persons", []), places=source.get("places", []),
                   organisations=source.get("organisations", []))


def _batches(documents: Iterable[SearchDocument], most: int) -> Iterator[tuple[list[bytes], int]]:
    """_bulk bodies (action and document lines) of at most `most` documents or BATCH_BYTES: one in memory at a time."""
    lines: list[bytes] = []
    size = count = 0
    for doc in documents:
        action = json.dumps({"index": {"_id": doc.id}}, ensure_ascii=False).encode("utf-8") + b"\n"
        source = json.dumps(document_fields(doc), ensure_ascii=False).encode("utf-8") + b"\n"
        lines += [action, source]
        size += len(action) + len(source)
        count += 1
        if count >= most or size >= BATCH_BYTES:
            yield lines, count
            lines, size, count = [], 0, 0
    if count:
        yield lines, count


def _reason(response: httpx.Response) -> str:
    """The error OpenSearch gives (its root cause when it has one), else the start of the body."""
    try:
        error = response.json().get("error")
    except ValueError:
        return response.text[:300]
    if isinstance(error, dict):
        cause = (error.get("root_cause") or [error])[0]
        return f"{cause.get('type', '')}: {cause.get('reason', '')}"
    return str(error)[:300]
