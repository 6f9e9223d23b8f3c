"""The shipped gazetteer: coordinates and hierarchy, short and historical names, ambiguity reported."""

import subprocess
import sys

import pytest

from helpers import REPO, SHARED
from jiyi.extract.places import GAZETTEER_FILE, Gazetteer, short_name

REGION_CSV = SHARED / "data" / "gazetteer" / "sfyc23_china_region" / "region.csv"


@pytest.fixture(scope="module")
def gazetteer():
    return Gazetteer.load()


def test_zunyi_is_in_guizhou_with_coordinates_and_both_candidates(gazetteer):
    # 遵义 written without suffix may be the city or the county: both are candidates
    assert {p.name for p in gazetteer.lookup("遵义")} == {"遵义市", "遵义县"}
    match = gazetteer.resolve_place("遵义")
    assert match.place.name == "遵义市" and match.place.admin == ("贵州省", "遵义市")
    assert (match.place.latitude, match.place.longitude) == (27.73, 106.92)
    assert match.note.startswith("ambiguous: 2 places named 遵义") and 0.5 <= match.confidence < 0.95


def test_beiping_is_beijing_with_its_old_name_kept(gazetteer):
    match = gazetteer.resolve_place("北平")
    assert match.place.name == "北京市" and "北平" in match.place.alt_labels
    assert match.confidence >= 0.9 and "former name 北平" in match.note
    assert gazetteer.resolve_place("迪化").place.name == "乌鲁木齐市"
    assert gazetteer.resolve_place("保安").place.admin == ("陕西省", "延安市", "志丹县")


def test_places_inside_a_county_get_its_hierarchy(gazetteer):
    place = gazetteer.resolve_place("西柏坡").place
    assert place.name == "西柏坡" and place.admin == ("河北省", "石家庄市", "平山县", "西柏坡")
    assert place.latitude is not None and "平山县" in place.note


def test_province_short_names_only_real_ones(gazetteer):
    assert gazetteer.resolve_place("陕西").place.name == "陕西省"
    assert gazetteer.resolve_place("江西").place.name == "江西省"
    assert gazetteer.resolve_place("广西").place.name == "广西壮族自治区"
    assert gazetteer.lookup("陕") == [] and gazetteer.resolve_place("陕").place is None
    assert short_name("禄劝彝族苗族自治县") == "禄劝" and short_name("富县") == ""


def test_an_ambiguous_name_is_reported_with_candidates_and_context_decides(gazetteer):
    tie = gazetteer.resolve_place("长安")  # 长安区 of 石家庄 and of 西安: nothing to choose by
    assert len(tie.candidates) == 2 and tie.confidence < 0.5 and tie.note.startswith("ambiguous: 2 places named 长安")
    shaanxi = gazetteer.resolve_place("长安", context_province="陕西")
    assert shaanxi.place.admin == ("陕西省", "西安市", "长安区") and shaanxi.confidence > tie.confidence
    # 古田会议 was in 古田镇 of 上杭县, not 古田县: the county named beside it decides
    assert gazetteer.resolve_place("古田", context=("上杭县",)).place.admin[:3] == ("福建省", "龙岩市", "上杭县")


def test_a_province_written_in_front_narrows_the_place(gazetteer):
    assert {p.province for p in gazetteer.lookup("贵州遵义")} == {"贵州省"}


def test_a_place_in_a_real_regulation(gazetteer):
    sentence = "鼓励合理利用红色资源，支持社会各界开展红色文化交流、学术研究和文化创意产品的开发等，提升韶关红色资源的品牌价值。"
    start = sentence.index("韶关")
    match = gazetteer.resolve_place(sentence[start:start + 2])
    assert match.place.admin == ("广东省", "韶关市") and match.confidence >= 0.9


def test_every_historical_row_points_at_one_gazetteer_place(gazetteer):
    # Gazetteer.load raises when a target is missing or not unique; check each name resolves
    for name in gazetteer.historical:
        assert gazetteer.resolve_place(name).place is not None, name


def test_lookups_are_fast(gazetteer):
    import time

    start = time.perf_counter()
    for _ in range(2000):
        gazetteer.resolve_place("遵义")
        gazetteer.resolve_place("北平")
    assert time.perf_counter() - start < 1.0


@pytest.mark.skipif(not REGION_CSV.is_file(), reason="../shared/data/gazetteer is absent (a user's clone)")
def test_the_shipped_gazetteer_is_what_the_tool_makes(tmp_path):
    out = tmp_path / "gazetteer.tsv"
    subprocess.run([sys.executable, str(REPO / "tools" / "make_gazetteer.py"), str(REGION_CSV), str(out)],
                   check=True, capture_output=True)
    assert out.read_bytes() == GAZETTEER_FILE.read_bytes()
    assert "MIT" in GAZETTEER_FILE.read_text(encoding="utf-8").splitlines()[2]
