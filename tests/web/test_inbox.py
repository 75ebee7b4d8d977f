"""The inbox page: what waits, what the watcher rejected and why, and one run of the
watcher from a button."""

from __future__ import annotations

import re
import time
from pathlib import Path

from tests.factories import make_docx
from tests.web.conftest import Web

META = {"kind": "notice", "dept": "BGS", "date": "2026-03-04", "retention": "D30"}


def inbox(web: Web) -> Path:
    return web.root / "inbox"


def quick_settling(web: Web) -> None:
    """Files count as settled a moment after they arrive (the default is 5 seconds)."""
    config = web.root / "config.yaml"
    config.write_text(
        config.read_text(encoding="utf-8") + "watch:\n  settle_seconds: 0.1\n", encoding="utf-8"
    )


def drop(web: Web, name: str, text: str, meta: dict[str, str] | None = None) -> Path:
    folder = inbox(web)
    folder.mkdir(exist_ok=True)
    if meta is not None:
        sidecar = "".join(f"{k}: {v!r}\n" for k, v in meta.items())
        (folder / (name + ".meta.yaml")).write_text(sidecar, encoding="utf-8")
    return make_docx(folder / name, text=text)


def rejected(web: Web, name: str, reason: str) -> None:
    """A file the watcher set aside, as indexer/inbox.py leaves it."""
    folder = inbox(web) / "rejected"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(b"not a document")
    (folder / (name + ".reason.txt")).write_text(reason + "\n", encoding="utf-8")


def section(page: str, table_id: str) -> str:
    found = re.search(rf'<table class="inbox" id="{table_id}">(.*?)</table>', page, re.S)
    return found.group(1) if found else ""


def test_the_inbox_lists_waiting_files(web: Web):
    drop(web, "budget.docx", "the budget", META | {"title": "Budget"})
    page = web.signed_in("arc").get("/inbox")
    assert page.status_code == 200
    waiting = section(page.text, "waiting")
    assert "budget.docx" in waiting and ".meta.yaml</td>" not in waiting


def test_rejected_files_are_listed_with_their_reasons(web: Web):
    rejected(web, "scan.docx", "missing kind: the document does not say")
    page = web.signed_in("arc").get("/inbox").text
    listed = section(page, "rejected")
    assert "scan.docx" in listed and "missing kind: the document does not say" in listed
    assert ".reason.txt" not in listed


def test_an_empty_inbox_says_so(web: Web):
    page = web.signed_in("arc").get("/inbox").text
    assert 'id="waiting"' not in page and "没有内容" in page


def test_processing_files_what_has_settled_and_rejects_what_it_cannot(web: Web):
    quick_settling(web)
    drop(web, "budget.docx", "the canteen budget for spring", META | {"title": "Spring budget"})
    drop(web, "nometa.docx", "a document that does not say what it is")
    time.sleep(0.2)
    visitor = web.signed_in("arc")
    answer = visitor.submit("/inbox/process")
    assert answer.status_code == 303
    page = visitor.get(answer.headers["location"]).text
    assert "处理完毕：归档 1 份，重复 0 份，退回 1 份。" in page
    assert section(page, "waiting") == ""
    listed = section(page, "rejected")
    assert "nometa.docx" in listed and "missing" in listed
    found = web.bureau.json("search", "canteen")
    assert [h["title"] for h in found["hits"]] == ["Spring budget"]


def test_processing_needs_the_csrf_token(web: Web):
    visitor = web.signed_in("arc")
    assert visitor.post("/inbox/process", data={}, follow_redirects=False).status_code == 403
    assert visitor.post("/inbox/process", data={"csrf_token": "x"}).status_code == 403


def test_roles_that_may_not_watch_are_refused(web: Web):
    for name in ("sec", "aud"):
        visitor = web.signed_in(name)
        assert visitor.get("/inbox").status_code == 403, name
        assert visitor.submit("/inbox/process").status_code == 403, name


def test_the_administrator_may_use_the_inbox(web: Web):
    assert web.signed_in("tester").get("/inbox").status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(web: Web):
    answer = web.client().get("/inbox", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=%2Finbox"


def test_hostile_names_and_reasons_show_as_text(web: Web):
    rejected(web, "<script>alert(1)<\u2215script>.docx", "bad <img src=x> reason")
    page = web.signed_in("arc").get("/inbox").text
    assert "<script>" not in page and "<img src=x>" not in page
    assert "&lt;script&gt;alert(1)&lt;\u2215script&gt;.docx" in page
    assert "bad &lt;img src=x&gt; reason" in page


def test_counts_in_the_address_are_only_numbers(web: Web):
    page = web.signed_in("arc").get("/inbox?ran=1&filed=<b>x</b>&rejected=2").text
    assert "<b>x</b>" not in page and "归档 0 份" in page and "退回 2 份" in page


def test_a_duplicate_of_an_item_above_ones_clearance_is_not_named(web: Web, tmp_path: Path):
    from tests.web import archivist_support as docs

    secret = docs.file(web, tmp_path, "Exam security plan", "plan", "--classification", "secret")
    folder = inbox(web) / "duplicates"
    folder.mkdir(parents=True)
    (folder / "copy.docx").write_bytes(b"copy")
    note = (
        f"duplicate of item {secret['archive_code']} (id {secret['id']}, 'Exam security plan'), "
        "already in the archive: nothing was filed\n"
    )
    (folder / "copy.docx.reason.txt").write_text(note, encoding="utf-8")
    web.bureau.ok("users", "add", "low", "--role", "archivist", "--clearance", "internal")
    shown = section(web.signed_in("arc").get("/inbox").text, "duplicates")
    assert "Exam security plan" in shown and secret["id"] in shown
    hidden = section(web.signed_in("low").get("/inbox").text, "duplicates")
    assert "copy.docx" in hidden
    assert "Exam security plan" not in hidden and secret["id"] not in hidden
    assert secret["archive_code"] not in hidden


def test_processing_while_the_watcher_runs_says_so(web: Web):
    from indexer.generations import IndexDir

    visitor = web.signed_in("arc")
    with IndexDir(web.root / "index").watch_lock():
        answer = visitor.submit("/inbox/process")
    assert answer.status_code == 303
    assert "监视程序正在运行" in visitor.get(answer.headers["location"]).text


def test_the_inbox_page_has_no_inline_script_or_style(web: Web):
    rejected(web, "scan.docx", "missing kind")
    page = web.signed_in("arc").get("/inbox").text
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert " style=" not in page and "<style" not in page
    assert not re.search(r"\son[a-z]+=", page)
