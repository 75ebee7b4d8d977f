"""Entries of the audit trail as the /audit page lists them: the moment in the home's time
zone, the item, the detail as short `key: value` pairs, and links to the pages before and
after with the same filters."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from bureau.services.auditing import TrailPage

HASH = re.compile(r"[0-9a-fA-F]{32,}")


@dataclass
class Pair:
    """One `key: value` of a detail; `full` is the value unshortened (hashes are cut)."""

    key: str
    value: str
    full: str


@dataclass
class Row:
    seq: int
    when: str  # local time, to the second
    at: str  # as recorded (UTC)
    actor: str
    action: str
    item_id: str | None
    code: str | None  # the item's archival code, when the entry names it
    detail: list[Pair]


@dataclass
class Pager:
    page: int
    pages: int
    previous: str | None
    next: str | None


def rows(found: TrailPage) -> list[Row]:
    tz = ZoneInfo(found.tz)
    return [
        Row(
            seq=e.seq,
            when=local_time(e.at, tz),
            at=e.at,
            actor=e.actor,
            action=e.action,
            item_id=e.item_id,
            code=_text(e.detail.get("archive_code")) if e.detail.get("archive_code") else None,
            detail=[
                Pair(str(key), _text(_short(value)), _text(value))
                for key, value in e.detail.items()
                if not (key == "archive_code" and e.item_id)  # shown as the item already
            ],
        )
        for e in found.entries
    ]


def pager(filters: dict[str, str], found: TrailPage) -> Pager:
    def link(page: int) -> str:
        kept = {k: v for k, v in filters.items() if v}
        return "/audit?" + urlencode({**kept, "page": page})

    return Pager(
        page=found.page,
        pages=found.pages,
        previous=link(found.page - 1) if found.page > 1 else None,
        next=link(found.page + 1) if found.page < found.pages else None,
    )


def local_time(at: str, tz: ZoneInfo) -> str:
    """`at` (ISO, UTC) as a wall-clock time in `tz`; as recorded if it does not parse."""
    try:
        moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        return at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def _short(value: object) -> object:
    """`value` with every hash in it (hex, 32 characters or more) cut to its first 12."""
    if isinstance(value, str):
        return value[:12] + "…" if HASH.fullmatch(value) else value
    if isinstance(value, list):
        return [_short(v) for v in value]
    if isinstance(value, dict):
        return {k: _short(v) for k, v in value.items()}
    return value


def _text(value: object) -> str:
    """A detail's value compactly: text as it is, anything else as one line of JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
