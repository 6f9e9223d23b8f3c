"""The `jiyi` command as users run it: a real process, real files, exit codes that mean something."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib

JIYI = str(Path(sys.executable).parent / "jiyi")


def jiyi(*args, cwd=None):
    return subprocess.run([JIYI, *args], capture_output=True, text=True, cwd=cwd, timeout=600)


def test_help_explains_every_command():
    result = jiyi("--help")
    assert result.returncode == 0
    for command in ("init", "build", "ingest", "ocr", "extract", "graph", "iiif", "exhibits", "demo", "app"):
        assert command in result.stdout


def test_a_missing_workspace_is_exit_2_with_a_fix(tmp_path):
    result = jiyi("build", "--workspace", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert "no such workspace folder" in result.stderr and "jiyi init" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_config_is_exit_2_naming_file_and_line(tmp_path):
    assert jiyi("init", str(tmp_path / "ws")).returncode == 0
    config = tmp_path / "ws" / "jiyi.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("render_facsimiles = true", "render_facsimile = true"),
                      encoding="utf-8")
    line = next(n for n, text in enumerate(config.read_text(encoding="utf-8").splitlines(), 1) if "render_facsimile " in text)
    result = jiyi("build", "-w", str(tmp_path / "ws"), "-q")
    assert result.returncode == 2
    assert f"{config}:{line}: unknown key `render_facsimile`" in result.stderr
    assert "did you mean `render_facsimiles`" in result.stderr


def test_dropped_rows_are_reported_and_the_rest_is_built(tmp_path):
    assert jiyi("init", str(tmp_path / "ws")).returncode == 0
    catalogue = tmp_path / "ws" / "sources" / "catalogue.csv"
    with open(catalogue, "a", encoding="utf-8") as out:
        out.write(",无档号,某单位,1949,示例全宗,永久,开放,\nDEMO-0003,坏日期,某单位,民国三十八年十三月,示例全宗,永久,开放,\n")
    result = jiyi("build", "-w", str(tmp_path / "ws"), "-q")
    assert result.returncode == 1
    assert "E104 sources/catalogue.csv:3" in result.stderr
    assert "E106 sources/catalogue.csv:4" in result.stderr and "no month 13" in result.stderr
    assert "2 dropped" in result.stdout
    assert (tmp_path / "ws" / "build" / "public" / "iiif" / "DEMO-0001" / "manifest.json").is_file()


def test_many_problems_of_one_kind_print_twenty_and_a_count(tmp_path):
    """30 rows without an id: 20 located lines, one line counting the rest; the problems file keeps all 30."""
    assert jiyi("init", str(tmp_path / "ws")).returncode == 0
    catalogue = tmp_path / "ws" / "sources" / "catalogue.csv"
    with open(catalogue, "a", encoding="utf-8") as out:
        out.writelines(f",无档号{n},某单位,1949,示例全宗,永久,开放,\n" for n in range(30))
    result = jiyi("ingest", "-w", str(tmp_path / "ws"), "-q")
    assert result.returncode == 1
    located = [line for line in result.stderr.splitlines() if line.startswith("dropped: E104 ")]
    assert len(located) == 20 and "E104 sources/catalogue.csv:3:" in located[0]
    assert "… and 10 more E104 like those above (30 in all)" in result.stderr
    kept = (tmp_path / "ws" / "build" / "internal" / "problems" / "ingest.jsonl").read_text(encoding="utf-8")
    assert sorted(json.loads(line)["where"]["line"] for line in kept.splitlines()
                  if json.loads(line)["code"] == "E104") == list(range(3, 33))


def test_a_stage_needs_the_one_before_it(tmp_path):
    assert jiyi("init", str(tmp_path / "ws")).returncode == 0
    result = jiyi("extract", "-w", str(tmp_path / "ws"))
    assert result.returncode == 1 and "run `jiyi ingest" in result.stderr


def test_demo_builds_end_to_end_with_no_server(tmp_path):
    workspace = tmp_path / "demo"
    result = jiyi("demo", "--workspace", str(workspace), "-q")
    assert result.returncode == 0, result.stderr
    summary = next(line for line in result.stdout.splitlines() if line.startswith("Built:"))
    counts = json.loads((workspace / "build" / "internal" / "summary.json").read_text(encoding="utf-8"))["counts"]
    for name in ("records", "entities", "triples", "manifests", "exhibits"):
        assert counts[name] > 0 and f"{counts[name]:,} {name}" in summary
    public = workspace / "build" / "public"
    assert list((public / "iiif").rglob("manifest.json"))
    for turtle in (public / "graph").glob("*.ttl"):
        assert len(rdflib.Graph().parse(turtle, format="turtle")) > 100
    assert (public / "exhibits" / "long-march.json").is_file()


def test_app_serves_the_built_demo(built_demo):
    import socket
    import time
    import urllib.request

    ws, _ = built_demo
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([JIYI, "app", "-w", str(ws.root), "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, health = time.monotonic() + 90, ""
        while time.monotonic() < deadline and health != "ok":
            try:
                health = urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=2).read().decode()
            except OSError:
                time.sleep(0.5)
        assert health == "ok"
        page = urllib.request.urlopen(f"http://localhost:{port}/", timeout=10).read().decode()
        assert "<noscript>" in page  # Streamlit's shell; the pages themselves are covered by AppTest
    finally:
        server.terminate()
        server.wait(timeout=30)
    with pytest.raises(OSError):  # stopping `jiyi app` stopped the server: nothing is left listening
        urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=2)


def test_app_refuses_an_unbuilt_workspace(tmp_path):
    assert jiyi("init", str(tmp_path / "ws")).returncode == 0
    result = jiyi("app", "-w", str(tmp_path / "ws"))
    assert result.returncode == 1 and "not built yet" in result.stderr


def test_bench_ner_prints_both_speeds_and_their_ratio():
    import pytest

    from helpers import SHARED

    if not (SHARED / "data" / "ner" / "peoples_daily_dev.bio.txt").is_file():
        pytest.skip("the People's Daily corpus sits in ../shared beside the checkout")
    result = jiyi("bench", "ner", "--chars", "20000")
    assert result.returncode == 0, result.stderr
    lines = {line.split(":")[0].strip(): line for line in result.stdout.splitlines()}
    assert "chars/s" in lines["ner"] and "chars/s" in lines["posseg"]
    assert float(lines["ratio ner/posseg"].split(":")[1]) > 0
    assert "MiB" in lines["peak traced memory"]
