"""The kept texts (indexer/texts.py): a rebuild reads each item's text from what indexing
kept, as long as the item's files are the ones it came from, and never keeps the text of
an encrypted item."""

from __future__ import annotations

import dataclasses
import hashlib
import sqlite3
from pathlib import Path

from archive.items import Item, StoredFile
from indexer.text import Extracted
from indexer.texts import Early, TextStore
from tests.conftest import Bureau
from tests.factories import make_docx
from tests.indexer.test_engines import NOTICE, found

TEXTS = "index/texts.sqlite"


def file_notice(bureau: Bureau, tmp_path: Path, text: str) -> dict:
    doc = make_docx(tmp_path / "notice.docx", text=text)
    return bureau.json("file", doc, *NOTICE, "--title", "Notice")


def kept_ids(bureau: Bureau) -> set[str]:
    with sqlite3.connect(bureau.root / TEXTS) as conn:
        return {row[0] for row in conn.execute("SELECT item_id FROM texts")}


def item(sha256: str, encrypted: bool = False) -> Item:
    stored = StoredFile(1, "document", "docx", True, "n.docx", "application/x", 1, sha256)
    values = {f.name: "x" for f in dataclasses.fields(Item) if f.default is dataclasses.MISSING}
    values.update(id="I1", year=2026, item_no=1, doc_no=None, template=None, supersedes=None)
    return Item(**values, files=(stored,), encrypted=encrypted)


def test_a_rebuild_takes_the_text_indexing_kept_without_reading_the_files(
    bureau: Bureau, tmp_path: Path
):
    filed = file_notice(bureau, tmp_path, "the lanterns of the canteen")
    bureau.ok("watch", "--once", "--settle", "0")
    blobs = [p for p in bureau.root.rglob(filed["sha256"]) if p.is_file()]
    assert blobs
    for blob in blobs:
        blob.unlink()  # a rebuild parsing the files would find no text now
    bureau.ok("index", "rebuild")
    assert found(bureau, "lanterns") == {filed["id"]}


def test_a_kept_text_is_not_used_for_an_item_whose_files_changed(tmp_path: Path):
    texts = TextStore(tmp_path / "texts.sqlite")
    texts.keep([(item("a" * 64), Extracted(text="old words", unavailable=None))])
    assert texts.current([item("a" * 64)])["I1"].text == "old words"
    assert texts.current([item("b" * 64)]) == {}


def test_an_encrypted_items_text_is_never_kept(tmp_path: Path):
    texts = TextStore(tmp_path / "texts.sqlite")
    texts.keep([(item("a" * 64), Extracted(text="readable", unavailable=None))])
    texts.keep([(item("a" * 64, encrypted=True), Extracted(text="secret", unavailable=None))])
    assert texts.current([item("a" * 64)]) == {}


def test_an_item_classified_confidential_leaves_no_kept_text(bureau: Bureau, tmp_path: Path):
    filed = file_notice(bureau, tmp_path, "the quokka fund")
    bureau.ok("watch", "--once", "--settle", "0")
    assert filed["id"] in kept_ids(bureau)
    bureau.ok("classify", filed["id"], "confidential")
    bureau.ok("watch", "--once", "--settle", "0")
    assert filed["id"] not in kept_ids(bureau)
    bureau.ok("index", "rebuild")
    assert filed["id"] not in kept_ids(bureau)
    assert found(bureau, "quokka") == {filed["id"]}


def test_a_rebuild_forgets_the_text_of_items_no_longer_in_the_catalog(tmp_path: Path):
    texts = TextStore(tmp_path / "texts.sqlite")
    texts.keep([(item("a" * 64), Extracted(text="gone", unavailable=None))])
    texts.keep([(dataclasses.replace(item("a" * 64), id=i), Extracted(i, None)) for i in "ACE"])
    texts.keep_only(["B", "C", "D"])
    kept = texts.current([dataclasses.replace(item("a" * 64), id=i) for i in "ABCDE"])
    assert set(kept) == {"C"}


def test_a_damaged_text_store_is_set_aside_and_the_rebuild_extracts_again(
    bureau: Bureau, tmp_path: Path
):
    filed = file_notice(bureau, tmp_path, "the lanterns of the canteen")
    bureau.ok("watch", "--once", "--settle", "0")
    (bureau.root / TEXTS).write_bytes(b"not a database at all" * 300)
    bureau.ok("index", "rebuild")
    assert found(bureau, "lanterns") == {filed["id"]}
    assert kept_ids(bureau) == {filed["id"]}


def test_a_text_extracted_while_filing_is_kept_only_for_an_item_of_exactly_that_file(
    tmp_path: Path,
):
    doc = make_docx(tmp_path / "notice.docx", text="lanterns in the canteen")
    digest = hashlib.sha256(doc.read_bytes()).hexdigest()
    store = tmp_path / "texts.sqlite"
    Early(store, [doc, doc]).keep([item("f" * 64), None])
    assert TextStore(store).current([item(digest)]) == {}
    Early(store, [doc]).keep([item(digest)])
    assert "lanterns" in TextStore(store).current([item(digest)])["I1"].text
