"""The watcher, end to end: a real `bureau watch` process on a real inbox folder.

Every test drives the command as an operator would (drop, rename or write files into
HOME/inbox/, send signals, kill it) and checks the result through the CLI: the catalog
(`list`, `show`), the inbox folders and the search index (`search`, `index status`). The
watcher in the background is always a process of its own; the checks, and `watch --once`,
run the command's entry point in the test's process (see tests/conftest.py).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from indexer import watch
from tests.conftest import Bureau
from tests.factories import make_docx, pdf_bytes

SETTLE = 0.5  # seconds a dropped file must stay unchanged; small so the tests are quick
META = {"kind": "notice", "dept": "BGS", "date": "2026-03-04", "retention": "D30"}
PDF_META = {f"bureau.{key}": value for key, value in META.items()}
CONSONANTS = "bcdfghjklmnpqrtvwxz"  # made-up words of these are left alone by the stemmer


def word(n: int) -> str:
    """A distinctive made-up word, different for every n below 19**3."""
    a, rest = divmod(n, 19 * 19)
    b, c = divmod(rest, 19)
    return f"zq{CONSONANTS[a]}{CONSONANTS[b]}{CONSONANTS[c]}x"


def wait_until(
    predicate: Callable[[], Any], timeout: float = 30.0, what: str = "it", every: float = 0.05
) -> Any:
    """Poll `predicate` until it is truthy (returning its value) or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"gave up after {timeout} s waiting for {what}")
        time.sleep(every)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# -- the inbox ---------------------------------------------------------------------------


def inbox(bureau: Bureau) -> Path:
    return bureau.root / "inbox"


def sidecar_text(meta: dict[str, str]) -> str:
    return "".join(f"{key}: {value!r}\n" for key, value in meta.items())


def drop_docx(
    folder: Path,
    name: str,
    text: str,
    title: str | None = None,
    meta: dict[str, str] | None = META,
) -> Path:
    """A DOCX saying `text`, with a sidecar giving its metadata (written first)."""
    folder.mkdir(parents=True, exist_ok=True)
    if meta is not None:
        sidecar = {**meta, "title": title or f"Notice {text}"}
        (folder / (name + ".meta.yaml")).write_text(sidecar_text(sidecar), encoding="utf-8")
    return make_docx(folder / name, text=text)


def pdf_with_metadata(text: str, title: str) -> bytes:
    """A PDF carrying all its filing metadata in its document information."""
    return pdf_bytes(text, info={"Title": title, **PDF_META})


def waiting(bureau: Bureau) -> list[str]:
    """The files still in the inbox itself (not in its rejected/ or duplicates/ folders)."""
    return sorted(p.name for p in inbox(bureau).iterdir() if not p.is_dir())


def claims(bureau: Bureau) -> list[Path]:
    """In-flight claims (inbox/.processing/CLAIM/) and anything inside them."""
    folder = inbox(bureau) / ".processing"
    return sorted(folder.rglob("*")) if folder.exists() else []


def settled_in(bureau: Bureau, where: str) -> list[str]:
    folder = inbox(bureau) / where
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def items(bureau: Bureau) -> list[dict[str, Any]]:
    return bureau.json("list")


def hits(bureau: Bureau, *query: str) -> dict[str, Any]:
    return bureau.json("search", *query)


def found_once(bureau: Bureau, query: str) -> dict[str, Any] | None:
    """The one hit for `query`, once the index has exactly one."""
    results = hits(bureau, query)
    return results["hits"][0] if results["total"] == 1 else None


def configure_watch(bureau: Bureau, **settings: float) -> None:
    config = bureau.root / "config.yaml"
    lines = "".join(f"  {key}: {value}\n" for key, value in settings.items())
    config.write_text(config.read_text(encoding="utf-8") + "watch:\n" + lines, encoding="utf-8")


# -- the watcher process -----------------------------------------------------------------


class Watcher:
    """One `bureau watch` process; its output goes to a file the test reads."""

    def __init__(self, bureau: Bureau, log: Path, args: tuple[str, ...]) -> None:
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                bureau.command("watch", *args),
                cwd=bureau.cwd,
                env=bureau.env(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def running(self) -> bool:
        return self.process.poll() is None

    def check_running(self) -> None:
        assert self.running(), f"the watcher exited ({self.process.returncode}):\n{self.output()}"

    def ready(self) -> Watcher:
        def started() -> bool:
            self.check_running()
            return "watching " in self.output()

        wait_until(started, timeout=30, what="the watcher to start")
        return self

    def filed(self) -> int:
        return self.output().count(": filed ")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"the watcher ignored signal {sig} for {timeout} s") from None

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


StartWatcher = Callable[..., Watcher]


@pytest.fixture
def start_watcher(bureau: Bureau, tmp_path: Path) -> Iterator[StartWatcher]:
    """Start `bureau watch ARGS...` (settle SETTLE unless told); every one is ended after."""
    started: list[Watcher] = []

    def start(*args: str, settle: float | None = SETTLE) -> Watcher:
        extra = ("--settle", str(settle)) if settle is not None else ()
        watcher = Watcher(bureau, tmp_path / f"watch-{len(started)}.log", (*args, *extra))
        started.append(watcher)
        return watcher.ready() if "--once" not in args else watcher

    yield start
    for watcher in started:
        if watcher.running():
            watcher.process.terminate()
            try:
                watcher.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                watcher.kill()


# -- dropping files ----------------------------------------------------------------------


def test_a_dropped_docx_with_a_sidecar_is_filed_and_becomes_searchable(
    bureau: Bureau, start_watcher: StartWatcher
):
    start_watcher()
    drop_docx(inbox(bureau), "report.docx", "The zqkestrelx inspection of school canteens")
    hit = wait_until(lambda: found_once(bureau, "zqkestrelx"), what="the document in the index")
    assert hit["title"] == "Notice The zqkestrelx inspection of school canteens"
    assert hit["archive_code"] == "J042-WS·2026-D30-BGS-0001"
    assert waiting(bureau) == []  # the document and its sidecar are gone from the inbox
    assert [i["id"] for i in items(bureau)] == [hit["id"]]


def test_a_file_renamed_into_the_inbox_from_a_sibling_folder_is_taken(
    bureau: Bureau, start_watcher: StartWatcher
):
    staging = bureau.root / "staging"
    source = drop_docx(staging, "moved.docx", "zqheronx")
    time.sleep(2 * SETTLE)  # old enough already: only the rename itself is new
    start_watcher()
    os.rename(source.with_name("moved.docx.meta.yaml"), inbox(bureau) / "moved.docx.meta.yaml")
    os.rename(source, inbox(bureau) / "moved.docx")
    hit = wait_until(lambda: found_once(bureau, "zqheronx"), what="the renamed document")
    assert hit["title"] == "Notice zqheronx"
    assert waiting(bureau) == []


def test_a_file_still_being_written_is_not_taken_until_it_is_complete(
    bureau: Bureau, start_watcher: StartWatcher
):
    settle = 1.0
    configure_watch(bureau, settle_seconds=settle)  # the config key, not --settle
    watcher = start_watcher(settle=None)
    whole = padded_pdf_bytes("zqosprey report", "Osprey report", padding=1 << 20)
    chunks = [whole[n : n + len(whole) // 8 + 1] for n in range(0, len(whole), len(whole) // 8 + 1)]
    target = inbox(bureau) / "big.pdf"
    with target.open("wb", buffering=0) as out:
        for chunk in chunks:  # a slow writer: pauses shorter than the settle time, 8 times
            out.write(chunk)
            time.sleep(0.6 * settle)
            assert waiting(bureau) == ["big.pdf"], "taken while it was being written"
            assert settled_in(bureau, "rejected") == []
            assert [p for p in claims(bureau) if p.is_file()] == []
            watcher.check_running()
    assert target.stat().st_size == len(whole)
    hit = wait_until(lambda: found_once(bureau, "zqosprey"), what="the completed PDF")
    assert bureau.json("show", hit["id"])["sha256"] == hashlib.sha256(whole).hexdigest()
    lines = [line for line in watcher.output().splitlines() if "big.pdf" in line]
    assert len(lines) == 1 and ": filed " in lines[0], lines  # never rejected or retried


KILLED_BATCH = 30
KILL_MOMENTS = {
    "after-1-filed": lambda bureau, watcher: watcher.filed() >= 1,
    "after-12-filed": lambda bureau, watcher: watcher.filed() >= 12,
    "with-a-claim-in-flight": lambda bureau, watcher: any(p.is_file() for p in claims(bureau)),
    "while-indexing": lambda bureau, watcher: watcher.filed() == KILLED_BATCH,  # indexing next
}


@pytest.mark.parametrize("moment", list(KILL_MOMENTS), ids=list(KILL_MOMENTS))
def test_a_watcher_killed_mid_batch_and_restarted_files_and_indexes_everything_once(
    bureau: Bureau, start_watcher: StartWatcher, tmp_path: Path, moment: str
):
    count = KILLED_BATCH
    staging = tmp_path / "staging"
    for n in range(count):
        drop_docx(staging, f"doc{n:02d}.docx", f"Report {word(n)}", title=f"Report {word(n)}")
    expected = {sha256(p) for p in staging.glob("*.docx")}
    assert len(expected) == count

    first = start_watcher()
    for path in sorted(staging.iterdir(), key=lambda p: not p.name.endswith(".meta.yaml")):
        os.rename(path, inbox(bureau) / path.name)  # each sidecar before its document
    kill_now = KILL_MOMENTS[moment]
    wait_until(lambda: kill_now(bureau, first), what=moment, every=0.001)
    first.kill()  # SIGKILL: no chance to finish anything
    indexed = sum(map(int, re.findall(r"index: (\d+) item\(s\) indexed", first.output())))
    finished = first.filed() == count and indexed == count  # a first batch may be partial
    assert not finished, "the watcher finished before it could be killed"

    second = start_watcher()

    def all_done() -> bool:
        status = bureau.json("index", "status")
        return waiting(bureau) == [] and status["indexed"] == count and status["pending"] == 0

    wait_until(all_done, timeout=60, what="the inbox to empty and the index to catch up")
    assert second.stop() == 0

    filed = items(bureau)
    assert len(filed) == count
    assert {i["sha256"] for i in filed} == expected
    assert settled_in(bureau, "duplicates") == [] and settled_in(bureau, "rejected") == []
    assert claims(bureau) == []
    status = bureau.json("index", "status")
    assert (status["items"], status["indexed"], status["pending"]) == (count, count, 0)
    everything = hits(bureau, " OR ".join(word(n) for n in range(count)), "--limit", "100")
    assert everything["total"] == count  # one entry per item: none indexed twice
    assert sorted(h["title"] for h in everything["hits"]) == sorted(
        f"Report {word(n)}" for n in range(count)
    )
    assert len({h["id"] for h in everything["hits"]}) == count


def test_a_batch_killed_again_and_again_as_it_is_filed_leaves_each_document_filed_once(
    bureau: Bureau, start_watcher: StartWatcher, tmp_path: Path
):
    """A batch is filed as one group commit. Killed (SIGKILL) at moments spread over its
    claim, screening, commit and clearing away, again and again, the watcher leaves every
    document filed and out of the inbox, or back in the inbox to be filed again: in the end
    each is filed exactly once, with its own audit entry, and the trail and the stored
    files verify."""
    count = 150  # one batch (watch.INBOX_BATCH)
    staging = tmp_path / "staging"
    for n in range(count):
        drop_docx(staging, f"k{n:03d}.docx", f"Minutes {word(n)}", title=f"Minutes {word(n)}")
    expected = {sha256(p) for p in staging.glob("*.docx")}
    for path in sorted(staging.iterdir(), key=lambda p: not p.name.endswith(".meta.yaml")):
        os.rename(path, inbox(bureau) / path.name)

    killed_in_flight = 0
    for delay in (0.0, 0.2, 0.5, 0.9, 1.4):
        if not waiting(bureau):
            break
        watcher = start_watcher()
        wait_until(
            lambda: any(p.is_file() for p in claims(bureau)) or not waiting(bureau),
            what="a batch in flight",
            every=0.001,
        )
        killed_in_flight += any(p.is_file() for p in claims(bureau))
        time.sleep(delay)
        watcher.kill()
    assert killed_in_flight >= 1, "no watcher was killed with a batch in flight"

    final = start_watcher()

    def all_done() -> bool:
        status = bureau.json("index", "status")
        return waiting(bureau) == [] and status["indexed"] == count and status["pending"] == 0

    wait_until(all_done, timeout=120, what="the inbox to empty and the index to catch up")
    assert final.stop() == 0
    filed = items(bureau)
    assert len(filed) == count and {i["sha256"] for i in filed} == expected
    assert settled_in(bureau, "duplicates") == [] and settled_in(bureau, "rejected") == []
    assert claims(bureau) == []
    filings = [e for e in bureau.json("audit", "log") if e["action"] == "file"]
    assert sorted(e["item_id"] for e in filings) == sorted(i["id"] for i in filed)
    assert bureau.json("audit", "verify")["ok"] is True


# -- stopping ----------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_watcher_exits_0_promptly_on_a_stop_signal(start_watcher: StartWatcher, sig: int):
    watcher = start_watcher()
    began = time.monotonic()
    assert watcher.stop(sig, timeout=5) == 0
    assert time.monotonic() - began < 5
    assert "Traceback" not in watcher.output()


def test_a_stop_signal_ends_a_long_idle_wait_promptly(bureau: Bureau, start_watcher: StartWatcher):
    configure_watch(bureau, poll_seconds=60)  # a quiet archive checked once a minute
    watcher = start_watcher()
    time.sleep(1)  # now waiting for the next poll
    began = time.monotonic()
    assert watcher.stop(signal.SIGTERM, timeout=5) == 0
    assert time.monotonic() - began < 5


def test_a_stop_signal_mid_batch_finishes_the_batch_in_hand_and_loses_nothing(
    bureau: Bureau, start_watcher: StartWatcher, tmp_path: Path
):
    count = 30
    staging = tmp_path / "staging"
    for n in range(count):
        (staging / f"p{n:02d}.pdf").parent.mkdir(exist_ok=True)
        (staging / f"p{n:02d}.pdf").write_bytes(pdf_with_metadata(word(n), f"Budget {word(n)}"))
    watcher = start_watcher()
    for path in sorted(staging.iterdir()):
        os.rename(path, inbox(bureau) / path.name)
    wait_until(lambda: watcher.filed() >= 1, what="the first filing")
    assert watcher.stop(signal.SIGTERM, timeout=30) == 0
    assert [p for p in claims(bureau) if p.is_file()] == []
    assert len(items(bureau)) + len(waiting(bureau)) == count  # filed, or still waiting
    assert settled_in(bureau, "rejected") == [] and settled_in(bureau, "duplicates") == []


def test_watch_once_json_reports_what_it_did_and_logs_to_stderr(bureau: Bureau, tmp_path: Path):
    folder = inbox(bureau)
    drop_docx(folder, "one.docx", "zqonex")
    drop_docx(folder, "two.docx", "zqtwox")
    (folder / "bad.pdf").write_bytes(b"%PDF-1.4 garbage")
    done = bureau("watch", "--once", "--settle", "0", "--json")
    assert done.code == 0, done.err
    assert done.json() == {
        "filed": 2,
        "duplicates": 0,
        "rejected": 1,
        "indexed": 2,
        "removed": 0,
        "waiting": 0,
    }
    assert "one.docx: filed" in done.err and "bad.pdf: rejected" in done.err
    assert waiting(bureau) == []
    assert hits(bureau, "zqonex")["total"] == 1


# -- keeping the index current -----------------------------------------------------------


def test_an_item_filed_with_bureau_file_while_the_watcher_runs_becomes_searchable(
    bureau: Bureau, start_watcher: StartWatcher, tmp_path: Path
):
    start_watcher()
    doc = make_docx(tmp_path / "filed.docx", text="The zqpelicanx programme", title="Pelican")
    item = bureau.json(
        "file", doc, "--kind", "notice", "--dept", "BGS", "--retention", "D30", "--date",
        "2026-03-04",
    )  # fmt: skip
    hit = wait_until(lambda: found_once(bureau, "zqpelicanx"), timeout=15, what="the item")
    assert hit["id"] == item["id"]
    assert hits(bureau, "zqpelicanx")["pending"] == 0


def test_an_index_rebuild_while_the_watcher_runs_does_not_stop_it_indexing(
    bureau: Bureau, start_watcher: StartWatcher
):
    start_watcher()
    drop_docx(inbox(bureau), "before.docx", "zqbeforex")
    wait_until(lambda: found_once(bureau, "zqbeforex"), what="the first document")
    assert bureau.json("index", "rebuild")["indexed"] == 1
    drop_docx(inbox(bureau), "after.docx", "zqafterx")
    wait_until(lambda: found_once(bureau, "zqafterx"), what="a document filed after the rebuild")
    assert found_once(bureau, "zqbeforex")
    status = bureau.json("index", "status")
    assert (status["items"], status["indexed"], status["pending"]) == (2, 2, 0)


# -- what is left alone, rejected or recognised as a duplicate ---------------------------


def test_temporary_lock_and_hidden_files_are_left_alone(
    bureau: Bureau, start_watcher: StartWatcher
):
    folder = inbox(bureau)
    junk = b"\x00\x01 an editor's owner file \xff"
    (folder / "~$report.docx").write_bytes(junk)
    (folder / ".~lock.report.docx#").write_bytes(b"tester,host,/tmp,27.11.2026 10:00,\n")
    (folder / "x.tmp").write_bytes(pdf_with_metadata("zqtmpx", "Temporary"))
    (folder / "y.part").write_bytes(pdf_with_metadata("zqpartx", "Partial download"))
    (folder / "z.crdownload").write_bytes(pdf_with_metadata("zqcrx", "Chrome download"))
    drop_docx(folder, ".hidden.docx", "zqhiddenx")
    left = waiting(bureau)
    watcher = start_watcher()
    drop_docx(folder, "real.docx", "zqrealx")  # once it is filed, a turn saw all of them
    wait_until(lambda: watcher.filed() == 1 and "real.docx" not in waiting(bureau), what="filing")
    time.sleep(3 * SETTLE)  # a few more turns
    assert waiting(bureau) == left
    assert [i["title"] for i in items(bureau)] == ["Notice zqrealx"]
    assert settled_in(bureau, "rejected") == [] and settled_in(bureau, "duplicates") == []
    assert ".hidden.docx" not in watcher.output() and "~$report" not in watcher.output()


def _corrupt_docx(path: Path) -> None:
    path.write_bytes(os.urandom(4096))


def _truncated_docx(path: Path) -> None:
    whole = make_docx(path, text="cut short").read_bytes()
    path.write_bytes(whole[: len(whole) // 2])


def _garbage_pdf(path: Path) -> None:
    path.write_bytes(b"%PDF-1.4 garbage")


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _plain_docx(path: Path) -> None:
    make_docx(path, text="A docx that says nothing about itself")


def _symlink(path: Path) -> None:
    target = make_docx(path.with_name("elsewhere.docx"), text="linked, not copied")
    path.symlink_to(target)


def _text_file(path: Path) -> None:
    path.write_text("minutes of the meeting\n", encoding="utf-8")


FULL_SIDECAR = sidecar_text({**META, "title": "Bad input"})
BAD_INPUTS = {
    # id: (file name, how it is made, its sidecar or None, words the reason must contain)
    "random-bytes-docx": ("corrupt.docx", _corrupt_docx, FULL_SIDECAR, ["not a DOCX"]),
    "truncated-docx": ("truncated.docx", _truncated_docx, FULL_SIDECAR, ["corrupt DOCX"]),
    "unparseable-pdf": ("garbage.pdf", _garbage_pdf, FULL_SIDECAR, ["unparseable PDF"]),
    "empty-file": ("empty.pdf", _empty, FULL_SIDECAR, ["empty"]),
    "no-metadata": ("plain.docx", _plain_docx, None, ["missing kind"]),
    "unknown-sidecar-key": (
        "colour.docx",
        _plain_docx,
        FULL_SIDECAR + "colour: red\n",
        ["unknown key 'colour'", "kind"],  # it names the bad key and the keys there are
    ),
    "not-docx-or-pdf": ("notes.txt", _text_file, FULL_SIDECAR, [".docx", ".pdf"]),
    "symbolic-link": ("link.docx", _symlink, FULL_SIDECAR, ["symbolic link", "copy the file"]),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=list(BAD_INPUTS))
def test_a_file_that_cannot_be_filed_is_rejected_with_its_reason_and_the_watcher_goes_on(
    bureau: Bureau, start_watcher: StartWatcher, tmp_path: Path, case: str
):
    name, make, sidecar, reason_words = BAD_INPUTS[case]
    staging = tmp_path / "staging"
    staging.mkdir()
    make(staging / name)
    original = (staging / name).read_bytes()
    if sidecar is not None:
        (inbox(bureau) / (name + ".meta.yaml")).write_text(sidecar, encoding="utf-8")
    os.rename(staging / name, inbox(bureau) / name)
    watcher = start_watcher()

    rejected = inbox(bureau) / "rejected"
    reason_file = rejected / (name + ".reason.txt")
    wait_until(reason_file.is_file, what=f"{name} to be rejected")
    reason = reason_file.read_text(encoding="utf-8")
    for words in reason_words:
        assert words in reason, reason
    assert (rejected / name).read_bytes() == original
    expected = {name, name + ".reason.txt"} | ({name + ".meta.yaml"} if sidecar else set())
    assert set(settled_in(bureau, "rejected")) == expected
    assert items(bureau) == []

    drop_docx(inbox(bureau), "good.docx", "zqgoodx")
    wait_until(lambda: found_once(bureau, "zqgoodx"), what="a good file after the bad one")
    watcher.check_running()
    assert waiting(bureau) == []
    assert "Traceback" not in watcher.output()


def file_through_the_inbox(bureau: Bureau, staging: Path, text: str) -> tuple[bytes, dict]:
    """Drop a DOCX with its sidecar and wait until it is searchable: its bytes and its hit."""
    original = drop_docx(staging, "first.docx", text)
    content = original.read_bytes()
    os.rename(original.with_name("first.docx.meta.yaml"), inbox(bureau) / "first.docx.meta.yaml")
    os.rename(original, inbox(bureau) / "first.docx")
    return content, wait_until(lambda: found_once(bureau, text), what="the original")


@pytest.mark.parametrize("with_sidecar", [True, False], ids=["with-sidecar", "bytes-alone"])
def test_a_copy_of_a_filed_item_goes_to_duplicates_with_a_note_naming_its_archival_code(
    bureau: Bureau, start_watcher: StartWatcher, tmp_path: Path, with_sidecar: bool
):
    watcher = start_watcher()
    content, hit = file_through_the_inbox(bureau, tmp_path / "staging", "zqfirstx")

    if with_sidecar:  # metadata of its own, even a different title: the bytes decide
        sidecar = sidecar_text({**META, "title": "Dropped again"})
        (inbox(bureau) / "again.docx.meta.yaml").write_text(sidecar, encoding="utf-8")
    (inbox(bureau) / "again.docx").write_bytes(content)
    duplicates = inbox(bureau) / "duplicates"
    note = duplicates / "again.docx.reason.txt"
    wait_until(
        lambda: note.is_file() or settled_in(bureau, "rejected"),
        what="the duplicate to be set aside",
    )
    assert settled_in(bureau, "rejected") == [], watcher.output()
    assert hit["archive_code"] in note.read_text(encoding="utf-8")
    assert (duplicates / "again.docx").read_bytes() == content
    if with_sidecar:
        assert (duplicates / "again.docx.meta.yaml").is_file()
    assert len(items(bureau)) == 1
    assert waiting(bureau) == []
    watcher.check_running()


def test_a_file_name_with_spaces_and_chinese_characters_is_filed_under_that_name(
    bureau: Bureau, start_watcher: StartWatcher
):
    name = "2026年 春季 安全检查 通知.docx"
    start_watcher()
    drop_docx(inbox(bureau), name, "zqspringx", title="2026年春季安全检查通知")
    hit = wait_until(lambda: found_once(bureau, "zqspringx"), what="the document")
    item = bureau.json("show", hit["id"])
    assert item["files"][0]["name"] == name
    assert item["title"] == "2026年春季安全检查通知"
    assert found_once(bureau, "安全检查")["id"] == hit["id"]
    assert waiting(bureau) == []


def test_a_scanned_pdf_without_text_is_filed_and_found_by_its_title(
    bureau: Bureau, start_watcher: StartWatcher
):
    start_watcher()
    scan = pdf_bytes(lines=[(72, 720, "")], info={"Title": "Zqscannedx certificate", **PDF_META})
    (inbox(bureau) / "scan.pdf").write_bytes(scan)
    hit = wait_until(lambda: found_once(bureau, "zqscannedx"), what="the scan in the index")
    assert hit["text"] == "unavailable"
    assert hit["text_reason"]
    status = bureau.json("index", "status")
    assert [u["id"] for u in status["unavailable"]] == [hit["id"]]


def test_a_second_watcher_on_the_same_home_is_refused_in_one_line(
    bureau: Bureau, start_watcher: StartWatcher
):
    start_watcher()
    for args in (("--once",), ()):
        done = subprocess.run(
            bureau.command("watch", *args),
            cwd=bureau.cwd,
            env=bureau.env(),
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "a watcher is already running" in lines[0], done.stderr


# -- at scale ----------------------------------------------------------------------------


def padded_pdf_bytes(text: str, title: str, padding: int) -> bytes:
    """A valid PDF (as pdf_bytes makes) with an unreferenced stream of `padding` bytes."""
    small = pdf_with_metadata(text, title)
    body, _, _ = small.partition(b"xref\n")
    count = int(small.split(b"/Size ")[1].split()[0])  # objects + 1
    offsets = [
        int(line.split()[0])
        for line in small.split(b"xref\n")[1].split(b"trailer")[0].splitlines()[2:]
    ]
    pad = b"%d 0 obj\n<< /Length %d >>\nstream\n" % (count, padding)
    pad += b"\x00" * padding + b"\nendstream\nendobj\n"
    offsets.append(len(body))
    xref = len(body) + len(pad)
    table = b"xref\n0 %d\n0000000000 65535 f \n" % (count + 1)
    table += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    trailer = small.split(b"trailer\n")[1].split(b"startxref")[0]
    trailer = trailer.replace(b"/Size %d" % count, b"/Size %d" % (count + 1))
    return body + pad + table + b"trailer\n" + trailer + b"startxref\n%d\n%%%%EOF\n" % xref


@pytest.mark.slow
def test_a_200_mb_pdf_is_filed_and_indexed(
    bureau: Bureau, start_watcher: StartWatcher, tmp_path: Path
):
    whole = padded_pdf_bytes("The zqhugex annual report", "Huge report", padding=200 << 20)
    staging = tmp_path / "huge.pdf"
    staging.write_bytes(whole)
    digest = sha256(staging)
    del whole
    start_watcher(settle=1.0)
    os.rename(staging, inbox(bureau) / "huge.pdf")
    hit = wait_until(lambda: found_once(bureau, "zqhugex"), timeout=180, what="the big PDF")
    item = bureau.json("show", hit["id"])
    assert item["sha256"] == digest
    assert item["files"][0]["size"] >= 200 << 20
    assert hit["text"] == "available"
    assert waiting(bureau) == []


@pytest.mark.slow
def test_watch_once_files_every_settled_file_however_long_that_takes(
    bureau: Bureau, monkeypatch: pytest.MonkeyPatch
):
    """`--once` gives up waiting only for files that have not settled yet: on a slow
    machine (here a clock that jumps ten seconds at every look) every file that was ready
    is still filed, batch after batch, and none is left waiting."""
    count = watch.INBOX_BATCH * 2 + 7
    for n in range(count):
        drop_docx(inbox(bureau), f"n{n:03d}.docx", word(n))
    ticks = itertools.count(0, 10)
    clock = SimpleNamespace(monotonic=lambda: float(next(ticks)), sleep=time.sleep)
    monkeypatch.setattr(watch, "time", clock)
    done = bureau("watch", "--once", "--settle", "0", "--json")
    assert done.code == 0, done.err
    assert (done.json()["filed"], done.json()["waiting"]) == (count, 0)
    assert waiting(bureau) == []


def test_a_thousand_files_dropped_at_once_are_all_filed_and_indexed(
    bureau: Bureau, start_watcher: StartWatcher, tmp_path: Path
):
    count = 1000
    staging = tmp_path / "staging"
    staging.mkdir()
    for n in range(count):
        pdf = pdf_with_metadata(f"zqbulkx {word(n)}", f"Certificate {word(n)}")
        (staging / f"c{n:04d}.pdf").write_bytes(pdf)
    watcher = start_watcher()
    for path in staging.iterdir():
        os.rename(path, inbox(bureau) / path.name)

    def all_done() -> bool:
        watcher.check_running()
        if waiting(bureau):
            return False
        status = bureau.json("index", "status")
        return status["indexed"] == count and status["pending"] == 0

    wait_until(all_done, timeout=600, what="1000 files filed and indexed", every=1.0)
    assert len(items(bureau)) == count
    assert settled_in(bureau, "rejected") == [] and settled_in(bureau, "duplicates") == []
    assert hits(bureau, "zqbulkx", "--limit", "1")["total"] == count
    for n in (0, 1, 499, 998, 999):
        assert found_once(bureau, word(n))["title"] == f"Certificate {word(n)}"
