"""Pages over a workspace of more records than they draw: the timeline spreads its cap over the years and the
item chooser lists the first ones, the entity page draws a share of a person named in every record, and each
says so. Built through the graph stage: the entity page reads the public graph."""

from __future__ import annotations

import re

import pytest

from jiyi.build import build, open_workspace
from jiyi.progress import QUIET

COUNT = 1200


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    root = tmp_path_factory.mktemp("many")
    rows = ["档号,题名,日期,开放状态,摘要"]
    rows += [f"M-{n:05d},第{n}号来函,{1900 + n % 100}-{n % 12 + 1:02d}-01,开放,毛泽东关于档案整理的来函。" for n in range(COUNT)]
    (root / "sources").mkdir()
    (root / "sources" / "catalogue.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (root / "jiyi.toml").write_text(
        '[project]\nname = "many"\n\n[[catalogue]]\nfile = "sources/catalogue.csv"\nrecord_set = "many"\n\n'
        '[catalogue.columns]\nid = "档号"\ntitle = "题名"\ndate = "日期"\naccess = "开放状态"\nabstract = "摘要"\n',
        encoding="utf-8")
    ws, config = open_workspace(root)
    build(ws, config, QUIET, stages=["ingest", "extract", "graph"])
    return ws


def test_the_timeline_draws_its_cap_spread_over_every_year_and_says_so(many, open_page):
    at = open_page("views/timeline.py", workspace=many)
    html = " ".join(m.value for m in at.markdown)
    drawn = re.findall(r"<time>([^<]+)</time>", html)
    assert 0 < len(drawn) <= 300 < COUNT
    years = {int(d[:4]) for d in drawn}
    assert min(years) <= 1903 and max(years) >= 1996  # spread over the century, not its first 300 records
    assert str(COUNT) in " ".join(i.value for i in at.info)  # "showing N of 1200"
    assert len(at.get("page_link")) == len(drawn)


def test_the_item_chooser_lists_the_first_records_and_still_opens_any_by_url(many, open_page):
    at = open_page("views/item.py", workspace=many, id=f"M-{COUNT - 1:05d}")
    assert at.title[0].value == f"第{COUNT - 1}号来函"
    (chooser,) = [s for s in at.selectbox if s.key == "item_id"]
    assert len(chooser.options) == 1001 and chooser.value == f"M-{COUNT - 1:05d}"  # the first 1,000 and the one asked for
    assert any(str(COUNT) in c.value for c in at.caption)  # "the first 1000 of 1200"


def test_the_entity_page_draws_a_share_of_a_person_named_in_every_record(many, open_page):
    at = open_page("views/entity.py", workspace=many)  # the chooser's first entity: the one most records name
    assert at.title[0].value == "毛泽东"
    html = " ".join(m.value for m in at.markdown)
    assert 0 < len(re.findall(r"<time>([^<]+)</time>", html)) <= 300
    captions = " ".join(c.value for c in at.caption)
    assert str(COUNT) in captions  # the timeline's "300 of 1200" and the provenance table's "500 of 1200"
    (table,) = [frame.value for frame in at.dataframe]
    assert len(table) == 500
    assert len(at.get("page_link")) >= 50  # one page of record links (and the neighbours')
