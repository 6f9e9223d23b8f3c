"""A corpus of XSS payloads in exhibit Markdown, captions and questions: none may run or leave the page.

tests/exhibits/test_outputs.py publishes one hostile page end to end; this goes through the renderer
payload by payload (OWASP's filter-evasion list, shortened, and Markdown's own ways to make links),
so a failure names the payload. The HTML is read back with a real HTML tokenizer, as a browser would.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from jiyi.build import open_workspace
from jiyi.exhibits import blocks as b
from jiyi.exhibits.build_data import BuildData, load_records
from jiyi.exhibits.render_html import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, Assets, markdown_html, render_block

PAYLOADS = [
    "<script>alert(1)</script>", "<SCRIPT SRC=//evil.example/x.js></SCRIPT>", "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)>", "<img src=x:alert(alt) onerror=eval(src) alt=0>", "<IMG SRC=JaVaScRiPt:alert(1)>",
    "<svg onload=alert(1)>", "<svg><script>alert(1)</script></svg>", "<body onload=alert(1)>",
    "<iframe src=\"https://evil.example/\"></iframe>", "<iframe srcdoc=\"<script>alert(1)</script>\">",
    "<object data=\"javascript:alert(1)\">", "<embed src=\"javascript:alert(1)\">",
    "<form action=\"javascript:alert(1)\"><button>x</button></form>", "<input autofocus onfocus=alert(1)>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">", "<base href=\"javascript:alert(1)//\">",
    "<link rel=stylesheet href=\"https://evil.example/x.css\">", "<style>@import 'https://evil.example/x.css';</style>",
    "<p style=\"background:url(javascript:alert(1))\">x</p>", "<div onmouseover=\"alert(1)\">hover</div>",
    "<a href=\"javascript:alert(1)\">a</a>", "<a href=\"JAVASCRIPT:alert(1)\">a</a>", "<a href=\" javascript:alert(1)\">a</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">a</a>", "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">a</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">a</a>", "<a href=\"vbscript:msgbox(1)\">a</a>",
    "<a href=\"https://evil.example/\">a</a>", "<a href=\"//evil.example/\">a</a>", "<a href=\"#ok\" onclick=\"alert(1)\">a</a>",
    "[a](javascript:alert(1))", "[a](JaVaScRiPt:alert(1))", "[a](javascript&#58;alert(1))", "[a](<javascript:alert(1)>)",
    "[a](data:text/html,<script>alert(1)</script>)", "[a](https://evil.example/ \"t\")", "<javascript:alert(1)>",
    "<https://evil.example/>", "[ref]\n\n[ref]: javascript:alert(1)", "![i](javascript:alert(1))",
    "![i](https://evil.example/x.png)", "![i](../../sources/catalogue.csv)", "![i](/etc/passwd)",
    "<details open ontoggle=alert(1)>x</details>", "<video><source onerror=alert(1)></video>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<!--><img src=x onerror=alert(1)>-->", "<svg><a xlink:href=\"javascript:alert(1)\"><text y=20>x</text></a></svg>",
    "<div>\n[a](javascript:alert(1))\n</div>", "<table><tr><td background=\"javascript:alert(1)\">x</td></tr></table>",
    "[[毛泽东|<img src=x onerror=alert(1)>]]", "[[<script>alert(1)</script>]]",
]
# nh3 (ammonia) keeps these on any tag unless told otherwise; neither can run or fetch anything.
GENERIC_ATTRIBUTES = {"lang", "title"}


class Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))

    handle_startendtag = handle_starttag


def what_is_unsafe(fragment: str) -> list[str]:
    """Tags and attributes off the allow-list, handlers, and addresses that leave the page or run script."""
    parser = Tags()
    parser.feed(fragment)
    parser.close()
    unsafe = []
    for tag, attrs in parser.found:
        if tag not in ALLOWED_TAGS and tag not in {"div", "p", "figure", "figcaption", "img", "blockquote",
                                                   "footer", "aside", "h4", "a"}:  # the renderer's own frames
            unsafe.append(f"<{tag}>")
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") or name in {"style", "srcdoc", "background", "formaction", "xlink:href"}:
                unsafe.append(f"<{tag} {name}>")
            elif name == "href" and not (value.startswith("#") or tag == "a" and value.startswith(("entity?", "item?"))):
                unsafe.append(f"href={value!r}")
            elif name == "src" and (":" in value or value.startswith("/") or ".." in value):
                unsafe.append(f"src={value!r}")
            elif tag in ALLOWED_ATTRIBUTES and name not in ALLOWED_ATTRIBUTES[tag] | GENERIC_ATTRIBUTES | {"class", "id", "alt"}:
                unsafe.append(f"<{tag} {name}>")
    return unsafe


@pytest.fixture(scope="module")
def data(small_ws):
    ws, config = open_workspace(small_ws.root)
    return BuildData(ws, config, load_records(ws))


def test_the_checker_catches_each_kind_of_danger():
    assert what_is_unsafe("<script>x</script>") == ["<script>"]
    assert what_is_unsafe('<img src="x" onerror="y">') == ["<img onerror>"]
    assert what_is_unsafe('<a href="javascript:x">a</a>') == ["href='javascript:x'"]
    assert what_is_unsafe('<img src="https://evil.example/x.png">') == ["src='https://evil.example/x.png'"]
    assert what_is_unsafe('<p><a href="#entity-1" title="x">a</a></p>') == []


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_payload_in_markdown_renders_harmless(data, small_ws, payload, lang):
    html = markdown_html(f"遵义会议。\n\n{payload}\n\n毛泽东。", data, Assets(small_ws.exhibits_dir / "x"), lang)
    assert what_is_unsafe(html) == [], html
    # the educator's words before it stay (after it, an unclosed <style> or <script> may swallow them)
    assert "遵义会议" in html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_payload_in_a_caption_or_a_question_renders_harmless(data, small_ws, payload):
    assets = Assets(small_ws.exhibits_dir / "x")
    rendered = [render_block(b.Item(line=1, record_id="A-1", caption=payload), data, assets, "zh"),
                render_block(b.Question(line=1, markdown=payload), data, assets, "en"),
                render_block(b.Gallery(line=1, record_ids=["A-1", "A-2"], caption=payload), data, assets, "zh")]
    assert all(block is not None for block in rendered)  # the open records are shown: the test sees real output
    for block in rendered:
        assert what_is_unsafe(block["html"]) == [], (block["kind"], block["html"])
