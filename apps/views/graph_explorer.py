"""Graph explorer: records and what they mention, an entity's ego network, or the shortest path between
two entities — drawn offline with pyvis, each node a link to its page, the drawn subgraph downloadable."""

import re
from collections.abc import Set as AbstractSet
from urllib.parse import parse_qs

import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from jiyi.apps import data, network, ui
from jiyi.apps.i18n import pick, t
from jiyi.apps.network import Node, View

MODES = ["overview", "ego", "path"]  # the overview first: the page opened as before, the explorer one click away
KINDS = ["Person", "CorporateBody", "Agent", "Place", "Event", "Record", "Date"]
ENTITY_TYPES = ["Person", "CorporateBody", "Place", "Event", "Date"]
DEFAULT_TYPES = ["Person", "CorporateBody", "Place", "Event"]  # dates link nearly everything; opt in
TOP = 20
MAX_NODES = 2000  # vis.js stays interactive at this size in a browser (benchmarks/graph_explorer.py)
PAGES = {"item": ui.ITEM, "entity": ui.ENTITY}  # network.item_link / entity_link → page files
YEAR = re.compile(r"^(\d{4})")


def ego_rows(cap: int) -> int:
    """How many neighbours to fetch for a node cap: three times the cap, so the cap still chooses the
    best-connected among many, and at least data.EGO_ROWS; never more than can be drawn."""
    return min(MAX_NODES, max(data.EGO_ROWS, 3 * cap))


def year_of(date: str | None) -> int | None:
    """The year an EDTF date starts in ("1927-09" → 1927); None when undated or unreadable."""
    match = YEAR.match(date or "")
    return int(match.group(1)) if match else None


def kind_names() -> dict[str, str]:
    return {k: t(f"t_{k}") for k in KINDS}


def view_of(uris, public_ids: AbstractSet[str]) -> View:
    """The nodes as the page draws them, with every explorer link between two of them.

    Only records the public file holds, whatever the Turtle says: the graph and records agree by
    construction, and if they ever did not, the public file is the one the open-review decision wrote.
    """
    nodes = {}
    for uri, fact in data.node_facts(uris).items():
        if fact["kind"] == "Record":
            if fact["id"] not in public_ids:
                continue
            nodes[uri] = Node(uri, "Record", f"{fact['id']} {fact['label']}", network.item_link(fact["id"]),
                              year_of(fact["date"]))
        elif fact["kind"]:
            nodes[uri] = Node(uri, fact["kind"], fact["label"], network.entity_link(uri), year_of(fact["date"]))
    return View(nodes, data.links_among(nodes), found=len(nodes))


def draw(view: View, centre: set[str] | None = None) -> None:
    """The network, a hint, and every node as a plain link: the accessible way to the same pages."""
    page = network.render_view(view, kind_names(), centre=centre)
    if hasattr(st, "iframe"):  # newer Streamlit deprecates components.v1.html (to be removed after 2026-06-01)
        st.iframe(page, height=670)
    else:
        components.html(page, height=670)
    st.caption(t("ge_click_hint"))
    names = kind_names()
    with st.expander(t("ge_shown", n=len(view.nodes))):
        for node in sorted(view.nodes.values(), key=lambda n: (KINDS.index(n.kind) if n.kind in KINDS else 99, n.label)):
            page_name, query = node.link.split("?", 1)  # the same page the click opens
            st.page_link(PAGES[page_name], label=f"{node.label} · {names.get(node.kind, node.kind)}",
                         query_params={key: values[0] for key, values in parse_qs(query).items()})


def exports(view: View, name: str) -> None:
    """The drawn subgraph as GraphML, JSON and Turtle (the public graph's triples among the drawn nodes)."""
    st.subheader(t("ge_export"))
    left, middle, right = st.columns(3)
    # Callables: Streamlit makes each file only when its button is clicked, not on every rerun; it calls
    # them in a server thread, so they use nothing but what they were given.
    left.download_button(t("ge_graphml"), lambda: network.to_graphml(view), f"{name}.graphml",
                         "application/graphml+xml", key="ge_dl_graphml")
    middle.download_button(t("ge_json"), lambda: network.to_json(view), f"{name}.json", "application/json",
                           key="ge_dl_json")
    right.download_button(t("ge_turtle"), data.subgraph_turtle(view.nodes), f"{name}.ttl", "text/turtle",
                          key="ge_dl_turtle")


def entity_picker(label: str, options: list[str], by_uri: dict, key: str, index: int = 0) -> str:
    # Streamlit's selectbox filters its options as the reader types: the search the issue asks for.
    names = {u: f"{by_uri[u]['label']} · {t('t_' + network.local_name(by_uri[u]['type']))}"
                f" · {t('in_records', n=by_uri[u]['records'])}" for u in options}
    return st.selectbox(label, options, index=index, key=key, format_func=names.get)


def ego_mode(by_uri: dict, public_ids: AbstractSet[str], years: tuple[int, int]) -> None:
    first, second = st.columns([3, 1])
    with first:
        centre = entity_picker(t("ge_find"), list(by_uri), by_uri, key="ge_centre")
    depth = second.slider(t("ge_depth"), 1, 3, 1, key="ge_depth")
    first, second, third = st.columns([3, 2, 1])
    # The browser sends a multiselect's choices back as the labels it showed, so after a switch to the other
    # language they matched no option: Streamlit raised a TypeError or emptied the filter. Session state still
    # holds the chosen kinds (read with the last run's labels); setting them again makes them the widget's value.
    st.session_state["ge_types"] = list(st.session_state.get("ge_types", KINDS))
    kinds = first.multiselect(t("filter_types"), KINDS, format_func=kind_names().get, key="ge_types")
    span = second.slider(t("ge_years"), years[0], years[1], years, key="ge_years")
    undated = second.checkbox(t("ge_undated"), value=True, key="ge_undated")
    limit = third.number_input(t("node_cap"), min_value=10, max_value=MAX_NODES, value=300, step=10, key="ge_cap")

    edges, truncated = data.ego_edges(centre, depth, ego_rows(int(limit)))
    everything = view_of({centre} | {n for edge in edges for n in edge}, public_ids)
    if truncated:  # a hub: the filters and the cap below choose among the first nodes found, not all of them
        st.info(t("ge_truncated", name=by_uri[centre]["label"], n=len(everything.nodes)))
    # The whole year range means "no time filter": an untouched slider hides nothing.
    filtered = network.keep(everything, set(kinds), None if tuple(span) == years else tuple(span), undated, {centre})
    view = network.cap(filtered, int(limit), {centre})
    if view.capped:
        st.warning(t("ge_cap_warning_more" if truncated else "ge_cap_warning", found=view.found, cap=int(limit)))
    if len(view.nodes) <= 1 and len(everything.nodes) > 1:
        st.info(t("ge_none_pass"))
    draw(view, {centre})
    exports(view, f"jiyi-ego-{network.local_name(centre)}-{depth}")


def path_mode(by_uri: dict, public_ids: AbstractSet[str]) -> None:
    options = list(by_uri)
    left, right = st.columns(2)
    with left:
        start = entity_picker(t("ge_from"), options, by_uri, key="ge_from")
    with right:
        goal = entity_picker(t("ge_to"), options, by_uri, key="ge_to", index=min(1, len(options) - 1))
    if start == goal:
        st.info(t("ge_same"))
        return
    path = data.shortest_path(start, goal)
    if not path:
        from jiyi.graph.queries import MAX_PATH_LENGTH

        st.warning(t("ge_no_path", a=by_uri[start]["label"], b=by_uri[goal]["label"], n=MAX_PATH_LENGTH))
        return
    view = view_of(path, public_ids)
    steps = set(zip(path, path[1:]))
    view.edges = [e for e in view.edges if (e[0], e[1]) in steps or (e[1], e[0]) in steps]  # the path, not its shortcuts
    st.subheader(t("ge_path", n=len(path) - 1))
    # Text for every reader: A → relation → B, or A ← relation ← B when the triple points back.
    parts = [view.nodes[path[0]].label if path[0] in view.nodes else path[0]]
    for a, b in zip(path, path[1:]):
        forward = [r for x, y, r in view.edges if (x, y) == (a, b)]
        backward = [r for x, y, r in view.edges if (x, y) == (b, a)]
        arrow = f" → {forward[0]} → " if forward else f" ← {backward[0]} ← " if backward else " — "
        parts.append(arrow + (view.nodes[b].label if b in view.nodes else b))
    st.text("".join(parts))
    draw(view, {start, goal})
    exports(view, f"jiyi-path-{network.local_name(start)}-{network.local_name(goal)}")


def overview_mode(titles: dict[str, str]) -> None:
    labels = data.set_labels()
    left, middle, right = st.columns([3, 3, 1])
    sets = left.multiselect(t("filter_sets"), list(labels), default=list(labels), format_func=lambda s: pick(*labels[s]))
    types = middle.multiselect(t("filter_types"), ENTITY_TYPES, default=DEFAULT_TYPES, format_func=lambda k: t(f"t_{k}"))
    cap = right.number_input(t("node_cap"), min_value=10, max_value=MAX_NODES, value=150, step=10)
    graph, top = data.overview_choice(sets, types, int(cap), TOP)
    if graph is None:
        st.info(t("graph_empty"))
        return
    if graph.capped:
        st.caption(t("capped", shown=graph.node_count, total=graph.total_nodes))
    draw(network.overview(graph, titles))
    st.subheader(t("top_entities"))
    st.dataframe(pd.DataFrame([{t("entity"): label, t("type"): t(f"t_{kind}"), t("records_n"): n}
                               for label, kind, n in top]), hide_index=True, width="stretch")


st.title(t("nav_graph"))
if not data.graph_available():
    st.info(t("no_graph"))
    st.stop()

titles = data.record_titles()  # id → title of every open record: the explorer's record nodes and their labels
by_uri = {row["entity"]: row for row in data.entities()}
# Option names are looked up at drawing time: a format_func must not depend on state when it is called later.
mode_names = {m: t(f"ge_mode_{m}") for m in MODES}
mode = st.radio(t("ge_mode"), MODES, format_func=mode_names.get, horizontal=True, key="ge_mode")
if mode == "ego" and by_uri:
    ego_mode(by_uri, titles.keys(), data.record_year_range() or (1900, 2000))
elif mode == "path" and by_uri:
    path_mode(by_uri, titles.keys())
elif mode == "overview":
    overview_mode(titles)
else:
    st.info(t("graph_empty"))
