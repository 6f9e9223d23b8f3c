"""End to end in a real browser (issue 7): every page of `jiyi app --public` and the staff app in Debian's Chromium.

The app runs as a reader starts it (`jiyi app` on a free loopback port); Playwright drives /usr/bin/chromium
(tests/browser.py). Each page is visited in 中文 and English, then a visitor clicks through
home → exhibit → item → entity → neighbour → graph explorer. Any Streamlit exception box, page error,
console error or request leaving loopback fails the test; a screenshot of every page lands in a
test-output folder whose path is printed (`pytest -s` shows it).

Streamlit draws over a websocket after the HTML has loaded, so every step waits for an element the
page is known to draw (its title, a table, the network's iframe), never for a fixed time.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from browser import open_browser, running_app
from jiyi.apps.i18n import LANGUAGES, STRINGS
from jiyi.apps.users import add_user
from jiyi.workspace import Workspace

THEME, QUERY = "red-archives", "会议"  # a themed database and a word with hits in the demo (test_search_page.py)
PASSWORD = "遵义 1935 conference"
WAIT = 60_000  # ms: the first graph page loads the store and lays out vis.js on a 2-core machine
LANGS = ("zh", "en")
EXCEPTION = '[data-testid="stException"]'
PAGE_LINK = '[data-testid="stPageLink-NavLink"]'  # st.page_link; the sidebar's navigation uses stSidebarNavLink
NAV_LINK = '[data-testid="stSidebarNavLink"]'
NETWORK = 'iframe[srcdoc*="vis.Network"]'
HITS = {"zh": re.compile(r"共 [1-9]\d* 条结果"), "en": re.compile(r"^[1-9]\d* hits, page")}  # the "search_total" line


def s(key: str, lang: str, **values) -> str:
    """The app's own interface string, so the test waits for what a reader of that language sees."""
    return STRINGS[key][LANGS.index(lang)].format(**values)


class Walk:
    """A browser walking one app: visit or click, wait for the page's content, check it, screenshot it."""

    def __init__(self, browser, base: str, shots: Path):
        self.browser, self.page, self.base, self.shots = browser, browser.page, base, shots
        self.page.set_default_timeout(WAIT)
        self.taken: list[str] = []

    def goto(self, path: str) -> None:
        self.page.goto(self.base + path, timeout=WAIT)

    def settle(self, *expected) -> None:
        """Wait for each expected locator, then for Streamlit's run to end (its status widget gone)."""
        for locator in expected:
            locator.first.wait_for(state="visible")
        self.page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")

    def heading(self, text: str):
        return self.page.get_by_role("heading", name=text, exact=False)

    def switch_language(self, lang: str) -> None:
        """The sidebar radio (apps/main.py): the page reruns in that language, in the same session."""
        self.page.locator('[data-testid="stSidebar"]').get_by_text(LANGUAGES[lang], exact=True).click()

    def check(self, name: str) -> None:
        """Screenshot, then fail on an exception box, a page or console error, or a request off this machine."""
        path = self.shots / f"{len(self.taken) + 1:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.taken.append(path.name)
        boxes = self.page.locator(EXCEPTION)
        assert boxes.count() == 0, f"{name}: Streamlit exception: {boxes.first.inner_text()[:2000]}"
        self.browser.drop_stcore_probes()
        assert not self.browser.errors, f"{name}: {self.browser.errors}"
        assert not self.browser.blocked, f"{name}: requests tried to leave this machine: {self.browser.blocked}"


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("browser-walk")
    print(f"\nbrowser walk screenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def public_url(ws):
    with running_app(ws.root) as url:
        yield url


@pytest.fixture(scope="module")
def exhibits(ws) -> list[dict]:
    return [json.loads(f.read_text(encoding="utf-8")) for f in sorted(ws.public_exhibits_dir.glob("*.json"))]


@pytest.fixture(scope="module")
def walk_record(ws, public_records) -> dict:
    """The first public record whose IIIF manifest has a page image: the item page with Mirador in it."""
    for record in public_records:
        manifest = ws.public_iiif_dir / record["id"] / "manifest.json"
        if manifest.is_file() and json.loads(manifest.read_text(encoding="utf-8")).get("items"):
            return record
    raise AssertionError("the demo should publish a manifest with page images")


@pytest.fixture(scope="module")
def walk_entity(ws) -> str:
    """The person most records name, read from the public graph (as test_graph_explorer.py picks it)."""
    from pyoxigraph import RdfFormat, Store

    store = Store()
    store.bulk_load(path=str(ws.public_graph_dir / "public.ttl"), format=RdfFormat.TURTLE)
    rico = "https://www.ica.org/standards/RiC/ontology#"
    rows = store.query(f"""SELECT ?p (COUNT(DISTINCT ?r) AS ?n) WHERE {{ ?p a <{rico}Person> . ?r <{rico}hasOrHadSubject> ?p }}
        GROUP BY ?p ORDER BY DESC(?n) ?p LIMIT 1""")
    return next(iter(rows))[0].value


def link_label(link) -> str:
    """A page link's words: its inner text starts with the icon's ligature name (person_search) on a line of its own."""
    return link.inner_text().strip().splitlines()[-1].strip()


def title_of(exhibit: dict, lang: str) -> str:
    return exhibit.get(f"title_{lang}") or exhibit["title_zh"]  # pick(): Chinese when no English was written


def test_every_public_page_in_both_languages(public_url, shots, exhibits, walk_record, walk_entity):
    started = time.monotonic()
    with open_browser(shots) as browser:
        walk = Walk(browser, public_url, shots)
        record_title = {"zh": walk_record["title"],
                        "en": walk_record.get("extra", {}).get("英文题名") or walk_record["title"]}
        pages = [  # (name, path, what each language must show)
            ("home", "", lambda lang: [walk.heading(s("holdings", lang))]),
            *[(f"exhibit-{e['id']}", f"exhibit?exhibit={quote(e['id'])}",
               lambda lang, e=e: [walk.heading(title_of(e, lang))]) for e in exhibits],
            ("item", f"item?id={quote(walk_record['id'])}",
             lambda lang: [walk.heading(record_title[lang]), walk.heading(s("metadata", lang)),
                           walk.page.locator('[data-testid="stTable"]')]),
            ("search", f"search?theme={THEME}&q={quote(QUERY)}",
             lambda lang: [walk.page.get_by_text(HITS[lang]), walk.page.locator(f'{PAGE_LINK}[href*="item?id="]')]),
            ("entity", f"entity?uri={quote(walk_entity, safe='')}",
             lambda lang: [walk.heading(s("neighbours", lang)), walk.page.locator(f'{PAGE_LINK}[href*="entity?uri="]')]),
            ("timeline", "timeline", lambda lang: [walk.heading(s("nav_timeline", lang)),
                                                   walk.page.locator("ol.timeline").first]),
            ("map", "map", lambda lang: [walk.heading(s("nav_map", lang)), walk.page.locator("figure.map circle").first]),  # SVG survives (apps/ui.py drawn)
            ("graph-overview", "graph",
             lambda lang: [walk.heading(s("top_entities", lang)), walk.page.locator(NETWORK)]),
        ]
        for name, path, expected in pages:
            walk.goto(path)
            walk.settle(*expected("zh"))
            walk.check(f"{name}-zh")
            walk.switch_language("en")
            walk.settle(*expected("en"))
            walk.check(f"{name}-en")

        # The explorer's ego network: a mode chosen on the page, in both languages.
        walk.goto("graph")
        walk.settle(walk.page.locator(NETWORK))
        for lang in LANGS:
            if lang == "en":
                walk.switch_language("en")
                walk.settle(walk.heading("Graph explorer"))
            walk.page.get_by_text(s("ge_mode_ego", lang), exact=True).click()
            # Regression: the type filter's choices survive the language switch (apps/views/graph_explorer.py);
            # before, the English rerun raised a TypeError or emptied the filter.
            kinds = walk.page.locator('[data-testid="stMultiSelect"]').first
            walk.settle(walk.heading(s("ge_export", lang)), walk.page.locator(NETWORK),
                        kinds.get_by_text(s("t_Person", lang), exact=True), kinds.get_by_text(s("t_Record", lang), exact=True))
            walk.check(f"graph-ego-{lang}")
    print(f"public pages in both languages: {len(walk.taken)} screenshots in {time.monotonic() - started:.0f} s")


def test_a_visitor_clicks_from_home_to_the_graph_explorer(public_url, shots, exhibits):
    """Home → an exhibit → an item in it → an entity it names → a neighbour → the graph explorer, by clicks only."""
    started = time.monotonic()
    with open_browser(shots) as browser:
        walk = Walk(browser, public_url, shots)
        walk.goto("")
        walk.settle(walk.heading(s("holdings", "zh")))
        exhibit = exhibits[0]
        walk.page.locator(PAGE_LINK).filter(has_text=title_of(exhibit, "zh")).first.click()
        walk.page.wait_for_url(f"**/exhibit?exhibit={exhibit['id']}")
        walk.settle(walk.heading(title_of(exhibit, "zh")), walk.page.locator(f'{PAGE_LINK}[href*="item?id="]'))
        walk.check("click-exhibit")

        item = walk.page.locator(f'{PAGE_LINK}[href*="item?id="]').first
        record_id = link_label(item).rsplit("·", 1)[-1].strip()  # "查看条目 · <id>" (apps/views/exhibit.py)
        item.click()
        walk.page.wait_for_url(re.compile(rf"/item\?id={re.escape(quote(record_id))}$"))
        entity = walk.page.locator(f'{PAGE_LINK}[href*="entity?uri="]')
        walk.settle(walk.heading(s("entities", "zh")), entity)
        walk.check("click-item")

        entity_name = link_label(entity.first)
        entity.first.click()
        walk.page.wait_for_url("**/entity?uri=**")
        first_uri = walk.page.url
        walk.settle(walk.heading(entity_name), walk.heading(s("neighbours", "zh")))
        walk.check("click-entity")

        neighbour = walk.page.locator(f'{PAGE_LINK}[href*="entity?uri="]').first  # the neighbours are the only entity links
        neighbour_name = link_label(neighbour).split(" · ")[0].strip()
        neighbour_href = neighbour.get_attribute("href")  # entity?uri=…, the same page with another entity
        assert neighbour_href != first_uri.rsplit("/", 1)[-1]
        neighbour.click()
        # Regression: Streamlit reran the page for the neighbour but left the old ?uri= in the address bar,
        # so a copied or reloaded URL showed the first entity (fixed in apps/views/entity.py).
        walk.page.wait_for_url(f"**/{neighbour_href}")
        walk.settle(walk.heading(neighbour_name), walk.heading(s("neighbours", "zh")))
        walk.check("click-neighbour")

        walk.page.locator(NAV_LINK).filter(has_text=s("nav_graph", "zh")).click()
        walk.page.wait_for_url("**/graph")
        walk.settle(walk.heading(s("top_entities", "zh")), walk.page.locator(NETWORK))
        walk.check("click-graph")
    print(f"click-through home → graph explorer in {time.monotonic() - started:.0f} s")


# ---------------------------------------------------------------- the staff app: sign-in, console, review, roles
@pytest.fixture(scope="module")
def staff_url(built_demo, tmp_path_factory):
    """`jiyi app` (staff) on a copy of the built demo with a curator and a researcher, so users.json never
    touches the shared build."""
    ws, _ = built_demo
    copy = Workspace(tmp_path_factory.mktemp("staff-walk") / "demo")
    shutil.copytree(ws.root, copy.root)
    add_user(copy, "curator1", "curator", PASSWORD)
    add_user(copy, "li", "researcher", PASSWORD)
    with running_app(copy.root, public=False) as url:
        yield url


def sign_in(walk: Walk, name: str, password: str) -> None:
    """Fill the sign-in form as a person does and submit it (a new browser session starts signed out)."""
    walk.page.get_by_label(s("user_name", "zh")).fill(name)
    walk.page.get_by_label(s("password", "zh")).fill(password)
    walk.page.get_by_role("button", name=s("sign_in", "zh"), exact=True).click()


def nav(walk: Walk, key: str):
    """The sidebar's navigation entry of a page, by its Chinese title."""
    return walk.page.locator(NAV_LINK).filter(has_text=s(key, "zh"))


def test_the_staff_app_signs_in_and_shows_each_role_its_pages(staff_url, shots):
    started = time.monotonic()
    with open_browser(shots) as browser:
        walk = Walk(browser, staff_url, shots)
        walk.goto("")
        walk.settle(walk.heading(s("sign_in_title", "zh")), walk.page.get_by_label(s("password", "zh")))
        assert walk.page.locator(NAV_LINK).count() == 0  # nothing but the form before sign-in
        walk.check("staff-sign-in")

        sign_in(walk, "curator1", "not the password")
        walk.settle(walk.page.get_by_text(s("sign_in_failed", "zh")))
        walk.check("staff-wrong-password")

        sign_in(walk, "curator1", PASSWORD)
        walk.settle(walk.heading(s("holdings", "zh")),
                    walk.page.get_by_text(s("signed_in_as", "zh", name="curator1", role=s("role_curator", "zh"))))
        walk.check("staff-home-curator")

        nav(walk, "nav_console").click()  # a click, not a new URL: a new URL is a new session, signed out
        walk.settle(walk.heading(s("nav_console", "zh")))
        walk.page.get_by_role("button", name=s("run_query", "zh")).click()
        walk.settle(walk.page.get_by_text(re.compile(r"^[1-9]\d* 行$")), walk.page.locator('[data-testid="stDataFrame"]'))
        walk.check("staff-console-sparql")

        nav(walk, "nav_review").click()
        walk.settle(walk.heading(s("nav_review", "zh")), walk.page.get_by_text(re.compile(r"^共 [1-9]\d* 个尚未审核的实体")))
        walk.check("staff-review")

    with open_browser(shots) as browser:  # a researcher: the console, not the review queue
        walk = Walk(browser, staff_url, shots)
        walk.goto("")
        walk.settle(walk.page.get_by_label(s("password", "zh")))
        sign_in(walk, "li", PASSWORD)
        walk.settle(walk.heading(s("holdings", "zh")), nav(walk, "nav_console"))
        assert nav(walk, "nav_review").count() == 0
        walk.check("staff-home-researcher")
    print(f"staff app: sign-in, console, review and roles in {time.monotonic() - started:.0f} s")
