"""Filing: turning documents on disk into one archival item, atomically.

The order is what makes a kill at any moment safe: every file is first stored in the blob
store (complete and fsynced), and only then, in one catalog transaction, is the item
numbered, inserted and written to the audit trail. A kill before the commit leaves at most
unreferenced blobs, which the store's `sweep` removes; a kill after it leaves a filed item.

`file_batch` files many requests in the same order of steps, as a group (the inbox's bulk
intake): files read and screened in parallel, the batch's blobs made durable by one sync,
then one transaction in which each item still gets its own number, audit entry and state
digest. A kill leaves every item of the batch filed, or none of them.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import unicodedata
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path

from archive import audit, catalog, codes, crypto, docmeta, items, numbers, screening
from archive.config import Config
from archive.errors import BadInput
from archive.keys import KeyRing
from archive.retention.rules import Schedule, due_date
from archive.store import Store
from archive.vocab import classification as parse_classification
from archive.vocab import retention as parse_retention
from archive.workers import WORTH_IT, Workers


@dataclass(frozen=True)
class Source:
    """A file to file: its path and, if different, the name it should be recorded under."""

    path: Path
    name: str | None = None

    @property
    def recorded_name(self) -> str:
        return self.name or self.path.name


@dataclass(frozen=True)
class SealCheck:
    """What the front door found when it verified a PDF's seal against the home's own trust
    root, at filing time (the archive does not verify seals: that is `seals/`, an outer
    layer). Only a verified seal makes an item `sealed`; only the revision it covers is
    believed for metadata."""

    verified: bool
    signed_length: int | None = None  # where the revision the seal covers ends (its bytes)
    problem: str | None = None  # why a signature in the file is not a verified bureau seal
    sha256: str | None = None  # the bytes that were checked, so a file changed since is refused


@dataclass
class FilingRequest:
    """What `bureau file` (or a generator) asks to file, before validation.

    `documents` are the renditions of the one document (e.g. its DOCX and PDF); the one
    named by `official` (a rendition such as `pdf`, default: the first) is the official
    one, whose SHA-256 identifies the item. Metadata left None is read from the documents.
    """

    documents: list[Source]
    attachments: list[Source] = field(default_factory=list)
    official: str | None = None
    kind: str | None = None
    dept: str | None = None
    title: str | None = None
    date: str | None = None
    classification: str | None = None
    retention: str | None = None
    doc_no: str | None = None
    template: str | None = None
    supersedes: str | None = None
    allow_duplicate: bool = False
    number: tuple[str, int, int] | None = None  # a reserved register entry this item uses
    origin: str | None = None  # where the files came from (e.g. an inbox claim), for the trail
    category: str | None = None  # the retention category; by default the one that matches
    seal: SealCheck | None = None  # the first document's seal, checked by the front door
    require_seal: bool = False  # refuse the item unless that seal verified


@dataclass(frozen=True)
class Metadata:
    kind: str
    dept: str
    title: str
    date: date
    classification: str
    retention: str
    doc_no: str | None
    template: str | None
    category: str | None = None
    due: date | None = None
    retention_override: str | None = None  # the category's period, when --retention differs
    sealed: bool = False
    notes: dict[str, object] = field(default_factory=dict)  # screening findings, for the trail


@dataclass(frozen=True)
class FiledResult:
    item: items.Item
    duplicate_of: str | None = None
    warnings: tuple[str, ...] = ()  # what the filer should know (printed on stderr)
    active_content: tuple[str, ...] = ()  # screening.ACTIVE_KINDS found in the item's files
    pdfa: dict[str, object] | None = None  # the official PDF's PDF/A claim and findings


@dataclass(frozen=True)
class _Prepared:
    source: Source
    info: docmeta.DocInfo
    role: str


def prepare(
    request: FilingRequest, config: Config, schedule: Schedule
) -> tuple[list[_Prepared], Metadata]:
    """Validate every file and settle the metadata; BadInput naming what is wrong."""
    if not request.documents:
        raise BadInput("nothing to file: give a .docx or .pdf document")
    seal = request.seal
    signed_length = seal.signed_length if seal is not None and seal.verified else None
    documents = [
        _Prepared(
            s,
            docmeta.inspect(s.path, s.recorded_name, signed_length if n == 0 else None),
            "document",
        )
        for n, s in enumerate(request.documents)
    ]
    renditions = [d.info.rendition for d in documents]
    if len(set(renditions)) != len(renditions):
        raise BadInput("an item has at most one file of each rendition (one DOCX, one PDF)")
    official = request.official or renditions[0]
    if official not in renditions:
        raise BadInput(f"the official rendition {official!r} is not among the files given")
    documents.sort(key=lambda d: d.info.rendition != official)
    attachments = [
        _Prepared(s, docmeta.inspect_attachment(s.path, s.recorded_name), "attachment")
        for s in request.attachments
    ]
    found: dict[str, str] = {}
    for doc in reversed(documents):  # the official rendition's properties win
        found.update(doc.info.properties)
    meta = _metadata(request, found, config, schedule)
    sealed, notes = _seal_findings(request, documents[0])
    active = sorted({kind for p in documents + attachments for kind in p.info.active_content})
    if active:
        notes["active_content"] = [k for k in screening.ACTIVE_KINDS if k in active]
    if documents[0].info.pdfa is not None:
        notes["pdfa"] = documents[0].info.pdfa.to_json()
    return documents + attachments, replace(meta, sealed=sealed, notes=notes)


def _seal_findings(request: FilingRequest, official: _Prepared) -> tuple[bool, dict[str, object]]:
    """Whether the item is sealed, and what the trail should record about its seal.

    With a seal check from the front door, only a verified bureau seal on the official PDF
    counts; without one (documents this program sealed itself) a filled signature does.
    """
    seal = request.seal
    info = official.info
    notes: dict[str, object] = {}
    if seal is None:
        sealed = info.signed
    else:
        sealed = (
            seal.verified and info.rendition == "pdf" and request.documents[0] == official.source
        )
        if info.signed and not sealed:
            notes["unsealed_signature"] = seal.problem or "the signature does not verify"
    if request.require_seal and not sealed:
        why = notes.get("unsealed_signature") or "it carries no seal"
        raise BadInput(
            f"{screening.printable(official.source.recorded_name)}: not sealed by the bureau "
            f"({why}); --require-seal refuses it"
        )
    if info.ignored_after_seal:
        notes["ignored_after_seal"] = list(info.ignored_after_seal)
    return sealed, notes


def warnings_for(notes: dict[str, object]) -> tuple[str, ...]:
    """The screening findings of a filing as lines for the person who filed it."""
    lines = []
    if "unsealed_signature" in notes:
        lines.append(
            f"warning: the PDF's signature is not a valid bureau seal "
            f"({notes['unsealed_signature']}): filed as unsealed"
        )
    if "ignored_after_seal" in notes:
        names = ", ".join(notes["ignored_after_seal"])  # type: ignore[arg-type]
        lines.append(
            f"warning: metadata changed after the seal was ignored ({names}): "
            "the sealed revision's values were used"
        )
    if "active_content" in notes:
        kinds = ", ".join(notes["active_content"])  # type: ignore[arg-type]
        lines.append(f"warning: the document contains active content: {kinds}")
    found = notes.get("pdfa")
    if isinstance(found, dict) and found.get("claims") and not found.get("ok"):
        problems = "; ".join(found.get("problems") or [])
        lines.append(
            f"warning: the PDF claims PDF/A-{found['claims']} but fails basic checks: {problems}"
        )
    return tuple(lines)


@dataclass(frozen=True)
class _Stored:
    """One file as filed: its content's hash and size, and its blob's (they differ when the
    blob is the content encrypted)."""

    sha256: str
    size: int
    stored_sha256: str
    stored_size: int


@dataclass(frozen=True)
class _Protection:
    """How an item of an encrypted level is stored: its data key, wrapped."""

    key: bytes
    version: int
    wrapped: bytes


def file(
    conn: sqlite3.Connection,
    store: Store,
    config: Config,
    request: FilingRequest,
    actor: str,
    schedule: Schedule,
    keyring: Callable[[], KeyRing] | None = None,
    check: Callable[[Metadata], None] | None = None,
) -> FiledResult:
    """File `request` as one item and return it, or the existing item it duplicates.

    A copy of a filed document is reported as that item even when it carries no metadata
    of its own (a file dropped into the inbox, say). An item of an encrypted level is
    stored encrypted under its own data key, which `keyring` (the unlocked master key) wraps.
    """
    try:
        prepared, meta = prepare(request, config, schedule)
    except BadInput as exc:
        return _duplicate_or_raise(conn, request, exc)
    planned = _plan(conn, config, request, prepared, meta, keyring, check)
    staged = _staged(planned, _store_files(store, planned, durable=True))
    with catalog.write(conn), _Presence(store, [staged]) as presence:
        return _answers(conn, [_commit(conn, store, config, staged, actor, presence)])[0]


def file_batch(
    conn: sqlite3.Connection,
    store: Store,
    config: Config,
    requests: list[FilingRequest],
    actor: str,
    schedule: Schedule,
    keyring: Callable[[], KeyRing] | None = None,
    check: Callable[[Metadata], None] | None = None,
    workers: Workers | None = None,
) -> list[FiledResult | BadInput]:
    """File each request as `file` would, as a group: what each became, in order.

    The files are read and screened before anything is stored, in `workers` (processes)
    when the batch is large enough to pay for them, else in a pool of threads; the
    blobs of the whole batch are stored (several at once in a store across a network)
    and made durable by one sync; then one catalog transaction (one commit, one fsync)
    numbers and inserts every item, each with its own audit entry and state digest, each
    in a savepoint, so a request refused there (a copy of an item filed earlier in the
    batch, say) leaves the others filed. A request with something wrong with it is
    answered with its BadInput; any other error files nothing at all.
    """
    ready = _prepare_all(requests, config, schedule, workers)
    answers: list[FiledResult | BadInput | _Planned | _Staged] = []
    for request, got in zip(requests, ready, strict=True):
        try:
            if isinstance(got, BadInput):
                answers.append(_duplicate_or_raise(conn, request, got))
                continue
            prepared, meta = got
            answers.append(_plan(conn, config, request, prepared, meta, keyring, check))
        except BadInput as exc:
            answers.append(exc)
    _stage_all(store, answers)
    staged = [a for a in answers if isinstance(a, _Staged)]
    if not staged:
        return [a for a in answers if isinstance(a, FiledResult | BadInput)]
    store.sync()  # every blob durable before the transaction that refers to them
    with catalog.write(conn), _Presence(store, staged) as presence:
        committed: list[FiledResult | BadInput | _Filed] = []
        for answer in answers:
            if not isinstance(answer, _Staged):
                committed.append(answer)  # type: ignore[arg-type]
                continue
            conn.execute("SAVEPOINT filing")
            try:
                committed.append(_commit(conn, store, config, answer, actor, presence))
            except BadInput as exc:
                conn.execute("ROLLBACK TO filing")
                committed.append(exc)
            conn.execute("RELEASE filing")
        return _answers(conn, committed)


PREPARE_THREADS = min(4, os.cpu_count() or 1)
"""Threads reading and screening a small batch's files (zip inflation and hashing release
the interpreter's lock; the parsing does not, hence processes for large batches)."""


def _prepare_all(
    requests: list[FilingRequest], config: Config, schedule: Schedule, workers: Workers | None
) -> list[tuple[list[_Prepared], Metadata] | BadInput]:
    prepare_one = partial(_try_prepare, config=config, schedule=schedule)
    if workers is not None and len(requests) >= WORTH_IT:
        try:
            return list(workers.map(prepare_one, requests))
        except BrokenProcessPool:  # a worker died (killed, out of memory): do it here
            pass
    with ThreadPoolExecutor(max_workers=PREPARE_THREADS) as pool:
        return list(pool.map(prepare_one, requests))


STORE_THREADS = 8
"""Requests a filing may have under way at once to a store across a network (storing a
batch's files, and looking under the write lock for those it stored)."""


@dataclass(frozen=True)
class _Planned:
    """A filing whose metadata is settled and allowed, its item named and its data key
    made: what storing its files needs."""

    request: FilingRequest
    prepared: list[_Prepared]
    meta: Metadata
    item_id: str
    protection: _Protection | None


@dataclass(frozen=True)
class _Staged:
    """A planned filing whose files are stored: what its catalog transaction needs."""

    plan: _Planned
    stored: list[_Stored]


def _try_prepare(
    request: FilingRequest, config: Config, schedule: Schedule
) -> tuple[list[_Prepared], Metadata] | BadInput:
    try:
        return prepare(request, config, schedule)
    except BadInput as exc:
        return exc


def _duplicate_or_raise(
    conn: sqlite3.Connection, request: FilingRequest, problem: BadInput
) -> FiledResult:
    """A request that cannot be filed as it is: the item it is a copy of, if it is one
    (a dropped copy carries no metadata of its own), else its problem raised."""
    if request.allow_duplicate or request.supersedes:
        raise problem
    existing = _existing(conn, [_sha256(s.path) for s in request.documents], exclude=None)
    if existing is None:
        raise problem
    return FiledResult(items.load(conn, [existing])[0], duplicate_of=existing["id"])


def _plan(
    conn: sqlite3.Connection,
    config: Config,
    request: FilingRequest,
    prepared: list[_Prepared],
    meta: Metadata,
    keyring: Callable[[], KeyRing] | None,
    check: Callable[[Metadata], None] | None,
) -> _Planned:
    """Check what the metadata allows, before anything is stored (outside the write lock)."""
    if check is not None:
        check(meta)
    if request.supersedes:
        _superseded(conn, request.supersedes)  # refuse a bad reference before storing anything
    item_id = items.new_id()
    protection = None
    if meta.classification in config.encrypted_levels:
        if keyring is None:
            raise BadInput(f"filing a {meta.classification} document needs the passphrase")
        key = crypto.new_key()
        version, wrapped = keyring().wrap(item_id, key)
        protection = _Protection(key, version, wrapped)
    return _Planned(request, prepared, meta, item_id, protection)


def _store_files(store: Store, planned: _Planned, durable: bool) -> list[_Stored]:
    return [
        _store(store, p.source.path, planned.item_id, planned.protection, durable)
        for p in planned.prepared
    ]


def _staged(planned: _Planned, stored: list[_Stored]) -> _Staged:
    """The planned filing with its files stored; BadInput if the sealed document checked
    at the front door is not what was stored."""
    request, prepared = planned.request, planned.prepared
    seal = request.seal
    checked = seal is not None and prepared[0].source == request.documents[0]
    if checked and seal.sha256 and seal.sha256 != stored[0].sha256:  # type: ignore[union-attr]
        raise BadInput(
            f"{screening.printable(prepared[0].source.recorded_name)} changed while it was "
            "being filed: file it again"
        )
    return _Staged(planned, stored)


def _stage_all(store: Store, answers: list[FiledResult | BadInput | _Planned | _Staged]) -> None:
    """Store the files of every planned filing among `answers` (with `durable=False`),
    replacing each by its `_Staged`, or by the BadInput of the first of its files that
    could not be stored. A store across a network is sent several files at once, answers
    taken in order; any other error is raised as the first in order."""
    planned = [(n, a) for n, a in enumerate(answers) if isinstance(a, _Planned)]
    files = [(plan, p.source.path) for _, plan in planned for p in plan.prepared]

    def store_one(task: tuple[_Planned, Path]) -> _Stored | BadInput:
        plan, path = task
        try:
            return _store(store, path, plan.item_id, plan.protection, durable=False)
        except BadInput as exc:
            return exc

    if store.networked and len(files) > 1:
        with ThreadPoolExecutor(STORE_THREADS, thread_name_prefix="store") as pool:
            results = iter(list(pool.map(store_one, files)))
    else:
        results = map(store_one, files)
    for n, plan in planned:
        stored = [next(results) for _ in plan.prepared]
        problem = next((r for r in stored if isinstance(r, BadInput)), None)
        try:
            if problem is not None:
                raise problem
            answers[n] = _staged(plan, stored)  # type: ignore[arg-type]
        except BadInput as exc:
            answers[n] = exc


class _Presence:
    """Whether stored blobs are in the store still, asked under the write lock (a blob
    swept between storing and committing is stored again before the commit). A store
    across a network is asked about several (a batch's) at once as the transaction begins,
    the catalog's work going on meanwhile; the answers are waited for where they are
    needed."""

    def __init__(self, store: Store, staged: list[_Staged]) -> None:
        self.store = store
        self._asked: dict[str, Future[bool]] = {}
        self._staged = staged
        self._pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> _Presence:
        shas = dict.fromkeys(f.stored_sha256 for s in self._staged for f in s.stored)
        if (
            self.store.networked and len(shas) > 1
        ):  # one alone is asked when needed (a thread costs more than it hides)
            self._pool = ThreadPoolExecutor(STORE_THREADS, thread_name_prefix="presence")
            self._asked = {sha: self._pool.submit(self.store.exists, sha) for sha in shas}
        return self

    def __exit__(self, *_: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)  # nothing asked outlives the transaction

    def there(self, sha256: str) -> bool:
        asked = self._asked.get(sha256)
        return asked.result() if asked is not None else self.store.exists(sha256)

    def stored_again(self, sha256: str) -> None:
        self._asked.pop(sha256, None)


@dataclass(frozen=True)
class _Filed:
    """An item inserted in the open transaction, to be read back with the others."""

    item_id: str
    notes: dict[str, object]


def _answers(
    conn: sqlite3.Connection, committed: list[FiledResult | BadInput | _Filed]
) -> list[FiledResult | BadInput]:
    """What each request became, the items filed in this transaction read back all at once
    (a few queries for a whole batch, not a few for each item)."""
    ids = [a.item_id for a in committed if isinstance(a, _Filed)]
    rows = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows += conn.execute(
            f"SELECT {items.ITEM_COLUMNS} FROM items WHERE id IN ({_marks(len(chunk))})", chunk
        ).fetchall()
    loaded = {item.id: item for item in items.load(conn, rows)}
    return [
        FiledResult(
            loaded[a.item_id],
            warnings=warnings_for(a.notes),
            active_content=tuple(a.notes.get("active_content", ())),  # type: ignore[arg-type]
            pdfa=a.notes.get("pdfa"),  # type: ignore[arg-type]
        )
        if isinstance(a, _Filed)
        else a
        for a in committed
    ]


def _commit(
    conn: sqlite3.Connection,
    store: Store,
    config: Config,
    staged: _Staged,
    actor: str,
    presence: _Presence,
) -> FiledResult | _Filed:
    """Number, insert and audit one staged item (or find the item it is a copy of); the
    caller holds the write transaction."""
    plan, stored = staged.plan, staged.stored
    request, prepared, meta = plan.request, plan.prepared, plan.meta
    item_id, protection = plan.item_id, plan.protection
    previous = _superseded(conn, request.supersedes) if request.supersedes else None
    if not request.allow_duplicate:
        renditions = [
            f.sha256 for p, f in zip(prepared, stored, strict=True) if p.role == "document"
        ]
        existing = _existing(conn, renditions, exclude=previous)
        if existing:
            return FiledResult(items.load(conn, [existing])[0], duplicate_of=existing["id"])
    _insert(
        conn,
        config,
        meta,
        prepared,
        stored,
        previous,
        actor,
        request.origin,
        item_id,
        protection,
    )
    if request.number:
        numbers.mark_used(conn, request.number, item_id)
    for p, f in zip(prepared, stored, strict=True):
        if not presence.there(f.stored_sha256):  # swept between storing and locking
            _store(store, p.source.path, item_id, protection, durable=True)
            presence.stored_again(f.stored_sha256)
    return _Filed(item_id, meta.notes)


def _store(
    store: Store, path: Path, item_id: str, protection: _Protection | None, durable: bool
) -> _Stored:
    if protection is None:
        blob = store.put_file(path, durable)
        return _Stored(blob.sha256, blob.size, blob.sha256, blob.size)
    content = path.read_bytes()
    sealed = crypto.encrypt(protection.key, content, content_aad(item_id))
    blob = store.put_bytes(sealed, durable)
    return _Stored(hashlib.sha256(content).hexdigest(), len(content), blob.sha256, blob.size)


def content_aad(item_id: str) -> bytes:
    """What binds an encrypted file to its item: a ciphertext moved elsewhere fails."""
    return item_id.encode("ascii")


def text_aad(item_id: str, what: str) -> bytes:
    return f"{item_id} {what}".encode()


def _insert(
    conn: sqlite3.Connection,
    config: Config,
    meta: Metadata,
    prepared: list[_Prepared],
    stored: list[_Stored],
    previous: str | None,
    actor: str,
    origin: str | None,
    item_id: str,
    protection: _Protection | None,
) -> None:
    def hidden(text: str, what: str) -> str:
        if protection is None:
            return text
        return crypto.encrypt_text(protection.key, text, text_aad(item_id, what))

    item_no = _next_item_no(conn, config.fonds, meta)
    code = codes.make(config.fonds, meta.date.year, meta.retention, meta.dept, item_no)
    filed_at = datetime.now(config.tz).isoformat(timespec="seconds")
    values = {
        "id": item_id,
        "archive_code": str(code),
        "fonds": config.fonds,
        "year": meta.date.year,
        "retention": meta.retention,
        "dept": meta.dept,
        "item_no": item_no,
        "kind": meta.kind,
        "title": hidden(meta.title, "title"),
        "date": meta.date.isoformat(),
        "classification": meta.classification,
        "doc_no": meta.doc_no,
        "template": meta.template,
        "sha256": stored[0].sha256,
        "supersedes": previous,
        "status": "filed",
        "filed_at": filed_at,
        "filed_by": actor,
        "sealed": int(meta.sealed),
        "encrypted": int(protection is not None),
        "declassify_on": None,
        "category": meta.category,
        "due": meta.due.isoformat() if meta.due else None,
        "retention_override": int(meta.retention_override is not None),
        "disposal_list": None,
        "disposed_at": None,
    }
    conn.execute(
        f"INSERT INTO items ({items.ITEM_COLUMNS}) VALUES ({_marks(len(items.ITEM_FIELDS))})",
        [values[k] for k in items.ITEM_FIELDS],
    )
    if protection is not None:
        conn.execute(
            "INSERT INTO item_keys (item_id, version, wrapped) VALUES (?, ?, ?)",
            (item_id, protection.version, protection.wrapped),
        )
    for seq, (p, f) in enumerate(zip(prepared, stored, strict=True), start=1):
        conn.execute(
            "INSERT INTO files (item_id, seq, role, rendition, official, name, media_type, "
            "size, sha256, stored_sha256, stored_size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                item_id,
                seq,
                p.role,
                p.info.rendition,
                int(seq == 1),
                hidden(p.source.recorded_name, f"name {seq}"),
                p.info.media_type,
                f.size,
                f.sha256,
                f.stored_sha256,
                f.stored_size,
            ),
        )
    audit.append(
        conn,
        actor,
        "file",
        item_id,
        {
            "archive_code": str(code),
            "sha256": stored[0].sha256,
            "files": [f.sha256 for f in stored],
            "supersedes": previous,
            "doc_no": meta.doc_no,
            "category": meta.category,
            "due": meta.due.isoformat() if meta.due else None,
        }
        | meta.notes
        | ({"origin": origin} if origin else {})
        | (
            {"retention_override": {"category": meta.retention_override, "given": meta.retention}}
            if meta.retention_override
            else {}
        ),
    )
    if previous:
        conn.execute("UPDATE items SET status = 'superseded' WHERE id = ?", (previous,))
        audit.append(conn, actor, "supersede", previous, {"superseded_by": item_id})


def _existing(
    conn: sqlite3.Connection, renditions: list[str], exclude: str | None
) -> sqlite3.Row | None:
    """The first item any of whose renditions has the same bytes as one of `renditions`,
    other than `exclude` (a new version may keep a rendition of the item it supersedes)."""
    other = "AND id <> ? " if exclude is not None else ""
    return conn.execute(
        f"SELECT {items.ITEM_COLUMNS} FROM items WHERE id IN (SELECT item_id FROM files "
        f"WHERE role = 'document' AND sha256 IN ({_marks(len(renditions))})) {other}"
        "ORDER BY (SELECT MIN(seq) FROM audit WHERE audit.item_id = items.id), id LIMIT 1",
        [*renditions] + ([exclude] if exclude is not None else []),
    ).fetchone()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()


def _marks(count: int) -> str:
    return ",".join("?" * count)


def _next_item_no(conn: sqlite3.Connection, fonds: str, meta: Metadata) -> int:
    """The next item number for (fonds, year, retention, dept); never reused."""
    key = (fonds, meta.date.year, meta.retention, meta.dept)
    row = conn.execute(
        "UPDATE sequences SET last = last + 1 "
        "WHERE fonds = ? AND year = ? AND retention = ? AND dept = ? RETURNING last",
        key,
    ).fetchone()
    if row:
        return int(row["last"])
    conn.execute(
        "INSERT INTO sequences (fonds, year, retention, dept, last) VALUES (?, ?, ?, ?, 1)", key
    )
    return 1


def _superseded(conn: sqlite3.Connection, ref: str) -> str:
    from archive.lookup import resolve  # lookup imports filing's neighbours, not filing

    target = resolve(conn, ref)
    successor = conn.execute("SELECT id FROM items WHERE supersedes = ?", (target.id,)).fetchone()
    if successor:
        raise BadInput(
            f"{target.archive_code} is already superseded by item {successor['id']}: "
            "file the correction against the newest version"
        )
    return target.id


def _metadata(
    request: FilingRequest, found: dict[str, str], config: Config, schedule: Schedule
) -> Metadata:
    def pick(name: str) -> str | None:
        given = getattr(request, name)
        return given if given is not None else found.get(name)

    def required(name: str, hint: str) -> str:
        value = pick(name)
        if value is None or not str(value).strip():
            raise BadInput(f"missing {name}: give --{name} {hint} (the document does not say)")
        return str(value)

    kind = _text("kind", required("kind", "KIND"), 64).lower()
    dept = config.department(required("dept", "CODE")).code
    title = _text("title", required("title", "TITLE"), 1000)
    when = _document_date(request.date, found, config)
    level = parse_classification(pick("classification") or config.default_classification)
    doc_no = pick("doc_no")
    template = pick("template")
    template = _text("template", template, 64) if template else None
    rule = (
        schedule.get(request.category) if request.category else schedule.match(kind, template, dept)
    )
    given = pick("retention")
    period = parse_retention(given) if given else rule.retention
    return Metadata(
        kind=kind,
        dept=dept,
        title=title,
        date=when,
        classification=level,
        retention=period,
        doc_no=_text("doc_no", doc_no, 200) if doc_no else None,
        template=template,
        category=rule.code,
        due=due_date(when, period),
        retention_override=rule.retention if period != rule.retention else None,
    )


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _text(name: str, value: str, limit: int) -> str:
    """A one-line metadata value: valid text, whitespace collapsed, no control characters,
    bounded."""
    if _SURROGATE.search(value):  # undecodable bytes from a command line or a file name
        raise BadInput(f"invalid {name}: it is not valid UTF-8 text")
    if _CONTROL.search(value):
        raise BadInput(f"invalid {name}: it contains control characters")
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if not text:
        raise BadInput(f"invalid {name}: it is empty")
    if len(text) > limit:
        raise BadInput(f"invalid {name}: longer than {limit} characters")
    return text


def parse_date(value: str, name: str = "date") -> date:
    """A calendar date written YYYY-MM-DD; BadInput otherwise."""
    text = value.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise BadInput(f"malformed {name} {value!r}: write it as YYYY-MM-DD")
    try:
        parsed = date.fromisoformat(text)
    except ValueError as exc:
        raise BadInput(f"invalid {name} {value!r}: no such day") from exc
    if parsed.year < 1900:
        raise BadInput(f"invalid {name} {value!r}: before 1900")
    return parsed


def _document_date(given: str | None, found: dict[str, str], config: Config) -> date:
    if given is not None:
        when = parse_date(given)
    elif "date" in found:
        when = parse_date(found["date"])
    elif "created" in found:
        when = _created_date(found["created"], config)
    else:
        raise BadInput("missing date: give --date YYYY-MM-DD (the document does not say)")
    if when > datetime.now(config.tz).date() + timedelta(days=366):
        raise BadInput(f"invalid date {when.isoformat()}: more than a year in the future")
    return when


def _created_date(text: str, config: Config) -> date:
    """A document's creation timestamp as a date in the home's time zone."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return parse_date(text[:10])
    if moment.tzinfo is not None:
        moment = moment.astimezone(config.tz)
    return moment.date()
