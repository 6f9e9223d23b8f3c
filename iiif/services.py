"""IIIF services over the public IIIF output, run after the iiif stage.

Three things, all written as static files so a plain web server (or `jiyi serve`) can serve them:

* Image API 3 at level 0: for each page image of a public manifest, images/<id>/<page>/info.json
  and the only sizes it lists (full and a ~200 px thumbnail) as .../full/<size>/0/default.jpg.
* Service references in each public manifest: an ImageService3 on every image body, a
  SearchService2 (Content Search 2.0, answered by `jiyi serve`), thumbnails from the small size.
* Change Discovery 1.0: activity/all-changes.json and its pages, updated incrementally from
  build/internal/iiif-changes-state.json.

Only build/public/iiif is read, so nothing restricted can reach an image, a search or an activity.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import unquote

from PIL import Image

from jiyi.config import Config
from jiyi.page_images import MAX_SERVED_PIXELS, PageError, decode_upright, page_size, served_size
from jiyi.model import Problem, SourceRef, StageResult, atomic_writer, write_json
from jiyi.progress import Reporter
from jiyi.workspace import Workspace

STAGE = "iiif services"
IMAGE_CONTEXT = "http://iiif.io/api/image/3/context.json"
DISCOVERY_CONTEXT = "http://iiif.io/api/discovery/1/context.json"
THUMBNAIL_WIDTH = 200
JPEG_QUALITY = 85
# Bump when derivatives are drawn differently, so that cached ones are redrawn.
# 2: pages turned upright by their EXIF Orientation, 16-bit greys scaled, huge pages served at MAX_SERVED_PIXELS.
DERIVATIVE_VERSION = f"2-q{JPEG_QUALITY}-w{THUMBNAIL_WIDTH}-m{MAX_SERVED_PIXELS}"
ACTIVITIES_PER_PAGE = 100
ACTIVITY_DIR = "activity"


def run(ws: Workspace, config: Config, reporter: Reporter, *, now: dt.datetime | None = None) -> StageResult:
    """Add image and search services to the public manifests, write their derivatives, and
    record what changed since the last run in the Change Discovery stream."""
    out = ws.public_iiif_dir
    problems: list[Problem] = []
    cache = DerivativeCache(derivative_cache_dir(ws))
    hashes: dict[str, str] = {}
    n_images = 0
    for path in reporter.track(public_manifests(out), STAGE):
        manifest = json.loads(path.read_text(encoding="utf-8"))
        n_images += add_image_services(ws, manifest, config.base_uri, cache, problems)
        add_search_service(manifest)
        _write_if_changed(path, manifest)
        hashes[manifest["id"]] = content_hash(manifest)
    cache.prune()
    when = now or dt.datetime.now(dt.timezone.utc)
    added = update_changes(out, changes_state_file(ws), config.base_uri, hashes, when)
    counts = {"image services": n_images, "derivatives drawn": cache.drawn, "change activities": added}
    return StageResult(STAGE, counts=counts, problems=problems)


def derivative_cache_dir(ws: Workspace) -> Path:
    # Outside build/public/iiif because the iiif stage empties images/<id>/ of everything but
    # the page images on each run; from here the derivatives are linked back in unchanged.
    return ws.internal / "iiif-derivatives"


def changes_state_file(ws: Workspace) -> Path:
    # Beside, not inside, build/internal/iiif: everything in there is a IIIF document.
    return ws.internal / "iiif-changes-state.json"


def public_manifests(out: Path) -> list[Path]:
    """The manifest of every record folder under the public IIIF folder, in a stable order."""
    if not out.is_dir():
        return []
    return sorted(p / "manifest.json" for p in out.iterdir() if p.is_dir() and (p / "manifest.json").is_file())


def content_hash(document: dict) -> str:
    return hashlib.sha256(json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def _write_if_changed(path: Path, document: dict) -> None:
    """Rewrite only when the content differs, so unchanged files keep their mtime (and ETag).
    Compact, as the iiif stage writes its JSON: what is served is a third smaller than indented."""
    old = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    if old != document:
        with atomic_writer(path) as out:
            out.write(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n")


def with_service(resource: dict, service: dict) -> None:
    """Add `service` to the resource's services, replacing one with the same id (re-runs add nothing)."""
    others = [s for s in resource.get("service", []) if s.get("id") != service["id"]]
    resource["service"] = [*others, service]


# ---------------------------------------------------------------- Content Search 2.0

def search_service_id(manifest_id: str) -> str:
    """The Search 2.0 service of a manifest: beside it, {base}iiif/<quoted id>/search."""
    return manifest_id.rsplit("/", 1)[0] + "/search"


def add_search_service(manifest: dict) -> None:
    with_service(manifest, {"id": search_service_id(manifest["id"]), "type": "SearchService2"})


# ---------------------------------------------------------------- Image API 3, level 0

def add_image_services(ws: Workspace, manifest: dict, base_uri: str, cache: DerivativeCache,
                       problems: list[Problem]) -> int:
    """Give every image body of a public manifest an ImageService3 with its derivatives on disk;
    point the thumbnails at the small size. Returns how many images got a service."""
    out = ws.public_iiif_dir
    prefix = f"{base_uri}iiif/"
    done = 0
    first_thumbnail = None
    used_names: set[str] = set()
    for canvas in manifest.get("items", []):
        for page in canvas.get("items", []):
            for annotation in page.get("items", []):
                body = annotation.get("body")
                if not isinstance(body, dict) or body.get("type") != "Image":
                    continue
                source = _local_image(out, body.get("id", ""), prefix)
                if source is None:
                    continue  # an image served from elsewhere brings its own services
                folder = source.parent / source.stem
                if folder.name in used_names:
                    problems.append(Problem(
                        "W651", SourceRef(ws.relative(source)),
                        f"page image {source.name} shares its name without suffix with another page of this record, "
                        "so it gets no image service", "rename one of the two image files", dropped=False))
                    continue
                used_names.add(folder.name)
                try:
                    width, height, sizes = cache.place(source, folder)
                except PageError as error:  # the iiif stage checks pages it copies; this guards hand-placed ones
                    problems.append(Problem("W652", SourceRef(ws.relative(source)),
                                            f"cannot make image derivatives of {source.name}: it {error.reason}",
                                            error.fix, dropped=False))
                    continue
                except (OSError, ValueError, SyntaxError) as error:  # what Pillow raises on a damaged file
                    problems.append(Problem("W652", SourceRef(ws.relative(source)),
                                            f"cannot make image derivatives of {source.name}: {error}",
                                            "check that the file is a readable PNG or JPEG", dropped=False))
                    continue
                service_id = body["id"].rsplit(".", 1)[0]  # images/<id>/p001.png → images/<id>/p001
                _write_if_changed(folder / "info.json", info_json(service_id, width, height, sizes))
                service = {"id": service_id, "type": "ImageService3", "profile": "level0"}
                with_service(body, service)
                small_w, small_h = sizes[-1]
                thumbnail = {"id": f"{service_id}/full/{small_w},{small_h}/0/default.jpg", "type": "Image",
                             "format": "image/jpeg", "width": small_w, "height": small_h, "service": [service]}
                canvas["thumbnail"] = [thumbnail]
                first_thumbnail = first_thumbnail or thumbnail
                done += 1
    if first_thumbnail:
        manifest["thumbnail"] = [first_thumbnail]
    return done


def _local_image(out: Path, uri: str, prefix: str) -> Path | None:
    """The file under out/images/ that an image URI names, or None when it names none there."""
    if not uri.startswith(prefix):
        return None
    parts = [unquote(part) for part in uri[len(prefix):].split("/")]
    if len(parts) < 3 or parts[0] != "images" or any(p in ("", ".", "..") or "/" in p or "\\" in p for p in parts):
        return None
    path = out.joinpath(*parts)
    return path if path.is_file() else None


def info_json(service_id: str, width: int, height: int, sizes: list[tuple[int, int]]) -> dict:
    """The Image API 3 description of a level 0 service: only the listed sizes exist. When the
    largest is smaller than the page (a huge scan), maxWidth/maxHeight say that `max` is that size."""
    info = {"@context": IMAGE_CONTEXT, "id": service_id, "type": "ImageService3",
            "protocol": "http://iiif.io/api/image", "profile": "level0", "width": width, "height": height,
            "sizes": [{"width": w, "height": h} for w, h in sizes]}
    if sizes[0] != (width, height):
        info["maxWidth"], info["maxHeight"] = sizes[0]
    return info


def derivative_sizes(width: int, height: int) -> list[tuple[int, int]]:
    """The largest size first (the page's own, or MAX_SERVED_PIXELS for a huge page), then the
    thumbnail (none when the image is that small already)."""
    largest = served_size(width, height)
    sizes = [largest]
    if largest[0] > THUMBNAIL_WIDTH:
        sizes.append((THUMBNAIL_WIDTH, max(1, round(height * THUMBNAIL_WIDTH / width))))
    return sizes


def size_paths(width: int, height: int, full: bool) -> list[str]:
    """The size segments a client may ask for one listed size: `w,h` (canonical in 3.0), `w,`,
    and `max` for the full size."""
    return ["max", f"{width},{height}", f"{width},"] if full else [f"{width},{height}", f"{width},"]


class DerivativeCache:
    """JPEG derivatives by the SHA-256 of their source, kept between builds and hard-linked into
    the public tree: a re-run draws nothing for an unchanged page (measured: hashing a 1240×1754
    PNG takes ~1 ms, drawing its two JPEGs ~60 ms)."""

    def __init__(self, root: Path):
        self.root = root
        self.used: set[str] = set()
        self.drawn = 0

    def place(self, source: Path, folder: Path) -> tuple[int, int, list[tuple[int, int]]]:
        """Put the derivatives of `source` under `folder` (the image service's folder) and
        return (width, height, sizes)."""
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        key = f"{digest}-{DERIVATIVE_VERSION}"
        self.used.add(key)
        entry = self.root / key
        if not (entry / "sizes.json").is_file():
            self._draw(source, entry)
            self.drawn += 1
        width, height = json.loads((entry / "sizes.json").read_text(encoding="utf-8"))
        sizes = derivative_sizes(width, height)
        wanted = set()
        for n, (w, h) in enumerate(sizes):
            for segment in size_paths(w, h, full=n == 0):
                target = folder / "full" / segment / "0" / "default.jpg"
                _link(entry / f"{w}x{h}.jpg", target)
                wanted.add(segment)
        full = folder / "full"
        for stale in full.iterdir():  # sizes of an earlier version of this page
            if stale.name not in wanted:
                shutil.rmtree(stale)
        return width, height, sizes

    def _draw(self, source: Path, entry: Path) -> None:
        tmp = Path(tempfile.mkdtemp(dir=_made(self.root), prefix=".draw-"))
        try:
            width, height = page_size(source)
            sizes = derivative_sizes(width, height)
            # Upright and 8-bit; a huge JPEG decoded straight at about the largest size drawn.
            image = decode_upright(source, sizes[0])
            for w, h in sizes:
                # reducing_gap: whole-factor shrinking first, so a huge page costs one small copy
                scaled = image if (w, h) == image.size else image.resize((w, h), Image.Resampling.LANCZOS,
                                                                         reducing_gap=3.0)
                scaled.save(tmp / f"{w}x{h}.jpg", "JPEG", quality=JPEG_QUALITY)
            image.close()
            (tmp / "sizes.json").write_text(json.dumps([width, height]), encoding="utf-8")
            shutil.rmtree(entry, ignore_errors=True)
            os.replace(tmp, entry)  # complete or absent: sizes.json is only ever seen with its JPEGs
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def prune(self) -> None:
        """Drop derivatives of pages no public manifest shows any more."""
        if self.root.is_dir():
            for entry in self.root.iterdir():
                if entry.name not in self.used:
                    shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def _made(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _link(source: Path, target: Path) -> None:
    """Make `target` the same file as `source`: a hard link when the disk allows, else a copy;
    either appears under its name only when complete."""
    if target.exists() and os.path.samefile(source, target):
        return
    _made(target.parent)
    tmp = target.parent / f".{target.name}.{os.getpid()}.part"
    try:
        os.link(source, tmp)
    except OSError:  # another file system, or one without hard links
        shutil.copyfile(source, tmp)
    os.replace(tmp, target)


# ---------------------------------------------------------------- Change Discovery 1.0

def activity_uri(base_uri: str, name: str) -> str:
    return f"{base_uri}iiif/{ACTIVITY_DIR}/{name}.json"


def update_changes(out: Path, state_file: Path, base_uri: str, manifests: dict[str, str],
                   when: dt.datetime) -> int:
    """Append Create/Update/Delete activities for the public manifests (id → content hash) that
    changed since the state was written, rewrite the stream, and return how many were added.

    An activity names only the manifest's id and type: a Delete of a record that became
    restricted says that its former public URI is gone, and nothing about the record."""
    state = _read_state(state_file)
    known: dict[str, dict] = state["manifests"]
    end_time = when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    added = []
    for manifest_id in sorted(manifests):
        before = known.get(manifest_id)
        if before is None or before["hash"] != manifests[manifest_id]:
            added.append(_activity("Create" if before is None else "Update", manifest_id, end_time))
            known[manifest_id] = {"hash": manifests[manifest_id], "time": end_time}
    for manifest_id in sorted(set(known) - set(manifests)):
        added.append(_activity("Delete", manifest_id, end_time))
        del known[manifest_id]
    state["activities"].extend(added)
    write_stream(out / ACTIVITY_DIR, state["activities"], base_uri)
    write_json(state_file, state)  # last: a failed run leaves the old state, and the next run redoes it
    return len(added)


def _activity(kind: str, manifest_id: str, end_time: str) -> dict:
    return {"type": kind, "object": {"id": manifest_id, "type": "Manifest"}, "endTime": end_time}


def _read_state(state_file: Path) -> dict:
    if not state_file.is_file():
        return {"manifests": {}, "activities": []}
    state = json.loads(state_file.read_text(encoding="utf-8"))
    return {"manifests": state.get("manifests", {}), "activities": state.get("activities", [])}


def write_stream(folder: Path, activities: list[dict], base_uri: str) -> None:
    """The OrderedCollection and its pages, oldest activity first; the last page holds the newest.
    Full pages never change again, so they are rewritten only when their content differs."""
    n_pages = max(1, -(-len(activities) // ACTIVITIES_PER_PAGE))
    collection_id = activity_uri(base_uri, "all-changes")

    def page_ref(n: int) -> dict:
        return {"id": activity_uri(base_uri, f"page-{n}"), "type": "OrderedCollectionPage"}

    for n in range(n_pages):
        start = n * ACTIVITIES_PER_PAGE
        page = {"@context": DISCOVERY_CONTEXT, **page_ref(n), "startIndex": start,
                "partOf": {"id": collection_id, "type": "OrderedCollection"}}
        if n > 0:
            page["prev"] = page_ref(n - 1)
        if n < n_pages - 1:
            page["next"] = page_ref(n + 1)
        page["orderedItems"] = activities[start:start + ACTIVITIES_PER_PAGE]
        _write_if_changed(folder / f"page-{n}.json", page)
    for stale in folder.glob("page-*.json"):  # only after a state was reset to fewer activities
        if stale.stem.removeprefix("page-").isdigit() and int(stale.stem.removeprefix("page-")) >= n_pages:
            stale.unlink()
    _write_if_changed(folder / "all-changes.json", {
        "@context": DISCOVERY_CONTEXT, "id": collection_id, "type": "OrderedCollection",
        "totalItems": len(activities), "first": page_ref(0), "last": page_ref(n_pages - 1)})

