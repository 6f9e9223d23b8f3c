"""Exhibit page: an educator's exhibition — each section's blocks in the reader's language, items as cards."""

import streamlit as st
import streamlit.components.v1 as components

from jiyi.apps import data, ui
from jiyi.apps.i18n import lang, pick, t

COLUMNS = 3

exhibits = {e.id: e for e in data.exhibits()}
if not exhibits:
    st.info(t("no_exhibits"))
    st.stop()

chosen = ui.url_select(t("choose_exhibit"), list(exhibits), key="exhibit_id", param="exhibit",
                       format_func=lambda eid: pick(exhibits[eid].title_zh, exhibits[eid].title_en))
exhibit = exhibits[chosen]
# The open records among those the exhibit names, from its sections and its blocks.
by_id = data.records_many([item.record_id for section in exhibit.sections for item in section.items]
                          + [rid for section in exhibit.sections for block in section.blocks_zh + section.blocks_en
                             for rid in block.get("record_ids", [])])

st.title(pick(exhibit.title_zh, exhibit.title_en))
summary = pick(exhibit.summary_zh, exhibit.summary_en)
if summary:
    st.markdown(summary)


def show_images(block: dict) -> None:
    """An item or gallery block: the images the exhibits stage copied under build/public/exhibits/<id>/."""
    images = block.get("images", [])
    for start in range(0, len(images), COLUMNS):
        for column, src, record_id in zip(st.columns(COLUMNS), images[start:start + COLUMNS],
                                          block.get("record_ids", [])[start:start + COLUMNS]):
            record = by_id.get(record_id)
            if record is None:  # the public records and the exhibit disagree: show nothing rather than guess
                continue
            column.image(str(data.public_path("exhibits", src)), caption=f"{record.title} · {record.id}",
                         width="stretch")
    # The item in the IIIF viewer, on request: a toggle, not an expander, so a page of many
    # items starts no Mirador until a reader asks for one.
    for record_id in dict.fromkeys(block.get("record_ids", [])):
        url = data.viewer_url(record_id, lang()) if record_id in by_id else None
        if url and st.toggle(t("exhibit_viewer", id=record_id), key=f"viewer_{block.get('line')}_{record_id}"):
            components.iframe(url, height=560)


for section in exhibit.sections:
    st.header(pick(section.heading_zh, section.heading_en))
    blocks = pick(section.blocks_zh, section.blocks_en)  # English blocks when the reader chose English and there are some
    if not blocks and pick(section.body_zh, section.body_en):  # an exhibit built before blocks existed
        st.markdown(pick(section.body_zh, section.body_en))
    for block in blocks:
        if block["kind"] in ("item", "gallery"):
            show_images(block)
        elif block["kind"] == "text":
            # Sanitised at build time (nh3 allow-list: no script, no event handlers, in-page links only).
            st.markdown(block["html"], unsafe_allow_html=True)
        else:  # quote, timeline, map (SVG), graph slice (SVG), question: Jiyi's own escaped HTML
            ui.drawn(block["html"])
    # Only records the public file holds: the exhibits stage already withheld restricted
    # items, and this keeps it so if an exhibit file and the records ever disagree.
    items = [item for item in section.items if item.record_id in by_id]
    for start in range(0, len(items), COLUMNS):
        for column, item in zip(st.columns(COLUMNS), items[start:start + COLUMNS]):
            record = by_id[item.record_id]
            card = column.container(border=True)
            pages = data.page_images(record.id)
            if pages:
                card.image(str(pages[0]), width="stretch")
            card.markdown(f"**{record.title}**")
            caption = pick(item.caption_zh, item.caption_en)
            if caption:
                card.caption(caption)
            with card:
                ui.record_link(record, label=f"{t('open_item')} · {record.id}")
