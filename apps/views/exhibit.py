"""Exhibit page: an educator's exhibition — sections of Markdown in the reader's language, items as cards."""

import streamlit as st

from jiyi.apps import data, ui
from jiyi.apps.i18n import pick, t

COLUMNS = 3

exhibits = {e.id: e for e in data.exhibits()}
if not exhibits:
    st.info(t("no_exhibits"))
    st.stop()

chosen = ui.url_select(t("choose_exhibit"), list(exhibits), key="exhibit_id", param="exhibit",
                       format_func=lambda eid: pick(exhibits[eid].title_zh, exhibits[eid].title_en))
exhibit = exhibits[chosen]
by_id = data.records_by_id()

st.title(pick(exhibit.title_zh, exhibit.title_en))
summary = pick(exhibit.summary_zh, exhibit.summary_en)
if summary:
    st.markdown(summary)

for section in exhibit.sections:
    st.header(pick(section.heading_zh, section.heading_en))
    body = pick(section.body_zh, section.body_en)
    if body:
        st.markdown(body)  # HTML in an educator's Markdown stays escaped (Streamlit's default)
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
