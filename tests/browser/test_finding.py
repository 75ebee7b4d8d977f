"""Finding documents in a real browser: a search and a hit opened, and an item above the
visitor's clearance that is the same 404 page as a missing one."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Live, Tab
from tests.factories import make_docx

META = ["--kind", "notice", "--dept", "BGS", "--retention", "D30", "--date", "2026-03-04"]


@pytest.fixture(scope="module")
def filed(live: Live) -> dict[str, dict]:
    """A public notice about the playground and a secret one, filed and indexed."""
    folder = live.root.parent / "documents"
    folder.mkdir()
    playground = make_docx(
        folder / "playground.docx",
        text="The playground of Riverside Primary School will be resurfaced in the spring.",
        title="Resurfacing the playground",
    )
    papers = make_docx(
        folder / "papers.docx",
        text="The examination papers are kept in the strong room until the morning.",
        title="Custody of the examination papers",
    )
    items = {
        "public": live.bureau.json("file", playground, *META, "--classification", "public"),
        "secret": live.bureau.json("file", papers, *META, "--classification", "secret"),
    }
    live.bureau.ok("index", "rebuild")
    return items


def test_a_search_finds_the_notice_and_its_hit_opens_the_item(tab: Tab, filed):
    tab.sign_in("arc")
    tab.page.click("nav.menu a[href='/search']")
    tab.page.wait_for_url(tab.live.at("/search"))
    tab.shot("search")
    tab.page.fill("#q", "playground")
    tab.page.click("#search-submit")
    tab.page.wait_for_url(re.compile(r"/search\?.*q=playground"))
    hit = tab.page.locator("article.hit").first
    expect(hit).to_contain_text("Resurfacing the playground")
    expect(hit.locator("mark").first).to_have_text(re.compile("playground", re.I))
    tab.shot("results")
    hit.locator("a").first.click()
    tab.page.wait_for_url(tab.live.at(f"/items/{filed['public']['id']}"))
    expect(tab.page.locator("h1")).to_contain_text("Resurfacing the playground")
    tab.shot("item")


def test_a_secret_item_is_the_404_page_for_an_internal_secretary(tab: Tab, filed):
    tab.sign_in("sec")
    answer = tab.go(f"/items/{filed['secret']['id']}")
    assert answer is not None and answer.status == 404
    expect(tab.page.locator("h1")).to_have_text("未找到")
    expect(tab.page.locator("main")).not_to_contain_text("examination papers")
    secret_page = tab.page.locator("main").inner_text()
    tab.shot("secret-item")
    missing = tab.go("/items/no-such-item")
    assert missing is not None and missing.status == 404
    tab.shot("missing-item")
    assert tab.page.locator("main").inner_text() == secret_page  # nothing tells them apart
