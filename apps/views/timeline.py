"""Timeline page: the open records by date, narrowed by record set and years; drawn offline.

At scale the records are counted per year in SQLite and only TIMELINE_CAP of them, spread evenly
over the chosen years, are drawn and linked: a timeline of 100,000 entries is neither readable nor fast.
"""

import pandas as pd
import streamlit as st

from jiyi.apps import data, ui
from jiyi.apps.i18n import lang, pick, t
from jiyi.exhibits.render_html import timeline_html

TIMELINE_CAP = 300  # entries drawn and linked

st.title(t("nav_timeline"))
span = data.record_year_range()
if span is None:
    st.info(t("no_dated_records"))
    st.stop()
labels = data.set_labels()
sets = st.multiselect(t("filter_sets"), list(labels), default=list(labels), format_func=lambda s: pick(*labels[s]),
                      key="timeline_sets")
first, last = span if span[0] < span[1] else (span[0], span[0] + 1)
chosen = st.slider(t("years"), min_value=first, max_value=last, value=(first, last), key="timeline_years")
index = data.record_index()
total, shown = index.dated(sets, chosen, TIMELINE_CAP)
st.caption(t("timeline_count", n=total))
if total:
    per_year = pd.Series(index.per_year(sets, chosen))
    st.bar_chart(per_year.rename(t("records_per_year")))
if total > len(shown):
    st.info(t("timeline_capped", shown=len(shown), total=total))
entries = [{"date": r.date, "title": r.title, "title_en": r.extra.get("英文题名", ""), "record_id": r.id, "note": r.note}
           for r in shown]
ui.drawn(timeline_html(entries, lang()))
with st.expander(t("open_items", n=len(shown))):
    for record in shown:
        ui.record_link(record, f"{record.date} · {record.id} — {record.title}")
