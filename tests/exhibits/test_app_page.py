"""The app's exhibit page shows the new blocks: text, images of item and gallery blocks, Jiyi's drawn HTML."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

MAIN = Path(__file__).resolve().parents[2] / "apps" / "main.py"


def long_march_page(built_demo, monkeypatch) -> AppTest:
    """The demo's Long March exhibit in the public app, as AppTest has run it."""
    ws, _ = built_demo
    monkeypatch.setenv("JIYI_WORKSPACE", str(ws.root))
    monkeypatch.setenv("JIYI_APP_PUBLIC", "1")  # the public site: no sign-in
    at = AppTest.from_file(str(MAIN), default_timeout=60)
    at.session_state["lang"] = "zh"
    at.run()
    at.switch_page("views/exhibit.py")
    at.query_params["exhibit"] = "long-march"
    at.run()
    return at


def test_the_exhibit_page_renders_each_block(built_demo, monkeypatch):
    at = long_march_page(built_demo, monkeypatch)
    assert not at.exception, [e.value for e in at.exception]
    drawn = " ".join(m.value for m in at.markdown)  # ui.drawn: Markdown keeps SVG, st.html does not
    for mark in ('class="quote"', 'class="timeline"', 'svg class="map"', 'svg class="graph"', 'class="question"'):
        assert mark in drawn, mark
    texts = " ".join(m.value for m in at.markdown)
    assert 'href="#entity-' in texts and "<script" not in texts
    captions = [img.caption for element in at.get("image") for img in element.proto.imgs]
    assert any("RA-1934-001" in c for c in captions)  # the item block's region, beside the cards' pages


def test_an_exhibit_item_opens_in_the_iiif_viewer_on_request(built_demo, monkeypatch):
    at = long_march_page(built_demo, monkeypatch)
    toggles = [toggle for toggle in at.toggle if toggle.key.startswith("viewer_")]
    assert toggles and not at.get("iframe")  # no viewer until a reader asks
    record_id = toggles[0].key.rsplit("_", 1)[-1]
    toggles[0].set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    (frame,) = at.get("iframe")
    assert "/viewer/?manifest=" in frame.proto.src and record_id in frame.proto.src
