"""Entity page: a person, body, place or event — names, same-as links, timeline, map, records,
neighbours, and the provenance of each fact (which record, which sentence, how it was found)."""

from urllib.parse import unquote

import pandas as pd
import streamlit as st

from jiyi.apps import data, ui
from jiyi.apps.i18n import STRINGS, lang, pick, t
from jiyi.apps.network import local_name
from jiyi.exhibits.render_html import map_html, timeline_html

RDFS_LABEL, ALT_LABEL = "http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#altLabel"
SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
LINKED = 50  # record links per page
TIMELINE_CAP = 300  # records drawn on the entity's timeline
PROVENANCE_ROWS = 500  # mentions listed with their sentence


def type_label(type_uri: str) -> str:
    kind = local_name(type_uri)
    return t(f"t_{kind}") if f"t_{kind}" in STRINGS else kind


everyone = data.entities()
if not everyone:
    st.info(t("no_graph"))
    st.stop()
by_uri = {row["entity"]: row for row in everyone}
if st.query_params.get("uri") and st.query_params.get("uri") not in by_uri:
    st.info(t("entity_not_available"))  # not public, or mistyped: said the same way, without echoing it
uri = ui.url_select(t("choose_entity"), list(by_uri), key="entity_uri", param="uri",
                    format_func=lambda u: f"{by_uri[u]['label']} · {type_label(by_uri[u]['type'])} · "
                                          f"{t('in_records', n=by_uri[u]['records'])}")
# A neighbour link opens this same page: Streamlit reruns it with the new ?uri= but leaves the address bar
# on the old entity, and url_select writes the URL only when the server's copy differs. Say it again, so
# the URL names the entity shown (tests/apps/test_browser_walk.py clicks a neighbour and checks).
st.query_params["uri"] = uri
entity = by_uri[uri]
description = data.entity_description(uri)
labels = {row["lang"].lower(): row["o"] for row in description if row["p"] == RDFS_LABEL}  # tags as Oxigraph keeps them
st.title(pick(labels.get("zh-hans", entity["label"]), labels.get("en", "")))
st.caption(" · ".join(filter(None, [type_label(entity["type"]), labels.get("zh-hant"), labels.get("zh-latn-pinyin"),
                                    labels.get("en")])))
aliases = sorted({row["o"] for row in description if row["p"] == ALT_LABEL})
if aliases:
    st.markdown(f"**{t('aliases')}**: {'、'.join(aliases)}")
for row in description:
    if row["p"] == SAME_AS:
        st.markdown(f"**{t('same_as')}**: [{unquote(row['o'].rsplit('/', 1)[-1])}]({row['o']})")
    elif local_name(row["p"]) == "note":
        st.warning(row["o"])

dates = data.record_dates()  # every open record's date: sorting needs them all, the page draws only some
mentions = [m for m in data.entity_mentions(uri) if m["id"] in dates]
mentioned_in = sorted({m["id"] for m in mentions}, key=lambda rid: (dates[rid] or "9999", rid))
dated = [rid for rid in mentioned_in if dates[rid]]
# An entity named in tens of thousands of records: the timeline draws TIMELINE_CAP of them spread evenly by
# date, and the provenance table the first PROVENANCE_ROWS mentions; both say so. Only these records are read.
on_timeline = dated[::max(1, -(-len(dated) // TIMELINE_CAP))]
provenance = sorted(mentions, key=lambda m: (dates[m["id"]] or "9999", m["id"], int(m["start"])))[:PROVENANCE_ROWS]

left, right = st.columns(2)
with left:
    st.subheader(t("timeline"))
    shown = data.records_many(on_timeline)
    entries = [{"date": r.date, "title": r.title, "title_en": r.extra.get("英文题名", ""), "record_id": r.id, "note": r.note}
               for r in (shown[rid] for rid in on_timeline)]
    if len(entries) < len(dated):
        st.caption(t("entity_timeline_capped", shown=len(entries), total=len(dated)))
    ui.drawn(timeline_html(entries, lang()))
with right:
    st.subheader(t("map"))
    neighbours = data.co_mentioned(uri)
    places = [{"name": row["label"], "lat": float(row["lat"]), "lon": float(row["long"]), "records": []}
              for row in neighbours if row["lat"] and row["long"]]
    own = {row["p"].rsplit("/", 1)[-1]: row["o"] for row in description}
    if own.get("latitude") and own.get("longitude"):
        places.insert(0, {"name": entity["label"], "lat": float(own["latitude"]), "lon": float(own["longitude"]), "records": []})
    ui.drawn(map_html(places, lang(), width=520, height=360))

st.subheader(t("records_mentioning", n=len(mentioned_in)))
# A link is a Streamlit element of its own; an entity named in thousands of records would take
# seconds to draw (benchmarks/app_render.py), so the first LINKED by date link and the rest page.
pages = max(1, -(-len(mentioned_in) // LINKED))
page = st.number_input(t("page"), min_value=1, max_value=pages, value=1, key=f"entity_records_{uri}") if pages > 1 else 1
on_page = mentioned_in[(page - 1) * LINKED: page * LINKED]
linked = data.records_many(on_page)
for rid in on_page:
    ui.record_link(linked[rid])

st.subheader(t("provenance"))
rows = []
if len(provenance) < len(mentions):
    st.caption(t("provenance_capped", shown=len(provenance), total=len(mentions)))
sources = data.records_many(m["id"] for m in provenance)
for m in provenance:
    text = getattr(sources[m["id"]], m["field"] or "text", "") or ""
    start, end = int(m["start"]), int(m["end"])
    rows.append({t("f_id"): m["id"], t("field"): m["field"], t("words"): m["exact"],
                 t("sentence"): ui.sentence_around(text, start, end) if text[start:end] == m["exact"] else m["exact"],
                 t("method"): m["method"], t("confidence"): m["confidence"]})
for fact in data.entity_relations(uri):
    rows.append({t("f_id"): fact["id"], t("field"): "", t("words"): f"{local_name(fact['property'])} → {fact['label']}"
                 if fact["direction"] == "out" else f"{fact['label']} → {local_name(fact['property'])}",
                 t("sentence"): "", t("method"): fact["method"], t("confidence"): fact["confidence"]})
if rows:
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
else:
    st.caption(t("no_provenance"))

st.subheader(t("neighbours"))
if not neighbours:
    st.caption(t("no_neighbours"))
for row in neighbours:
    st.page_link(ui.ENTITY, label=f"{row['label']} · {type_label(row['type'])} · {t('shared_records', n=row['shared'])}",
                 query_params={"uri": row["other"]})
