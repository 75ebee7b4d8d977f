"""Signing in and out, the language, one's password and the 404 page, in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.browser.conftest import Live, Tab, close_tab, open_tab
from tests.conftest import PASSWORD


def test_a_wrong_password_shows_the_error_and_the_right_one_the_home_page(tab: Tab):
    tab.sign_in("sec", "not the password", step="refused")
    expect(tab.page.locator("p.error")).to_have_text("用户名或密码错误")
    expect(tab.page.locator("input[name=username]")).to_have_value("sec")
    tab.page.fill("input[name=password]", PASSWORD)
    tab.page.click("form[action='/login'] button[type=submit]")
    tab.page.wait_for_url(tab.live.at("/"))
    expect(tab.page.locator("h1")).to_have_text("欢迎，sec")
    expect(tab.page.locator("nav.menu")).to_contain_text("生成公文")
    tab.shot("home")


def test_the_language_switches_to_english_and_back(tab: Tab):
    tab.sign_in("arc")
    tab.page.click("#switch-language")
    expect(tab.page.locator("html")).to_have_attribute("lang", "en")
    expect(tab.page.locator("h1")).to_have_text("Welcome, arc")
    tab.shot("english")
    tab.page.click("#switch-language")
    expect(tab.page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(tab.page.locator("h1")).to_have_text("欢迎，arc")
    tab.shot("chinese")


def test_a_changed_password_is_the_one_that_signs_in_afterwards(tab: Tab):
    new = "a new password of pat's"
    tab.live.bureau.ok("users", "add", "pat", "--role", "auditor", "--clearance", "internal")
    tab.sign_in("pat")
    tab.page.click("a.who")
    tab.page.wait_for_url(tab.live.at("/account"))
    tab.shot("account")
    tab.page.fill("input[name=current]", PASSWORD)
    tab.page.fill("input[name=new]", new)
    tab.page.fill("input[name=repeat]", new)
    tab.page.click("form[action='/account/password'] button[type=submit]")
    expect(tab.page.locator("p.flash")).to_have_text("密码已修改，您的其他会话均已结束")
    tab.shot("changed")
    tab.sign_out()
    tab.shot("signed-out")
    tab.sign_in("pat", new, step="new-password")
    expect(tab.page.locator("h1")).to_have_text("欢迎，pat")


def test_after_signing_out_neither_the_back_button_nor_the_old_cookie_gets_in(
    tab: Tab, browser: Browser, live: Live
):
    tab.sign_in("sec")
    expect(tab.page.locator("h1")).to_have_text("欢迎，sec")
    kept = tab.context.cookies()
    tab.sign_out()
    tab.shot("signed-out")
    tab.page.go_back()
    tab.page.wait_for_load_state()
    expect(tab.page).to_have_url(re.compile(r"/login"))
    expect(tab.page.locator("body")).not_to_contain_text("欢迎")
    tab.shot("back")
    copied = open_tab(browser, live, tab.test + "-copied-cookie")
    try:
        copied.context.add_cookies(kept)
        copied.go("/")
        expect(copied.page).to_have_url(re.compile(r"/login\?next=%2F$"))
        expect(copied.page.locator("h1")).to_have_text("登录")
        copied.shot("old-cookie")
    finally:
        close_tab(copied)


def test_a_page_that_does_not_exist_is_the_404_page(tab: Tab):
    tab.sign_in("arc")
    answer = tab.go("/no/such/page")
    assert answer is not None and answer.status == 404
    expect(tab.page.locator("h1")).to_have_text("未找到")
    expect(tab.page.locator("main")).to_contain_text("没有这个页面或文件，或您无权查看。")
    tab.shot("not-found")


def test_the_tests_would_see_an_inline_script_the_policy_refuses(tab: Tab):
    """The guard every browser test has: a CSP violation is an error the fixture fails on."""
    tab.go("/login")
    tab.shot("login")
    tab.page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ran = 1'; document.body.append(s); }"
    )
    tab.page.wait_for_timeout(100)
    assert tab.page.evaluate("() => window.ran") is None
    assert any("Content Security Policy" in e for e in tab.errors), tab.errors
    assert any(e.startswith("CSP violation: script-src") for e in tab.errors), tab.errors
    tab.errors.clear()


def test_every_page_of_the_administrators_menu_opens_without_an_error(tab: Tab):
    """A screenshot of each page the menu offers (the administrator's has them all)."""
    tab.sign_in("tester")
    links = tab.page.locator("nav.menu a").evaluate_all("links => links.map(a => a.pathname)")
    assert {"/generate", "/batch", "/search", "/inbox", "/verify", "/users"} <= set(links)
    for path in links:
        answer = tab.go(path)
        assert answer is not None and answer.status == 200, (path, answer and answer.status)
        expect(tab.page.locator("h1")).to_be_visible()
        tab.shot(path.strip("/").replace("/", "-"))
