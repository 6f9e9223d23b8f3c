"""Property tests of IIIF harvest (iiif/harvest.py): any manifest or collection, however malformed,
gives records or located refusals, never an exception; what it keeps is safe to publish.

Everything is read from files with fetch=None: nothing here touches the network.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from jiyi.iiif.harvest import harvest, is_url, record_id
from jiyi.model import AccessStatus
from jiyi.workspace import Workspace

P3 = "http://iiif.io/api/presentation/3/context.json"

# Text as JSON carries it, but without lone surrogates: they cannot be written to a UTF-8 file as
# text, only as a JSON escape, so they are tested on their own below.
words = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
language = st.sampled_from(["zh-Hans", "zh-Hant", "zh", "en", "none", "@none", "fr", "ZH-HANS", ""])
language_map = st.one_of(words, st.dictionaries(language, st.one_of(st.lists(words, max_size=3), words), max_size=3))
image_url = st.sampled_from(["https://images.example.org/p1.jpg", "http://x.example/a.png", "file:///etc/passwd",
                             "javascript:alert(1)", "images/p1.jpg", "", "//x.example/p.jpg"])
size = st.one_of(st.integers(min_value=-5, max_value=10_000), st.none(), st.just("1200"), st.floats(allow_nan=False))


def manifest_id(n: int) -> str:
    return f"https://example.org/iiif/{n}/manifest"


@st.composite
def canvases(draw, base: str) -> list:
    found = []
    for n in range(draw(st.integers(min_value=0, max_value=3))):
        body = {"id": draw(image_url), "type": draw(st.sampled_from(["Image", "Video", "Text", "Choice"])),
                "width": draw(size), "height": draw(size),
                "service": [{"id": draw(image_url), "type": "ImageService3", "profile": "level1"}]}
        if body["type"] == "Choice":
            body["items"] = [{"id": draw(image_url), "type": "Image"}]
        found.append({"id": f"{base}/canvas/{n}", "type": "Canvas", "width": draw(size), "height": draw(size),
                      "label": draw(language_map),
                      "items": [{"id": f"{base}/page/{n}", "type": "AnnotationPage", "items": [
                          {"id": f"{base}/anno/{n}", "type": "Annotation",
                           "motivation": draw(st.sampled_from(["painting", "supplementing", ["painting"]])),
                           "body": body, "target": f"{base}/canvas/{n}"}]}]})
    return found


@st.composite
def manifests(draw, n: int = 1) -> dict:
    base = manifest_id(n).removesuffix("/manifest")
    data = {"@context": draw(st.sampled_from([P3, [P3], "http://iiif.io/api/presentation/2/context.json", None])),
            "id": manifest_id(n), "type": draw(st.sampled_from(["Manifest", "Manifest", "sc:Manifest", "Canvas"])),
            "label": draw(language_map),
            "summary": draw(language_map),
            "metadata": draw(st.lists(st.fixed_dictionaries({"label": language_map, "value": language_map}), max_size=4)),
            "navDate": draw(st.one_of(words, st.datetimes().map(lambda d: d.isoformat() + "Z"))),
            "requiredStatement": {"label": draw(language_map), "value": draw(language_map)},
            "items": draw(canvases(base))}
    return data


def harvest_documents(documents: dict[str, object]):
    """harvest() over a folder holding these documents (file name → JSON value), offline."""
    with tempfile.TemporaryDirectory() as parent:
        folder = Path(parent) / "in"
        folder.mkdir()
        for file_name, document in documents.items():
            (folder / file_name).write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        ws = Workspace(Path(parent) / "ws")
        ws.root.mkdir()
        result = harvest(str(folder), ws, name="fuzz", fetch=None)
        written = result.file.read_text(encoding="utf-8") if result.file else ""
    return result, written


def check_safe(result, written: str) -> None:
    """What harvest keeps: one record per manifest id, titled, with http(s) images of a real size only."""
    for refusal in result.refused:
        assert re.fullmatch(r"E14\d", refusal.code) and refusal.where and refusal.fix
    ids = [record.id for record in result.records]
    assert len(ids) == len(set(ids))
    for record in result.records:
        assert record.id == record_id(record.extra["IIIF manifest"])
        # plain(): one line, no markup left (a lone "<" is text, escaped wherever it is shown)
        assert record.title and "\n" not in record.title and not re.search(r"<[a-zA-Z/][^>]*>", record.title)
        assert record.access is AccessStatus.OPEN  # the status harvest() was asked for (its default, 开放)
        for page in record.remote_images:
            assert is_url(page["body"]["id"])
            assert all(is_url(s.get("id") or s.get("@id")) for s in page["body"].get("service", []))
            assert isinstance(page["width"], int) and page["width"] > 0 and page["height"] > 0
        for part in record.date.split("/") if record.date else []:  # navDate's day, or the metadata date read
            assert re.fullmatch(r"\.\.|-?\d{4}(-\d{2}){0,2}[~?%]?|\d{3}X|\d{2}XX", part), record.date
    assert len(written.splitlines()) == len(result.records)  # each record is one line of the source file


@given(manifests())
@example({"@context": P3, "id": manifest_id(1), "type": "Manifest", "label": {"en": ["<b>a</b>\n<script>x</script>"]}})
def test_generated_manifests_give_a_record_or_a_refusal(data):
    result, written = harvest_documents({"m.json": data})
    check_safe(result, written)
    assert len(result.records) + len(result.refused) >= 1


@given(st.lists(manifests(), min_size=1, max_size=4), st.data())
def test_collections_with_cycles_and_references_never_raise(found, data):
    # Manifests numbered 1..n, listed by collections embedded, by reference, or in a loop.
    documents = {}
    for n, each in enumerate(found, start=1):
        each["id"] = manifest_id(n)
        documents[f"m{n}.json"] = each
    collection = {"@context": P3, "id": "https://example.org/iiif/top", "type": "Collection", "label": {"en": ["top"]},
                  "items": []}
    for n in range(1, len(found) + 1):
        kind = data.draw(st.sampled_from(["reference", "embedded", "self", "missing", "junk"]))
        if kind == "reference":
            collection["items"].append({"id": manifest_id(n), "type": "Manifest"})
        elif kind == "embedded":
            collection["items"].append(found[n - 1])
        elif kind == "self":
            collection["items"].append({"id": collection["id"], "type": "Collection"})
        elif kind == "missing":
            collection["items"].append({"id": "https://example.org/iiif/none", "type": "Manifest"})
        else:
            collection["items"].append(data.draw(st.one_of(st.none(), st.integers(), words)))
    documents["top.json"] = collection
    result, written = harvest_documents(documents)
    check_safe(result, written)


def paths(value, prefix=()):
    """Every place in a JSON document where a value sits, as a tuple of keys and indexes."""
    yield prefix
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from paths(inner, prefix + (key,))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from paths(inner, prefix + (index,))


def replaced(document, path, new):
    if not path:
        return new
    copy = document.copy()
    copy[path[0]] = replaced(document[path[0]], path[1:], new)
    return copy


any_json = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), words),
                        lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(words, inner, max_size=3)),
                        max_leaves=8)
GOOD = {"@context": P3, "id": manifest_id(1), "type": "Manifest", "label": {"zh": ["遵义会议决议"]},
        "items": [{"id": "https://example.org/c/1", "type": "Canvas", "width": 10, "height": 10, "items": [
            {"id": "https://example.org/p/1", "type": "AnnotationPage", "items": [
                {"id": "https://example.org/a/1", "type": "Annotation", "motivation": "painting",
                 "target": "https://example.org/c/1",
                 "body": {"id": "https://example.org/i/1.jpg", "type": "Image", "width": 10, "height": 10}}]}]}]}


PAGE_ITEMS = ("items", 0, "items", 0, "items")  # the annotations of the first canvas's first page


# Fixed bug: _painting_image iterated an AnnotationPage's `items` when it was 5 or null (TypeError).
@given(st.sampled_from(list(paths(GOOD))), any_json)
@example(PAGE_ITEMS, 5)
@example(PAGE_ITEMS, None)
def test_any_mutation_of_a_good_manifest_gives_a_record_or_a_refusal(path, new):
    result, written = harvest_documents({"m.json": replaced(GOOD, path, new)})
    check_safe(result, written)


def test_a_mutation_checks_the_harvest_of_what_it_replaced():
    # the mutation helpers really change the document they are given, and GOOD itself harvests
    assert replaced(GOOD, ("label",), {"en": ["x"]})["label"] == {"en": ["x"]} and GOOD["label"] == {"zh": ["遵义会议决议"]}
    result, written = harvest_documents({"m.json": GOOD})
    assert [r.title for r in result.records] == ["遵义会议决议"] and len(result.records[0].remote_images) == 1


# ---------------------------------------------------------------- bugs fuzzing found, pinned one by one

def raw_harvest(raw: bytes):
    """harvest() over one file holding these bytes, offline."""
    with tempfile.TemporaryDirectory() as parent:
        path = Path(parent) / "m.json"
        path.write_bytes(raw)
        ws = Workspace(Path(parent) / "ws")
        ws.root.mkdir()
        return harvest(str(path), ws, name="fuzz", fetch=None)


def test_deeply_nested_json_is_refused():
    # Fixed bug: json.loads raised RecursionError, and _Harvester.parse caught JSONDecodeError only.
    refusal, = raw_harvest(b"[" * 100_000).refused
    assert refusal.code == "E141" and "not readable JSON" in refusal.message and refusal.where.endswith("m.json")


def test_a_huge_number_is_refused():
    # Fixed bug: a number of over 4,300 digits made json.loads raise a plain ValueError (Python's int
    # string limit), not a JSONDecodeError, and it escaped harvest().
    refusal, = raw_harvest(b'{"type": "Manifest", "width": ' + b"1" * 5000 + b"}").refused
    assert refusal.code == "E141" and "not readable JSON" in refusal.message and "4300 digits" in refusal.message
    assert "set_int_max_str_digits" not in refusal.message


def test_a_child_whose_id_is_no_string_is_refused():
    # Fixed bug: _Harvester.visit_child looked a list or object id up among the ids met: TypeError (unhashable).
    collection = {"@context": P3, "id": "https://example.org/c", "type": "Collection", "label": {"en": ["c"]},
                  "items": [{"id": ["x"], "type": "Manifest"}, {"id": {"a": 1}, "type": "Collection"}]}
    refused = raw_harvest(json.dumps(collection).encode()).refused
    assert [r.code for r in refused] == ["E144", "E144"]
    assert [r.where for r in refused] == ["an item whose id is a list, not a string",
                                          "an item whose id is a dict, not a string"]
    assert all(r.parent == "https://example.org/c" and "no http(s) URL" in r.message for r in refused)


def test_a_lone_surrogate_in_a_label_does_not_stop_the_harvest():
    # Fixed bug: JSON may escape a lone surrogate (\\ud800); harvest kept it in the title and write_jsonl
    # then failed to encode it as UTF-8: UnicodeEncodeError out of harvest(), nothing written.
    manifest = dict(GOOD, id="https://example.org/\udc80/manifest", label={"en": ["\ud800 broken"]},
                    metadata=[{"label": {"en": ["Note \udfff"]}, "value": {"\ud801": ["x"]}}])
    with tempfile.TemporaryDirectory() as parent:
        path = Path(parent) / "m.json"
        path.write_bytes(json.dumps(manifest).encode())  # ensure_ascii: the surrogates travel as escapes
        ws = Workspace(Path(parent) / "ws")
        ws.root.mkdir()
        result = harvest(str(path), ws, name="fuzz", fetch=None)
        written = result.file.read_text(encoding="utf-8") if result.file else ""
    record, = result.records
    assert record.title == "\ufffd broken" and record.extra["Note \ufffd"] == "x"
    assert record.extra["IIIF manifest"] == "https://example.org/\ufffd/manifest"
    assert result.refused == [] and any("4 broken character(s)" in note for note in result.notes)
    assert "\ufffd broken" in written
    check_safe(result, written)
