"""Which records a theme ([[theme]] in jiyi.toml) holds: by record set, by concept, or by a SPARQL query.

The model has no SKOS concept scheme yet, so a concept is matched by name: a record is
about 长征 when its title, abstract or text contains the concept or one of its aliases
(compared folded, so 長征 in a traditional text counts), or when extraction found an
entity in it whose label or alias is one of those names (an EVENT 长征 with its alias
二万五千里长征, say).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from urllib.parse import unquote

from jiyi.config import Config, ThemeSource
from jiyi.errors import JiyiError
from jiyi.model import Entity, Record
from jiyi.workspace import Workspace

from .documents import fold


def select_records(theme: ThemeSource, records: Iterable[Record], entities: Iterable[Entity], ws: Workspace,
                   config: Config) -> Iterator[Record]:
    """The theme's records, in the order of `records`, one at a time. Raises JiyiError when its SPARQL
    query fails. `entities` is read once, and only by a theme chosen by concept."""
    if theme.record_sets:
        wanted = set(theme.record_sets)
        return (r for r in records if r.record_set in wanted)
    if theme.concept:
        return by_concept(theme.concept, theme.aliases, records, entities)
    return by_sparql(theme.sparql, records, ws, config)


def by_concept(concept: str, aliases: list[str], records: Iterable[Record], entities: Iterable[Entity]) -> Iterator[Record]:
    names = {fold(name) for name in [concept, *aliases] if name.strip()}
    mentioned = {record_id for entity in entities
                 if names & {fold(n) for n in [entity.label, *entity.aliases]} for record_id in entity.record_ids}
    for record in records:
        text = fold("\n".join([record.title, record.abstract, record.text]))
        if record.id in mentioned or any(name in text for name in names):
            yield record


def by_sparql(query: str, records: Iterable[Record], ws: Workspace, config: Config) -> Iterator[Record]:
    """Records named in the first column of a SELECT over the whole built graph (restricted records included:
    the public index leaves them out afterwards, like every other theme)."""
    from jiyi.graph.sparql import run_query

    if not ws.store_dir.is_dir():
        raise JiyiError("E705", f"{ws.store_dir}: no graph to run the theme's SPARQL query on",
                        "run `jiyi graph` (or `jiyi build`) before the search stage")
    result = run_query(str(ws.store_dir), query, base_uri=config.base_uri, limit=10_000_000, timeout=120)
    if result.kind != "select" or not result.columns:
        raise JiyiError("E705", "the theme's sparql is not a SELECT with a column of records", "write SELECT ?record WHERE { … }")
    prefix = config.base_uri + "record/"
    ids = set()
    for row in result.rows:
        term = row[0]
        if term is None:
            continue
        value = term["value"]
        ids.add(unquote(value[len(prefix):]) if term["type"] == "uri" and value.startswith(prefix) else value)
    return (r for r in records if r.id in ids)
