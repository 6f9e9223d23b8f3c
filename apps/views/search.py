"""Search page: one themed database (专题数据库) — words, facet filters with their counts, sort, pages, hits with
their snippets linking to the item page, and every hit as CSV or JSON-LD. Reads build/public/search/ only.

The theme and the words live in the URL (?theme=…&q=…), so a URL names a search; filters, sort and page do not.
"""

import html
from functools import partial

import pandas as pd
import streamlit as st

from jiyi.apps import data, ui
from jiyi.apps.i18n import pick, t
from jiyi.errors import JiyiError
from jiyi.search.export import EXPORT_LIMIT
from jiyi.search.index import SearchRequest

FACETS = ("type", "person", "place", "organisation", "fonds", "record_set")  # the year has a slider of its own
PAGE_SIZE = 20
FACET_VALUES = 15  # values offered per facet, most frequent first


def url_text(label: str, key: str, param: str) -> str:
    """A text box whose text lives in the query parameter `param`, as ui.url_select does for a choice."""
    wanted = st.query_params.get(param, "")
    if st.session_state.get(key) != wanted:
        st.session_state[key] = wanted  # the URL wins: a link, a shared URL, the back button

    def to_url() -> None:  # before the rerun, so the old URL cannot undo what was typed
        if st.session_state[key]:
            st.query_params[param] = st.session_state[key]
        else:
            st.query_params.pop(param, None)  # an empty box: a URL without the word, not `q=`

    return st.text_input(label, key=key, placeholder=t("query_hint"), on_change=to_url).strip()


def snippet_html(snippet: str) -> str:
    """The snippet as HTML: record text escaped, then only the search module's <em>…</em> marks made markup again."""
    escaped = html.escape(snippet, quote=False)
    return escaped.replace("&lt;em&gt;", "<mark>").replace("&lt;/em&gt;", "</mark>")


themes = data.search_themes()
if not themes:
    st.info(t("no_themes"))
    st.stop()


def theme_label(name: str) -> str:
    return pick(themes[name].get("label_zh") or name, themes[name].get("label_en") or "")


theme = ui.url_select(t("choose_theme"), list(themes), key="search_theme", param="theme",
                      format_func=lambda name: f"{theme_label(name)} · {t('in_records', n=themes[name]['records'])}")
meta = themes[theme]
backend = data.search_backend(theme)
st.title(theme_label(theme))
words = url_text(t("query"), key="search_q", param="q")
st.caption(t("query_help"))
sort = st.radio(t("sort"), ["relevance", "date"], format_func=lambda s: t(f"sort_{s}"), horizontal=True, key="search_sort")

# Filters are drawn after the query has counted their values, so their choices are read from the last run first.
# Keys carry the theme: a person chosen in one database is not a filter on another.
prefix = f"search_{theme}_"
facets = [key for key in FACETS if key in meta["facets"]]
chosen = {key: st.session_state.get(prefix + key, []) for key in facets}
all_years = [int(year) for year, _ in backend.query(SearchRequest(size=1)).facets.get("year", [])]
first_year, last_year = (all_years[0], all_years[-1]) if all_years else (None, None)
year_span = tuple(st.session_state.get(prefix + "year", (first_year, last_year)))
request = SearchRequest(text=words, facets={key: list(values) for key, values in chosen.items() if values}, sort=sort,
                        size=PAGE_SIZE, facet_size=FACET_VALUES)
if year_span != (first_year, last_year):  # the whole span means no filter, so undated records stay in
    request.year_from, request.year_to = year_span

# A new search starts at its first page.
signature = (theme, words, sorted(request.facets.items()), year_span, sort)
if st.session_state.get("search_signature") != signature:
    st.session_state["search_signature"] = signature
    st.session_state["search_page"] = 1
request.page = st.session_state.get("search_page", 1)
try:
    result = backend.query(request)
    pages = max(1, -(-result.total // PAGE_SIZE))
    if request.page > pages:  # the index was rebuilt under a kept page number
        st.session_state["search_page"] = request.page = pages
        result = backend.query(request)
except JiyiError as error:
    # Bad syntax (E702) and the like: the message and its fix, never a traceback.
    said = t("bad_query", message=error.message) if error.code == "E702" else f"{error.code} {error.message}"
    st.error(f"{said}\n\n{t('bad_query_fix', fix=error.fix)}")
    st.stop()

filters, hits = st.columns([1, 3], gap="large")
with filters:
    st.markdown(f"**{t('filters')}**")
    set_labels = data.set_labels()
    for key in facets:
        counts = dict(result.facets.get(key, []))
        options = list(counts) + [value for value in chosen[key] if value not in counts]
        if not options:
            continue
        shown = (lambda v: pick(*set_labels.get(v, (v, v)))) if key == "record_set" else (lambda v: v)
        st.multiselect(t(f"facet_{key}"), options, key=prefix + key, placeholder="—",  # not Streamlit's English
                       format_func=lambda v, c=counts, s=shown: f"{s(v)} ({c.get(v, 0)})")
    if first_year is not None and first_year < last_year:
        st.slider(t("facet_year"), first_year, last_year, value=(first_year, last_year), key=prefix + "year")
    if result.facets.get("year"):
        counts = pd.DataFrame(result.facets["year"], columns=["year", "n"]).set_index("year")
        st.bar_chart(counts, height=160, x_label=t("facet_year"), y_label="")

with hits:
    st.write(t("search_total", n=result.total, page=result.page, pages=pages, ms=result.milliseconds))
    if not result.hits:
        st.info(t("no_hits"))
    for hit in result.hits:
        st.page_link(ui.ITEM, label=f"{hit.rank}. {hit.title}", query_params={"id": hit.id})
        st.caption(" · ".join(filter(None, [hit.id, hit.date, hit.type])))
        st.html(f"<div>{snippet_html(hit.snippet)}</div>")
    if pages > 1:
        st.number_input(t("hit_page"), min_value=1, max_value=pages, step=1, key="search_page")
    if result.total:
        # Made only when clicked: an export runs the query again for every hit, up to EXPORT_LIMIT.
        asked = {"theme": theme, "query": words, "facets": request.facets,
                 "year": f"{request.year_from or ''}-{request.year_to or ''}" if year_span != (first_year, last_year) else "",
                 "sort": sort}
        export = partial(data.search_export, backend, request, base_uri=meta.get("base_uri", ""), query=asked)
        left, right = st.columns(2)
        left.download_button(t("search_csv"), partial(export, ".csv"), f"{theme}.csv", "text/csv",
                             key="search_csv", on_click="ignore")
        right.download_button(t("search_jsonld"), partial(export, ".jsonld"), f"{theme}.jsonld", "application/ld+json",
                              key="search_jsonld", on_click="ignore")
        st.caption(t("search_export_note", n=f"{EXPORT_LIMIT:,}"))
