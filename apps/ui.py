"""Small widgets the pages share: links between pages and a picker kept in the URL."""

from __future__ import annotations

import re
from typing import Callable

import streamlit as st

from jiyi.model import Record

# Page files relative to main.py; st.page_link and st.switch_page resolve them the same way.
HOME, EXHIBIT, ITEM, GRAPH = "views/home.py", "views/exhibit.py", "views/item.py", "views/graph_explorer.py"
ENTITY = "views/entity.py"
TIMELINE, MAP = "views/timeline.py", "views/map.py"
SEARCH = "views/search.py"  # the themed databases (jiyi.search)
CONSOLE, REVIEW = "views/console.py", "views/review.py"  # staff only (apps/auth.py)


def record_link(record: Record, label: str | None = None) -> None:
    st.page_link(ITEM, label=label or f"{record.id} — {record.title}", query_params={"id": record.id})


def url_select(label: str, options: list[str], key: str, param: str, format_func: Callable[[str], str]) -> str:
    """A selectbox whose choice lives in the query parameter `param`, so a URL names what it shows.

    The URL wins when it names a known option (a link from another page, a shared URL);
    a choice made in the box is written back to the URL by the callback, before the
    rerun, so the old URL value cannot undo it.
    """
    wanted = st.query_params.get(param)
    if wanted in options and st.session_state.get(key) != wanted:
        st.session_state[key] = wanted
    elif st.session_state.get(key) not in options:
        st.session_state[key] = options[0]

    def to_url() -> None:
        st.query_params[param] = st.session_state[key]

    choice = st.selectbox(label, options, key=key, format_func=format_func, on_change=to_url)
    if st.query_params.get(param) != choice:
        st.query_params[param] = choice
    return choice


SENTENCE_END = re.compile(r"[。！？；!?;\n]")


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence of `text` holding [start, end): from the previous sentence end to the next."""
    before = [m.end() for m in SENTENCE_END.finditer(text, 0, start)]
    after = SENTENCE_END.search(text, end)
    return text[before[-1] if before else 0: after.end() if after else len(text)].strip()


def highlighted(text: str, spans: list[tuple[int, int, str]]) -> str:
    """`text` as escaped HTML with each (start, end, entity URI) span a link to that entity's page.

    Overlapping spans keep the first; offsets outside the text are ignored. Everything else is
    escaped, so a transcription can never inject markup.
    """
    from html import escape
    from urllib.parse import quote

    parts, position = [], 0
    for start, end, uri in sorted(spans):
        if start < position or not 0 <= start < end <= len(text):
            continue
        parts.append(escape(text[position:start]))
        parts.append(f'<a class="jiyi-mention" href="entity?uri={quote(uri, safe="")}" target="_self">'
                     f'{escape(text[start:end])}</a>')
        position = end
    parts.append(escape(text[position:]))
    return '<div style="white-space: pre-wrap; line-height: 1.8">' + "".join(parts) + "</div>"


def drawn(html: str) -> None:
    """Show HTML Jiyi made itself (values escaped when it was made), SVG drawings included.

    Not st.html: its sanitiser removes <svg>, so maps and graph slices vanished in browsers
    (AppTest still saw them; tests/apps/test_browser_walk.py did not). Markdown with HTML
    allowed keeps them; the HTML is one block without blank lines, so Markdown passes it through.
    """
    st.markdown(html, unsafe_allow_html=True)
