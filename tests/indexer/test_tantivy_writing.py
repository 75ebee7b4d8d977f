"""Writing a tantivy index: a rebuild's bulk writer (its documents analysed by worker
processes) writes exactly what the plain writer does."""

from __future__ import annotations

from pathlib import Path

from indexer import pool
from indexer import tantivy_engine as engine

TEXTS = [
    "安全检查 canteen inspections 第{n}号",
    "Teachers' training 教师培训 {n}",
    "ＡＢＣ{n} ﱞ 校园",
]


def fields(n: int) -> dict:
    return {
        "id": f"I{n:05d}",
        "title": f"Notice {n}",
        "body": TEXTS[n % 3].format(n=n),
        "kind": "notice",
        "dept": "BGS",
        "year": 2026,
        "date": "2026-03-04",
        "classification": "internal",
    }


def written(folder: Path, bulk: bool, count: int) -> engine.TantivyEngine:
    folder.mkdir()
    engine.create(folder)
    index = engine.open(folder, readonly=False)
    writer = index.writer(bulk=bulk)
    for n in range(count):
        writer.add(fields(n))
    writer.commit()
    index.close()
    return index


def test_the_bulk_writer_writes_what_the_plain_writer_writes(tmp_path: Path):
    count = pool.CHUNK * 2 + 7  # workers started, and a last partial chunk
    plain = written(tmp_path / "plain", bulk=False, count=count)
    bulk = written(tmp_path / "bulk", bulk=True, count=count)
    assert bulk.document_count() == plain.document_count() == count
    for field, term in [("body", "安全"), ("body", "inspect"), ("body", "abc8"), ("title", "7"),
                        ("spell", "inspections"), ("body", " ٌّ"), ("dept", "bgs")]:  # fmt: skip
        assert bulk.doc_frequency(field, term) == plain.doc_frequency(field, term) > 0
    assert bulk.stored("I00300") == plain.stored("I00300")
    assert bulk.stored("I00300")["body"] == fields(300)["body"]
