"""`jiyi serve`: serve a built workspace's public IIIF over HTTP, for viewers on this machine or behind a proxy."""

from __future__ import annotations

from pathlib import Path

import typer

from jiyi.cli_common import WorkspaceOption, fail, workspace_or_fail
from jiyi.errors import JiyiError


def serve_command(workspace: Path = WorkspaceOption,
                  host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; 0.0.0.0 for every "
                                           "interface (only what build/public/iiif holds is ever served)."),
                  port: int = typer.Option(8000, "--port", "-p", help="Port to listen on."),
                  access_log: bool = typer.Option(True, "--access-log/--no-access-log",
                                                  help="Print one line per request.")) -> None:
    """Serve build/public/iiif: manifests, collections, Image API level 0, Content Search and Change Discovery.

    Ids under base_uri/iiif/ are rewritten in each JSON response to the address the client used,
    so a viewer can follow them before the files are published at base_uri.
    """
    ws, config = workspace_or_fail(workspace)
    if not (ws.public_iiif_dir / "collection" / "top.json").is_file():
        fail(JiyiError("E650", f"{ws.public_iiif_dir}: no built IIIF to serve",
                       f"run `jiyi build --workspace {workspace}` first"))
    import uvicorn

    from jiyi.iiif.server import create_app

    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    typer.echo(f"Serving {ws.public_iiif_dir} at http://{shown}:{port}/iiif/collection/top.json "
               f"({config.base_uri}iiif/ ids are rewritten to this address); Ctrl+C stops.")
    uvicorn.run(create_app(ws.public_iiif_dir, config.base_uri), host=host, port=port, access_log=access_log,
                log_level="info" if access_log else "warning")  # uvicorn logs each request at info


if __name__ == "__main__":  # `python -m jiyi.iiif.serve_cli`, until `jiyi serve` is wired into jiyi.cli
    typer.run(serve_command)
