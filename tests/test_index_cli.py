"""The index as derived data: rebuilt from the archive, checked, and refused when unusable."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import pytest

from indexer import sync
from indexer.generations import IndexDir
from tests.conftest import Bureau
from tests.factories import make_docx

NOTICE = ["--kind", "notice", "--dept", "BGS", "--retention", "D30", "--date", "2026-03-04"]


def file_notices(bureau: Bureau, tmp_path: Path, count: int) -> list[str]:
    ids = []
    for n in range(count):
        doc = make_docx(tmp_path / f"n{n}.docx", text=f"notice number word{n} about canteens")
        ids.append(bureau.json("file", doc, *NOTICE, "--title", f"Notice {n}")["id"])
    return ids


def hits(bureau: Bureau, *query: str) -> list[str]:
    return [h["id"] for h in bureau.json("search", *query, "--limit", "100")["hits"]]


def live_generation(home: Path) -> Path:
    return home / "index" / (home / "index" / "CURRENT").read_text().strip()


# The file naming an index's segments: tantivy's, and Whoosh's (_MAIN_<n>.toc).
TABLES_OF_CONTENTS = {"meta.json"}


def index_files(generation: Path) -> list[Path]:
    """The engine's own files of a generation (its segments and their table of contents,
    not state.json nor lock files)."""
    return [
        f
        for f in generation.iterdir()
        if f.is_file()
        and f.name != "state.json"
        and not f.name.startswith(".")
        and not f.name.endswith(".lock")
    ]


def test_rebuild_indexes_every_filed_item(bureau: Bureau, tmp_path: Path):
    ids = file_notices(bureau, tmp_path, 3)
    assert bureau.json("index", "rebuild") == {"indexed": 3}
    assert sorted(hits(bureau, "canteens")) == sorted(ids)
    assert bureau.json("search", "canteens")["pending"] == 0


def test_rebuild_replaces_the_generation_and_removes_the_old_one(bureau: Bureau, tmp_path: Path):
    file_notices(bureau, tmp_path, 1)
    bureau.ok("index", "rebuild")
    first = live_generation(bureau.root)
    bureau.ok("index", "rebuild")
    second = live_generation(bureau.root)
    assert first != second and second.is_dir() and not first.exists()


def test_status_counts_items_indexed_and_pending(bureau: Bureau, tmp_path: Path):
    assert bureau.json("index", "status")["built"] is False
    file_notices(bureau, tmp_path, 2)
    bureau.ok("watch", "--once", "--settle", "0")
    file_notices_more = make_docx(tmp_path / "late.docx", text="late arrival")
    bureau.ok("file", file_notices_more, *NOTICE, "--title", "Late")
    status = bureau.json("index", "status")
    assert (status["built"], status["items"], status["indexed"], status["pending"]) == (
        True,
        3,
        2,
        1,
    )


def test_watch_once_reconciles_entries_missed_by_the_change_feed(bureau: Bureau, tmp_path: Path):
    ids = file_notices(bureau, tmp_path, 2)
    bureau.ok("watch", "--once", "--settle", "0")
    state = live_generation(bureau.root) / "state.json"
    data = json.loads(state.read_text())
    bureau.ok("index", "rebuild")  # a fresh generation, then pretend it forgot one item:
    index = IndexDir(bureau.root / "index").open(live_generation(bureau.root), readonly=False)
    writer = index.writer()
    writer.delete(ids[0])
    writer.commit()
    index.close()
    assert sorted(hits(bureau, "canteens")) == [ids[1]]
    assert data["position"] > 0
    bureau.ok("watch", "--once", "--settle", "0")
    assert sorted(hits(bureau, "canteens")) == sorted(ids)


def test_an_index_from_an_older_schema_is_refused_with_a_rebuild_hint(
    bureau: Bureau, tmp_path: Path
):
    file_notices(bureau, tmp_path, 1)
    bureau.ok("index", "rebuild")
    state = live_generation(bureau.root) / "state.json"
    state.write_text(json.dumps({"schema": 0, "position": 0}))
    for command in (["search", "canteens"], ["watch", "--once"], ["index", "status"]):
        result = bureau.fails(2, *command)
        assert "older version" in result.err and "bureau index rebuild" in result.err
    bureau.ok("index", "rebuild")
    assert len(hits(bureau, "canteens")) == 1


@pytest.mark.parametrize("damage", ["truncate", "garbage_current", "delete_segments"])
def test_a_damaged_index_is_detected_with_a_rebuild_hint(
    bureau: Bureau, tmp_path: Path, damage: str
):
    file_notices(bureau, tmp_path, 3)
    bureau.ok("index", "rebuild")
    generation = live_generation(bureau.root)
    if damage == "truncate":
        for f in index_files(generation):
            f.write_bytes(f.read_bytes()[:10])
    elif damage == "garbage_current":
        (bureau.root / "index" / "CURRENT").write_text("../../etc\n")
    else:
        for f in index_files(generation):
            if f.name not in TABLES_OF_CONTENTS and not f.name.endswith(".toc"):
                f.unlink()
    result = bureau.fails(2, "search", "canteens")
    assert "bureau index rebuild" in result.err
    assert len(result.err.strip().splitlines()) == 1
    bureau.ok("index", "rebuild")
    assert len(hits(bureau, "canteens")) == 3


def test_a_killed_rebuild_leaves_the_old_index_in_use(bureau: Bureau, tmp_path: Path):
    ids = file_notices(bureau, tmp_path, 2)
    bureau.ok("index", "rebuild")
    before = live_generation(bureau.root)
    unfinished = bureau.root / "index" / "g000099.building"
    unfinished.mkdir()
    (unfinished / "junk").write_text("half an index")
    assert sorted(hits(bureau, "canteens")) == sorted(ids)
    bureau.ok("index", "rebuild")
    assert not unfinished.exists()
    assert live_generation(bureau.root) != before


def test_search_works_while_a_rebuild_runs(bureau: Bureau, tmp_path: Path):
    ids = file_notices(bureau, tmp_path, 3)
    bureau.ok("index", "rebuild")
    rebuild = subprocess.Popen(
        bureau.command("index", "rebuild"), env=bureau.env(), stdout=subprocess.DEVNULL
    )
    try:
        for _ in range(5):
            assert sorted(hits(bureau, "canteens")) == sorted(ids)
    finally:
        assert rebuild.wait(timeout=120) == 0


def test_a_second_watcher_is_refused(bureau: Bureau, tmp_path: Path):
    watcher = subprocess.Popen(
        bureau.command("watch"), env=bureau.env(), stdout=subprocess.PIPE, text=True
    )
    try:
        assert "watching" in watcher.stdout.readline()
        result = bureau.fails(2, "watch", "--once")
        assert "already running" in result.err
    finally:
        watcher.send_signal(signal.SIGTERM)
        assert watcher.wait(timeout=30) == 0


def test_the_watcher_logs_to_the_home(bureau: Bureau, tmp_path: Path):
    file_notices(bureau, tmp_path, 1)
    bureau.ok("watch", "--once")
    log = (bureau.root / "logs" / "watch.log").read_text(encoding="utf-8")
    assert "indexed" in log


def test_settle_must_be_a_sane_number(bureau: Bureau):
    assert "settle" in bureau.fails(2, "watch", "--once", "--settle", "-1").err


def test_watch_settings_in_the_configuration_are_validated(bureau: Bureau):
    config = bureau.root / "config.yaml"
    config.write_text(config.read_text() + "watch:\n  settle_seconds: soon\n", encoding="utf-8")
    assert "watch.settle_seconds" in bureau.fails(2, "watch", "--once").err


def test_a_rebuild_committing_in_many_batches_is_still_whole(
    bureau: Bureau, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    ids = file_notices(bureau, tmp_path, 5)
    monkeypatch.setattr(sync, "REBUILD_BATCH", 2)
    bureau.ok("index", "rebuild")
    assert sorted(hits(bureau, "canteens")) == sorted(ids)
