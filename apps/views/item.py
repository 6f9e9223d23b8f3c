"""Item page: one open record — its description, caveats, text, pages in the IIIF viewer, manifest and entities."""

from itertools import islice

import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from jiyi.apps import data, ui
from jiyi.apps.i18n import STRINGS, lang, pick, t
from jiyi.apps.network import local_name

ENTITY_ORDER = ["Person", "CorporateBody", "Place", "Event", "Date"]
LINKS_PER_ROW = 4  # entity-page links under each group of the entities table
CHOOSER_CAP = 1000  # records listed in the chooser
VIEWER_HEIGHT = 720  # px: a portrait page fitted with Mirador's bars still readable

titles = data.record_titles()
if not titles:
    st.info(t("no_records"))
    st.stop()
wanted = st.query_params.get("id")
if wanted and wanted not in titles:
    # Said without echoing the id: a closed record and a mistyped one look the same here.
    st.info(t("not_available"))
# A selectbox sends every option to the browser: beyond CHOOSER_CAP records it lists the first ones (and the
# record the URL names); links from search, exhibits and entities reach every record.
options = list(islice(titles, CHOOSER_CAP))
if wanted in titles and wanted not in options:
    options.insert(0, wanted)
record = data.record(ui.url_select(t("choose_record"), options, key="item_id", param="id",
                                   format_func=lambda rid: f"{rid} — {titles[rid]}"))
if len(titles) > CHOOSER_CAP:
    st.caption(t("chooser_capped", shown=CHOOSER_CAP, total=len(titles)))

english_title = record.extra.get("英文题名", "")
st.title(english_title if lang() == "en" and english_title else record.title)
if record.note:
    st.warning(f"{t('note')}: {record.note}")

date = record.date_text or record.date
if record.date and record.date_text and record.date != record.date_text:
    date = f"{record.date_text}（{record.date}）"
set_label = pick(*data.set_labels().get(record.record_set, (record.record_set, record.record_set)))
rows = [(t("f_id"), record.id), (t("f_title"), record.title), (t("f_creator"), record.creator), (t("f_date"), date),
        (t("f_fonds"), record.fonds), (t("f_retention"), record.retention), (t("f_holder"), record.holder),
        (t("f_record_set"), set_label)]
rows += [(key, value) for key, value in record.extra.items() if value]
st.subheader(t("metadata"))
st.table(pd.DataFrame([(k, v or "—") for k, v in rows], columns=[t("field"), t("value")]).set_index(t("field")))

if record.abstract:
    st.subheader(t("abstract"))
    st.write(record.abstract)
if record.text:
    with st.expander(t("full_text")):  # folded: open, it would push the viewer below the fold
        # As written (escaped, never Markdown), with each named person, body, place or event linked to its page.
        spans = [(int(m["start"]), int(m["end"]), m["entity"]) for m in data.record_mentions(record.id) if m["field"] == "text"]
        st.html(ui.highlighted(record.text, spans))

st.subheader(t("pages"))
pages = data.page_images(record.id)
manifest = data.manifest(record.id)
viewer = data.viewer_url(record.id, lang()) if manifest else None
if viewer:
    # Mirador, served by the IIIF server from this machine: zoom, every page, transcriptions and entities.
    if hasattr(st, "iframe"):  # newer Streamlit deprecates components.v1 (as the graph explorer notes)
        st.iframe(viewer, height=VIEWER_HEIGHT)
    else:
        components.iframe(viewer, height=VIEWER_HEIGHT)
    st.caption(f"[{t('viewer_open')}]({viewer})")
elif manifest and pages:
    st.info(t("viewer_missing"))
if not pages:
    st.caption(t("no_images"))
else:
    # The plain image stays: the fallback without a viewer, and a quick look that needs no JavaScript.
    with st.expander(t("static_pages")) if viewer else st.container():
        number = st.number_input(t("page"), min_value=1, max_value=len(pages), value=1, key=f"page_{record.id}") \
            if len(pages) > 1 else 1
        caption = t("page_of", n=number, m=len(pages))
        if data.is_facsimile(manifest):
            caption += f" · {t('facsimile')}"
        st.image(str(pages[number - 1]), caption=caption, width=700)
if manifest:
    st.markdown(f"**{t('manifest')}**: `build/public/iiif/{record.id}/manifest.json`")
    st.code(manifest.get("id", ""), language=None)

st.subheader(t("entities"))
entities = data.record_entities(record.id)
if not entities:
    st.caption(t("no_entities"))
groups: dict[str, list[dict]] = {}
for row in entities:
    groups.setdefault(local_name(row["type"]), []).append(row)
for kind in sorted(groups, key=lambda k: ENTITY_ORDER.index(k) if k in ENTITY_ORDER else len(ENTITY_ORDER)):
    label = t(f"t_{kind}") if f"t_{kind}" in STRINGS else kind
    st.markdown(f"**{label}** ({len(groups[kind])})")
    st.dataframe(pd.DataFrame([{t("entity"): r["label"], t("mentions"): int(r["mentions"] or 0),
                                t("method"): r["methods"], t("confidence"): r["confidence"]} for r in groups[kind]]),
                 hide_index=True, width="stretch")
    if kind in data.ENTITY_CLASSES:  # the entity page shows people, bodies, places and events; dates have none
        st.caption(t("entity_pages"))
        columns = st.columns(LINKS_PER_ROW)
        for position, row in enumerate(groups[kind]):
            columns[position % LINKS_PER_ROW].page_link(ui.ENTITY, label=row["label"], icon=":material/person_search:",
                                                        query_params={"uri": row["entity"]})
