"""The HTTP server of `jiyi serve`: build/public/iiif, the Content Search endpoint and the viewer, nothing else.

Files carry ids under the configured base_uri (https://example.org/jiyi/ by default), which
need not point anywhere yet. So that a viewer on this machine can follow every link, JSON
bodies are served with `{base_uri}iiif/` rewritten to this server's own address as the
request saw it (http://127.0.0.1:8000/iiif/ …). Ids outside iiif/ (the graph's RDF, agents)
are left as they are: this server does not serve them. Files on disk are never changed.

Only files under build/public/iiif are served: paths with `..`, `.`, empty or hidden parts, or
that resolve (through links) outside that folder are refused, so build/internal stays unreachable.
/viewer/ serves Mirador's page and bundle by name only (iiif/viewer.py).
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import stat as file_mode
from email.utils import formatdate
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from jiyi.iiif.manifests import manifest_id
from jiyi.iiif.search import KNOWN_PARAMETERS, load_annotations, search, transcription_files
from jiyi.iiif.services import ACTIVITY_DIR, search_service_id
from jiyi.iiif.viewer import ROUTES as VIEWER_ROUTES

PRESENTATION_TYPE = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'
IMAGE_INFO_TYPE = 'application/ld+json;profile="http://iiif.io/api/image/3/context.json"'
DISCOVERY_TYPE = 'application/ld+json;profile="http://iiif.io/api/discovery/1/context.json"'
SEARCH_TYPE = 'application/ld+json;profile="http://iiif.io/api/search/2/context.json"'
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
CORS_HEADERS = [(b"access-control-allow-origin", b"*")]
PREFLIGHT_HEADERS = [*CORS_HEADERS, (b"access-control-allow-methods", b"GET, HEAD, OPTIONS"),
                     (b"access-control-max-age", b"86400")]
JSON_CACHE_ENTRIES = 4096  # small files read once; a changed file is read again (mtime and size differ)


def create_app(iiif_dir: Path, base_uri: str) -> Starlette:
    """The ASGI app serving `iiif_dir` (a workspace's build/public/iiif) at /iiif/ and Mirador at /viewer/."""
    files = PublicFiles(iiif_dir, base_uri)
    routes = [
        Route("/", lambda request: RedirectResponse("/iiif/collection/top.json"), methods=["GET", "HEAD"]),
        Route("/iiif/{record}/search", files.search, methods=["GET", "HEAD"]),
        Route("/iiif/{path:path}", files.get, methods=["GET", "HEAD"]),
        *VIEWER_ROUTES,
    ]
    return CORS(Starlette(routes=routes))


class CORS:
    """`Access-Control-Allow-Origin: *` on every response, errors included, and answers to
    preflight requests: everything served is public, and IIIF viewers run on other origins."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if scope["method"] == "OPTIONS":
            asked = dict(scope["headers"]).get(b"access-control-request-headers")
            headers = [*PREFLIGHT_HEADERS, *([(b"access-control-allow-headers", asked)] if asked else [])]
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_cors(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *CORS_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_cors)


def resolve_public(root: Path, relative: str) -> Path | None:
    """The file `relative` names under `root` (already resolved), or None when the path may not be served."""
    if not relative or relative.startswith("/") or "\\" in relative or "\0" in relative:
        return None
    parts = relative.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None  # dot parts would climb out; hidden names are half-written .part files
    path = (root / relative).resolve()
    return path if path.is_relative_to(root) else None


def media_type(path: Path, root: Path) -> str:
    if path.name == "info.json":
        return IMAGE_INFO_TYPE
    if path.suffix == ".json":
        return DISCOVERY_TYPE if path.parent == root / ACTIVITY_DIR else PRESENTATION_TYPE
    return IMAGE_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def not_found(what: str) -> JSONResponse:
    return JSONResponse({"error": f"{what} is not here", "fix": "start at /iiif/collection/top.json"}, 404)


class PublicFiles:
    def __init__(self, iiif_dir: Path, base_uri: str):
        self.root = Path(iiif_dir).resolve()
        self.base_iiif = f"{base_uri}iiif/".encode()
        self.base_uri = base_uri
        self.json_cache: dict[Path, tuple[int, int, bytes]] = {}
        self.annotation_cache: dict[Path, tuple[tuple, list[dict]]] = {}

    def _read_json(self, path: Path, mtime_ns: int, size: int) -> bytes:
        cached = self.json_cache.get(path)
        if cached and cached[:2] == (mtime_ns, size):
            return cached[2]
        data = path.read_bytes()
        if len(self.json_cache) >= JSON_CACHE_ENTRIES:
            self.json_cache.clear()
        self.json_cache[path] = (mtime_ns, size, data)
        return data

    def _annotations(self, folder: Path) -> list[dict]:
        """A record's transcription annotations, parsed again only when one of its files changed."""
        files = transcription_files(folder)
        signature = tuple((path.name, *_signature(path)) for path in files)
        cached = self.annotation_cache.get(folder)
        if cached and cached[0] == signature:
            return cached[1]
        annotations = load_annotations(files)
        if len(self.annotation_cache) >= JSON_CACHE_ENTRIES:
            self.annotation_cache.clear()
        self.annotation_cache[folder] = (signature, annotations)
        return annotations

    async def get(self, request: Request) -> Response:
        relative = request.path_params["path"]
        path = resolve_public(self.root, relative)
        if path is None:
            return JSONResponse({"error": f"path {relative!r} may not be served",
                                 "fix": "ask for a file under /iiif/ without '..', '.' or hidden parts"}, 400)
        try:
            stat = path.stat()
        except OSError:
            return not_found(f"/iiif/{relative}")
        if not file_mode.S_ISREG(stat.st_mode):
            return not_found(f"/iiif/{relative}")
        here = str(request.base_url).encode()  # scheme://host:port/ as the client asked
        # The body depends on the address the client used, so the ETag does too.
        tag = hashlib.blake2s(here, digest_size=4).hexdigest() if path.suffix == ".json" else "f"
        etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}-{tag}"'
        headers = {"ETag": etag, "Last-Modified": formatdate(stat.st_mtime, usegmt=True),
                   "Cache-Control": "public, max-age=60"}
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        kind = media_type(path, self.root)
        if path.suffix != ".json":
            return FileResponse(path, media_type=kind, headers=headers, stat_result=stat)
        body = self._read_json(path, stat.st_mtime_ns, stat.st_size).replace(self.base_iiif, here + b"iiif/")
        return Response(body, media_type=kind, headers=headers)

    async def search(self, request: Request) -> Response:
        """Content Search 2.0 over one record's transcriptions: /iiif/<id>/search?q=…&page=…"""
        record = request.path_params["record"]
        folder = resolve_public(self.root, record)
        if folder is None or not (folder / "manifest.json").is_file():
            return not_found(f"a public manifest {record!r}")
        q = request.query_params.get("q", "").strip()
        page = request.query_params.get("page", "0")
        if not q:
            return JSONResponse({"error": "no query", "fix": "add ?q=<words to find>, e.g. ?q=会议"}, 400)
        if not page.isdigit():
            return JSONResponse({"error": f"page {page!r} is not a page number", "fix": "use page=0, 1, 2 …"}, 400)
        ignored = [name for name in request.query_params if name not in KNOWN_PARAMETERS]
        # Built with the configured ids, then moved to this address like every served file.
        service_id = search_service_id(manifest_id(folder.name, self.base_uri))
        response = search(self._annotations(folder), q, service_id, page=int(page), ignored=ignored)
        body = json.dumps(response, ensure_ascii=False).encode("utf-8")
        body = body.replace(self.base_iiif, str(request.base_url).encode() + b"iiif/")
        return Response(body, media_type=SEARCH_TYPE)


def _signature(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def serve_in_thread(iiif_dir: Path, base_uri: str, *, wait: float = 10.0):
    """`jiyi serve`'s app under uvicorn in a daemon thread on a free loopback port: (server, thread, port).

    The app uses it to show the viewer without a second process, and tests to reach the
    real server. The socket is bound here, so no other process can take the port before
    uvicorn listens; `server.should_exit = True` stops it.
    """
    import socket
    import threading
    import time

    import uvicorn

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(Path(iiif_dir), base_uri), log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True, name="jiyi-iiif")
    thread.start()
    deadline = time.monotonic() + wait
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    return server, thread, listener.getsockname()[1]
