"""The search backend interface and its embedded implementation on tantivy.

A backend builds an index from SearchDocuments and answers SearchRequests. Tantivy is the
default because it answered the ranked query with facet counts in milliseconds over a
million records where SQLite FTS5 with ORDER BY bm25() took seconds (docs/search.md has
the figures). Another backend (OpenSearch, Elasticsearch) implements the same two
methods over the mapping in docs/search.md; the query side builds on the same tokens.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Protocol

from jiyi.errors import JiyiError
from jiyi.model import write_json

from .documents import SearchDocument, Tokenizer, fold
from .query import ParsedQuery, parse_query
from .snippets import snippet

# `jiyi search --facet KEY=VALUE` keys → index fields (search/__init__.py lists them too). access is only in internal indexes.
FACET_FIELDS = {"type": "type", "person": "persons", "place": "places", "organisation": "organisations",
                "fonds": "fonds", "record_set": "record_set", "year": "year", "access": "access"}
SHOWN_FIELDS = ("title", "text", "date")
KEYWORD_FIELDS = ("record_set", "fonds", "type", "access", "persons", "places", "organisations")
SORTS = ("relevance", "date")
TITLE_BOOST = 2.0  # a word in the title counts more than the same word in the text
META_FILE = "theme.json"
_ASCII = re.compile(r"^[a-z0-9]+$")


@dataclass
class SearchRequest:
    text: str = ""  # the query, in the syntax of search/query.py; "" matches every record
    facets: dict[str, list[str]] = field(default_factory=dict)  # facet key → values, all of which must hold
    year_from: int | None = None
    year_to: int | None = None
    sort: str = "relevance"  # or "date": oldest first, undated last
    page: int = 1
    size: int = 20
    facet_size: int = 10  # values shown per facet


@dataclass
class Hit:
    rank: int
    id: str
    title: str
    date: str
    score: float
    snippet: str  # the text around the first match, matches wrapped in <em>…</em>
    record_set: str = ""
    fonds: str = ""
    type: str = ""
    access: str = ""
    persons: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]  # facet key → (value, count), most frequent first (years in order)
    page: int = 1
    size: int = 20
    milliseconds: float = 0.0


class SearchBackend(Protocol):
    """What a search engine does for Jiyi: build one theme's index, answer queries over it."""

    def build(self, documents: Iterable[SearchDocument]) -> int:
        """Index the documents into a new, empty index; the number indexed."""

    def query(self, request: SearchRequest) -> SearchResult:
        """Ranked (or date-sorted) hits of one page, the total, and facet counts over all matches."""


def write_meta(folder: Path, meta: dict) -> None:
    write_json(folder / META_FILE, meta)


def read_meta(folder: Path) -> dict:
    path = folder / META_FILE
    if not path.is_file():
        raise JiyiError("E701", f"{folder}: no search index here", "run `jiyi build` (themes are declared as [[theme]] in jiyi.toml)")
    return json.loads(path.read_text(encoding="utf-8"))


def document_fields(doc: SearchDocument) -> dict:
    """A SearchDocument as the fields every engine indexes (the mapping in docs/search.md)."""
    fields = {"id": doc.id, **{name: getattr(doc, name) for name in SHOWN_FIELDS}, "date_key": doc.date_key,
              "title_tokens": " ".join(doc.title_tokens), "tokens": " ".join(doc.tokens),
              "pinyin": " ".join(doc.pinyin)}
    for name in KEYWORD_FIELDS:
        value = getattr(doc, name)
        if value:  # no empty value: "" would show up as a facet value of its own
            fields[name] = value
    if doc.year is not None:
        fields["year"] = doc.year
    return fields


def facet_aggregations(facets: Iterable[str], size: int) -> dict:
    """The terms aggregations of the facet counts, in the form tantivy and OpenSearch both read."""
    spec = {}
    for key in facets:
        if key == "year":  # every year, in order: what a year-range control needs
            spec[key] = {"terms": {"field": "year", "size": 500, "order": {"_key": "asc"}}}
        else:
            spec[key] = {"terms": {"field": FACET_FIELDS[key], "size": size}}
    return spec


def highlight_words(parsed: ParsedQuery, tokenizer: Tokenizer) -> list[str]:
    """The words a snippet marks, whichever engine found the hit, so both show the same snippets."""
    words = []
    for term in parsed.terms():
        folded = fold(term).strip()
        words += [folded] if folded else []
        words += [w for piece in folded.split() for w in tokenizer.query_words(piece)]
    return sorted(set(words), key=len, reverse=True)  # longest first: 遵义会议 before 会议


def open_backend(folder: Path, meta: dict, tokenizer: Tokenizer | None = None):
    """The backend a theme's theme.json names: its tantivy index in `folder`, or its index on OpenSearch.
    A public folder's theme.json names only the public index, so a public reader cannot reach the internal one."""
    if meta.get("backend") == "opensearch":
        from .opensearch import OpenSearchBackend

        return OpenSearchBackend(meta["url"], meta["index"], meta["facets"], tokenizer)
    return TantivyBackend(folder, meta["facets"], tokenizer=tokenizer)


class TantivyBackend:
    """One theme's index in a folder, on tantivy. Tokens are made in Python (search/documents.py)
    and indexed with tantivy's whitespace tokenizer, so index and query see the same words."""

    def __init__(self, folder: Path, facets: Iterable[str] = FACET_FIELDS, tokenizer: Tokenizer | None = None):
        self.folder = Path(folder)
        self.facets = [key for key in facets if key in FACET_FIELDS]
        self._tokenizer = tokenizer
        self._index = None

    # ------------------------------------------------------------------ build

    @staticmethod
    def schema():
        import tantivy

        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
        for name in SHOWN_FIELDS:  # stored to be shown, never searched (bytes fields can be left unindexed)
            builder.add_bytes_field(name, stored=True)
        builder.add_text_field("title_tokens", tokenizer_name="whitespace", index_option="freq")
        builder.add_text_field("tokens", tokenizer_name="whitespace", index_option="freq")
        builder.add_text_field("pinyin", tokenizer_name="whitespace", index_option="basic")
        for name in KEYWORD_FIELDS:  # exact values: filters (term queries) and facet counts (fast fields)
            builder.add_text_field(name, stored=True, fast=True, tokenizer_name="raw", index_option="basic")
        builder.add_integer_field("year", stored=True, indexed=True, fast=True)
        builder.add_integer_field("date_key", fast=True)
        return builder.build()

    def build(self, documents: Iterable[SearchDocument], heap_bytes: int = 256_000_000) -> int:
        import tantivy

        self.folder.mkdir(parents=True, exist_ok=False)  # a new index: the stage builds into a temporary folder
        index = tantivy.Index(self.schema(), path=str(self.folder))
        writer = index.writer(heap_size=heap_bytes)
        count = 0
        for doc in documents:
            writer.add_document(tantivy.Document(**self._fields(doc)))
            count += 1
        writer.commit()
        writer.wait_merging_threads()
        return count

    @staticmethod
    def _fields(doc: SearchDocument) -> dict:
        fields = document_fields(doc)
        for name in SHOWN_FIELDS:  # stored as bytes in the schema
            fields[name] = fields[name].encode("utf-8")
        return fields

    # ------------------------------------------------------------------ query

    @property
    def index(self):
        if self._index is None:
            import tantivy

            try:
                self._index = tantivy.Index.open(str(self.folder))
            except (ValueError, OSError) as error:
                raise JiyiError("E701", f"{self.folder}: cannot open the search index ({error})", "run `jiyi build` again")
        return self._index

    @property
    def tokenizer(self) -> Tokenizer:
        if self._tokenizer is None:
            self._tokenizer = Tokenizer()
        return self._tokenizer

    def query(self, request: SearchRequest) -> SearchResult:
        check_request(request, self.facets)
        return self._run(request)

    def _run(self, request: SearchRequest) -> SearchResult:
        import tantivy

        self.tokenizer  # loading jieba's dictionary is a one-off, not part of a query's time
        started = time.perf_counter()
        parsed = parse_query(request.text)
        searcher = self.index.searcher()
        query = self.make_query(parsed, request, searcher)
        offset = (request.page - 1) * request.size
        if request.sort == "date":
            found = searcher.search(query, request.size, count=True, order_by_field="date_key", offset=offset,
                                    order=tantivy.Order.Asc)
        else:
            found = searcher.search(query, request.size, count=True, offset=offset)
        words = self.highlight_words(parsed)
        hits = [self._hit(offset + rank, score, searcher.doc(address).to_dict(), words)
                for rank, (score, address) in enumerate(found.hits, start=1)]
        facets = self.facet_counts(searcher, query, request.facet_size)
        return SearchResult(found.count, hits, facets, request.page, request.size,
                            (time.perf_counter() - started) * 1000)

    def all_hits(self, request: SearchRequest, limit: int) -> list[Hit]:
        """Every hit of the request (up to limit), in its order: what an export writes."""
        check_request(request, self.facets)
        everything = SearchRequest(**{**request.__dict__, "page": 1, "size": limit})
        return self._run(everything).hits

    def make_query(self, parsed: ParsedQuery, request: SearchRequest, searcher):
        import tantivy

        schema = self.index.schema
        must = [(tantivy.Occur.Must, self._alternatives(group, searcher)) for group in parsed.required]
        must += [(tantivy.Occur.MustNot, self._term(term, searcher)) for term in parsed.excluded]
        for key, values in request.facets.items():
            for value in values:
                if key == "year":
                    must.append((tantivy.Occur.Must, tantivy.Query.term_query(schema, "year", int(value))))
                else:
                    must.append((tantivy.Occur.Must, tantivy.Query.term_query(schema, FACET_FIELDS[key], value)))
        if request.year_from is not None or request.year_to is not None:
            must.append((tantivy.Occur.Must, tantivy.Query.range_query(
                schema, "year", tantivy.FieldType.Integer, request.year_from, request.year_to)))
        if not any(occur == tantivy.Occur.Must for occur, _ in must):
            must.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(must)

    def _alternatives(self, terms: list[str], searcher):
        import tantivy

        if len(terms) == 1:
            return self._term(terms[0], searcher)
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, self._term(t, searcher)) for t in terms])

    def _term(self, term: str, searcher):
        """One query term: every word of it must match (in the title, the text, or as pinyin)."""
        import tantivy

        words = self.words_of(term, searcher)
        if not words:
            return tantivy.Query.empty_query()
        clauses = [(tantivy.Occur.Must, self._word(word)) for word in words]
        return clauses[0][1] if len(clauses) == 1 else tantivy.Query.boolean_query(clauses)

    def words_of(self, term: str, searcher) -> list[str]:
        folded = fold(term).strip()
        if " " not in folded and searcher.doc_freq("tokens", folded) > 0:
            return [folded]  # a word the index holds whole (an entity name, a word jieba cut the same way)
        return [word for piece in folded.split() for word in self.tokenizer.query_words(piece)]

    def _word(self, word: str):
        import tantivy

        schema = self.index.schema
        should = [tantivy.Query.term_query(schema, "tokens", word),
                  tantivy.Query.boost_query(tantivy.Query.term_query(schema, "title_tokens", word), TITLE_BOOST)]
        if _ASCII.match(word):
            should.append(tantivy.Query.term_query(schema, "pinyin", word))
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in should])

    def facet_counts(self, searcher, query, size: int) -> dict[str, list[tuple[str, int]]]:
        spec = facet_aggregations(self.facets, size)
        answer = searcher.aggregate(query, spec) if spec else {}
        return {key: [(str(b["key"]), b["doc_count"]) for b in answer.get(key, {}).get("buckets", [])] for key in self.facets}

    def highlight_words(self, parsed: ParsedQuery) -> list[str]:
        return highlight_words(parsed, self.tokenizer)

    def _hit(self, rank: int, score: float, stored: dict, words: list[str]) -> Hit:
        def first(name: str) -> str:  # stored fields come back as lists; the shown ones as UTF-8 bytes
            value = (stored.get(name) or [""])[0]
            return value.decode("utf-8") if isinstance(value, bytes) else value

        text = first("text") or first("title")
        return Hit(rank=rank, id=first("id"), title=first("title"), date=first("date"), score=round(float(score), 4),
                   snippet=snippet(text, words), record_set=first("record_set"), fonds=first("fonds"),
                   type=first("type"), access=first("access"), persons=stored.get("persons", []),
                   places=stored.get("places", []), organisations=stored.get("organisations", []))


def check_request(request: SearchRequest, facets: list[str]) -> None:
    for key, values in request.facets.items():
        if key not in facets:
            raise JiyiError("E703", f"no facet `{key}` in this index", f"facets here: {', '.join(facets)}")
        if key == "year" and not all(v.isdigit() for v in values):
            raise JiyiError("E703", f"year={','.join(values)}: a year is four digits", "write e.g. --facet year=1935 or --year 1934-1936")
    if request.sort not in SORTS:
        raise JiyiError("E704", f"unknown sort `{request.sort}`", f"sort by one of: {', '.join(SORTS)}")
    if request.page < 1 or not 1 <= request.size <= 1000:
        raise JiyiError("E704", f"page {request.page}, size {request.size}: out of range", "pages count from 1; a page holds 1 to 1000 hits")
