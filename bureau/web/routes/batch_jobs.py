"""Batches running in the background, one thread each, watched from the browser.

A batch of hundreds of documents takes minutes (LibreOffice converts one or two a
second), far longer than a request may wait. The request saves the upload, starts a
thread and answers at once; the thread opens the home for the user who started the
batch (its own connection, on its own thread), runs it, counts each row finished for the
progress bar, and keeps what the batch did: the counts, the failed rows, the row-error
report and the items made. A job is shown only to the user who started it, and a finished
job is kept in memory until the server holds more than KEPT of them.
"""

from __future__ import annotations

import json
import logging
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.errors import BadInput, BureauError, NotFound
from bureau.services import batch_sheets, signin
from bureau.web.pages import Server

KEPT = 50  # finished jobs kept per server (the oldest go first)
SHOWN_ITEMS = 1000  # items listed on a finished job's page; the rest are counted
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Order:
    """What to generate: the template and the choices the form made."""

    template: str
    dept: str
    lang: str
    level: str
    pdf: bool
    seal: bool
    all_or_nothing: bool
    file_name: str  # as uploaded, for the pages and messages only


@dataclass
class Job:
    id: str
    owner: str
    order: Order
    total: int
    started: float = field(default_factory=time.time)
    done: int = 0
    state: str = "running"  # running, finished, failed
    error: str = ""
    generated: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    more_items: int = 0  # made but not listed (over SHOWN_ITEMS)
    report: bytes | None = None  # the row-error report (CSV)
    thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def finished(self) -> bool:
        return self.state != "running"

    def status(self) -> dict[str, Any]:
        """What the progress poll gets (secretary.js)."""
        return {
            "state": self.state,
            "done": min(self.done, self.total),
            "total": self.total,
            "generated": self.generated,
            "failed": len({f["row"] for f in self.failures}),
            "error": self.error,
        }


class Jobs:
    """The batches of one server, by id."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, server: Server, identity: signin.Identity, order: Order, content: bytes) -> Job:
        """Save the upload and start generating from it; BadInput (before any thread) if
        the file cannot be read as a sheet."""
        try:
            suffix = batch_sheets.suffix_of(content)
        except BadInput as exc:
            raise BadInput(f"{order.file_name}: {exc}") from None
        folder = Path(tempfile.mkdtemp(prefix="bureau-batch-"))
        try:
            path = folder / f"batch{suffix}"
            path.write_bytes(content)
            total = _readable(path, order.file_name, batch_sheets.count_rows)
            if total == 0:
                raise BadInput(f"{order.file_name}: no data rows below the header")
            with self._lock:
                if any(j.owner == identity.name and not j.finished for j in self._jobs.values()):
                    raise BadInput("you have a batch running already: wait until it is done")
                job = Job(secrets.token_urlsafe(12), identity.name, order, total)
                self._jobs[job.id] = job
                self._prune()
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        job.thread = threading.Thread(
            target=_run,
            args=(job, server, identity, path),
            name=f"bureau-batch-{job.id}",
            daemon=True,
        )
        job.thread.start()
        return job

    def get(self, job_id: str, owner: str) -> Job:
        """The job `job_id` if `owner` started it; NotFound otherwise (as if none)."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.owner != owner:
            raise NotFound(f"no batch {job_id!r}")
        return job

    def _prune(self) -> None:
        finished = sorted((j for j in self._jobs.values() if j.finished), key=lambda j: j.started)
        for job in finished[: max(0, len(finished) - KEPT)]:
            del self._jobs[job.id]


def _readable(path: Path, name: str, read: Any) -> Any:
    """`read(path)`, with the temporary path in a message replaced by the upload's name."""
    try:
        return read(path)
    except BadInput as exc:
        raise BadInput(str(exc).replace(str(path), name)) from None


def _run(job: Job, server: Server, identity: signin.Identity, path: Path) -> None:
    """The thread: the batch, on a home opened for this thread alone."""
    order = job.order

    def advance() -> None:
        job.done += 1

    try:
        with signin.open_for(server.root, identity, server.keys) as archive:
            summary = _readable(
                path,
                order.file_name,
                lambda p: batch_sheets.run(
                    archive,
                    order.template,
                    p,
                    order.dept,
                    order.lang,
                    order.level,
                    order.pdf,
                    order.seal,
                    order.all_or_nothing,
                    on_row=advance,
                ),
            )
        job.failures = list(summary.failed)
        for line in summary.items():
            if len(job.items) < SHOWN_ITEMS:
                item = json.loads(line)
                job.items.append(
                    {k: item.get(k) for k in ("id", "archive_code", "doc_no", "title")}
                )
            else:
                job.more_items += 1
        job.generated = summary.generated
        job.report = batch_sheets.errors_report(path, summary)
        summary.spool.close()
        job.done = job.total
        job.state = "finished"
    except BureauError as exc:
        job.error = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        job.state = "failed"
    except Exception:
        log.exception("batch %s failed", job.id)
        job.error = "the batch stopped on an unexpected error (see the server's log)"
        job.state = "failed"
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)


_REGISTRY_LOCK = threading.Lock()


def jobs_of(state: Any) -> Jobs:
    """The server's batches (kept on the application's state, made on first use)."""
    with _REGISTRY_LOCK:
        found = getattr(state, "batch_jobs", None)
        if found is None:
            found = state.batch_jobs = Jobs()
        return found
