"""Open the workspace's graph: the embedded Oxigraph store, directly or through rdflib."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import rdflib

from jiyi.errors import JiyiError
from jiyi.workspace import Workspace


def open_store(ws: Workspace, *, read_only: bool = True) -> pyoxigraph.Store:
    """The Oxigraph store on disk; read-only unless building (one writer at a time)."""
    path = ws.store_dir
    if read_only:
        if not path.is_dir():
            raise JiyiError("E401", f"{path}: no graph built yet", f"run `jiyi build --workspace {ws.root}` first")
        return pyoxigraph.Store.read_only(str(path))
    path.mkdir(parents=True, exist_ok=True)
    return pyoxigraph.Store(str(path))


def rdflib_dataset(ws: Workspace) -> rdflib.Dataset:
    """The same store with rdflib's API (through oxrdflib), for researchers' rdflib scripts."""
    dataset = rdflib.Dataset(store="Oxigraph")
    dataset.open(str(Path(ws.store_dir)), create=False)
    return dataset
