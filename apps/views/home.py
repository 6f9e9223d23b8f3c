"""Home page: the holdings per record set, the exhibitions, the themed databases, a search over titles and abstracts."""

import streamlit as st

from jiyi.apps import data, ui
from jiyi.apps.i18n import pick, t
from jiyi.record_index import fold

MAX_HITS = 50

st.title(t("app_title"))
st.caption(t("intro"))

st.header(t("holdings"))
st.write(t("records_total", n=data.record_count()))
labels = data.set_labels()
counts = data.set_counts()
for column, (record_set, count) in zip(st.columns(max(len(counts), 1)), counts.items()):
    column.metric(pick(*labels[record_set]), count)

st.header(t("exhibits"))
exhibits = data.exhibits()
if not exhibits:
    st.caption(t("no_exhibits"))
for exhibit in exhibits:
    st.page_link(ui.EXHIBIT, label=pick(exhibit.title_zh, exhibit.title_en), icon=":material/museum:",
                 query_params={"exhibit": exhibit.id})
    summary = pick(exhibit.summary_zh, exhibit.summary_en)
    if summary:
        st.caption(summary)

st.header(t("themes"))
themes = data.search_themes()
if not themes:
    st.caption(t("no_themes"))
for name, meta in themes.items():
    label = pick(meta.get("label_zh") or name, meta.get("label_en") or "")
    st.page_link(ui.SEARCH, label=f"{label} · {t('in_records', n=meta['records'])} · {name}", icon=":material/search:",
                 query_params={"theme": name}, help=t("open_search"))

st.header(t("search"))
terms = fold(st.text_input(t("search"), placeholder=t("search_hint"), label_visibility="collapsed")).split()
if terms:
    # Substrings, not words: Chinese has no spaces, so 档案 must match inside 档案法. Spaces separate terms that must all match.
    total, hits = data.search_records(terms, MAX_HITS)
    st.write(t("hits", n=total) if total <= MAX_HITS else t("hits_capped", n=total, m=MAX_HITS))
    for record in hits:
        ui.record_link(record)
