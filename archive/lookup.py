"""Finding items by what people type: an id, an archival code, or a document number."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from archive import codes, items
from archive.errors import BadInput, NotFound

Visible = Callable[[sqlite3.Row], bool]


def resolve(conn: sqlite3.Connection, ref: str, visible: Visible | None = None) -> items.Item:
    """The item `ref` names; for a document number, its newest version. NotFound otherwise.

    With `visible`, items it rejects are treated as absent at every step, so a hidden item
    is never named, not even as one of several sharing a document number.
    """

    def seen(row: sqlite3.Row | None) -> sqlite3.Row | None:
        return row if row is not None and (visible is None or visible(row)) else None

    text = ref.strip()
    if not text:
        raise BadInput("an empty reference names no item")
    select = f"SELECT {items.ITEM_COLUMNS} FROM items"
    row = seen(conn.execute(f"{select} WHERE id = ?", (text.upper(),)).fetchone())
    if row is None and codes.looks_like_code(text):
        code = str(codes.parse(text))
        row = seen(conn.execute(f"{select} WHERE archive_code = ?", (code,)).fetchone())
    if row is None:
        rows = conn.execute(
            f"{select} WHERE doc_no = ? AND id NOT IN "
            "(SELECT supersedes FROM items WHERE supersedes IS NOT NULL) ORDER BY filed_at",
            (" ".join(text.split()),),
        ).fetchall()
        rows = [r for r in rows if seen(r) is not None]
        if len(rows) > 1:
            found = ", ".join(r["archive_code"] for r in rows)
            raise BadInput(
                f"{text!r} is the document number of several items ({found}): use a code"
            )
        row = rows[0] if rows else None
    if row is None:
        raise NotFound(f"no item {text!r}: give an item id, archival code or document number")
    return items.load(conn, [row])[0]
