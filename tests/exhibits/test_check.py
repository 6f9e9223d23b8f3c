"""`jiyi exhibits check`: every mistake located at its file and line, with a fix; refused input never published."""

import subprocess
import sys

import pytest

from jiyi.config import load_config
from jiyi.exhibits.build_data import BuildData, load_records
from jiyi.exhibits.check import check_exhibit

YAML = """id: first
title: {zh: 第一个展览, en: A first exhibit}
sections:
  - heading: {zh: 开端, en: Beginnings}
    markdown: {zh: 01.zh.md, en: 01.en.md}
    items:
      - record: A-1
"""


def write(folder, page_zh, page_en="Nothing.\n", yaml_text=YAML):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "exhibit.yaml").write_text(yaml_text, encoding="utf-8")
    (folder / "01.zh.md").write_text(page_zh, encoding="utf-8")
    (folder / "01.en.md").write_text(page_en, encoding="utf-8")
    return folder


def problems(ws, folder) -> list[tuple[str, str, str]]:
    data = BuildData(ws, load_config(ws.config_file), load_records(ws))
    return [(p.code, str(p.where), p.message) for p in check_exhibit(folder, ws.relative(folder), data).problems]


def test_a_good_exhibit_has_no_problems(small_ws, exhibit_dir):
    folder = write(exhibit_dir / "first", "# 开端\n\n[[毛泽东]]在[[遵义市|遵义]]。\n\n::: item A-1 xywh=0,0,1240,600\n局部\n:::\n"
                   "\n::: quote A-1 chars=0-7\n:::\n\n::: map from=A-1,A-2\n:::\n\n::: graph 毛泽东\n:::\n"
                   "\n::: timeline records=A-1,A-2\n:::\n\n::: gallery A-1, A-2\n:::\n")
    assert problems(small_ws, folder) == []


def test_unknown_and_restricted_records_bad_regions_and_entities_are_located(small_ws, exhibit_dir):
    page = "\n".join([
        "# 开端",                                       # 1
        "",                                             # 2
        "::: item NOPE-9",                              # 3 unknown record
        ":::",                                          # 4
        "::: item S-1",                                 # 5 restricted: refused
        ":::",                                          # 6
        "::: item A-1 xywh=1000,100,500,500",           # 7 outside the 1240-pixel page
        ":::",                                          # 8
        "::: item A-1 canvas=5",                        # 9 no such page
        ":::",                                          # 10
        "[[无名氏]] and [[方志敏]]",                     # 11 unknown; known only from a restricted record
        "::: quote A-1 chars=0-9999",                   # 12 past the end
        ":::",                                          # 13
    ])
    found = problems(small_ws, write(exhibit_dir / "first", page))
    where = "exhibits/first/01.zh.md"
    assert [(code, place) for code, place, _ in found] == [
        ("W506", f"{where}:3"), ("E507", f"{where}:5"), ("E508", f"{where}:7"), ("E508", f"{where}:9"),
        ("W513", f"{where}:12"), ("W509", f"{where}:11"), ("W510", f"{where}:11")]
    messages = {place: message for _, place, message in found}
    assert "open status is restricted" in messages[f"{where}:5"]  # the reason it is refused
    assert "1240×" in messages[f"{where}:7"]


def test_a_restricted_item_in_the_yaml_is_refused_with_its_line(small_ws, exhibit_dir):
    folder = write(exhibit_dir / "first", "text\n", yaml_text=YAML + "      - record: S-1\n")
    assert problems(small_ws, folder) == [
        ("E507", "exhibits/first/exhibit.yaml:8", "S-1 is refused in a public exhibit: its open status is restricted "
         "(only 开放 records may be public); left out")]


def test_an_internal_exhibit_may_show_restricted_records(small_ws, exhibit_dir):
    folder = write(exhibit_dir / "first", "::: item S-1\n:::\n", yaml_text=YAML + "      - record: S-1\nvisibility: internal\n")
    assert problems(small_ws, folder) == []


@pytest.mark.parametrize("yaml_text, line, words", [
    (YAML.replace("sections:", "sections: !!python/object:os.system"), 3, "YAML tag"),
    (YAML + "extra: !custom x\n", 8, "YAML tag"),
    ('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
     'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n', 1, "anchor or alias"),
    (YAML.replace("  - heading:", "  - heading: [unclosed"), 4, "not valid YAML"),
    (YAML.replace("01.zh.md", "../../jiyi.toml"), 5, "outside the exhibit's folder"),
    (YAML.replace("id: first", "id: ../evil"), 1, "cannot name a web address"),
])
def test_bad_yaml_is_refused_with_its_line(small_ws, exhibit_dir, yaml_text, line, words):
    found = problems(small_ws, write(exhibit_dir / "first", "text\n", yaml_text=yaml_text))
    assert len(found) == 1
    code, place, message = found[0]
    assert code in ("E502", "E503") and place == f"exhibits/first/exhibit.yaml:{line}" and words in message


def test_images_outside_the_folder_are_refused(small_ws, exhibit_dir):
    folder = write(exhibit_dir / "first", "![a](../../sources/catalogue.csv)\n![b](/etc/passwd)\n"
                   "![c](https://example.com/x.png)\n![d](photo.png)\n")
    (folder / "photo.png").write_bytes((small_ws.public_iiif_dir / "images" / "A-1" / "p001.png").read_bytes())
    found = problems(small_ws, folder)
    assert [(code, place) for code, place, _ in found] == [
        ("E511", "exhibits/first/01.zh.md:1"), ("E511", "exhibits/first/01.zh.md:2"), ("E511", "exhibits/first/01.zh.md:3")]


def run_jiyi(*args):
    return subprocess.run([sys.executable, "-m", "jiyi.cli", *args], capture_output=True, text=True, timeout=300)


def test_the_check_command_prints_file_line_what_and_fix_and_exits_1(small_ws, exhibit_dir):
    write(exhibit_dir / "first", "::: item S-1\n:::\n")
    result = run_jiyi("exhibits", "check", "-w", str(small_ws.root))
    assert result.returncode == 1, result.stderr
    line = result.stdout.splitlines()[0]
    assert line.startswith("exhibits/first/01.zh.md:1: E507 S-1 is refused") and " — remove it" in line


def test_a_new_exhibit_is_scaffolded_and_passes_check(small_ws, exhibit_dir):
    made = run_jiyi("exhibits", "new", "my-exhibit", "-w", str(small_ws.root))
    assert made.returncode == 0, made.stdout + made.stderr
    assert (exhibit_dir / "my-exhibit" / "exhibit.yaml").read_text(encoding="utf-8").count("id: my-exhibit") == 1
    checked = run_jiyi("exhibits", "check", "my-exhibit", "-w", str(small_ws.root))
    assert checked.returncode == 0 and "0 problem(s)" in checked.stdout, checked.stdout
    again = run_jiyi("exhibits", "new", "my-exhibit", "-w", str(small_ws.root))
    assert again.returncode == 1 and "already exists" in again.stderr


def test_a_page_that_is_not_utf8_is_located(small_ws, exhibit_dir):
    folder = write(exhibit_dir / "first", "text\n")
    (folder / "01.zh.md").write_bytes("第一行\n".encode("utf-8") + "长征".encode("gb18030"))
    assert problems(small_ws, folder) == [("E502", "exhibits/first/01.zh.md:2", "not UTF-8 text")]
