"""Read-only SPARQL over a built workspace, with a time limit and a row limit.

Used by `jiyi sparql` and the researchers' console. Three guards keep it read-only and
bounded: update requests are refused before they reach the engine (with a message that
says how the graph is changed instead), the store is opened read-only, and the query
runs in a child process that is stopped when its time is up — Oxigraph has no
cancellation of its own, and a thread cannot be stopped inside native code.
"""

from __future__ import annotations

import multiprocessing
import re
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode, QueryBoolean, QuerySolutions, QueryTriples, Store

from jiyi.errors import JiyiError

from .vocab import PREFIXES, Minter

QUERY_FORMS = {"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"}
UPDATE_FORMS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
# Strings, IRIs and comments are skipped when looking for the query's first keyword;
# a prefix name with its colon (rico:) is one token.
_TOKEN = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>\s]*>|#[^\n]*|[A-Za-z_][\w.-]*:?|\S')


@dataclass
class QueryResult:
    kind: str  # "select", "ask" or "graph" (CONSTRUCT / DESCRIBE)
    columns: list[str] = field(default_factory=list)
    rows: list[list[dict | None]] = field(default_factory=list)  # SPARQL JSON terms; None when unbound
    boolean: bool | None = None
    truncated: bool = False  # more rows existed than the limit let through


def query_form(query: str) -> str:
    """The query's form (SELECT, ASK …, or the update keyword), after its PREFIX and BASE lines."""
    tokens = [t for t in _TOKEN.findall(query) if not t.startswith("#")]
    position = 0
    while position < len(tokens) and tokens[position].upper() in ("PREFIX", "BASE"):
        position += 3 if tokens[position].upper() == "PREFIX" else 2  # PREFIX name: <iri> / BASE <iri>
    return tokens[position].upper() if position < len(tokens) else ""


def check_read_only(query: str) -> None:
    form = query_form(query)
    if form in UPDATE_FORMS:
        raise JiyiError("E420", f"SPARQL {form} is an update, and updates are refused: the graph is rebuilt from the "
                        "workspace on every build", "change the sources or record a curation decision "
                        "(`jiyi curate …`), then run `jiyi build`")
    if form not in QUERY_FORMS:
        raise JiyiError("E421", f"not a SPARQL query (it starts with {form or 'nothing'})",
                        "write SELECT, CONSTRUCT, ASK or DESCRIBE, after any PREFIX lines")


def run_query(store_dir: str, query: str, *, base_uri: str, public_only: bool = False, limit: int = 1000,
              timeout: float = 30.0) -> QueryResult:
    """Run `query` over the workspace's store in a child process; stop it after `timeout` seconds."""
    check_read_only(query)
    context = multiprocessing.get_context("fork")  # the child inherits the loaded modules: no import cost
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_answer, args=(sender, store_dir, query, base_uri, public_only, limit), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise JiyiError("E422", f"the query ran longer than {timeout:g} s and was stopped",
                            "narrow it (a LIMIT, a more specific pattern) or allow more time with --timeout")
        outcome = receiver.recv()
    except EOFError:
        raise JiyiError("E423", "the query engine stopped without an answer", "check the query; rebuild if the store is damaged")
    finally:
        if child.is_alive():
            child.kill()
        child.join()
    if isinstance(outcome, JiyiError):
        raise outcome
    return outcome


def _answer(sender, store_dir: str, query: str, base_uri: str, public_only: bool, limit: int) -> None:
    try:
        store = Store.read_only(store_dir)
        # The union of every named graph is the default graph, so plain patterns find
        # everything; public_only narrows it to the public graph.
        options = {"default_graph": [Minter(base_uri).graph("public")]} if public_only else {"use_default_graph_as_union": True}
        if public_only:
            options["named_graphs"] = [Minter(base_uri).graph("public")]
        answer = store.query(query, prefixes=PREFIXES, **options)
        sender.send(_collect(answer, limit))
    except SyntaxError as error:
        sender.send(JiyiError("E424", f"SPARQL syntax error: {error}", "fix the query; `jiyi sparql --help` has examples"))
    except OSError as error:
        sender.send(JiyiError("E401", f"{store_dir}: cannot open the graph store ({error})", "run `jiyi build` first"))
    except Exception as error:  # the engine's own evaluation errors, passed on with their text
        sender.send(JiyiError("E425", f"the query failed: {error}", "check the query"))
    finally:
        sender.close()


def _collect(answer, limit: int) -> QueryResult:
    if isinstance(answer, QueryBoolean):
        return QueryResult("ask", boolean=bool(answer))
    if isinstance(answer, QuerySolutions):
        columns = [variable.value for variable in answer.variables]
        result = QueryResult("select", columns=columns)
        for solution in answer:
            if len(result.rows) == limit:
                result.truncated = True
                break
            result.rows.append([json_term(solution[name]) for name in columns])
        return result
    if isinstance(answer, QueryTriples):
        result = QueryResult("graph", columns=["subject", "predicate", "object"])
        for triple in answer:
            if len(result.rows) == limit:
                result.truncated = True
                break
            result.rows.append([json_term(triple.subject), json_term(triple.predicate), json_term(triple.object)])
        return result
    raise TypeError(f"unexpected query answer {type(answer).__name__}")


def json_term(term) -> dict | None:
    """A term in the SPARQL 1.1 Query Results JSON form."""
    if term is None:
        return None
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": str(term)}
