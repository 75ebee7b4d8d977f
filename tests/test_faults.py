"""Concurrent filers and kills at any moment: the archive stays consistent and complete."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from tests.conftest import Bureau
from tests.factories import make_docx, make_pdf

ARGS = ["--kind", "notice", "--dept", "BGS", "--retention", "D30", "--date", "2026-03-04"]


def test_concurrent_filers_get_unique_gapless_item_numbers(bureau: Bureau, tmp_path):
    docs = [make_pdf(tmp_path / f"{n}.pdf", text=f"document {n}") for n in range(24)]

    def file(doc):
        return bureau.real.json("file", doc, *ARGS, "--title", doc.stem)

    with ThreadPoolExecutor(max_workers=6) as pool:  # six processes at once
        filed = list(pool.map(file, docs))
    numbers = sorted(int(item["archive_code"].rsplit("-", 1)[1]) for item in filed)
    assert numbers == list(range(1, 25))
    assert len({item["id"] for item in filed}) == 24
    assert bureau.json("audit", "verify")["ok"] is True


def test_concurrent_filers_of_the_same_content_store_it_once(bureau: Bureau, tmp_path):
    doc = make_pdf(tmp_path / "same.pdf", text="the same bytes")
    real = bureau.real  # four processes at once
    with ThreadPoolExecutor(max_workers=4) as pool:
        filed = list(pool.map(lambda _: real.json("file", doc, *ARGS, "--title", "t"), range(4)))
    assert len({item["id"] for item in filed}) == 1
    assert sum(1 for item in filed if item["duplicate_of"] is None) == 1


def test_killing_file_at_any_moment_leaves_the_archive_consistent(bureau: Bureau, tmp_path):
    rng = random.Random(20261127)
    started = time.monotonic()
    bureau.ok("file", make_docx(tmp_path / "warm.docx", "warm", "warm-up"), *ARGS)
    full_run = time.monotonic() - started
    for n in range(14):
        doc = make_docx(tmp_path / f"k{n}.docx", f"killed {n} " * 2000, f"Kill {n}")
        proc = subprocess.Popen(
            bureau.command("file", doc, *ARGS),
            cwd=tmp_path,
            env=bureau.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.3, 1.1) * full_run)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    report = bureau.json("audit", "verify")
    assert report["ok"] is True, report["problems"]
    items = bureau.json("list")
    for item in items:
        bureau.ok("get", item["id"], "--out", tmp_path / f"{item['id']}.out")
    bureau.ok("gc", "--grace", "0")
    referenced = {f["sha256"] for item in items for f in item["files"]}
    stored = {p.name for p in (bureau.root / "store").rglob("*") if p.is_file()}
    assert stored == referenced
    numbers = sorted(int(i["archive_code"].rsplit("-", 1)[1]) for i in items)
    after = bureau.json("file", make_docx(tmp_path / "after.docx", "after", "After"), *ARGS)
    assert int(after["archive_code"].rsplit("-", 1)[1]) > max(numbers)


def test_leftovers_of_an_interrupted_filing_are_not_items_and_are_cleaned(bureau: Bureau, tmp_path):
    orphan = bureau.root / "store" / "ab" / "cd" / ("abcd" + "0" * 60)
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"stored, never committed")
    part = bureau.root / "store" / "tmp" / "dead.part"
    part.parent.mkdir(exist_ok=True)
    part.write_bytes(b"half a file")
    assert bureau.json("list") == []
    fresh = bureau.json("audit", "verify")
    assert fresh["ok"] is True and fresh["cleaned"] == 0  # young: could be a filing in flight
    old = time.time() - 7200
    for path in (orphan, part):
        os.utime(path, (old, old))
    aged = bureau.json("audit", "verify")
    assert aged["ok"] is True and aged["cleaned"] == 2
    assert not orphan.exists() and not part.exists()
