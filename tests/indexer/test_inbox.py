"""The inbox, in process: what is taken, when, and how a killed run is recovered."""

from __future__ import annotations

import os
import shutil
import time
from functools import partial
from pathlib import Path

import pytest

from archive.errors import BadInput
from archive.filing import FilingRequest, Source
from bureau.services import documents
from indexer.inbox import CLAIMS, Inbox, is_candidate, read_sidecar
from tests.factories import make_docx

SIDECAR = "kind: notice\ndept: BGS\ntitle: Spring inspections\ndate: 2026-03-04\nretention: D30\n"


@pytest.fixture
def inbox(archive) -> Inbox:
    return Inbox(archive, settle_seconds=5, file=partial(documents.file_batch, archive))


def drop(inbox: Inbox, name: str, sidecar: str | None = SIDECAR, text: str = "body") -> Path:
    path = make_docx(inbox.folder / name, text=text)
    if sidecar is not None:
        (inbox.folder / (name + ".meta.yaml")).write_text(sidecar, encoding="utf-8")
    return path


def age(path: Path, seconds: float) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


@pytest.mark.parametrize(
    "name",
    ["~$report.docx", ".~lock.report.docx#", "scan.tmp", "mail.PART", "x.crdownload", ".hidden"],
)
def test_temporary_lock_and_hidden_files_are_not_candidates(tmp_path: Path, name: str):
    (tmp_path / name).write_bytes(b"x")
    assert not is_candidate(tmp_path / name)


def test_a_sidecar_is_not_a_candidate_but_its_document_is(tmp_path: Path):
    (tmp_path / "a.docx").write_bytes(b"x")
    (tmp_path / "a.docx.meta.yaml").write_text("kind: notice")
    assert is_candidate(tmp_path / "a.docx")
    assert not is_candidate(tmp_path / "a.docx.meta.yaml")


def test_a_file_changed_within_the_settle_time_is_not_ready(inbox: Inbox):
    drop(inbox, "fresh.docx")
    ready, wait = inbox.ready()
    assert ready == [] and 0 < wait <= 5


def test_a_file_unchanged_for_the_settle_time_is_ready(archive):
    clock = [time.time()]
    inbox = Inbox(
        archive,
        settle_seconds=5,
        file=partial(documents.file_batch, archive),
        clock=lambda: clock[0],
    )
    path = drop(inbox, "settled.docx")
    assert inbox.ready()[0] == []
    clock[0] += 6
    assert inbox.ready()[0] == [path]


def test_a_settled_file_with_its_sidecar_is_filed_and_leaves_the_inbox(inbox: Inbox):
    path = drop(inbox, "n.docx")
    outcome = inbox.take(path)
    assert outcome.status == "filed" and outcome.detail.startswith("J042-WS·2026-D30-BGS-")
    assert list(inbox.folder.iterdir()) == [inbox.folder / CLAIMS]
    assert list((inbox.folder / CLAIMS).iterdir()) == []


def test_the_filing_records_the_inbox_claim_in_the_audit_trail(inbox: Inbox, archive):
    outcome = inbox.take(drop(inbox, "n.docx"))
    item = archive.resolve(outcome.detail)
    entry = next(e for e in archive.audit_log(item.id) if e.action == "file")
    assert entry.detail["origin"].startswith("inbox:")


def test_a_rejected_file_moves_with_its_sidecar_beside_a_reason(inbox: Inbox):
    path = drop(inbox, "bad.docx", sidecar="kind: notice\n")
    outcome = inbox.take(path)
    rejected = inbox.folder / "rejected"
    assert outcome.status == "rejected" and "missing dept" in outcome.detail
    assert sorted(p.name for p in rejected.iterdir()) == [
        "bad.docx",
        "bad.docx.meta.yaml",
        "bad.docx.reason.txt",
    ]
    assert "missing dept" in (rejected / "bad.docx.reason.txt").read_text(encoding="utf-8")


def test_a_second_rejection_of_the_same_name_does_not_overwrite_the_first(inbox: Inbox):
    inbox.take(drop(inbox, "bad.docx", sidecar="kind: notice\n", text="one"))
    inbox.take(drop(inbox, "bad.docx", sidecar="kind: notice\n", text="two"))
    names = sorted(p.name for p in (inbox.folder / "rejected").iterdir())
    assert "bad (2).docx" in names and "bad (2).docx.reason.txt" in names
    assert "bad (2).docx.meta.yaml" in names


def test_a_symbolic_link_is_rejected_not_followed(inbox: Inbox, tmp_path: Path):
    target = make_docx(tmp_path / "outside.docx")
    link = inbox.folder / "link.docx"
    link.symlink_to(target)
    outcome = inbox.take(link)
    assert outcome.status == "rejected" and "symbolic link" in outcome.detail
    assert target.exists()


def test_recovery_finishes_a_claim_whose_filing_committed(inbox: Inbox, archive):
    claim = inbox.folder / CLAIMS / "01CLAIMFILED00000000000000"
    claim.mkdir(parents=True)
    document = make_docx(claim / "n.docx", text="filed before the kill")
    archive.file(
        FilingRequest(
            documents=[Source(document)],
            kind="notice",
            dept="BGS",
            title="t",
            date="2026-03-04",
            retention="D30",
            origin=f"inbox:{claim.name}",
        )
    )
    lines = inbox.recover()
    assert "finished an interrupted filing" in lines[0]
    assert not claim.exists() and not (inbox.folder / "n.docx").exists()


def test_recovery_hands_back_a_claim_whose_filing_did_not_commit(inbox: Inbox):
    claim = inbox.folder / CLAIMS / "01CLAIMNOTFILED00000000000"
    claim.mkdir(parents=True)
    make_docx(claim / "n.docx")
    (claim / "n.docx.meta.yaml").write_text(SIDECAR, encoding="utf-8")
    inbox.recover()
    assert not claim.exists()
    assert (inbox.folder / "n.docx").is_file() and (inbox.folder / "n.docx.meta.yaml").is_file()


def test_recovery_does_not_overwrite_a_newer_file_of_the_same_name(inbox: Inbox):
    claim = inbox.folder / CLAIMS / "01CLAIMNOTFILED00000000000"
    claim.mkdir(parents=True)
    make_docx(claim / "n.docx", text="the claimed one")
    (claim / "n.docx.meta.yaml").write_text(SIDECAR, encoding="utf-8")
    drop(inbox, "n.docx", text="a newer one")
    inbox.recover()
    assert (inbox.folder / "n (2).docx").is_file()
    assert (inbox.folder / "n (2).docx.meta.yaml").is_file()


def test_recovery_removes_an_empty_claim(inbox: Inbox):
    claim = inbox.folder / CLAIMS / "01CLAIMEMPTY00000000000000"
    claim.mkdir(parents=True)
    assert inbox.recover() == []
    assert not claim.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour: red\n", "unknown key 'colour'"),
        ("- a\n- b\n", "must be a mapping"),
        ("title: [a, b]\n", "single value"),
        ("title: 'unclosed\n", "not valid YAML"),
    ],
)
def test_a_bad_sidecar_says_what_is_wrong(tmp_path: Path, text: str, message: str):
    path = tmp_path / "x.docx.meta.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput, match=message):
        read_sidecar(path)


def test_a_sidecar_takes_the_long_option_names_of_bureau_file(tmp_path: Path):
    path = tmp_path / "x.docx.meta.yaml"
    path.write_text(SIDECAR + "doc-no: CEB-BGS [2026] No. 3\nclassification: public\n")
    options = read_sidecar(path)
    assert options["doc_no"] == "CEB-BGS [2026] No. 3"
    assert options["classification"] == "public" and options["date"] == "2026-03-04"


def test_an_oversized_sidecar_is_refused(tmp_path: Path):
    path = tmp_path / "x.docx.meta.yaml"
    path.write_text("title: " + "x" * 70_000)
    with pytest.raises(BadInput, match="larger than"):
        read_sidecar(path)


def test_a_batch_files_each_good_file_with_its_own_audit_entry_and_sets_the_rest_aside(
    inbox: Inbox, archive
):
    good = [drop(inbox, f"n{n}.docx", text=f"body {n}") for n in range(5)]
    bad = drop(inbox, "bad.docx", sidecar="kind: notice\n", text="no department")
    copy = inbox.folder / "z-copy.docx"  # the same bytes as n0.docx, later in the batch
    shutil.copyfile(good[0], copy)
    (inbox.folder / "z-copy.docx.meta.yaml").write_text(SIDECAR, encoding="utf-8")

    outcomes = inbox.take_batch(sorted([*good, bad, copy]))

    assert {o.name: o.status for o in outcomes} == {
        "bad.docx": "rejected",
        **{f"n{n}.docx": "filed" for n in range(5)},
        "z-copy.docx": "duplicate",
    }
    filings = [e for e in archive.audit_log() if e.action == "file"]
    assert len(filings) == 5 and len({e.item_id for e in filings}) == 5
    assert [e.seq for e in filings] == list(range(filings[0].seq, filings[0].seq + 5))
    assert all(e.states for e in filings)  # each records its item's state digest
    assert len({e.detail["origin"] for e in filings}) == 5  # a claim of its own each
    assert not [p for p in inbox.folder.iterdir() if is_candidate(p)]
    assert archive.verify().ok


def test_recovery_finishes_the_filed_claims_of_a_killed_batch_and_hands_back_the_others(
    inbox: Inbox, archive
):
    batch = inbox.folder / CLAIMS / "batch-01BATCH0000000000000000000"
    filed, unfiled = batch / "01CLAIMFILED00000000000000", batch / "01CLAIMNOTFILED00000000000"
    filed.mkdir(parents=True)
    unfiled.mkdir()
    document = make_docx(filed / "a.docx", text="filed before the kill")
    archive.file(
        FilingRequest(
            documents=[Source(document)],
            kind="notice",
            dept="BGS",
            title="t",
            date="2026-03-04",
            retention="D30",
            origin=f"inbox:{filed.name}",
        )
    )
    make_docx(unfiled / "b.docx", text="not filed")
    (unfiled / "b.docx.meta.yaml").write_text(SIDECAR, encoding="utf-8")
    (inbox.folder / CLAIMS / ".filed-01OLDBATCH000000000000000" / "c").mkdir(parents=True)

    lines = inbox.recover()

    assert any("finished an interrupted filing" in line for line in lines)
    assert any("handed back b.docx" in line for line in lines)
    assert list((inbox.folder / CLAIMS).iterdir()) == []
    assert sorted(p.name for p in inbox.folder.iterdir() if p.is_file()) == [
        "b.docx",
        "b.docx.meta.yaml",
    ]
