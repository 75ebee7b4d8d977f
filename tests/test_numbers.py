"""The document-number register: unique, gapless numbers, every one accounted for."""

from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path

import pytest

from archive import numbers
from archive.home import DataHome
from archive.service import Archive


def test_numbers_print_as_gb_t_9704_and_its_english_rendering():
    assert numbers.format_number("市教办", 2026, 12, "zh") == "市教办〔2026〕12号"
    assert numbers.format_number("CEB-BGS", 2026, 12, "en") == "CEB-BGS [2026] No. 12"


def test_a_series_runs_per_prefix_and_year(archive: Archive):
    taken = [
        archive.allocate_number("BGS", "notice", "zh", 2026).doc_no,
        archive.allocate_number("BGS", "notice", "en", 2026).doc_no,
        archive.allocate_number("BGS", "letter", "zh", 2026).doc_no,
        archive.allocate_number("BGS", "notice", "zh", 2027).doc_no,
        archive.allocate_number("RSK", "notice", "zh", 2026).doc_no,
    ]
    assert taken == [
        "市教办〔2026〕1号",
        "CEB-BGS [2026] No. 2",  # one series for both languages of the same organ prefix
        "市教办函〔2026〕1号",
        "市教办〔2027〕1号",
        "市教人〔2026〕1号",
    ]


def test_a_void_number_stays_in_the_register_with_its_reason(archive: Archive):
    number = archive.allocate_number("JCK", "budget", "en", 2026)
    archive.void_number(number, "LibreOffice timed out")
    [entry] = archive.number_register(2026)
    assert (entry.status, entry.reason) == ("void", "LibreOffice timed out")
    assert archive.allocate_number("JCK", "budget", "en", 2026).n == 2


def _allocate_many(home: str, count: int, queue) -> None:
    with Archive.open(DataHome(Path(home)), actor=f"p{os.getpid()}") as archive:
        for _ in range(count):
            queue.put(archive.allocate_number("BGS", "notice", "zh", 2026).n)


def test_concurrent_processes_never_share_a_number_and_leave_no_gap(archive: Archive):
    queue = multiprocessing.get_context("spawn").Queue()
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=_allocate_many, args=(str(archive.home.root), 15, queue))
        for _ in range(4)
    ]
    for p in procs:
        p.start()
    got = [queue.get(timeout=120) for _ in range(60)]
    for p in procs:
        p.join(timeout=60)
    assert sorted(got) == list(range(1, 61))


def _reserve_and_hang(home: str, ready) -> None:
    with Archive.open(DataHome(Path(home)), actor="victim") as archive:
        archive.allocate_number("BGS", "notice", "zh", 2026)
        ready.set()
        signal.pause()


def test_a_number_reserved_by_a_killed_process_is_voided_with_the_reason(archive: Archive):
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    proc = ctx.Process(target=_reserve_and_hang, args=(str(archive.home.root), ready))
    proc.start()
    assert ready.wait(60)
    assert archive.number_register()[0].status == "reserved"
    os.kill(proc.pid, signal.SIGKILL)
    proc.join()
    [entry] = archive.number_register()
    assert entry.status == "void" and "ended before the document was filed" in entry.reason


def test_an_unknown_department_cannot_allocate(archive: Archive):
    from archive.errors import BadInput

    with pytest.raises(BadInput):
        archive.allocate_number("NOPE", "notice", "zh", 2026)
