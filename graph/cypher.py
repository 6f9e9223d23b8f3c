"""Read-only Cypher over the Neo4j mirror (`jiyi cypher`), and its results as a table, CSV or JSON.

Sessions are opened for READ, so Neo4j itself refuses CREATE, MERGE, SET and DELETE;
the refusal becomes a JiyiError that says so.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

import neo4j
from neo4j.exceptions import ClientError, Neo4jError, ServiceUnavailable, SessionExpired

from jiyi.errors import JiyiError

from .neo4j_mirror import connect


@dataclass
class CypherResult:
    """Columns and rows of a query; `cut` when rows stopped at the limit. Unpacks as (columns, rows)."""

    columns: list[str]
    rows: list[list[Any]]
    cut: bool = False

    def __iter__(self):
        return iter((self.columns, self.rows))


def run_cypher(uri: str, user: str, password: str, query: str, *, database: str = "neo4j", limit: int = 1000,
               timeout: float = 30.0, retries: int = 2, retry_wait: float = 0.5) -> CypherResult:
    """Run QUERY in a read transaction: Neo4j itself refuses CREATE, MERGE, SET, DELETE there."""

    @neo4j.unit_of_work(timeout=timeout)
    def read(tx: neo4j.ManagedTransaction) -> CypherResult:
        result = tx.run(query)
        columns, rows = list(result.keys()), []
        for record in result:
            if len(rows) == limit:  # one more than asked for: the result goes on
                return CypherResult(columns, rows, cut=True)
            rows.append([plain(value) for value in record.values()])
        return CypherResult(columns, rows)

    driver = connect(uri, user, password, retries=retries, retry_wait=retry_wait)
    try:
        with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as session:
            return session.execute_read(read)
    except ClientError as error:
        raise cypher_error(error, database, timeout) from error
    except Neo4jError as error:
        raise JiyiError("E456", f"the query failed: {error.code}: {error.message}",
                        "try again; if it keeps failing, see Neo4j's log") from error
    except (ServiceUnavailable, SessionExpired) as error:
        raise JiyiError("E451", f"{uri}: lost Neo4j during the query ({error})", "is Neo4j still running?") from error
    finally:
        driver.close()


def cypher_error(error: ClientError, database: str, timeout: float) -> JiyiError:
    code = error.code or ""
    if code.endswith("AccessMode") or code.endswith("Forbidden"):
        return JiyiError("E454", f"Cypher writes are refused: this command only reads the mirror ({error.message})",
                         "ask with MATCH … RETURN; the mirror changes only through `jiyi neo4j sync`")
    if "Timeout" in code or "TimedOut" in code:
        return JiyiError("E455", f"the query ran longer than {timeout:g} s and was stopped",
                         "add a LIMIT or a narrower MATCH, or pass a larger --timeout")
    if code.endswith("DatabaseNotFound"):
        return JiyiError("E453", f"Neo4j has no database {database!r}", "check --database (Community has `neo4j`)")
    return JiyiError("E456", f"Neo4j rejected the query: {error.message}", "check the Cypher (see the message above)")


def plain(value: Any) -> Any:
    """Driver values as JSON-able Python: nodes and relationships as dicts of their properties."""
    if isinstance(value, neo4j.graph.Node):
        return {"labels": sorted(value.labels), **{k: plain(v) for k, v in value.items()}}
    if isinstance(value, neo4j.graph.Relationship):
        return {"type": value.type, **{k: plain(v) for k, v in value.items()}}
    if isinstance(value, neo4j.graph.Path):
        return [plain(n) for n in value.nodes]
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)  # dates, times, points


def format_result(result: CypherResult, fmt: str) -> str:
    """table (aligned text), csv or json."""
    cell = lambda v: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)  # noqa: E731
    if fmt == "json":
        return json.dumps([dict(zip(result.columns, row)) for row in result.rows], ensure_ascii=False, indent=2)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows([[cell(v) if v is not None else "" for v in row] for row in result.rows])
        return out.getvalue().rstrip("\n")
    table = [result.columns] + [[cell(v) if v is not None else "" for v in row] for row in result.rows]
    widths = [max(display_width(row[i]) for row in table) for i in range(len(result.columns))]
    lines = ["  ".join(pad(text, width) for text, width in zip(row, widths)).rstrip() for row in table]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def display_width(text: str) -> int:
    """Columns a terminal gives the text: CJK characters take two."""
    return sum(2 if ord(ch) >= 0x1100 and (0x1100 <= ord(ch) <= 0x115F or 0x2E80 <= ord(ch) <= 0xFFDC) else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))
