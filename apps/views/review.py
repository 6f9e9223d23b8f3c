"""Curator review: uncertain and new entities, proposed merges; each button writes one decision to
curation/decisions.tsv, the file `jiyi curate` writes, and the next build applies it."""

import pandas as pd
import streamlit as st

from jiyi.apps import data
from jiyi.apps.auth import current_user
from jiyi.apps.i18n import t
from jiyi.extract.curation import Decision, check_decision, read_decisions, write_decision
from jiyi.extract.review import proposed_merges, review_queue, target
from jiyi.model import Entity, Mention, SourceRef, read_jsonl

PAGE_SIZE = 15
TYPES = ["PER", "ORG", "LOC", "EVENT"]

user = current_user()
if user is None or not user.is_curator:  # navigation offers this page to curators only; a guard all the same
    st.stop()

ws = data.workspace()
st.title(t("nav_review"))
if not ws.entities_file.is_file():
    st.info(t("review_not_built", path=ws.root))
    st.stop()


def decide(action: str, entity: Entity, value: str = "") -> None:
    """Write one decision (checked first, as `jiyi curate` does); shown as pending until the next build."""
    decision = Decision(action, target(entity), value, note=f"{user.name}, review page")
    problem = check_decision(decision, SourceRef(ws.relative(ws.decisions_file)))
    if problem:
        st.session_state["review_message"] = ("error", f"{problem.code}: {problem.message} — {problem.fix}")
        return
    write_decision(ws.decisions_file, decision)
    st.session_state["review_message"] = ("success", t("decision_written", action=action, target=target(entity),
                                                         value=value))


entities = list(read_jsonl(ws.entities_file, Entity))
mentions = list(read_jsonl(ws.mentions_file, Mention)) if ws.mentions_file.is_file() else []
decisions, problems = read_decisions(ws.decisions_file)
for problem in problems:
    st.warning(str(problem))
kind, message = st.session_state.pop("review_message", (None, ""))
if kind:
    (st.success if kind == "success" else st.error)(message)
    st.caption(t("applied_next_build", path=ws.root))

queue_tab, merge_tab, decided_tab = st.tabs([t("review_queue"), t("review_merges"), t("review_decided")])

with queue_tab:
    chosen = st.multiselect(t("filter_types"), TYPES, default=TYPES, key="review_types")
    queue = [item for item in review_queue(entities, mentions, decisions) if item.entity.type.value in chosen]
    st.caption(t("queue_count", n=len(queue)))
    pages = max(1, -(-len(queue) // PAGE_SIZE))
    page = st.number_input(t("page"), min_value=1, max_value=pages, value=1, key="review_page") if pages > 1 else 1
    for item in queue[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]:
        entity = item.entity
        with st.container(border=True):
            left, right = st.columns([3, 2])
            left.markdown(f"**{entity.label}** · {entity.type.value} · `{entity.id}`")
            left.caption(t("queue_item", confidence=f"{item.confidence:.2f}", mentions=item.mentions,
                           records=len(entity.record_ids), methods="、".join(item.methods) or "—",
                           reasons=", ".join(t(f"reason_{r}") for r in item.reasons)))
            if entity.note:
                left.caption(entity.note)
            buttons = right.columns(2)
            buttons[0].button(t("accept"), key=f"accept_{entity.id}", on_click=decide, args=("accept", entity))
            buttons[1].button(t("reject"), key=f"reject_{entity.id}", on_click=decide, args=("reject", entity))
            new_name = right.text_input(t("rename_to"), key=f"name_{entity.id}", label_visibility="collapsed",
                                        placeholder=t("rename_to"))
            right.button(t("rename"), key=f"rename_{entity.id}", disabled=not new_name.strip(),
                         on_click=decide, args=("rename", entity, new_name.strip()))

with merge_tab:
    pairs = proposed_merges(entities, decisions)
    if not pairs:
        st.caption(t("no_merges"))
    for pair in pairs[:PAGE_SIZE * 2]:
        first, second = pair.first, pair.second
        with st.container(border=True):
            left, middle, right = st.columns([3, 1, 1])
            left.markdown(f"**{first.label}** ↔ **{second.label}** · {first.type.value}")
            left.caption(t(f"merge_{'reading' if pair.reason == 'same reading' else 'holds'}"))
            middle.button(t("merge_into", into=second.label), key=f"merge_{first.id}_{second.id}",
                          on_click=decide, args=("merge", first, target(second)))
            right.button(t("merge_into", into=first.label), key=f"merge_{second.id}_{first.id}",
                         on_click=decide, args=("merge", second, target(first)))

with decided_tab:
    if not decisions:
        st.caption(t("no_decisions"))
    else:
        st.dataframe(pd.DataFrame([{"line": d.line, "action": d.action, "target": d.target, "value": d.value,
                                    "records": d.records, "note": d.note} for d in decisions]),
                     hide_index=True, width="stretch")
        st.caption(t("applied_next_build", path=ws.root))
