"""DOCX to PDF with LibreOffice running headless.

LibreOffice is slow to start (about a second) but fast per document once running, so a batch
of certificates is converted by ONE ``soffice`` process per chunk of files, never one process
per file. Each :class:`PdfConverter` owns a private LibreOffice profile (and HOME and TMPDIR)
in a temporary directory, so converters in different processes run side by side without
fighting over ``~/.config/libreoffice`` and without handing work to a desktop LibreOffice
the user happens to have open. Everything it creates is removed when it is closed.

A file LibreOffice cannot convert fails on its own (the others in the chunk still succeed).
A conversion that hangs is killed, with its whole process group, after a timeout; the files
the hung process had not finished are then retried so that one poisonous file does not fail
the whole batch.

PDFs are made as reproducible as LibreOffice allows (fixed locale and time zone, a fresh
profile, no user settings); they still carry a creation time and a document ID.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pypdf import PdfReader

from archive.errors import BadInput, OperationFailed

INSTALL_HINT = (
    "LibreOffice is needed for PDF output: install it with "
    "`sudo apt-get install libreoffice-writer-nogui` (or run `make setup` as root)"
)

# Where distributions and the LibreOffice tarballs put the binary when it is not on PATH.
_FALLBACK_LOCATIONS = ("/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice")
_OPT_PATTERN = "/opt/libreoffice*/program/soffice"

DEFAULT_CHUNK_SIZE = 100
BASE_TIMEOUT = 60.0  # seconds for starting LibreOffice, plus ...
PER_FILE_TIMEOUT = 5.0  # ... seconds per file in the chunk
_POLL_INTERVAL = 0.02
_LOG_TAIL = 4000  # bytes of soffice output kept for error messages
# The PDF export filter's options (LibreOffice 7.4+ takes them as JSON after the filter's
# name): PDF/A-2b (SelectPdfVersion 2), which embeds every font and writes an sRGB output
# intent and the XMP pdfaid claim, as GB/T 18894 and DA/T 47 ask of records kept for
# decades; and tagged PDF (a structure tree), so that screen readers read headings and
# tables in order.
PDF_EXPORT = "pdf:writer_pdf_Export:" + json.dumps(
    {
        "SelectPdfVersion": {"type": "long", "value": "2"},
        "UseTaggedPDF": {"type": "boolean", "value": "true"},
    },
    separators=(",", ":"),
)
# Two single-file runs hanging back to back, with nothing converted in between, means
# LibreOffice itself is stuck rather than the files; the rest of the chunk is then given up.
_MAX_HANGS_IN_A_ROW = 2

Status = Literal["ok", "invalid", "failed", "timeout"]


class LibreOfficeMissing(OperationFailed):
    """No usable soffice binary was found."""


class ConversionFailed(OperationFailed):
    """LibreOffice could not turn a document into a PDF."""


class ConversionTimeout(ConversionFailed):
    """LibreOffice did not finish in time and was killed."""


class InvalidDocx(BadInput):
    """The bytes given to :meth:`PdfConverter.convert` are not a .docx document."""


@dataclass(frozen=True)
class ConversionResult:
    """What became of one input file.

    ``status`` is ``"ok"`` (``pdf`` is set, ``error`` is None), ``"invalid"`` (the input is
    missing or not a .docx and was never given to LibreOffice), ``"failed"`` (LibreOffice
    produced no PDF or a broken one) or ``"timeout"`` (LibreOffice hung on it, or was
    given up on before reaching it).
    """

    source: Path
    pdf: Path | None
    error: str | None = None
    status: Status = "ok"

    @property
    def ok(self) -> bool:
        return self.pdf is not None


def find_soffice() -> str:
    """Return the path of the soffice binary, or raise :class:`LibreOfficeMissing`.

    ``$BUREAU_SOFFICE`` wins when set (a path, or a name looked up on PATH); then
    ``soffice`` and ``libreoffice`` on PATH; then the usual install locations.
    """
    override = os.environ.get("BUREAU_SOFFICE", "").strip()
    if override:
        found = _executable(override)
        if found is None:
            raise LibreOfficeMissing(
                f"BUREAU_SOFFICE={override} is not an executable program; {INSTALL_HINT}"
            )
        return found
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    candidates = [*_FALLBACK_LOCATIONS, *sorted(glob.glob(_OPT_PATTERN), reverse=True)]
    for candidate in candidates:
        if _executable(candidate):
            return candidate
    raise LibreOfficeMissing(INSTALL_HINT)


def _executable(name: str) -> str | None:
    if os.sep not in name:
        return shutil.which(name)
    if os.path.isfile(name) and os.access(name, os.X_OK):
        return name
    return None


def default_timeout(file_count: int) -> float:
    """Seconds one soffice run over ``file_count`` files may take before it is killed."""
    return BASE_TIMEOUT + PER_FILE_TIMEOUT * file_count


@dataclass
class _Item:
    """One input file on its way through a chunk."""

    source: Path
    target: Path  # final PDF location in the caller's outdir
    staged: Path | None = None  # copy with a plain ASCII name, given to soffice
    result: ConversionResult | None = None

    def finish(self, error: str | None, status: Status, pdf: Path | None = None) -> None:
        self.result = ConversionResult(self.source, pdf, error, status)


class PdfConverter:
    """Converts DOCX files to PDF with a private, reusable LibreOffice profile.

    Use it as a context manager (or call :meth:`close`): the profile directory and any
    temporary files are removed on exit. One converter runs one conversion at a time
    (calls from several threads are serialised); use several converters for parallelism.

    ``timeout`` is the limit in seconds for one soffice run, whatever its size; by default
    it scales with the chunk: 60 s + 5 s per file. ``soffice`` overrides :func:`find_soffice`.
    """

    def __init__(
        self,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        timeout: float | None = None,
        soffice: str | None = None,
    ) -> None:
        if chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")
        if timeout is not None and timeout <= 0:
            raise ValueError("timeout must be positive")
        self.chunk_size = chunk_size
        self.timeout = timeout
        self.soffice = soffice or find_soffice()
        self.runs = 0  # soffice processes started, for callers' statistics
        self._root: Path | None = None
        self._lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------------------

    def __enter__(self) -> PdfConverter:
        self._ensure_root()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove the private profile and temporary files; the converter can be reused."""
        with self._lock:
            if self._root is not None:
                shutil.rmtree(self._root, ignore_errors=True)
                self._root = None

    def _ensure_root(self) -> Path:
        if self._root is None:
            root = Path(tempfile.mkdtemp(prefix="bureau-soffice-")).resolve()
            for sub in ("home", "tmp", "jobs"):
                (root / sub).mkdir()
            self._root = root
        return self._root

    @property
    def profile_dir(self) -> Path:
        """The private LibreOffice user installation (created on first use)."""
        return self._ensure_root() / "profile"

    def _reset_profile(self) -> None:
        # A killed LibreOffice can leave a lock file or half-written settings behind.
        shutil.rmtree(self.profile_dir, ignore_errors=True)

    # -- public conversions ------------------------------------------------------------

    def convert_many(
        self,
        docx_paths: Sequence[Path],
        outdir: Path,
        *,
        on_result: Callable[[ConversionResult], None] | None = None,
    ) -> list[ConversionResult]:
        """Convert ``docx_paths`` to ``outdir/<stem>.pdf``; one result per input, in order.

        Files go to LibreOffice ``chunk_size`` at a time, one soffice process per chunk. A
        PDF appears in ``outdir`` only once it is complete and valid (it replaces an older
        file of that name). Problems with single files are reported in their results, not
        raised; ``on_result`` is called as each result becomes known (e.g. for progress).

        Raises :class:`BadInput` if two inputs would produce the same PDF name, and
        :class:`LibreOfficeMissing` / :class:`OperationFailed` if soffice cannot be started.
        """
        sources = [Path(p) for p in docx_paths]
        outdir = Path(outdir)
        _check_unique_stems(sources)
        outdir.mkdir(parents=True, exist_ok=True)
        items = [_Item(src, outdir / f"{src.stem}.pdf") for src in sources]
        with self._lock:
            root = self._ensure_root()
            for start in range(0, len(items), self.chunk_size):
                chunk = items[start : start + self.chunk_size]
                self._convert_chunk(chunk, root, outdir)
                if on_result is not None:
                    for item in chunk:
                        assert item.result is not None
                        on_result(item.result)
        return [item.result for item in items if item.result is not None]

    def convert(self, docx_bytes: bytes, name: str) -> bytes:
        """Convert one document held in memory and return the PDF bytes.

        ``name`` is used in error messages only. Raises :class:`InvalidDocx` for bytes that
        are not a .docx, :class:`ConversionTimeout` if LibreOffice hung, and
        :class:`ConversionFailed` for any other failure.
        """
        root = self._ensure_root()
        work = Path(tempfile.mkdtemp(prefix="single-", dir=root / "jobs"))
        try:
            source = work / "document.docx"
            source.write_bytes(docx_bytes)
            [result] = self.convert_many([source], work / "out")
            if result.pdf is not None:
                return result.pdf.read_bytes()
            message = f"{name}: {result.error}"
            if result.status == "invalid":
                raise InvalidDocx(message)
            if result.status == "timeout":
                raise ConversionTimeout(message)
            raise ConversionFailed(message)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    # -- one chunk ---------------------------------------------------------------------

    def _convert_chunk(self, items: list[_Item], root: Path, outdir: Path) -> None:
        job = Path(tempfile.mkdtemp(prefix="chunk-", dir=root / "jobs"))
        # soffice writes next to the final location so finished PDFs are moved atomically.
        work_out = Path(tempfile.mkdtemp(prefix=".bureau-pdf-", dir=outdir))
        try:
            queue = []
            for index, item in enumerate(items):
                problem = _docx_problem(item.source)
                if problem is not None:
                    item.finish(problem, "invalid")
                    continue
                item.staged = job / f"d{index:04d}.docx"
                shutil.copyfile(item.source, item.staged)
                queue.append(item)
            self._run_queue(queue, work_out)
        finally:
            shutil.rmtree(job, ignore_errors=True)
            shutil.rmtree(work_out, ignore_errors=True)

    def _run_queue(self, queue: list[_Item], work_out: Path) -> None:
        """Run soffice over ``queue``, isolating files that make it hang."""
        isolate = False
        hangs_in_a_row = 0
        while queue:
            batch = queue[:1] if isolate else queue
            limit = self.timeout or default_timeout(len(batch))
            staged = [item.staged for item in batch if item.staged is not None]
            timed_out, status, log = self._run_soffice(staged, work_out, limit)
            converted = sum(self._collect(item, work_out, timed_out) for item in batch)
            unfinished = [item for item in batch if item.result is None]
            if converted:
                hangs_in_a_row = 0
            if not timed_out:
                for item in unfinished:
                    item.finish(_no_output_message(log, status), "failed")
                queue = queue[len(batch) :]
                isolate = False
                continue
            self._reset_profile()
            if len(batch) > 1:
                # Retry what is left, the first unfinished file alone: soffice works through
                # its arguments in order, so that is the one it most likely hung on.
                queue = unfinished
                isolate = True
                continue
            if unfinished:
                hangs_in_a_row += 1
                unfinished[0].finish(
                    f"LibreOffice did not finish within {limit:g} s and was killed "
                    "(the document may be damaged or too complex)",
                    "timeout",
                )
            queue = queue[1:]
            isolate = False
            if hangs_in_a_row >= _MAX_HANGS_IN_A_ROW:
                for item in queue:
                    item.finish(
                        "not converted: LibreOffice hung on the previous files too and was "
                        "given up on",
                        "timeout",
                    )
                return

    def _collect(self, item: _Item, work_out: Path, killed: bool) -> bool:
        """Move the item's PDF into place if soffice produced a valid one.

        After a kill, a broken PDF is just the one soffice was writing: it stays unfinished
        (to be retried) instead of failing.
        """
        assert item.staged is not None
        produced = work_out / f"{item.staged.stem}.pdf"
        if not produced.exists():
            return False
        problem = _pdf_problem(produced)
        if problem is not None:
            produced.unlink()
            if not killed:
                item.finish(f"LibreOffice produced a broken PDF ({problem})", "failed")
            return False
        os.replace(produced, item.target)
        item.finish(None, "ok", item.target)
        return True

    # -- the soffice process -----------------------------------------------------------

    def _run_soffice(self, files: list[Path], outdir: Path, limit: float) -> tuple[bool, int, str]:
        """Run one soffice over ``files``: (timed out?, exit status, the end of its output)."""
        root = self._ensure_root()
        command = [
            self.soffice,
            "--headless",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            f"-env:UserInstallation={self.profile_dir.as_uri()}",
            "--convert-to",
            PDF_EXPORT,
            "--outdir",
            str(outdir),
            *[str(f) for f in files],
        ]
        with tempfile.TemporaryFile(dir=root / "tmp") as log:
            try:
                process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=root / "tmp",
                    env=self._child_env(root),
                    start_new_session=True,  # its own process group: soffice.bin forks
                )
            except OSError as exc:
                raise OperationFailed(
                    f"could not start LibreOffice ({self.soffice}): {exc.strerror or exc}"
                ) from exc
            self.runs += 1
            timed_out = _wait_then_kill_group(process, limit)
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - _LOG_TAIL))
            output = log.read().decode("utf-8", "replace")
        return timed_out, process.returncode, output

    def _child_env(self, root: Path) -> dict[str, str]:
        """The parent's environment with everything user- and time-specific pinned."""
        env = dict(os.environ)
        home = str(root / "home")
        tmp = str(root / "tmp")
        env.update(
            HOME=home,
            TMPDIR=tmp,
            TMP=tmp,
            TEMP=tmp,
            XDG_CONFIG_HOME=f"{home}/.config",
            XDG_CACHE_HOME=f"{home}/.cache",
            XDG_DATA_HOME=f"{home}/.local/share",
            XDG_STATE_HOME=f"{home}/.local/state",
            LC_ALL="C.UTF-8",
            LANG="C.UTF-8",
            TZ="UTC",
        )
        env.pop("LANGUAGE", None)
        return env


def _wait_then_kill_group(process: subprocess.Popen[bytes], limit: float) -> bool:
    """Wait up to ``limit`` seconds, then kill the process group; True if it timed out.

    The leader is only reaped after the group is killed, so its process group ID cannot
    have been reused by then: the kill reaches soffice.bin (and anything else it forked)
    and nothing else.
    """
    deadline = time.monotonic() + limit
    timed_out = False
    try:
        while not _has_exited(process.pid):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            time.sleep(min(_POLL_INTERVAL, remaining))
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return timed_out


def _has_exited(pid: int) -> bool:
    """True once ``pid`` has exited, without reaping it."""
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return info is not None


def _check_unique_stems(sources: list[Path]) -> None:
    seen: dict[str, Path] = {}
    for src in sources:
        other = seen.setdefault(src.stem, src)
        if other is not src:
            raise BadInput(f"{other} and {src} would both become {src.stem}.pdf")


def _docx_problem(path: Path) -> str | None:
    """Why ``path`` is not worth handing to LibreOffice, or None.

    LibreOffice happily "converts" a text file renamed to .docx, so the zip structure is
    checked here rather than trusting it to refuse.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except FileNotFoundError:
        return "file not found"
    except IsADirectoryError:
        return "is a directory, not a .docx file"
    except zipfile.BadZipFile:
        return "not a .docx file (not a zip archive)"
    except OSError as exc:
        return f"cannot read it: {exc.strerror or exc}"
    if "word/document.xml" not in names:
        return "not a .docx file (no word/document.xml inside)"
    return None


def _pdf_problem(path: Path) -> str | None:
    """Why the file at ``path`` is not a complete PDF, or None."""
    with path.open("rb") as handle:
        head = handle.read(5)
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 1024))
        tail = handle.read()
    if size == 0:
        return "empty file"
    if head != b"%PDF-":
        return "does not start with %PDF"
    if b"%%EOF" not in tail:
        return "truncated"
    try:
        pages = len(PdfReader(path).pages)
    except Exception as exc:  # pypdf raises many types for damaged files
        return f"unreadable: {exc}"
    if pages == 0:
        return "no pages"
    return None


def _no_output_message(log: str, status: int) -> str:
    said = [line.strip() for line in log.splitlines() if line.strip().startswith("Error")]
    message = "LibreOffice could not convert it (no PDF was produced)"
    if status != 0:
        message += f"; soffice exited with status {status}"
    if said:
        message += "; LibreOffice said: " + "; ".join(dict.fromkeys(said))
    return message
