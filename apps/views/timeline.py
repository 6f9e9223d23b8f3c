"""Timeline page: the open records by date, narrowed by record set and years; drawn offline."""

import pandas as pd
import streamlit as st

from jiyi.apps import data, ui
from jiyi.apps.i18n import lang, pick, t
from jiyi.exhibits.render_html import timeline_html

st.title(t("nav_timeline"))
dated = [r for r in data.records() if r.date[:4].isdigit()]
if not dated:
    st.info(t("no_dated_records"))
    st.stop()
labels = data.set_labels()
sets = st.multiselect(t("filter_sets"), list(labels), default=list(labels), format_func=lambda s: pick(*labels[s]),
                      key="timeline_sets")
years = sorted({int(r.date[:4]) for r in dated})
first, last = (years[0], years[-1]) if len(years) > 1 else (years[0], years[0] + 1)
chosen = st.slider(t("years"), min_value=first, max_value=last, value=(first, last), key="timeline_years")
shown = sorted((r for r in dated if r.record_set in sets and chosen[0] <= int(r.date[:4]) <= chosen[1]),
               key=lambda r: (r.date, r.id))
st.caption(t("timeline_count", n=len(shown)))
if shown:
    per_year = pd.Series([int(r.date[:4]) for r in shown]).value_counts().sort_index()
    st.bar_chart(per_year.rename(t("records_per_year")))
entries = [{"date": r.date, "title": r.title, "title_en": r.extra.get("英文题名", ""), "record_id": r.id, "note": r.note}
           for r in shown]
ui.drawn(timeline_html(entries, lang()))
with st.expander(t("open_items", n=len(shown))):
    for record in shown:
        ui.record_link(record, f"{record.date} · {record.id} — {record.title}")
