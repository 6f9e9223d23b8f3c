"""The app's interface strings in Chinese and English, and the reader's chosen language."""

from __future__ import annotations

import streamlit as st

LANG_KEY = "lang"  # session-state key of the sidebar toggle; "zh" or "en"
LANGUAGES = {"zh": "中文", "en": "English"}

STRINGS: dict[str, tuple[str, str]] = {
    "app_title": ("记忆 Jiyi", "记忆 Jiyi"),
    "language": ("语言 · Language", "语言 · Language"),
    "nav_home": ("首页", "Home"),
    "nav_exhibit": ("展览", "Exhibit"),
    "nav_item": ("档案条目", "Item"),
    "nav_graph": ("关系图谱", "Graph explorer"),
    "nav_console": ("研究控制台", "Researcher console"),
    "sign_in_title": ("工作人员登录", "Staff sign-in"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出登录", "Sign out"),
    "user_name": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "sign_in_failed": ("用户名或密码不正确。", "Wrong user name or password."),
    "signed_in_as": ("已登录：{name}（{role}）", "Signed in: {name} ({role})"),
    "role_researcher": ("研究人员", "researcher"),
    "role_curator": ("审核人员", "curator"),
    "no_users": ("工作区 {path} 还没有用户。先添加一位：", "The workspace {path} has no users yet. Add one first:"),
    "public_instead": ("只浏览公开内容，请用 `jiyi app --public --workspace {path}`。",
                       "To browse the public pages only, run `jiyi app --public --workspace {path}`."),
    "row_limit": ("最多行数", "Row limit"),
    "time_limit": ("时限（秒）", "Time limit (s)"),
    "query_language": ("查询语言", "Query language"),
    "scope": ("范围", "Scope"),
    "scope_all": ("全部图谱（含未开放档案）", "Whole graph (restricted records included)"),
    "scope_public": ("仅公开图谱", "Public graph only"),
    "sparql_hint": ("只读：INSERT、DELETE 等更新会被拒绝。已声明前缀 rico:、rdfs:、prov:、oa: 等。",
                    "Read-only: INSERT, DELETE and other updates are refused. Prefixes rico:, rdfs:, prov:, oa: … are declared."),
    "cypher_hint": ("只读事务，连接 {uri}。", "Read-only transaction on {uri}."),
    "no_neo4j": ("未配置 Neo4j：先同步镜像，再带 NEO4J_URI 与 NEO4J_PASSWORD 启动应用。",
                 "No Neo4j configured: sync the mirror, then start the app with NEO4J_URI and NEO4J_PASSWORD."),
    "run_query": ("执行查询", "Run query"),
    "rows": ("{n} 行", "{n} rows"),
    "rows_cut": ("前 {n} 行（已达上限，结果未完）", "First {n} rows (the limit cut the result)"),
    "download_csv": ("下载 CSV", "Download CSV"),
    "download_json": ("下载 JSON", "Download JSON"),
    "no_workspace": ("未指定工作区。", "No workspace given."),
    "no_workspace_fix": ("请用 `jiyi app --workspace 目录` 启动，或设置环境变量 JIYI_WORKSPACE。",
                         "Start the app with `jiyi app --workspace DIR`, or set JIYI_WORKSPACE."),
    "not_built": ("工作区 {path} 尚未构建（缺少 build/public/records.jsonl）。",
                  "The workspace {path} is not built yet (no build/public/records.jsonl)."),
    "not_built_fix": ("请先运行 `jiyi build --workspace {path}`。", "Run `jiyi build --workspace {path}` first."),
    "intro": ("开放档案的在线展览、条目与关系图谱。", "Online exhibitions, items and a graph of the open archives."),
    "holdings": ("馆藏", "Holdings"),
    "records_total": ("开放档案共 {n} 件", "{n} open records in all"),
    "exhibits": ("展览", "Exhibitions"),
    "no_exhibits": ("暂无展览。", "No exhibitions yet."),
    "search": ("检索题名与摘要", "Search titles and abstracts"),
    "search_hint": ("输入关键词，如：档案", "Type a word, e.g. 档案"),
    "hits": ("找到 {n} 件", "{n} found"),
    "hits_capped": ("找到 {n} 件，显示前 {m} 件", "{n} found; the first {m} are shown"),
    "choose_exhibit": ("选择展览", "Choose an exhibition"),
    "open_item": ("查看条目", "Open item"),
    "choose_record": ("选择档案", "Choose a record"),
    "not_available": ("所请求的档案不存在或未开放，下面显示另一件。", "The requested record does not exist or is not open; another is shown below."),
    "no_records": ("没有开放档案。", "There are no open records."),
    "metadata": ("著录信息", "Description"),
    "field": ("项目", "Field"),
    "value": ("内容", "Value"),
    "f_id": ("档号", "Reference code"),
    "f_title": ("题名", "Title"),
    "f_creator": ("责任者", "Creator"),
    "f_date": ("日期", "Date"),
    "f_fonds": ("全宗", "Fonds"),
    "f_retention": ("保管期限", "Retention"),
    "f_holder": ("保管机构", "Holder"),
    "f_record_set": ("所属档案", "Record set"),
    "note": ("说明", "Note"),
    "abstract": ("摘要", "Abstract"),
    "full_text": ("全文", "Full text"),
    "pages": ("页面图像", "Page images"),
    "page": ("页", "Page"),
    "page_of": ("第 {n} 页，共 {m} 页", "Page {n} of {m}"),
    "facsimile": ("依据文字渲染的摹本", "Rendered facsimile, not a scan"),
    "no_images": ("本件没有页面图像。", "This record has no page images."),
    "static_pages": ("静态页面图像", "Static page images"),
    "viewer_open": ("在新窗口中打开 IIIF 浏览器", "Open the IIIF viewer in a new window"),
    "viewer_missing": ("未安装 IIIF 浏览器（Mirador），下面只显示静态页面图像。请在 Jiyi 目录中运行 `make viewer`，然后刷新本页。",
                       "The IIIF viewer (Mirador) is not installed, so only the static page images are shown. "
                       "Run `make viewer` in the Jiyi checkout, then reload this page."),
    "manifest": ("IIIF 清单", "IIIF manifest"),
    "entities": ("提及的人物、机构、地点与日期", "People, bodies, places and dates it mentions"),
    "no_entities": ("图谱中没有本件提及的实体。", "The graph records no mentions for this record."),
    "entity": ("名称", "Name"),
    "mentions": ("提及次数", "Mentions"),
    "method": ("识别方法", "Method"),
    "confidence": ("置信度", "Confidence"),
    "records_n": ("档案数", "Records"),
    "type": ("类型", "Type"),
    "t_Person": ("人物", "People"),
    "t_CorporateBody": ("机构", "Corporate bodies"),
    "t_Place": ("地点", "Places"),
    "t_Date": ("日期", "Dates"),
    "t_Event": ("事件", "Events"),
    "t_Record": ("档案", "Records"),
    "filter_sets": ("档案范围", "Record sets"),
    "filter_types": ("实体类型", "Entity types"),
    "node_cap": ("节点上限", "Node limit"),
    "capped": ("图中显示 {shown} 个节点（共 {total} 个），按关联档案数优先。可提高上限或缩小范围。",
               "Showing {shown} of {total} nodes, best-connected entities first. Raise the limit or narrow the filters."),
    "graph_empty": ("所选范围内没有实体。", "No entities in this selection."),
    "top_entities": ("关联档案最多的实体", "Entities in the most records"),
    "no_graph": ("尚无公开图谱（build/public/graph/public.ttl）。", "No public graph yet (build/public/graph/public.ttl)."),
}


def lang() -> str:
    return st.session_state.get(LANG_KEY, "zh")


def t(key: str, **values) -> str:
    zh, en = STRINGS[key]
    return (en if lang() == "en" else zh).format(**values)


def pick(zh: str, en: str) -> str:
    """Content in the reader's language; Chinese when no English was written."""
    return en if lang() == "en" and en else zh
