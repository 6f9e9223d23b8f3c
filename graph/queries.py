"""The explorer's questions as SPARQL over the Oxigraph store: neighbourhoods, paths, events, timelines.

The app's graph explorer and `jiyi bench graph` ask these same functions, so the
figures in docs/benchmarks.md are the explorer's own. Each takes an open store
(`graph.store.open_store`) and node IRIs, and reads the union of the graphs it is
given (the public graph for the public app).
"""

from __future__ import annotations

from pyoxigraph import NamedNode, Store

from .vocab import PREFIXES

# Edges a reader follows between records, people, bodies, places, events and dates.
LINKS = ("rico:hasOrHadSubject", "rico:isAssociatedWithDate", "rico:hasCreator", "rico:isOrWasParticipantIn",
         "rico:hasOrHadLocation", "rico:occurredAtDate", "rico:isOrWasMemberOf", "rico:hasCreationDate")
STEP = "|".join(f"{link}|^{link}" for link in LINKS)
# A path between two people runs through documents, events, places and bodies. Dates are
# left out: two records of the same day are not a connection a reader is looking for, and
# a year touches so many records that every search would run through it.
PATH_STEP = "|".join(f"{link}|^{link}" for link in LINKS if "Date" not in link)
MAX_PATH_LENGTH = 6


def _select(store: Store, query: str, graphs: list[NamedNode] | None) -> list[dict[str, str]]:
    options = {"default_graph": graphs} if graphs else {"use_default_graph_as_union": True}
    solutions = store.query(query, prefixes=PREFIXES, **options)
    names = [v.value for v in solutions.variables]
    return [{name: (row[name].value if row[name] is not None else "") for name in names} for row in solutions]


def neighbourhood(store: Store, node: str, *, depth: int = 2, graphs: list[NamedNode] | None = None,
                  limit: int = 5000) -> list[tuple[str, str]]:
    """Edges (a, b) within `depth` steps (1 or 2) of `node`, following LINKS either way."""
    return neighbourhood_within(store, node, depth=depth, graphs=graphs, limit=limit)[0]


def neighbourhood_within(store: Store, node: str, *, depth: int, limit: int,
                         graphs: list[NamedNode] | None = None) -> tuple[list[tuple[str, str]], bool]:
    """neighbourhood's edges, and whether `limit` cut them short (the query had more rows than `limit`).

    A person named in 55,000 records has 55,000 neighbours; the query stops one row past
    the limit, so a caller can say "more than" instead of giving a wrong count.
    """
    second = f"OPTIONAL {{ ?n1 ({STEP}) ?n2 FILTER(?n2 != <{node}>) }}" if depth >= 2 else ""
    rows = _select(store, f"SELECT DISTINCT ?n1 ?n2 WHERE {{ <{node}> ({STEP}) ?n1 . {second} }} LIMIT {limit + 1}",
                   graphs)
    truncated, rows = len(rows) > limit, rows[:limit]
    edges = {(node, row["n1"]) for row in rows}
    edges |= {(row["n1"], row["n2"]) for row in rows if row.get("n2")}
    return sorted(edges), truncated


def shortest_path(store: Store, start: str, goal: str, *, graphs: list[NamedNode] | None = None,
                  max_length: int = MAX_PATH_LENGTH) -> list[str]:
    """Nodes of a shortest path from `start` to `goal` over LINKS but dates, or [] when none is within `max_length`.

    A breadth-first search from both ends, one query per step: SPARQL property paths
    say whether a path exists but not which nodes it passes.
    """
    if start == goal:
        return [start]
    parents = {start: None}, {goal: None}  # node → the node it was reached from, per side
    frontiers = [start], [goal]
    for _ in range(max_length):
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1  # grow the smaller side
        values = " ".join(f"<{n}>" for n in frontiers[side])
        options = {"default_graph": graphs} if graphs else {"use_default_graph_as_union": True}
        # Ordered, so among paths of equal length the same one is found whatever order a store keeps its triples in.
        solutions = store.query(f"SELECT ?from ?to WHERE {{ VALUES ?from {{ {values} }} ?from ({PATH_STEP}) ?to }} "
                                "ORDER BY ?from ?to",
                                prefixes=PREFIXES, **options)
        frontier = []
        for solution in solutions:  # read as tuples: a hub's step returns thousands of rows
            source, target = solution[0].value, solution[1].value
            if target not in parents[side]:
                parents[side][target] = source
                frontier.append(target)
                if target in parents[1 - side]:
                    return _join_path(target, parents)
        frontiers = (frontier, frontiers[1]) if side == 0 else (frontiers[0], frontier)
        if not frontier:
            return []
    return []


def _join_path(meeting: str, parents: tuple[dict, dict]) -> list[str]:
    left, node = [], meeting
    while node is not None:
        left.append(node)
        node = parents[0][node]
    right, node = [], parents[1][meeting]
    while node is not None:
        right.append(node)
        node = parents[1][node]
    return left[::-1] + right


def events_of(store: Store, person: str, *, graphs: list[NamedNode] | None = None) -> list[dict[str, str]]:
    """Events a person took part in, or that a record mentions beside them; with dates, earliest first."""
    return _select(store, f"""SELECT DISTINCT ?event ?name ?date WHERE {{
        {{ <{person}> rico:isOrWasParticipantIn ?event }}
        UNION {{ ?record rico:hasOrHadSubject <{person}>, ?event . ?event a rico:Event }}
        ?event rico:name ?name .
        OPTIONAL {{ ?event rico:occurredAtDate/rico:normalizedDateValue ?date }}
    }} ORDER BY ?date ?name""", graphs)


def timeline_of(store: Store, place: str, *, graphs: list[NamedNode] | None = None) -> list[dict[str, str]]:
    """Events at a place and records about it, by date."""
    return _select(store, f"""SELECT DISTINCT ?item ?title ?date WHERE {{
        {{ ?item rico:hasOrHadLocation <{place}> ; rico:name ?title .
           OPTIONAL {{ ?item rico:occurredAtDate/rico:normalizedDateValue ?date }} }}
        UNION {{ ?item rico:hasOrHadSubject <{place}> ; rico:title ?title .
           OPTIONAL {{ ?item rico:hasCreationDate/rico:normalizedDateValue ?date }} }}
    }} ORDER BY ?date ?title""", graphs)
