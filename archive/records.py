"""Filing and retrieval: items in, items found, files out (verified), and what the indexer
follows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from archive import atomic, audit, catalog, changes, items, states
from archive.errors import BadInput, BureauError, NotFound
from archive.filing import FiledResult, FilingRequest, Metadata
from archive.filing import file as file_request
from archive.filing import file_batch as file_requests
from archive.items import DISPOSED
from archive.opened import OpenArchive


class Records(OpenArchive):
    # -- filing and retrieval ----------------------------------------------------------------

    def file(
        self, request: FilingRequest, allowed: Callable[[Metadata], None] | None = None
    ) -> FiledResult:
        """File `request`. `allowed` is the service layer's decision on the item's metadata
        once it is known (it raises to refuse a department or level the acting user may
        not file for); the archive itself files what it is given."""
        self.audit_key()  # before anything is stored: the filing's entry needs it
        if request.supersedes:
            previous = self._find(request.supersedes)
            self._guard(states.item(previous.id), previous.archive_code)
            request = replace(request, supersedes=previous.id)

        result = file_request(
            self.conn,
            self.store,
            self.config,
            request,
            self.actor,
            self.schedule,
            self.vault.ring,
            allowed,
        )
        if result.duplicate_of and not self._visible(result.item):
            raise BadInput("this content is already in the archive, in an item you may not see")
        return replace(result, item=self.vault.reveal(result.item, strict=False))

    def file_batch(
        self,
        requests: list[FilingRequest],
        allowed: Callable[[Metadata], None] | None = None,
    ) -> list[FiledResult | BureauError]:
        """File each request as `file` would, as one group commit (`filing.file_batch`):
        what each became, in order, a request that could not be filed answered with its
        error. An error that is no request's own (a full disk, say) files none of them."""
        self.audit_key()
        answers: list[FiledResult | BureauError | None] = [None] * len(requests)
        ready: list[FilingRequest] = []
        for n, request in enumerate(requests):
            if request.supersedes:
                try:
                    previous = self._find(request.supersedes)
                    self._guard(states.item(previous.id), previous.archive_code)
                except BureauError as exc:
                    answers[n] = exc
                    continue
                request = replace(request, supersedes=previous.id)
            ready.append(request)
        filed = iter(
            file_requests(
                self.conn,
                self.store,
                self.config,
                ready,
                self.actor,
                self.schedule,
                self.vault.ring,
                allowed,
                self.workers,
            )
        )
        results: list[FiledResult | BureauError] = []
        for answer in answers:
            result = next(filed) if answer is None else answer
            if isinstance(result, FiledResult):
                if result.duplicate_of and not self._visible(result.item):
                    result = BadInput(
                        "this content is already in the archive, in an item you may not see"
                    )
                else:
                    result = replace(result, item=self.vault.reveal(result.item, strict=False))
            results.append(result)
        return results

    def resolve(self, ref: str) -> items.Item:
        """The item `ref` names, if the acting user may see it (NotFound otherwise, exactly
        as for an item that does not exist); a classified read is recorded."""
        item = self.vault.reveal(self._find(ref))
        self._record_reads([item], "show")
        return item

    def intake_notes(self, item: items.Item) -> dict[str, object]:
        """What screening found when `item` was filed, from its filing entry in the trail:
        `active_content` always (empty if none), `pdfa` always (the official PDF's PDF/A
        claim and what the basic checks found, archive.pdfa; None for an item without a PDF
        or filed before the check), and `ignored_after_seal` and `unsealed_signature` when
        they apply."""
        row = self.conn.execute(
            "SELECT detail FROM audit WHERE item_id = ? AND action = 'file' ORDER BY seq LIMIT 1",
            (item.id,),
        ).fetchone()
        detail = json.loads(row[0]) if row else {}
        notes: dict[str, object] = {
            "active_content": detail.get("active_content", []),
            "pdfa": detail.get("pdfa"),
        }
        for key in ("ignored_after_seal", "unsealed_signature"):
            if key in detail:
                notes[key] = detail[key]
        return notes

    def list(
        self,
        dept: str | None = None,
        kind: str | None = None,
        year: int | None = None,
        limit: int | None = None,
    ) -> list[items.Item]:
        """Items matching every filter given, in archival-code order."""
        where, params = [], []
        visibility, allowed = self._visibility_sql()
        where.append(visibility)
        params.extend(allowed)
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
        sql = f"SELECT {items.ITEM_COLUMNS} FROM items WHERE " + " AND ".join(where)
        sql += " ORDER BY year, dept, retention, item_no"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        found = items.load(self.conn, self.conn.execute(sql, params).fetchall())
        self._record_reads(found, "list")
        return [self.vault.reveal(i, strict=False) for i in found]

    def sealed_items(self) -> list[items.Item]:
        """Items whose official rendition is a sealed PDF (for re-verifying the seals)."""
        rows = self.conn.execute(
            f"SELECT {items.ITEM_COLUMNS} FROM items WHERE sealed = 1 AND status != ? "
            "ORDER BY archive_code",
            (DISPOSED,),
        ).fetchall()
        return items.load(self.conn, rows)

    def get(
        self, ref: str, out: Path, rendition: str | None = None, overwrite: bool = False
    ) -> tuple[items.Item, items.StoredFile, Path]:
        """Write a rendition (default: the official one) to `out`, verified against its hash.

        The bytes are checked before anything appears at `out`: a corrupted stored file
        raises IntegrityError and leaves `out` as it was.
        """
        self.audit_key()  # the retrieval is recorded: nothing is written without the key
        item, stored = self._retrievable(ref, rendition)
        target = out / _safe_name(stored.name) if out.is_dir() else out
        if target.exists() and not overwrite:
            raise BadInput(f"{target}: already exists (use --force to replace it)")
        if not target.parent.is_dir():
            raise BadInput(f"{target.parent}: no such directory")
        content = self.vault.read(item, stored)
        with atomic.replacing(target) as stream:
            stream.write(content)
        self._record_retrieval(item, stored)
        return item, stored, target

    def fetch(
        self, ref: str, rendition: str | None = None
    ) -> tuple[items.Item, items.StoredFile, bytes]:
        """A rendition's content in memory, verified (and decrypted) like `get`'s, its
        retrieval recorded the same way: for a front end that sends it on (the web), so a
        decrypted copy never touches the disk."""
        self.audit_key()
        item, stored = self._retrievable(ref, rendition)
        content = self.vault.read(item, stored)
        self._record_retrieval(item, stored)
        return item, stored, content

    def _retrievable(self, ref: str, rendition: str | None) -> tuple[items.Item, items.StoredFile]:
        item = self.vault.reveal(self._find(ref))
        if item.disposed:
            raise BadInput(
                f"{item.archive_code} was disposed of on {item.disposed_at} (disposal list "
                f"{item.disposal_list}): its files no longer exist"
            )
        stored = item.rendition(rendition) if rendition else item.official
        if stored is None:
            have = ", ".join(f.rendition for f in item.files if f.role == "document")
            raise NotFound(f"{item.archive_code} has no {rendition} rendition (it has {have})")
        return item, stored

    def _record_retrieval(self, item: items.Item, stored: items.StoredFile) -> None:
        with catalog.write(self.conn):
            audit.append(
                self.conn,
                self.actor,
                "retrieve",
                item.id,
                {"rendition": stored.rendition, "sha256": stored.sha256},
            )

    def read_content(self, item: items.Item, stored: items.StoredFile) -> bytes:
        """A stored file's content, verified and (for an encrypted item) decrypted, in
        memory: it never touches the disk. For the indexer and sealing, not a user's read."""
        return self.vault.read(item, stored)

    # -- what the indexer follows --------------------------------------------------------------

    def changes_since(self, seq: int, limit: int = 500) -> changes.Changes:
        return changes.since(self.conn, seq, limit)

    def visible_ids(self, item_ids: list[str]) -> list[str]:
        """The ones among `item_ids` the acting user may see."""
        found = self.items_by_id(item_ids)
        return [i for i in item_ids if i in found and self._visible(found[i])]

    def visible_count(self) -> int:
        clause, params = self._visibility_sql()
        return self.conn.execute(f"SELECT COUNT(*) FROM items WHERE {clause}", params).fetchone()[0]

    def audit_position(self) -> int:
        """The newest audit sequence number: everything up to it is in the catalog."""
        return changes.head(self.conn)

    def item_ids(self) -> set[str]:
        """Every item with content: what the index holds (tombstones are not indexed)."""
        return {
            row[0]
            for row in self.conn.execute("SELECT id FROM items WHERE status != ?", (DISPOSED,))
        }

    def items_by_id(self, ids: list[str]) -> dict[str, items.Item]:
        """The items among `ids` that exist and have content (a missing or disposed one is
        simply absent)."""
        found: dict[str, items.Item] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT {items.ITEM_COLUMNS} FROM items WHERE id IN ({marks}) AND status != ?",
                [*chunk, DISPOSED],
            ).fetchall()
            found.update((i.id, i) for i in items.load(self.conn, rows))
        return found

    def filed_with_origin(self, origin: str) -> str | None:
        return changes.filed_with_origin(self.conn, origin)

    def filed_with_origins(self, origins: list[str]) -> dict[str, str]:
        return changes.filed_with_origins(self.conn, origins)


def _safe_name(name: str) -> str:
    """A recorded file name made safe to write inside a directory."""
    base = Path(name.replace("\\", "/")).name.strip().lstrip(".")
    return base or "document"
