"""Changing items' classification levels, and ending them when their date comes."""

from __future__ import annotations

from datetime import date

from archive import classify, items, states
from archive.errors import BadInput
from archive.opened import OpenArchive
from archive.vocab import classification as parse_level

DECLASSIFIED_LEVEL = "internal"  # what an item becomes when its classification ends


class Classifying(OpenArchive):
    # -- classification ----------------------------------------------------------------------

    def classify(self, ref: str, level: str, until: date | None = None) -> classify.Change:
        """Change an item's classification (encrypting or decrypting its files)."""
        item = self._find(ref)
        level = parse_level(level)
        if until is not None and until <= self._now().date():
            raise BadInput(f"--until {until.isoformat()} is not in the future")
        self._guard(states.item(item.id), item.archive_code)
        return classify.reclassify(
            self.conn, self.store, self.config, self.vault, item, level, until, self.actor
        )

    def declassify_due(self, as_of: date | None = None) -> list[classify.Change]:
        """Lower to `internal` every classified item whose declassification date has come."""
        day = (as_of or self._now().date()).isoformat()
        rows = self.conn.execute(
            f"SELECT {items.ITEM_COLUMNS} FROM items WHERE declassify_on IS NOT NULL "
            "AND declassify_on <= ? ORDER BY declassify_on, archive_code",
            (day,),
        ).fetchall()
        changed = []
        for item in items.load(self.conn, rows):
            self._guard(states.item(item.id), item.archive_code)
            changed.append(
                classify.reclassify(
                    self.conn,
                    self.store,
                    self.config,
                    self.vault,
                    item,
                    DECLASSIFIED_LEVEL,
                    None,
                    self.actor,
                    action="declassify",
                )
            )
        return changed
