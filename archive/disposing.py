"""Retention and disposition: what is due, holds, reviews, disposal lists and transfers."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from archive import items, states
from archive.opened import OpenArchive
from archive.retention import disposal, disposition
from archive.retention import transfer as transfers


class Disposition(OpenArchive):
    def uncategorised(self) -> list[items.Item]:
        """Items held by the archive that no category covers (filed before the schedule)."""
        self.schedule  # noqa: B018 - applies the schedule first
        clause, params = self._visibility_sql()
        rows = self.conn.execute(
            f"SELECT {items.ITEM_COLUMNS} FROM items WHERE category IS NULL AND status IN "
            f"('filed', 'superseded') AND {clause} ORDER BY archive_code",
            params,
        ).fetchall()
        return items.load(self.conn, rows)

    def retention_due(self, as_of: date | None = None) -> list[disposition.Due]:
        """Items past their due date, as of today or `as_of`, that the user may see."""
        self.schedule  # noqa: B018
        found = [
            d
            for d in disposition.due_items(self.conn, as_of or self._now().date())
            if self._visible(d.item)
        ]
        self._record_reads([d.item for d in found], "due")
        return [replace(d, item=self.vault.reveal(d.item, strict=False)) for d in found]

    def hold(self, ref: str, reason: str) -> items.Item:
        item = self._find(ref)
        self._guard(states.item(item.id), item.archive_code)
        disposition.hold(self.conn, item, reason, self.actor, self._now())
        return self.vault.reveal(self._find(item.id), strict=False)

    def release(self, ref: str) -> items.Item:
        item = self._find(ref)
        self._guard(states.item(item.id), item.archive_code)
        disposition.release(self.conn, item, self.actor, self._now())
        return self.vault.reveal(self._find(item.id), strict=False)

    def review(self, ref: str, extend_years: int | None, dispose: bool) -> items.Item:
        """The decision on an item due whose category ends in `review`."""
        item = self._find(ref)
        self._guard(states.item(item.id), item.archive_code)
        action = self.schedule.get(item.category).action if item.category else None
        decided = disposition.review(
            self.conn, item, action, extend_years, dispose, self.actor, self._now()
        )
        return self.vault.reveal(decided, strict=False)

    def propose_disposal(self, as_of: date) -> disposal.DisposalList | None:
        """A disposal list of every item eligible by `as_of` that the proposer may see (None
        if there is none). Items above the proposer's clearance are left, unmentioned, for
        a user cleared for them: not even their number is told."""
        user = self.user
        self.schedule  # noqa: B018
        visible = [
            i for i in disposal.eligible(self.conn, as_of) if user.sees(i.classification, i.dept)
        ]
        for i in visible:
            self._guard(states.item(i.id), i.archive_code)
        checked = {i.id for i in visible}
        proposed = disposal.propose(
            self.conn, as_of, self.actor, self._now(), include=lambda item: item.id in checked
        )
        return self._readable(proposed)

    def approve_disposal(self, list_id: str) -> disposal.DisposalList:
        self._guard_list(list_id)
        return self._readable(disposal.approve(self.conn, list_id, self.actor, self._now()))

    def cancel_disposal(self, list_id: str) -> disposal.DisposalList:
        self._guard_list(list_id)
        return self._readable(disposal.cancel(self.conn, list_id, self.actor))

    def disposal_list(self, list_id: str) -> disposal.DisposalList:
        return self._readable(disposal.load(self.conn, list_id))

    def disposal_lists(self) -> list[disposal.DisposalList]:
        return [self._readable(found) for found in disposal.lists(self.conn)]

    def begin_disposal(self, list_id: str) -> disposal.DisposalList:
        """Start or resume executing an approved list (the caller then disposes of each
        pending item, shreds backups, files the register and finishes)."""
        self._guard_list(list_id)
        return disposal.begin(self.conn, list_id, self.actor)

    def dispose_item(self, found: disposal.DisposalList, item_id: str) -> None:
        self._guard(states.disposal_list(found.id), f"disposal list {found.id}")
        self._guard(states.item(item_id))
        disposal.dispose_item(self.conn, self.store, found, item_id, self.actor, self._now())

    def finish_disposal(self, list_id: str, register_item: str | None) -> disposal.DisposalList:
        self._guard(states.disposal_list(list_id), f"disposal list {list_id}")
        return self._readable(
            disposal.finish(self.conn, list_id, register_item, self.actor, self._now())
        )

    def _guard_list(self, list_id: str) -> None:
        """The list and every item on it as the trail recorded them."""
        if not self.conn.execute(
            "SELECT 1 FROM disposal_lists WHERE id = ?", (list_id,)
        ).fetchone():
            return  # unknown: the operation names it
        self._guard(states.disposal_list(list_id), f"disposal list {list_id}")
        for (item_id,) in self.conn.execute(
            "SELECT item_id FROM disposal_items WHERE list_id = ? AND done = 0", (list_id,)
        ).fetchall():
            self._guard(states.item(item_id))

    def _readable(self, found: disposal.DisposalList | None) -> disposal.DisposalList | None:
        """A disposal list with its items' titles decrypted where the passphrase allows."""
        if found is not None:
            found.items = [self.vault.reveal(i, strict=False) for i in found.items]
        return found

    def transfer(self, as_of: date, dest: Path) -> transfers.TransferReport:
        """Export the items due for transfer as a BagIt bag at `dest`; mark them transferred."""
        user = self.user
        self.schedule  # noqa: B018
        found = [
            i
            for i in transfers.due_for_transfer(self.conn, as_of)
            if user.sees(i.classification, i.dept)
        ]
        for i in found:
            self._guard(states.item(i.id), i.archive_code)
        return transfers.transfer(
            self.conn,
            found,
            dest,
            self.vault.read,
            self.config.org("zh") or self.config.org("en"),
            self.actor,
            self._now(),
        )
