"""Verifying seals in a real browser: a sealed PDF passes, a copy with one byte changed
fails."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Live, Tab

NOTICE_ZH = Path(__file__).resolve().parents[2] / "templates" / "notice" / "sample.zh.yaml"


@pytest.fixture(scope="module")
def pdfs(live: Live) -> tuple[Path, Path]:
    """A notice generated sealed by the General Office, and a copy with one byte changed
    inside its first stream (as tests/test_sign_verify.py tampers). Sealing runs in a new
    process: pyHanko starts an event loop, which it cannot while Playwright's runs here."""
    item = live.bureau.real.json(
        "generate", "notice", "--data", NOTICE_ZH, "--dept", "BGS", "--lang", "zh",
        "--pdf", "--sign",
    )  # fmt: skip
    folder = live.root.parent / "uploads"
    folder.mkdir()
    sealed = folder / "sealed.pdf"
    live.bureau.ok("get", item["id"], "--out", sealed)
    data = bytearray(sealed.read_bytes())
    data[data.find(b"stream") + 40] ^= 0x01
    tampered = folder / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    return sealed, tampered


def test_a_sealed_pdf_passes_and_a_tampered_copy_fails(tab: Tab, pdfs: tuple[Path, Path]):
    tab.sign_in("aud")
    tab.page.click("nav.menu a[href='/verify']")
    tab.page.wait_for_url(tab.live.at("/verify"))
    tab.shot("form")
    tab.page.set_input_files("input[name=files]", [str(p) for p in pdfs])
    with tab.page.expect_navigation():
        tab.page.click("form[action='/verify'] button[type=submit]:not([formaction])")
    sealed = tab.page.locator("article.report", has=tab.page.locator("h3", has_text="sealed.pdf"))
    tampered = tab.page.locator(
        "article.report", has=tab.page.locator("h3", has_text="tampered.pdf")
    )
    expect(sealed.locator(".verdict code")).to_have_text("TOTAL_PASSED")
    expect(tampered.locator(".verdict code")).to_contain_text("TOTAL_FAILED")
    expect(sealed.locator(".verdict strong")).to_have_text("验证通过")
    expect(tampered.locator(".verdict strong")).to_have_text("验证未通过")
    tab.shot("reports")
