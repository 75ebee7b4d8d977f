"""Classifying items (encrypting or decrypting their files) and ending classifications
whose date has come."""

from __future__ import annotations

import re
from datetime import date, datetime

from archive.classify import Change
from archive.filing import parse_date
from archive.service import Archive
from archive.vocab import classification as parse_level


def classify(archive: Archive, ref: str, level: str, until: str | None = None) -> Change:
    """Change an item's classification; `until` is a date or a period (`10y`, `10年`)
    after which it ends. A user may not classify above their own clearance."""
    user = archive.require("classify", "reclassify items")
    level = parse_level(level)
    user.require_level(level, f"classify items as {level}")
    ends = _until(until, archive) if until else None
    return archive.classify(ref, level, ends)


def declassify_due(archive: Archive, as_of: date | None = None) -> list[Change]:
    """Lower to `internal` every classified item whose declassification date has come."""
    archive.require("declassify", "declassify items")
    return archive.declassify_due(as_of)


def may_declassify(archive: Archive) -> bool:
    """Whether the acting user's role ends classifications (the watcher does it daily)."""
    return archive.user.may("declassify")


def _until(value: str, archive: Archive) -> date:
    text = value.strip()
    period = re.fullmatch(r"(\d{1,2})\s*(y|years?|年)", text, flags=re.IGNORECASE)
    if period:
        today = datetime.now(archive.config.tz).date()
        years = int(period.group(1))
        try:
            return today.replace(year=today.year + years)
        except ValueError:  # 29 February
            return today.replace(year=today.year + years, day=28)
    return parse_date(text, "--until")
