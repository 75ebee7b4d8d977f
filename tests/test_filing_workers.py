"""A large batch's per-file work in worker processes (archive/workers.py): the answers are
the ones the filing process would give itself, a worker's death costs nothing but time,
and no worker outlives the process that started it."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive import docmeta
from archive.errors import BadInput
from archive.filing import FiledResult, FilingRequest, Source
from archive.workers import WORTH_IT, Workers
from indexer.texts import Early, TextStore
from tests.factories import make_docx
from tests.generators.conftest import convert
from tests.indexer.test_texts import item

METADATA = {"kind": "notice", "dept": "BGS", "date": "2026-03-04", "retention": "D30"}


def requests(folder: Path, count: int) -> list[FilingRequest]:
    folder.mkdir(exist_ok=True)
    return [
        FilingRequest(
            documents=[
                Source(make_docx(folder / f"n{n:03d}.docx", text=f"notice {folder.name} {n}"))
            ],
            title=f"Notice {n}",
            **METADATA,
        )
        for n in range(count)
    ]


def test_a_large_batch_is_screened_in_worker_processes(archive, tmp_path: Path):
    batch = requests(tmp_path / "docs", WORTH_IT)
    answers = archive.file_batch(batch)
    assert all(isinstance(a, FiledResult) and not a.duplicate_of for a in answers)
    assert archive.workers.pids()
    assert [a.item.title for a in answers] == [f"Notice {n}" for n in range(WORTH_IT)]


def test_a_small_batch_starts_no_worker(archive, tmp_path: Path):
    archive.file_batch(requests(tmp_path / "docs", WORTH_IT - 1))
    assert archive.workers.pids() == []


def test_a_refusal_found_in_a_worker_is_the_one_the_filing_process_would_give(
    archive, tmp_path: Path
):
    batch = requests(tmp_path / "docs", WORTH_IT)
    corrupt = tmp_path / "corrupt.docx"
    corrupt.write_bytes(batch[0].documents[0].path.read_bytes()[:-200])
    batch[1] = FilingRequest(documents=[Source(corrupt)], title="Corrupt", **METADATA)
    batch[2] = FilingRequest(documents=[batch[2].documents[0]], title="No kind")
    with pytest.raises(BadInput) as here:
        docmeta.inspect(corrupt)

    answers = archive.file_batch(batch)

    assert isinstance(answers[1], BadInput) and str(answers[1]) == str(here.value)
    assert isinstance(answers[2], BadInput) and "missing kind" in str(answers[2])
    assert sum(isinstance(a, FiledResult) for a in answers) == WORTH_IT - 2
    assert archive.verify().ok


def test_a_copy_later_in_a_large_batch_is_answered_as_a_duplicate(archive, tmp_path: Path):
    batch = requests(tmp_path / "docs", WORTH_IT)
    batch[-1] = FilingRequest(documents=[batch[0].documents[0]], title="Again", **METADATA)
    answers = archive.file_batch(batch)
    assert answers[-1].duplicate_of == answers[0].item.id


def test_a_worker_killed_leaves_the_batch_to_be_screened_in_the_filing_process(
    archive, tmp_path: Path
):
    archive.file_batch(requests(tmp_path / "first", WORTH_IT))
    killed = archive.workers.pids()
    for pid in killed:
        os.kill(pid, signal.SIGKILL)
    _wait_gone(killed)

    answers = archive.file_batch(requests(tmp_path / "second", WORTH_IT))

    assert all(isinstance(a, FiledResult) and not a.duplicate_of for a in answers)
    archive.file_batch(requests(tmp_path / "third", WORTH_IT))
    assert set(archive.workers.pids()).isdisjoint(killed)  # a new pool was started


def test_closing_the_archive_stops_its_workers(archive, tmp_path: Path):
    archive.file_batch(requests(tmp_path / "docs", WORTH_IT))
    started = archive.workers.pids()
    archive.close()
    _wait_gone(started)
    assert not any(_alive(pid) for pid in started)


FILER = """
import sys, time
from archive.workers import Workers
from archive.docmeta import rendition_of
from pathlib import Path
workers = Workers()
list(workers.map(rendition_of, [Path("a.docx")] * 40))
print(*workers.pids(), flush=True)
time.sleep(60)
"""


def test_a_filing_process_killed_leaves_no_worker_behind():
    assert not survivors_of_a_kill(FILER)


def survivors_of_a_kill(script: str) -> list[int]:
    """Run `script` (it prints its workers' pids), kill -9 it: the workers still alive
    a while later."""
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=os.getcwd()
    )
    assert parent.stdout is not None
    children = [int(pid) for pid in parent.stdout.readline().split()]
    assert children
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    _wait_gone(children)
    return [pid for pid in children if _alive(pid)]


def test_texts_extracted_in_workers_are_kept_for_the_items_they_became(tmp_path: Path):
    docs = [make_docx(tmp_path / f"n{n}.docx", text=f"lantern {n}") for n in range(WORTH_IT)]
    digests = [hashlib.sha256(d.read_bytes()).hexdigest() for d in docs]
    store, workers = tmp_path / "texts.sqlite", Workers()
    try:
        Early(store, docs, workers).keep([item(digests[0])] + [None] * (WORTH_IT - 1))
        assert workers.pids()
    finally:
        workers.close()
    assert "lantern 0" in TextStore(store).current([item(digests[0])])["I1"].text


def test_docx_files_written_by_libreoffice_are_screened_in_workers_and_found(
    bureau, tmp_path: Path
):
    texts = []
    for n in range(WORTH_IT):
        text = tmp_path / "texts" / f"lo{n:02d}.txt"
        text.parent.mkdir(exist_ok=True)
        text.write_text(f"Notice {n} on canteen hygiene, inspection round kw{n}x.\n")
        texts.append(text)
    inbox = bureau.root / "inbox"
    for stem, made in convert(texts, tmp_path / "docx", "docx").items():
        shutil.copy(made, inbox / made.name)
        sidecar = f"kind: notice\ndept: JCK\ndate: 2026-03-04\nretention: D30\ntitle: {stem}\n"
        (inbox / (made.name + ".meta.yaml")).write_text(sidecar, encoding="utf-8")

    bureau.ok("watch", "--once", "--settle", "0")

    assert len(bureau.json("list")) == WORTH_IT
    [hit] = bureau.json("search", "kw7x")["hits"]
    assert hit["title"] == "lo07"


def _wait_gone(pids: list[int]) -> None:
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie child (exited, not yet reaped) is gone for this purpose
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(") ")[-1][:1] != "Z"
    except OSError:  # reaped meanwhile (ENOENT, or ESRCH as it is read)
        return False
