"""A secretary's work in a real browser: a notice from its form, downloaded as PDF, and a
batch from a small CSV sheet whose progress reaches the end."""

from __future__ import annotations

import csv
import io
import re

from playwright.sync_api import expect

from tests.browser.conftest import Tab

NOTICE = {
    "field.title": "关于开展校园安全检查的通知",
    "field.recipients": "各区（县）教育局，局属各学校",
    "field.body": "一、检查范围\n各校校舍、食堂和校车。\n二、时间安排\n3月31日前完成。",
    "field.note": "联系人：王明，电话：0571-88886666",
}


def test_a_notice_filled_in_is_generated_and_its_pdf_downloads(tab: Tab):
    tab.sign_in("sec")
    tab.page.click("nav.menu a[href='/generate']")
    tab.page.wait_for_url(tab.live.at("/generate"))
    tab.shot("templates")
    tab.page.click("a[href='/generate/notice']")
    tab.page.wait_for_url(tab.live.at("/generate/notice"))
    tab.shot("form")
    tab.page.select_option("#lang", "zh")
    tab.page.check("#pdf")
    for name, value in NOTICE.items():
        tab.page.fill(f"[name='{name}']", value)
    tab.page.click("#generate")
    tab.page.wait_for_url(re.compile(r"/generate/items/"), timeout=120_000)  # LibreOffice
    expect(tab.page.locator("#item-title")).to_have_text(NOTICE["field.title"])
    expect(tab.page.locator("#doc-no")).to_contain_text("〔")
    tab.shot("generated")
    with tab.page.expect_download() as waiting:
        tab.page.click("#download-pdf")
    download = waiting.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


def test_a_batch_of_three_rows_runs_to_the_end_with_its_progress(tab: Tab):
    tab.sign_in("sec")
    example = tab.page.request.get(tab.live.at("/generate/notice/example.csv"))
    assert example.ok, example.status
    rows = list(csv.DictReader(io.StringIO(example.text().lstrip("\ufeff"))))
    assert rows, "the example sheet has a row"
    sheet = tab.live.root.parent / "three-notices.csv"
    with sheet.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        for n in range(3):
            writer.writerow({**rows[0], "title": f"{rows[0]['title']}（第{n + 1}批）"})
    tab.page.click("nav.menu a[href='/batch']")
    tab.page.wait_for_url(tab.live.at("/batch"))
    tab.shot("form")
    tab.page.select_option("#template", "notice")
    tab.page.set_input_files("#sheet", str(sheet))
    tab.page.click("#start")
    tab.page.wait_for_url(re.compile(r"/batch/[^/]+$"))
    tab.shot("started")
    progress = tab.page.locator("#progress")
    expect(tab.page.locator("#summary")).to_be_visible(timeout=120_000)
    expect(progress).to_have_attribute("max", "3")
    expect(progress).to_have_attribute("value", "3")
    expect(tab.page.locator("#counts")).to_contain_text("3")
    expect(tab.page.locator("table.made tbody tr")).to_have_count(3)
    tab.shot("finished")
