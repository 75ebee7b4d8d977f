"""The document-number register (发文登记): every number handed out, used or void.

Numbers run in series — one per organ prefix (e.g. 市教办, 市教办函) and year — without
gaps: a number is allocated inside the catalog's write lock, so concurrent generators
never share one, and a number whose document was never filed is kept as `void` with the
reason, so every number is accounted for. A number's English and Chinese forms
(`CEB-BGS [2026] No. 12`, `市教办〔2026〕12号`) belong to the same series.
"""

from __future__ import annotations

import os
import socket
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from archive import audit, catalog
from archive.errors import OperationFailed


@dataclass(frozen=True)
class Number:
    series: str
    year: int
    n: int
    doc_no: str
    dept: str
    template: str | None
    status: str
    item_id: str | None
    reason: str | None
    allocated_at: str
    allocated_by: str

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.series, self.year, self.n)

    def to_json(self) -> dict[str, Any]:
        return {
            "doc_no": self.doc_no,
            "series": self.series,
            "year": self.year,
            "n": self.n,
            "dept": self.dept,
            "template": self.template,
            "status": self.status,
            "item_id": self.item_id,
            "reason": self.reason,
            "allocated_at": self.allocated_at,
            "allocated_by": self.allocated_by,
        }


def format_number(prefix: str, year: int, n: int, lang: str) -> str:
    """A document number as printed: `市教办〔2026〕12号` or `CEB-BGS [2026] No. 12`."""
    if lang == "zh":
        return f"{prefix}〔{year}〕{n}号"
    return f"{prefix} [{year}] No. {n}"


def allocate(
    conn: sqlite3.Connection,
    *,
    series: str,
    prefix: str,
    lang: str,
    year: int,
    dept: str,
    template: str | None,
    actor: str,
    now: datetime,
) -> Number:
    """Reserve the next number of `series` for `year`; the caller files or voids it."""
    with catalog.write(conn):
        _reap_abandoned(conn, actor)
        row = conn.execute(
            "SELECT COALESCE(MAX(n), 0) + 1 FROM doc_numbers WHERE series = ? AND year = ?",
            (series, year),
        ).fetchone()
        n = int(row[0])
        number = Number(
            series=series,
            year=year,
            n=n,
            doc_no=format_number(prefix, year, n, lang),
            dept=dept,
            template=template,
            status="reserved",
            item_id=None,
            reason=None,
            allocated_at=now.isoformat(timespec="seconds"),
            allocated_by=actor,
        )
        conn.execute(
            "INSERT INTO doc_numbers (series, year, n, doc_no, dept, template, status, "
            "allocated_at, allocated_by, host, pid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                series,
                year,
                n,
                number.doc_no,
                dept,
                template,
                "reserved",
                number.allocated_at,
                actor,
                socket.gethostname(),
                os.getpid(),
            ),
        )
        return number


def mark_used(conn: sqlite3.Connection, key: tuple[str, int, int], item_id: str) -> None:
    """Record that `key`'s number went to `item_id`; called inside the filing transaction."""
    updated = conn.execute(
        "UPDATE doc_numbers SET status = 'used', item_id = ? "
        "WHERE series = ? AND year = ? AND n = ? AND status = 'reserved'",
        (item_id, *key),
    ).rowcount
    if updated != 1:
        raise OperationFailed(f"document number {key[0]} {key[1]} {key[2]} is no longer reserved")


def void(conn: sqlite3.Connection, key: tuple[str, int, int], reason: str, actor: str) -> None:
    """Mark a reserved number void, with why, so the gap it leaves is explained."""
    with catalog.write(conn):
        _void(conn, key, reason, actor)


def _void(conn: sqlite3.Connection, key: tuple[str, int, int], reason: str, actor: str) -> None:
    row = conn.execute(
        "SELECT doc_no FROM doc_numbers WHERE series = ? AND year = ? AND n = ? "
        "AND status = 'reserved'",
        key,
    ).fetchone()
    if row is None:
        return
    conn.execute(
        "UPDATE doc_numbers SET status = 'void', reason = ? "
        "WHERE series = ? AND year = ? AND n = ?",
        (reason[:500], *key),
    )
    audit.append(conn, actor, "void_number", None, {"doc_no": row[0], "reason": reason[:500]})


def register(conn: sqlite3.Connection, year: int | None = None) -> list[Number]:
    """The register in order of series, year and number, reaping abandoned reservations."""
    with catalog.write(conn):
        _reap_abandoned(conn, "bureau")
    sql = "SELECT * FROM doc_numbers"
    params: tuple[Any, ...] = ()
    if year is not None:
        sql += " WHERE year = ?"
        params = (year,)
    sql += " ORDER BY series, year, n"
    return [_number(row) for row in conn.execute(sql, params)]


def _reap_abandoned(conn: sqlite3.Connection, actor: str) -> None:
    """Void numbers reserved by a process of this host that has since ended (killed)."""
    host = socket.gethostname()
    for row in conn.execute(
        "SELECT series, year, n, pid FROM doc_numbers WHERE status = 'reserved' AND host = ?",
        (host,),
    ).fetchall():
        if not _alive(row["pid"]):
            reason = f"the generating process ({row['pid']}) ended before the document was filed"
            _void(conn, (row["series"], row["year"], row["n"]), reason, actor)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _number(row: sqlite3.Row) -> Number:
    return Number(
        series=row["series"],
        year=row["year"],
        n=row["n"],
        doc_no=row["doc_no"],
        dept=row["dept"],
        template=row["template"],
        status=row["status"],
        item_id=row["item_id"],
        reason=row["reason"],
        allocated_at=row["allocated_at"],
        allocated_by=row["allocated_by"],
    )
