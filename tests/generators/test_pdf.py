"""DOCX -> PDF through LibreOffice.

Most tests drive real LibreOffice (each costs a second or two). Behaviour that does not need
it -- chunking, the child's environment, timeouts -- is checked with small fake `soffice`
scripts selected through $BUREAU_SOFFICE, which is also how a wrapper counts real starts.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader, PdfWriter

from archive.errors import BadInput, OperationFailed
from generators.pdf import (
    INSTALL_HINT,
    ConversionTimeout,
    InvalidDocx,
    LibreOfficeMissing,
    PdfConverter,
    find_soffice,
)

REAL_SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture
def needs_libreoffice() -> None:
    """LibreOffice is installed by `make setup`; its absence fails the test, never skips it."""
    assert REAL_SOFFICE is not None, INSTALL_HINT


# -- helpers -----------------------------------------------------------------------------


def make_docx(path: Path, *paragraphs: str) -> Path:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(path)
    return path


def docx_bytes(*paragraphs: str) -> bytes:
    buffer = io.BytesIO()
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(buffer)
    return buffer.getvalue()


def pdf_text(data: bytes | Path) -> str:
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    return "".join(page.extract_text() for page in PdfReader(source).pages)


def script(path: Path, body: str, interpreter: str = "/bin/sh") -> Path:
    path.write_text(f"#!{interpreter}\n{body}", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def live_members(pgid: int) -> list[int]:
    """PIDs of processes in group ``pgid`` that are not zombies."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state != "Z":
            members.append(int(entry.name))
    return members


def gone_soon(pgid: int, within: float = 3.0) -> bool:
    """Whether every process of group `pgid` is dead within `within` seconds: a SIGKILL
    sent to a group is delivered to each member asynchronously, and on a loaded machine
    a member can still be scheduled for a moment after the call returned."""
    deadline = time.monotonic() + within
    while live_members(pgid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def counting_soffice(tmp_path, monkeypatch):
    """$BUREAU_SOFFICE = a wrapper that logs each start, then runs the real soffice."""
    log = tmp_path / "starts.log"
    wrapper = script(
        tmp_path / "soffice-wrapper", f'echo start >> "{log}"\nexec "{REAL_SOFFICE}" "$@"\n'
    )
    monkeypatch.setenv("BUREAU_SOFFICE", str(wrapper))
    return log


@pytest.fixture
def fake_soffice(tmp_path, monkeypatch):
    """$BUREAU_SOFFICE = a fast fake that copies a blank PDF for each input and logs its calls."""
    blank = tmp_path / "blank.pdf"
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    with blank.open("wb") as handle:
        writer.write(handle)
    log = tmp_path / "fake.log"
    body = f"""
import json, os, shutil, sys
args = sys.argv[1:]
outdir = args[args.index("--outdir") + 1]
with open({str(log)!r}, "a") as log:
    log.write(json.dumps({{"args": args, "env": dict(os.environ)}}) + "\\n")
for arg in args:
    if arg.endswith(".docx"):
        name = os.path.splitext(os.path.basename(arg))[0] + ".pdf"
        if b"BROKEN" in open(arg, "rb").read():
            open(os.path.join(outdir, name), "wb").write(b"%PDF-1.4 garbage")
        else:
            shutil.copyfile({str(blank)!r}, os.path.join(outdir, name))
"""
    monkeypatch.setenv(
        "BUREAU_SOFFICE", str(script(tmp_path / "fake-soffice", body, sys.executable))
    )

    def calls():
        import json

        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    return calls


def with_marker(path: Path, marker: str) -> Path:
    """Add an entry whose (uncompressed) name a fake soffice can grep for."""
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(f"customXml/{marker}.xml", "<x/>")
    return path


# -- finding LibreOffice -----------------------------------------------------------------


def test_missing_soffice_says_how_to_install(monkeypatch):
    monkeypatch.setenv("BUREAU_SOFFICE", "/nonexistent")
    with pytest.raises(LibreOfficeMissing) as caught:
        find_soffice()
    assert isinstance(caught.value, OperationFailed)
    message = str(caught.value)
    assert "\n" not in message
    assert "/nonexistent" in message
    assert "sudo apt-get install libreoffice-writer-nogui" in message
    assert "make setup" in message
    with pytest.raises(LibreOfficeMissing):
        PdfConverter()


def test_bureau_soffice_wins(tmp_path, monkeypatch):
    fake = script(tmp_path / "my-soffice", "exit 0\n")
    monkeypatch.setenv("BUREAU_SOFFICE", str(fake))
    assert find_soffice() == str(fake)


# -- with a fake soffice: chunking, environment, bookkeeping -----------------------------


def test_chunks_use_one_process_each_and_land_in_outdir(tmp_path, fake_soffice):
    sources = [make_docx(tmp_path / f"证书{i}.docx", f"doc {i}") for i in range(5)]
    out = tmp_path / "out"
    seen = []
    with PdfConverter(chunk_size=2) as converter:
        results = converter.convert_many(sources, out, on_result=seen.append)
    assert len(fake_soffice()) == 3  # 2 + 2 + 1
    assert [r.source for r in results] == sources
    assert [r.pdf for r in results] == [out / f"证书{i}.pdf" for i in range(5)]
    assert all(r.ok and r.error is None for r in results)
    assert seen == results
    assert sorted(p.name for p in out.iterdir()) == sorted(f"证书{i}.pdf" for i in range(5))


def test_child_gets_private_home_and_quoted_profile_url(tmp_path, fake_soffice, monkeypatch):
    odd_tmp = tmp_path / "临时 目录%"
    odd_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(odd_tmp))
    source = make_docx(tmp_path / "a.docx", "x")
    with PdfConverter() as converter:
        converter.convert_many([source], tmp_path / "out")
        profile = converter.profile_dir
    [call] = fake_soffice()
    args, env = call["args"], call["env"]
    assert f"-env:UserInstallation={profile.as_uri()}" in args
    assert "%20" in profile.as_uri() and "%25" in profile.as_uri()
    for flag in ("--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck"):
        assert flag in args
    root = profile.parent
    assert Path(env["HOME"]).parent == root
    assert Path(env["TMPDIR"]).parent == root
    assert env["TZ"] == "UTC" and env["LC_ALL"] == "C.UTF-8"
    assert not root.exists()  # removed on exit
    assert list(odd_tmp.iterdir()) == []


def test_bad_inputs_never_reach_soffice(tmp_path, fake_soffice):
    text = tmp_path / "notes.docx"
    text.write_text("just text, renamed", encoding="utf-8")
    folder = tmp_path / "folder.docx"
    folder.mkdir()
    with PdfConverter() as converter:
        results = converter.convert_many([text, tmp_path / "gone.docx", folder], tmp_path / "o")
        with pytest.raises(InvalidDocx) as caught:
            converter.convert(b"plain bytes", "cert-7")
    assert fake_soffice() == []
    assert [r.status for r in results] == ["invalid"] * 3
    assert "not a zip" in results[0].error
    assert "not found" in results[1].error
    assert isinstance(caught.value, BadInput) and "cert-7" in str(caught.value)


def test_broken_output_fails_only_that_file(tmp_path, fake_soffice):
    good = make_docx(tmp_path / "good.docx", "fine")
    broken = with_marker(make_docx(tmp_path / "broken.docx", "x"), "BROKEN")
    with PdfConverter() as converter:
        ok, bad = converter.convert_many([good, broken], tmp_path / "out")
    assert ok.ok
    assert bad.pdf is None and bad.status == "failed" and "broken PDF" in bad.error
    assert not (tmp_path / "out" / "broken.pdf").exists()


def test_same_pdf_name_twice_is_refused(tmp_path, fake_soffice):
    (tmp_path / "x").mkdir()
    first = make_docx(tmp_path / "a.docx", "1")
    second = make_docx(tmp_path / "x" / "a.docx", "2")
    with PdfConverter() as converter, pytest.raises(BadInput, match="a.pdf"):
        converter.convert_many([first, second], tmp_path / "out")


# -- hangs ---------------------------------------------------------------------------------


def test_hang_is_killed_with_its_process_group(tmp_path, monkeypatch):
    pidfile = tmp_path / "pid"
    hang = script(tmp_path / "hang", f'echo $$ > "{pidfile}"\nsleep 1000\n')
    monkeypatch.setenv("BUREAU_SOFFICE", str(hang))
    started = time.monotonic()
    try:
        with PdfConverter(timeout=1) as converter, pytest.raises(ConversionTimeout) as caught:
            converter.convert(docx_bytes("never"), "certificate-1")
        elapsed = time.monotonic() - started
        assert elapsed < 5
        assert "certificate-1" in str(caught.value) and "1 s" in str(caught.value)
        assert isinstance(caught.value, OperationFailed)
        assert gone_soon(int(pidfile.read_text()))
    finally:
        if pidfile.exists():  # never leave our own sleeper behind, even when failing
            for pid in live_members(int(pidfile.read_text())):
                os.kill(pid, signal.SIGKILL)


def test_soffice_that_always_hangs_is_given_up_on(tmp_path, monkeypatch):
    starts = tmp_path / "starts"
    hang = script(tmp_path / "hang", f'echo $$ >> "{starts}"\nsleep 1000\n')
    monkeypatch.setenv("BUREAU_SOFFICE", str(hang))
    sources = [make_docx(tmp_path / f"d{i}.docx", str(i)) for i in range(4)]
    started = time.monotonic()
    with PdfConverter(timeout=0.5) as converter:
        results = converter.convert_many(sources, tmp_path / "out")
    # chunk of 4, d0 alone, chunk of 3, d1 alone -> two hangs in a row: stop.
    assert time.monotonic() - started < 6
    pgids = [int(line) for line in starts.read_text().split()]
    assert len(pgids) == 4
    assert all(gone_soon(pgid) for pgid in pgids)
    assert [r.status for r in results] == ["timeout"] * 4
    assert "given up" in results[3].error


# -- real LibreOffice ----------------------------------------------------------------------


@pytest.mark.usefixtures("needs_libreoffice")
def test_english_and_chinese_text_survive(tmp_path, monkeypatch):
    odd_tmp = tmp_path / "临时 目录"  # the profile URL must be quoted for LibreOffice too
    odd_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(odd_tmp))
    data = docx_bytes("Graduation Certificate", "毕业证书：张三同学修业期满，准予毕业。")
    with PdfConverter() as converter:
        pdf = converter.convert(data, "张三")
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "Graduation Certificate" in text
    assert "毕业证书" in text and "张三" in text
    assert list(odd_tmp.iterdir()) == []


@pytest.mark.usefixtures("needs_libreoffice")
def test_five_files_one_soffice_process(tmp_path, counting_soffice):
    sources = [make_docx(tmp_path / f"cert-{i}.docx", f"Certificate {i}") for i in range(5)]
    with PdfConverter() as converter:
        results = converter.convert_many(sources, tmp_path / "out")
    assert counting_soffice.read_text().count("start") == 1
    for i, result in enumerate(results):
        assert result.ok, result.error
        assert f"Certificate {i}" in pdf_text(result.pdf)


@pytest.mark.usefixtures("needs_libreoffice")
def test_corrupt_docx_fails_only_itself(tmp_path):
    good = [make_docx(tmp_path / f"good{i}.docx", f"good {i}") for i in range(2)]
    whole = good[0].read_bytes()
    truncated = tmp_path / "truncated.docx"
    truncated.write_bytes(whole[: len(whole) // 2])
    garbled = tmp_path / "garbled.docx"  # a real zip, but document.xml is not XML
    with zipfile.ZipFile(good[0]) as src, zipfile.ZipFile(garbled, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            dst.writestr(info, b"<<< not xml" if info.filename == "word/document.xml" else body)
    with PdfConverter() as converter:
        results = converter.convert_many([good[0], truncated, garbled, good[1]], tmp_path / "o")
    assert [r.ok for r in results] == [True, False, False, True]
    assert results[1].status == "invalid"
    assert results[2].status == "failed" and "could not convert" in results[2].error
    assert not (tmp_path / "o" / "garbled.pdf").exists()


@pytest.mark.usefixtures("needs_libreoffice")
def test_two_converters_side_by_side(tmp_path):
    outcomes: dict[int, list] = {}

    def work(n: int) -> None:
        sources = [make_docx(tmp_path / f"t{n}-{i}.docx", f"thread {n} doc {i}") for i in range(2)]
        with PdfConverter() as converter:
            outcomes[n] = converter.convert_many(sources, tmp_path / f"out{n}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == [0, 1]
    for n, results in outcomes.items():
        assert all(r.ok for r in results), [r.error for r in results]
        assert f"thread {n} doc 1" in pdf_text(results[1].pdf)


@pytest.mark.usefixtures("needs_libreoffice")
@pytest.mark.slow
def test_poison_file_is_isolated_and_the_rest_converted(tmp_path, monkeypatch):
    """soffice converts the files before the poison one, then hangs on it (as it would)."""
    body = f"""
import os, subprocess, sys, time
REAL = {REAL_SOFFICE!r}
args = sys.argv[1:]
docs = [a for a in args if a.endswith(".docx")]
options = [a for a in args if not a.endswith(".docx")]
poison = [i for i, d in enumerate(docs) if b"POISON" in open(d, "rb").read()]
if not poison:
    os.execv(REAL, [REAL, *args])
if poison[0]:
    subprocess.run([REAL, *options, *docs[: poison[0]]], check=False)
time.sleep(1000)
"""
    monkeypatch.setenv("BUREAU_SOFFICE", str(script(tmp_path / "poisoned", body, sys.executable)))
    sources = [
        make_docx(tmp_path / "first.docx", "first"),
        with_marker(make_docx(tmp_path / "poison.docx", "poison"), "POISON"),
        make_docx(tmp_path / "last.docx", "last"),
    ]
    with PdfConverter(timeout=6) as converter:
        results = converter.convert_many(sources, tmp_path / "out")
    assert [r.status for r in results] == ["ok", "timeout", "ok"], [r.error for r in results]
    assert converter.runs == 3  # the chunk, the poison alone, the rest
    assert "last" in pdf_text(results[2].pdf)


def test_soffice_failure_is_reported_per_file_without_printing(tmp_path, monkeypatch, capfd):
    failing = script(tmp_path / "failing", 'echo "Error: no display, no luck" >&2\nexit 3\n')
    monkeypatch.setenv("BUREAU_SOFFICE", str(failing))
    sources = [make_docx(tmp_path / f"d{i}.docx", "x") for i in range(2)]
    with PdfConverter() as converter:
        results = converter.convert_many(sources, tmp_path / "out")
    for result in results:
        assert result.status == "failed"
        assert "status 3" in result.error and "Error: no display, no luck" in result.error
    assert capfd.readouterr() == ("", "")
