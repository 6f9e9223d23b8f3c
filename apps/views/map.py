"""Map page: the places the open records name, on a plain longitude/latitude grid.

No map tiles are fetched, so the page works offline and can never fail on a tile server;
the markers and names are the whole map. Each place links to its entity page."""

import streamlit as st

from jiyi.apps import data, ui
from jiyi.apps.i18n import lang, t
from jiyi.exhibits.render_html import map_html

st.title(t("nav_map"))
rows = data.places()
if not rows:
    st.info(t("no_places"))
    st.stop()
least = st.number_input(t("min_records"), min_value=0, max_value=max(int(r["records"]) for r in rows), value=1,
                        key="map_min_records")
shown = [r for r in rows if int(r["records"]) >= least]
st.caption(t("places_count", n=len(shown)))
ui.drawn(map_html([{"name": r["label"], "lat": float(r["lat"]), "lon": float(r["long"]),
                   "records": [t("in_records", n=r["records"])]} for r in shown], lang(), width=900, height=600))
for row in shown:
    st.page_link(ui.ENTITY, label=f"{row['label']} · {t('in_records', n=row['records'])}", query_params={"uri": row["place"]})
