"""Full-text documents become records with stable ids, titles and dates from their names."""

from jiyi.config import TextSource
from jiyi.ingest.texts import read_texts, text_record_id


def test_markdown_and_text_files_become_records(tmp_path):
    (tmp_path / "档案法(2020-06-20).md").write_text("# 中华人民共和国档案法\n\n第一条 为了加强档案管理……", encoding="utf-8")
    (tmp_path / "笔记.txt").write_bytes("\ufeff没有标题的笔记".encode("utf-8"))
    (tmp_path / "旧文件.txt").write_bytes("旧编码的文件".encode("gbk"))  # detected, not refused
    (tmp_path / "坏文件.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    source = TextSource(dir="t", record_set="laws", id_prefix="LAW", access="开放")
    records, problems = read_texts(tmp_path, source, "t")
    by_title = {r.title: r for r in records}
    law = by_title["中华人民共和国档案法"]
    assert law.date == "2020-06-20" and law.id == text_record_id("LAW", "档案法(2020-06-20).md")
    assert law.is_public and law.text.startswith("# 中华人民共和国档案法")
    assert by_title["笔记"].text == "没有标题的笔记"  # BOM stripped
    assert by_title["旧文件"].text == "旧编码的文件" and by_title["旧文件"].extra["编码"] == "gb18030"
    assert "编码" not in law.extra  # UTF-8 goes unremarked
    assert [(p.code, p.where.file) for p in problems] == [("E113", "t/坏文件.txt")]


def test_ids_are_stable_and_distinct():
    assert text_record_id("LAW", "a.md") == text_record_id("LAW", "a.md")
    assert text_record_id("LAW", "a.md") != text_record_id("LAW", "b.md")
