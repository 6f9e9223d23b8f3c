"""Manifests and collections from records, checked field by field and against the schema."""

from __future__ import annotations

import datetime as dt

import pytest

from jiyi.iiif.manifests import collection_for, manifest_for, nav_date, top_collection
from jiyi.iiif.validate import validate_iiif
from jiyi.model import AccessStatus, Record

BASE = "https://example.org/jiyi/"


@pytest.mark.parametrize("date, expected", [
    ("1935-01-17", "1935-01-17"), ("1921-07", "1921-07-01"), ("1921", "1921-01-01"),
    ("1997/2003", "1997-01-01"), ("1921-21", "1921-01-01"), ("1935-02-30", "1935-02-01"),
    ("", None), ("约民国年间", None), ("民国二十四年", None), ("19xx", None), ("0000", None),
])
def test_nav_date(date, expected):
    when = nav_date(date)
    if expected is None:
        assert when is None
    else:
        assert when.tzinfo is dt.timezone.utc and when.date().isoformat() == expected


def test_ids_are_percent_encoded(schema_path):
    record = Record(id="TXT-遵义 会议#1", title="题", record_set="t", access=AccessStatus.OPEN)
    manifest = manifest_for(record, [("images/TXT-遵义 会议#1/p001.png", 10, 20)], BASE, facsimile=True)
    assert manifest["id"] == f"{BASE}iiif/TXT-%E9%81%B5%E4%B9%89%20%E4%BC%9A%E8%AE%AE%231/manifest.json"
    body = manifest["items"][0]["items"][0]["items"][0]["body"]
    assert body["id"] == f"{BASE}iiif/images/TXT-%E9%81%B5%E4%B9%89%20%E4%BC%9A%E8%AE%AE%231/p001.png"
    assert validate_iiif(manifest, schema_path) == []


def test_minimal_record_has_no_empty_values(schema_path):
    record = Record(id="X-1", title="", record_set="t")
    manifest = manifest_for(record, [("images/X-1/a.jpg", 5, 5)], BASE, facsimile=False)
    assert manifest["label"] == {"none": ["X-1"]}  # a reference code is in no language
    assert [pair["label"]["en"] for pair in manifest["metadata"]] == [["Reference code"]]
    assert "summary" not in manifest and "navDate" not in manifest and "rights" not in manifest
    assert "seeAlso" not in manifest  # not open: the graph writes no public RDF for it
    assert validate_iiif(manifest, schema_path) == []


def test_rights_only_when_the_schema_accepts_them():
    def rights(value):
        record = Record(id="X", title="t", record_set="t", extra={"rights": value})
        return manifest_for(record, [("images/X/a.png", 1, 1)], BASE, False).get("rights")

    assert rights("http://creativecommons.org/licenses/by/4.0/") == "http://creativecommons.org/licenses/by/4.0/"
    assert rights("https://rightsstatements.org/vocab/InC/1.0/") == "http://rightsstatements.org/vocab/InC/1.0/"
    assert rights("版权归某馆所有") is None
    assert rights("https://en.wikipedia.org/wiki/License") is None


def test_a_thousand_item_collection_is_whole_and_valid(schema_path):
    # Its speed is measured in `jiyi bench iiif`, not asserted here.
    manifests = [{"id": f"{BASE}iiif/R-{i}/manifest.json", "label": {"zh-Hans": [f"件{i}"]}} for i in range(1000)]
    collection = collection_for("big", "大", "Big", manifests, BASE)
    assert len(collection["items"]) == 1000 and collection["label"] == {"zh-Hans": ["大"], "en": ["Big"]}
    top = top_collection([collection], BASE, "测试")
    assert top["items"] == [{"id": f"{BASE}iiif/collection/big.json", "type": "Collection",
                             "label": {"zh-Hans": ["大"], "en": ["Big"]}}]
    assert validate_iiif(collection, schema_path) == [] and validate_iiif(top, schema_path) == []
