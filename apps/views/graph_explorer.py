"""Graph explorer page: records and the people, bodies, places and dates they mention, drawn offline with pyvis."""

from collections import Counter

import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from jiyi.apps import data, network
from jiyi.apps.i18n import pick, t

ENTITY_TYPES = ["Person", "CorporateBody", "Place", "Event", "Date"]
DEFAULT_TYPES = ["Person", "CorporateBody", "Place", "Event"]  # dates link nearly everything; opt in
TOP = 20

st.title(t("nav_graph"))
if not data.graph_available():
    st.info(t("no_graph"))
    st.stop()

by_id = data.records_by_id()
labels = data.set_labels()
left, middle, right = st.columns([3, 3, 1])
sets = left.multiselect(t("filter_sets"), list(labels), default=list(labels), format_func=lambda s: pick(*labels[s]))
types = middle.multiselect(t("filter_types"), ENTITY_TYPES, default=DEFAULT_TYPES, format_func=lambda k: t(f"t_{k}"))
cap = right.number_input(t("node_cap"), min_value=10, max_value=2000, value=150, step=10)

# Only records the public file holds, whatever the Turtle says: the graph and records agree by construction,
# and if they ever did not, the public file is the one the open-review decision wrote.
links = [link for link in data.record_entity_links()
         if link["id"] in by_id and by_id[link["id"]].record_set in sets and network.local_name(link["type"]) in types]
if not links:
    st.info(t("graph_empty"))
    st.stop()

graph = network.choose(links, int(cap))
if graph.capped:
    st.caption(t("capped", shown=graph.node_count, total=graph.total_nodes))
page = network.render(graph, {rid: r.title for rid, r in by_id.items()}, {k: t(f"t_{k}") for k in ENTITY_TYPES})
if hasattr(st, "iframe"):  # newer Streamlit deprecates components.v1.html (to be removed after 2026-06-01)
    st.iframe(page, height=670)
else:
    components.html(page, height=670)

st.subheader(t("top_entities"))
records_per_entity = Counter(link["entity"] for link in links)  # links are distinct (record, entity) pairs
about = {link["entity"]: (link["label"], network.local_name(link["type"])) for link in links}
st.dataframe(pd.DataFrame([{t("entity"): about[e][0], t("type"): t(f"t_{about[e][1]}"), t("records_n"): n}
                           for e, n in records_per_entity.most_common(TOP)]), hide_index=True, width="stretch")
