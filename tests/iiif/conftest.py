"""Fixtures of the IIIF stage tests: a workspace in tmp_path, records, a config, one build.

The suite runs with --import-mode=importlib, so tests take these as fixtures rather than importing them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PIL import Image

from jiyi.config import Config
from jiyi.model import AccessStatus, Record
from jiyi.progress import QUIET
from jiyi.workspace import Workspace

SCHEMA = Path(__file__).resolve().parents[3] / "shared/data/iiif/schema/iiif_3_0.json"
FIXTURES = SCHEMA.parent.parent / "validator-fixtures"
BASE = "https://example.org/jiyi/"

LONG_TEXT = "\n\n".join(
    f"　　第{i}段。一九三五年一月，中央政治局在遵义召开扩大会议，集中解决当时具有决定意义的军事和组织问题。"
    "会议肯定了毛泽东等同志关于红军作战的基本原则，取消了原来的最高军事指挥机构。" for i in range(1, 30))
SECRET_TITLE = "绝密测试题名甲乙丙"



def make_records(ws: Workspace) -> list[Record]:
    """Open records with a long text, an abstract only, scans, no date, nothing to show; restricted ones."""
    scans = ws.sources / "images" / "SC-1950-01"
    scans.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (800, 1100), (200, 190, 170)).save(scans / "0001.jpg", quality=80)
    Image.new("L", (900, 1200), 220).save(scans / "0002.png")
    return [
        Record(id="RA-1921-001", title="遵义会议决议（摘录）", record_set="ra", access=AccessStatus.OPEN,
               date="1935-01-17", date_text="一九三五年一月十七日", creator="中共中央政治局", fonds="中共中央",
               retention="永久", holder="某某档案馆", abstract="遵义会议的决议。", text=LONG_TEXT,
               note="成文日期待核", extra={"英文题名": "Resolution of the Zunyi Conference",
                                      "rights": "https://creativecommons.org/publicdomain/mark/1.0/"}),
        Record(id="RA-1921-002", title="短件", record_set="ra", access=AccessStatus.OPEN, date="",
               abstract="只有摘要，没有全文。"),
        Record(id="MOW-2013-01", title="侨批", record_set="mow", access=AccessStatus.OPEN, date="约民国年间",
               text="家中一切平安，勿念。"),
        Record(id="SC-1950-01", title="有扫描件的档案", record_set="mow", access=AccessStatus.OPEN, date="1950",
               images=["sources/images/SC-1950-01/0001.jpg", "sources/images/SC-1950-01/0002.png",
                       "sources/images/SC-1950-01/missing.png"]),
        Record(id="TXT-empty", title="空记录", record_set="ra", access=AccessStatus.OPEN),
        Record(id="RS-SECRET-9", title=SECRET_TITLE, record_set="ra", access=AccessStatus.RESTRICTED,
               date="1949-10-01", text="控制使用的全文。"),
        Record(id="UR-PENDING-3", title="待审档案", record_set="mow", access=AccessStatus.UNREVIEWED,
               abstract="尚未开放审核。"),
    ]


@pytest.fixture
def schema_path() -> Path:
    if not SCHEMA.is_file():
        pytest.skip(f"the IIIF Presentation 3 JSON Schema is not at {SCHEMA}; "
                    "put shared/data/iiif/schema/ beside the repository")
    return SCHEMA


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "ws")


@pytest.fixture
def config() -> Config:
    return Config(name="t", base_uri=BASE)


@pytest.fixture(name="make_records")
def make_records_fixture():
    return make_records


# The clock of the first build: Change Discovery stamps its activities with it.
BUILT_AT = dt.datetime(2026, 1, 1, 8, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def built(ws: Workspace, config: Config):
    """One build of the stage: (workspace, records, result)."""
    from jiyi.iiif import run

    records = make_records(ws)
    result = run(ws, config, records, QUIET, now=BUILT_AT)
    return ws, records, result
