"""The IIIF viewer `jiyi serve` offers at /viewer/: Mirador 3, installed from npm by `make viewer`, served from here.

The page (index.html, viewer.js) ships in the package under jiyi/apps/viewer/; Mirador's bundle is not in
the repository: `make viewer` runs `npm ci` on apps/viewer/package-lock.json and copies the bundle to
apps/viewer/dist/ ($JIYI_VIEWER_DIR names another folder holding mirador.min.js). Nothing is loaded from
a CDN: the page's Content-Security-Policy allows scripts, data and images from this server only.

Only three named files are served here, so no path a client sends can reach anything else.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

BUNDLE = "mirador.min.js"
MIRADOR_VERSION = "3.4.3"  # pinned in apps/viewer/package.json and its lock; the tests check they agree
VIEWER_DIR_ENV = "JIYI_VIEWER_DIR"
# RFC 9239 made text/javascript the one JavaScript type (application/javascript is its obsolete alias).
JS_TYPE = "text/javascript; charset=utf-8"
# Mirador styles itself with inline <style> (JSS), hence 'unsafe-inline' for styles only;
# OpenSeadragon draws pages through blob: and data: URLs.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self' data:; worker-src 'self' blob:; base-uri 'none'; form-action 'none'")
HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=300"}

MISSING_PAGE = """<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>IIIF viewer not installed · 未安装 IIIF 浏览器</title></head>
<body style="font: 16px/1.5 sans-serif; margin: 2em">
<h1>IIIF viewer not installed · 未安装 IIIF 浏览器</h1>
<p>Mirador's bundle ({bundle}) is not installed. Run <code>make viewer</code> in the Jiyi checkout:
it installs Mirador {version} from the npm registry into apps/viewer/dist/ (or set ${env} to a folder holding it),
then reload this page.</p>
<p>Mirador 的脚本（{bundle}）尚未安装。请在 Jiyi 目录中运行 <code>make viewer</code>
（从 npm 安装 Mirador {version} 到 apps/viewer/dist/，或设置 ${env} 指向存放它的目录），然后刷新本页。</p>
</body></html>
""".format(bundle=BUNDLE, version=MIRADOR_VERSION, env=VIEWER_DIR_ENV)


def page_dir() -> Path:
    """The viewer's own page: apps/viewer/ of the installed package."""
    return Path(str(files("jiyi.apps").joinpath("viewer")))


def bundle_path() -> Path:
    folder = os.environ.get(VIEWER_DIR_ENV)
    return Path(folder) / BUNDLE if folder else page_dir() / "dist" / BUNDLE


def installed() -> bool:
    return bundle_path().is_file()


def viewer_url(server: str, manifest_url: str, lang: str = "zh") -> str:
    """The viewer page of `server` (ending in /) opening `manifest_url`."""
    return f"{server}viewer/?{urlencode({'manifest': manifest_url, 'lang': lang})}"


def missing() -> HTMLResponse:
    return HTMLResponse(MISSING_PAGE, status_code=503, headers={"Retry-After": "3600", **HEADERS})


async def page(request: Request) -> Response:
    if not installed():
        return missing()
    return FileResponse(page_dir() / "index.html", media_type="text/html; charset=utf-8",
                        headers={"Content-Security-Policy": CSP, **HEADERS})


async def asset(request: Request) -> Response:
    name = request.path_params["name"]
    if name == "viewer.js":
        return FileResponse(page_dir() / "viewer.js", media_type=JS_TYPE, headers=HEADERS)
    if name == BUNDLE:
        path = bundle_path()
        return FileResponse(path, media_type=JS_TYPE, headers=HEADERS) if path.is_file() else missing()
    return Response(f"/viewer/{name} is not here; the viewer is at /viewer/?manifest=URL\n", status_code=404,
                    media_type="text/plain; charset=utf-8", headers=HEADERS)


async def add_slash(request: Request) -> Response:
    # Relative script names in index.html resolve against /viewer/, not /.
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/viewer/{query}")


ROUTES = [
    Route("/viewer", add_slash, methods=["GET", "HEAD"]),
    Route("/viewer/", page, methods=["GET", "HEAD"]),
    Route("/viewer/{name:path}", asset, methods=["GET", "HEAD"]),
]
