"""Streamlit entry of the Jiyi app: finds the workspace, offers 中文/English, signs staff in, routes to the pages.

Public (`jiyi app --public`): the exhibition pages over build/public. Staff (plain `jiyi app`): the same
pages after signing in, plus the console for researchers and curators and the review queue for curators (apps/auth.py says how roles decide).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from jiyi.apps import auth, data, ui
from jiyi.apps.i18n import LANG_KEY, LANGUAGES, t

# A file shipped with the app: a :material/…: page icon makes Streamlit fetch it from Google's font CDN.
st.set_page_config(page_title="记忆 Jiyi", page_icon=str(Path(__file__).with_name("favicon.png")), layout="wide")

root = data.workspace_root()
if root is None:
    st.error(t("no_workspace"))
    st.info(t("no_workspace_fix"))
    st.stop()
if not data.public_path("records.jsonl").is_file():
    st.error(t("not_built", path=root))
    st.info(t("not_built_fix", path=root))
    st.stop()
# Pages read the workspace from session state, so a run never mixes two workspaces.
st.session_state[data.STATE_KEY] = str(root)

st.session_state.setdefault(LANG_KEY, "zh")
st.sidebar.radio(t("language"), list(LANGUAGES), key=LANG_KEY, format_func=LANGUAGES.get, horizontal=True)
user = None
if not auth.public_mode():
    user = auth.sign_in(data.workspace())
    if user is None:
        st.stop()

pages = [
    st.Page(ui.HOME, title=t("nav_home"), icon=":material/home:", url_path="home", default=True),
    st.Page(ui.EXHIBIT, title=t("nav_exhibit"), icon=":material/museum:", url_path="exhibit"),
    st.Page(ui.ITEM, title=t("nav_item"), icon=":material/description:", url_path="item"),
    st.Page(ui.SEARCH, title=t("nav_search"), icon=":material/search:", url_path="search"),
    st.Page(ui.ENTITY, title=t("nav_entity"), icon=":material/person_search:", url_path="entity"),
    st.Page(ui.TIMELINE, title=t("nav_timeline"), icon=":material/timeline:", url_path="timeline"),
    st.Page(ui.MAP, title=t("nav_map"), icon=":material/map:", url_path="map"),
    st.Page(ui.GRAPH, title=t("nav_graph"), icon=":material/hub:", url_path="graph"),
]
if user is not None:  # researchers and curators
    pages.append(st.Page(ui.CONSOLE, title=t("nav_console"), icon=":material/terminal:", url_path="console"))
    if user.is_curator:
        pages.append(st.Page(ui.REVIEW, title=t("nav_review"), icon=":material/fact_check:", url_path="review"))
st.navigation(pages).run()
