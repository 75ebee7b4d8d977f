"""What auditors run on the archive itself: the fixity check and the audit trail."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from archive import lookup
from archive.access import User
from archive.audit import Entry
from archive.errors import BadInput, NotFound
from archive.service import Archive, VerifyReport
from bureau.services import sealing

PAGE_SIZE = 50  # entries on one page of the trail
MAX_PAGE_SIZE = 500
MAX_PAGE = 10**9


def verify(archive: Archive) -> VerifyReport:
    """Every stored file, catalog row and the audit chain, and every sealed item's seal."""
    archive.require("audit", "verify the archive")
    report = archive.verify()
    report.problems.extend(sealing.reverify_sealed(archive))
    return report


def allowed(archive: Archive) -> None:
    """Forbidden unless the acting user may audit (the integrity page offers its button only
    then)."""
    archive.require("audit", "verify the archive")


def log(archive: Archive, ref: str | None = None, limit: int | None = None) -> list[Entry]:
    """The trail (of one item, with `ref`), without entries about items the user may not see."""
    archive.require("audit", "read the audit trail")
    return archive.audit_log(ref, limit)


@dataclass(frozen=True)
class TrailQuery:
    """Which entries of the trail to show: every filter given must match (empty: any)."""

    actor: str = ""
    action: str = ""
    item: str = ""  # an item id, archival code or document number
    since: date | None = None  # from the start of this day, in the home's time zone
    until: date | None = None  # to the end of this day, in the home's time zone
    page: int = 1
    size: int | None = None  # entries on a page (None: PAGE_SIZE)


@dataclass
class TrailPage:
    """One page of matching entries, newest first, and what a filter form offers."""

    entries: list[Entry]
    total: int  # matching entries on every page
    page: int
    size: int
    item_id: str | None = None  # the item `item` named
    actions: list[str] = field(default_factory=list)  # every action in the trail
    actors: list[str] = field(default_factory=list)  # everyone who appears in it
    tz: str = "UTC"  # the home's time zone, in which `since` and `until` were read

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def trail(archive: Archive, query: TrailQuery) -> TrailPage:
    """The entries matching `query`, newest first, one page of them; entries about items
    the user may not see are left out, as `log` leaves them out (filtered in SQL)."""
    user = archive.require("audit", "read the audit trail")
    size = query.size or PAGE_SIZE
    if not 1 <= query.page <= MAX_PAGE or not 1 <= size <= MAX_PAGE_SIZE:
        raise BadInput(f"a page is a number from 1, of 1 to {MAX_PAGE_SIZE} entries")
    if query.since and query.until and query.since > query.until:
        raise BadInput("the date range ends before it starts")
    visible, params = user.visibility().sql("i")
    where = [f"(a.item_id IS NULL OR i.id IS NULL OR ({visible}))"]
    item_id = _item_id(archive, user, query.item) if query.item.strip() else None
    tz = archive.config.tz
    for clause, value in (
        ("a.actor = ?", query.actor.strip()),
        ("a.action = ?", query.action.strip()),
        ("a.item_id = ?", item_id),
        ("a.at >= ?", _utc_start(query.since, tz) if query.since else None),
        ("a.at < ?", _utc_start(query.until, tz, next_day=True) if query.until else None),
    ):
        if value:
            where.append(clause)
            params.append(value)
    joined = "FROM audit a LEFT JOIN items i ON i.id = a.item_id WHERE " + " AND ".join(where)
    conn = archive.conn
    total = conn.execute(f"SELECT COUNT(*) {joined}", params).fetchone()[0]
    rows = conn.execute(
        "SELECT a.seq, a.at, a.actor, a.action, a.item_id, a.detail, a.prev_hash, a.hash "
        f"{joined} ORDER BY a.seq DESC LIMIT ? OFFSET ?",
        [*params, size, (query.page - 1) * size],
    ).fetchall()
    return TrailPage(
        entries=[_entry(row) for row in rows],
        total=total,
        page=query.page,
        size=size,
        item_id=item_id,
        actions=[r[0] for r in conn.execute("SELECT DISTINCT action FROM audit ORDER BY 1")],
        actors=[r[0] for r in conn.execute("SELECT DISTINCT actor FROM audit ORDER BY 1")],
        tz=str(archive.config.timezone),
    )


def _item_id(archive: Archive, user: User, ref: str) -> str:
    """The id of the item `ref` names, if the user may see it; else `ref` itself as an id
    (an item since disposed keeps its entries). A hidden item's entries stay hidden."""
    try:
        return lookup.resolve(
            archive.conn, ref, lambda row: user.sees(row["classification"], row["dept"])
        ).id
    except NotFound:
        return ref.strip().upper()


def _utc_start(day: date, tz: ZoneInfo, next_day: bool = False) -> str:
    """The moment `day` (or the day after it) begins in `tz`, spelt as the trail spells
    moments (UTC, ISO); BadInput for a day at the very ends of the calendar."""
    try:
        start = datetime.combine(day + timedelta(days=int(next_day)), time(), tz)
        return start.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%S")
    except (OverflowError, ValueError):
        raise BadInput(f"{day.isoformat()} is out of the range of dates") from None


def _entry(row: tuple) -> Entry:
    seq, at, actor, action, item_id, detail, prev_hash, digest = row
    try:
        parsed = json.loads(detail)
    except ValueError:
        parsed = {"detail": detail}
    return Entry(seq, at, actor, action, item_id, parsed, prev_hash, digest)
