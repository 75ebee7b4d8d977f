"""What each index engine must do beyond answering searches (tests/indexer/test_search.py
runs every search on both): keep its files bounded, forget an item's readable words once
it is encrypted, and hand a home over to the other engine without a moment of no index.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from indexer.analysis import words
from indexer.generations import IndexDir
from tests.conftest import Bureau
from tests.factories import make_docx

ENGINES = ["tantivy", "whoosh"]
NOTICE = ["--kind", "notice", "--dept", "BGS", "--retention", "D30", "--date", "2026-03-04"]


def on_engine(bureau: Bureau, engine: str) -> Bureau:
    bureau.ok("index", "rebuild", "--engine", engine)
    return bureau


def file_notices(bureau: Bureau, tmp_path: Path, count: int, start: int = 0) -> list[str]:
    ids = []
    for n in range(start, start + count):
        doc = make_docx(tmp_path / f"n{n}.docx", text=f"notice about canteens and lanterns {n}")
        ids.append(bureau.json("file", doc, *NOTICE, "--title", f"Notice {n}")["id"])
    return ids


def found(bureau: Bureau, *query: str) -> set[str]:
    return {h["id"] for h in bureau.json("search", *query, "--limit", "100")["hits"]}


def index_bytes(root: Path) -> int:
    return sum(f.stat().st_size for f in root.rglob("*") if f.is_file())


def live(bureau: Bureau) -> Path:
    index = bureau.root / "index"
    return index / (index / "CURRENT").read_text().strip()


@pytest.mark.parametrize("engine", ENGINES)
def test_status_names_the_engine_and_counts_its_documents(
    bureau: Bureau, tmp_path: Path, engine: str
):
    on_engine(bureau, engine)
    file_notices(bureau, tmp_path, 3)
    bureau.ok("watch", "--once", "--settle", "0")
    status = bureau.json("index", "status")
    assert (status["engine"], status["configured_engine"], status["documents"]) == (
        engine,
        engine,
        3,
    )
    assert f"engine: {engine}, 3 document(s)" in bureau.ok("index", "status").out


def test_a_new_home_indexes_with_tantivy(bureau: Bureau, tmp_path: Path):
    file_notices(bureau, tmp_path, 1)
    bureau.ok("watch", "--once", "--settle", "0")
    assert bureau.json("index", "status")["engine"] == "tantivy"


def test_a_home_configured_before_the_choice_keeps_whoosh(bureau: Bureau, tmp_path: Path):
    config = bureau.root / "config.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("index:\n  engine: tantivy\n", ""), encoding="utf-8")
    assert "index:" not in config.read_text(encoding="utf-8")
    file_notices(bureau, tmp_path, 1)
    bureau.ok("watch", "--once", "--settle", "0")
    assert bureau.json("index", "status")["engine"] == "whoosh"


@pytest.mark.parametrize(("before", "after"), [("whoosh", "tantivy"), ("tantivy", "whoosh")])
def test_rebuild_with_an_engine_switches_the_home_and_keeps_every_item_found(
    bureau: Bureau, tmp_path: Path, before: str, after: str
):
    on_engine(bureau, before)
    ids = file_notices(bureau, tmp_path, 3)
    bureau.ok("watch", "--once", "--settle", "0")
    assert bureau.json("index", "rebuild", "--engine", after) == {"indexed": 3}
    status = bureau.json("index", "status")
    assert (status["engine"], status["configured_engine"]) == (after, after)
    assert f"engine: {after}" in (bureau.root / "config.yaml").read_text(encoding="utf-8")
    assert found(bureau, "canteens") == set(ids)
    late = file_notices(bureau, tmp_path, 1, start=3)
    bureau.ok("watch", "--once", "--settle", "0")
    assert found(bureau, "lanterns") == {*ids, *late}
    assert [p.name for p in (bureau.root / "index").iterdir() if p.is_dir()] == [live(bureau).name]


def test_an_unknown_engine_is_refused_in_one_line(bureau: Bureau):
    result = bureau.fails(2, "index", "rebuild", "--engine", "lucene")
    assert "--engine" in result.err and len(result.err.strip().splitlines()) == 1


def test_an_unknown_engine_in_the_configuration_is_named(bureau: Bureau):
    config = bureau.root / "config.yaml"
    text = config.read_text(encoding="utf-8").replace("engine: tantivy", "engine: lucene")
    config.write_text(text, encoding="utf-8")
    assert "index.engine" in bureau.fails(2, "search", "canteens").err


@pytest.mark.parametrize("moment", ["starting", "building", "switching"])
def test_a_switch_killed_at_any_point_leaves_a_usable_index_and_running_it_again_finishes_it(
    bureau: Bureau, tmp_path: Path, moment: str
):
    on_engine(bureau, "whoosh")
    ids = file_notices(bureau, tmp_path, 12)
    bureau.ok("watch", "--once", "--settle", "0")
    index = bureau.root / "index"
    rebuild = subprocess.Popen(
        bureau.command("index", "rebuild", "--engine", "tantivy"),
        env=bureau.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + (0.5 if moment == "starting" else 60)
        while not list(index.glob("g*.building")) and time.monotonic() < deadline:
            time.sleep(0.005)
        if moment == "switching":  # the new generation is complete or nearly so
            while rebuild.poll() is None and list(index.glob("g*.building")):
                time.sleep(0.001)
    finally:
        rebuild.kill()
        rebuild.wait(timeout=30)
    assert found(bureau, "canteens") == set(ids)
    status = bureau.json("index", "status")
    assert status["engine"] in ("whoosh", "tantivy") and status["indexed"] == 12
    if moment != "starting":  # once building, the choice is recorded: a rebuild follows it
        assert status["configured_engine"] == "tantivy"
    bureau.ok("index", "rebuild", "--engine", "tantivy")  # the command again
    assert bureau.json("index", "status")["engine"] == "tantivy"
    assert found(bureau, "canteens") == set(ids)
    assert not list(index.glob("g*.building"))


@pytest.mark.parametrize("engine", ENGINES)
def test_the_index_does_not_grow_with_repeated_commits(bureau: Bureau, tmp_path: Path, engine: str):
    """Each round re-indexes the same items in a commit of its own: the segments they
    replace, and the files of those segments, must go."""
    on_engine(bureau, engine)
    ids = file_notices(bureau, tmp_path, 10)
    bureau.ok("watch", "--once", "--settle", "0")
    folder = IndexDir(bureau.root / "index")
    sizes = []
    for _round in range(30):
        engine_index = folder.open(live(bureau), readonly=False)
        writer = engine_index.writer()
        for item_id in ids:
            writer.replace(engine_index.stored(item_id) | {"id": item_id})
        writer.commit()
        engine_index.close()
        sizes.append(index_bytes(live(bureau)))
    assert sizes[-1] < 2 * sizes[4], sizes
    assert len([f for f in live(bureau).iterdir()]) < 60
    assert found(bureau, "canteens") == set(ids)


@pytest.mark.parametrize("engine", ENGINES)
def test_repeated_rebuilds_leave_one_generation(bureau: Bureau, tmp_path: Path, engine: str):
    on_engine(bureau, engine)
    file_notices(bureau, tmp_path, 2)
    sizes = []
    for _round in range(5):
        bureau.ok("index", "rebuild")
        sizes.append(index_bytes(bureau.root / "index"))
    assert [p for p in (bureau.root / "index").iterdir() if p.is_dir()] == [live(bureau)]
    assert max(sizes) < 1.5 * min(sizes), sizes


@pytest.mark.parametrize("engine", ENGINES)
def test_an_item_encrypted_after_indexing_leaves_none_of_its_words_in_the_index(
    bureau: Bureau, tmp_path: Path, engine: str
):
    """Its readable document was deleted from the index; no segment may keep it (deleted
    documents' words stay in a segment until it is rewritten)."""
    on_engine(bureau, engine)
    file_notices(bureau, tmp_path, 3)
    doc = make_docx(tmp_path / "budget.docx", text="the quokka fund is kept confidential")
    item = bureau.json("file", doc, *NOTICE, "--title", "Quokka budget")
    bureau.ok("watch", "--once", "--settle", "0")
    folder = IndexDir(bureau.root / "index")
    with folder.reading(live(bureau)) as index:
        assert index.doc_frequency("body", "quokka") == 1
    bureau.ok("classify", item["id"], "confidential")
    bureau.ok("watch", "--once", "--settle", "0")
    with folder.reading(live(bureau)) as index:
        assert index.doc_frequency("body", "quokka") == 0
        assert index.doc_frequency("title", "quokka") == 0
        assert index.document_count() == 4
    assert found(bureau, "quokka") == {item["id"]}  # by its blind tokens
    assert found(bureau, "canteens") != set()


def test_upgrade_offers_a_whoosh_home_the_switch_to_tantivy(bureau: Bureau):
    assert bureau.json("upgrade")["index_engine"] == "tantivy"
    assert "--engine tantivy" not in bureau.ok("upgrade").out
    on_engine(bureau, "whoosh")
    assert bureau.json("upgrade")["index_engine"] == "whoosh"
    assert "bureau index rebuild --engine tantivy" in bureau.ok("upgrade").out


@pytest.mark.parametrize("engine", ENGINES)
def test_a_secretary_of_a_department_without_documents_finds_and_counts_nothing(
    bureau: Bureau, tmp_path: Path, engine: str
):
    """Their filter matches no document: that must find nothing, not mean no filter."""
    on_engine(bureau, engine)
    file_notices(bureau, tmp_path, 2)  # all of BGS
    bureau.ok("watch", "--once", "--settle", "0")
    bureau.json("users", "add", "sara", "--role", "secretary", "--clearance", "internal",
                "--dept", "RSK")  # fmt: skip
    result = bureau.json("--user", "sara", "search", "canteens")
    assert (result["total"], result["hits"]) == (0, [])
    status = bureau.json("--user", "sara", "index", "status")
    assert (status["indexed"], status["documents"], status["unavailable"]) == (0, 0, [])


@pytest.mark.parametrize("engine", ENGINES)
def test_a_term_with_a_space_inside_is_indexed_whole(bureau: Bureau, tmp_path: Path, engine: str):
    """NFKC turns a few letters (Arabic presentation forms) into a space and marks: the
    term keeps its space, as the analyzer made it, and is not split in two."""
    on_engine(bureau, engine)
    doc = make_docx(tmp_path / "odd.docx", text="canteen \ufc5e lanterns")
    bureau.json("file", doc, *NOTICE, "--title", "Odd letters")
    bureau.ok("watch", "--once", "--settle", "0")
    term = words("\ufc5e")[0]
    assert " " in term
    with IndexDir(bureau.root / "index").reading(live(bureau)) as index:
        assert index.doc_frequency("body", term) == 1
        assert index.doc_frequency("body", "lantern") == 1
