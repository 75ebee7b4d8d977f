"""The archive's service layer: every operation on a data home, as one object.

The CLI (and the web pages to come) call these methods and nothing below them, so the
rules — validation, audit entries, later permissions — live in one place.
"""

from __future__ import annotations

import getpass
import io
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from archive import atomic, audit, catalog, changes, config, fixity, home, items, lookup, numbers
from archive.errors import BadInput, HomeError, NotFound
from archive.filing import FiledResult, FilingRequest
from archive.filing import file as file_request
from archive.store import BlobStore


def default_actor() -> str:
    """Who is acting: `$BUREAU_USER`, else the login name."""
    try:
        return os.environ.get("BUREAU_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass(frozen=True)
class VerifyReport:
    problems: list[fixity.Problem]
    cleaned: list[str]
    items: int

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "problems": [p.to_json() for p in self.problems],
            "items": self.items,
            "cleaned": len(self.cleaned),
        }


class Archive:
    """An open data home."""

    def __init__(
        self,
        data_home: home.DataHome,
        settings: config.Config,
        conn: sqlite3.Connection,
        actor: str,
    ) -> None:
        self.home = data_home
        self.config = settings
        self.conn = conn
        self.store = BlobStore(data_home.store_path)
        self.actor = actor

    # -- lifecycle -------------------------------------------------------------------------

    @classmethod
    def init(
        cls,
        data_home: home.DataHome,
        org: str | None = None,
        fonds: str = "J042",
        lang: str = "en",
        actor: str | None = None,
    ) -> Archive:
        """Create a new data home and open it; HomeError if one is already there."""
        home.create(data_home, config.default_config(org, fonds, lang))
        archive = cls.open(data_home, actor)
        with catalog.write(archive.conn):
            audit.append(
                archive.conn,
                archive.actor,
                "init",
                detail={"fonds": archive.config.fonds, "schema": catalog.SCHEMA_VERSION},
            )
        return archive

    @classmethod
    def open(cls, data_home: home.DataHome, actor: str | None = None) -> Archive:
        """Open an existing home, bringing an older catalog up to date on first use."""
        home.require(data_home)
        settings = config.load(data_home.config_path)
        try:
            conn = catalog.connect(data_home.catalog_path)
            applied = catalog.migrate(conn)
        except sqlite3.DatabaseError as exc:
            raise HomeError(f"{data_home.catalog_path}: the catalog cannot be read: {exc}") from exc
        archive = cls(data_home, settings, conn, actor or default_actor())
        if applied:
            with catalog.write(conn):
                audit.append(conn, archive.actor, "upgrade", detail={"applied": applied})
        return archive

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def schema_version(self) -> int:
        return catalog.schema_version(self.conn)

    # -- filing and retrieval ----------------------------------------------------------------

    def file(self, request: FilingRequest) -> FiledResult:
        return file_request(self.conn, self.store, self.config, request, self.actor)

    def resolve(self, ref: str) -> items.Item:
        return lookup.resolve(self.conn, ref)

    def list(
        self,
        dept: str | None = None,
        kind: str | None = None,
        year: int | None = None,
        limit: int | None = None,
    ) -> list[items.Item]:
        """Items matching every filter given, in archival-code order."""
        where, params = [], []
        if dept:
            where.append("dept = ?")
            params.append(self.config.department(dept).code)
        if kind:
            where.append("kind = ?")
            params.append(" ".join(kind.split()).lower())
        if year is not None:
            where.append("year = ?")
            params.append(year)
        if limit is not None and limit < 1:
            raise BadInput("--limit must be at least 1")
        sql = f"SELECT {items.ITEM_COLUMNS} FROM items"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY year, dept, retention, item_no"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return items.load(self.conn, self.conn.execute(sql, params).fetchall())

    def sealed_items(self) -> list[items.Item]:
        """Items whose official rendition is a sealed PDF (for re-verifying the seals)."""
        rows = self.conn.execute(
            f"SELECT {items.ITEM_COLUMNS} FROM items WHERE sealed = 1 ORDER BY archive_code"
        ).fetchall()
        return items.load(self.conn, rows)

    def get(
        self, ref: str, out: Path, rendition: str | None = None, overwrite: bool = False
    ) -> tuple[items.Item, items.StoredFile, Path]:
        """Write a rendition (default: the official one) to `out`, verified against its hash.

        The bytes are checked before anything appears at `out`: a corrupted stored file
        raises IntegrityError and leaves `out` as it was.
        """
        item = self.resolve(ref)
        stored = item.rendition(rendition) if rendition else item.official
        if stored is None:
            have = ", ".join(f.rendition for f in item.files if f.role == "document")
            raise NotFound(f"{item.archive_code} has no {rendition} rendition (it has {have})")
        target = out / _safe_name(stored.name) if out.is_dir() else out
        if target.exists() and not overwrite:
            raise BadInput(f"{target}: already exists (use --force to replace it)")
        if not target.parent.is_dir():
            raise BadInput(f"{target.parent}: no such directory")
        with atomic.replacing(target) as stream:
            self.store.read_verified(stored.sha256, stream)
        with catalog.write(self.conn):
            audit.append(
                self.conn,
                self.actor,
                "retrieve",
                item.id,
                {"rendition": stored.rendition, "sha256": stored.sha256},
            )
        return item, stored, target

    def read_content(self, stored: items.StoredFile) -> bytes:
        """A stored file's bytes, verified against its hash, in memory (never a temp file)."""
        buffer = io.BytesIO()
        self.store.read_verified(stored.sha256, buffer)
        return buffer.getvalue()

    # -- what the indexer follows --------------------------------------------------------------

    def changes_since(self, seq: int, limit: int = 500) -> changes.Changes:
        return changes.since(self.conn, seq, limit)

    def audit_position(self) -> int:
        """The newest audit sequence number: everything up to it is in the catalog."""
        return changes.head(self.conn)

    def item_ids(self) -> set[str]:
        return {row[0] for row in self.conn.execute("SELECT id FROM items")}

    def items_by_id(self, ids: list[str]) -> dict[str, items.Item]:
        """The items among `ids` that exist (a missing id is simply absent)."""
        found: dict[str, items.Item] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT {items.ITEM_COLUMNS} FROM items WHERE id IN ({marks})", chunk
            ).fetchall()
            found.update((i.id, i) for i in items.load(self.conn, rows))
        return found

    def filed_with_origin(self, origin: str) -> str | None:
        return changes.filed_with_origin(self.conn, origin)

    # -- the document-number register ----------------------------------------------------------

    def allocate_number(
        self, dept: str, template: str | None, lang: str, year: int | None = None
    ) -> numbers.Number:
        """Reserve the next document number of `dept`'s prefix for `template` documents."""
        department = self.config.department(dept)
        now = datetime.now(self.config.tz)
        return numbers.allocate(
            self.conn,
            series=department.prefix("zh", template),
            prefix=department.prefix(lang, template),
            lang=lang,
            year=year or now.year,
            dept=department.code,
            template=template,
            actor=self.actor,
            now=now,
        )

    def void_number(self, number: numbers.Number, reason: str) -> None:
        numbers.void(self.conn, number.key, reason, self.actor)

    def number_register(self, year: int | None = None) -> list[numbers.Number]:
        return numbers.register(self.conn, year)

    # -- fixity and the audit trail ------------------------------------------------------------

    def verify(self) -> VerifyReport:
        """Check every stored file, catalog row and the audit chain; sweep stale leftovers."""
        cleaned = self.sweep(self.config.orphan_grace_seconds)
        problems = fixity.check(self.conn, self.store)
        count = self.conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]
        return VerifyReport(problems=problems, cleaned=cleaned, items=count)

    def sweep(self, grace_seconds: float) -> list[str]:
        """Remove what interrupted filings left behind (unreferenced blobs, temporary files)."""
        with catalog.write(self.conn):
            referenced = {r[0] for r in self.conn.execute("SELECT DISTINCT sha256 FROM files")}
            return self.store.sweep(referenced, grace_seconds)

    def audit_log(self, ref: str | None = None, limit: int | None = None) -> list[audit.Entry]:
        item_id = self.resolve(ref).id if ref else None
        return list(audit.entries(self.conn, item_id, limit))


def _safe_name(name: str) -> str:
    """A recorded file name made safe to write inside a directory."""
    base = Path(name.replace("\\", "/")).name.strip().lstrip(".")
    return base or "document"


__all__ = ["Archive", "VerifyReport", "default_actor"]
