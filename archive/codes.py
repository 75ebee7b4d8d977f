"""Archival reference codes (档号) as DA/T 22-2015 arranges them.

A code reads `FONDS-WS·YEAR-RETENTION-DEPT-NNNN`, e.g. `J042-WS·2026-Y-BGS-0001`: fonds,
category (WS = administrative records), year, retention, organisation (department) and
item number, zero-padded to four digits and sequential within the first five parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from archive.errors import BadInput
from archive.vocab import RETENTIONS

CATEGORY = "WS"
SEPARATOR = "·"

FONDS_RE = re.compile(r"^[A-Z][A-Z0-9]{0,11}$")
DEPT_RE = re.compile(r"^[A-Z][A-Z0-9]{1,9}$")
_CODE_RE = re.compile(
    r"^(?P<fonds>[A-Z][A-Z0-9]{0,11})-(?P<category>[A-Z]{2,4})[·.](?P<year>\d{4})"
    r"-(?P<retention>Y|D30|D10)-(?P<dept>[A-Z][A-Z0-9]{1,9})-(?P<item>\d{4,})$"
)


@dataclass(frozen=True)
class ArchiveCode:
    """The parts of one archival reference code."""

    fonds: str
    year: int
    retention: str
    dept: str
    item: int
    category: str = CATEGORY

    def __str__(self) -> str:
        return (
            f"{self.fonds}-{self.category}{SEPARATOR}{self.year:04d}"
            f"-{self.retention}-{self.dept}-{self.item:04d}"
        )


def make(fonds: str, year: int, retention: str, dept: str, item: int) -> ArchiveCode:
    """A validated code; BadInput if any part cannot appear in one."""
    if not FONDS_RE.match(fonds):
        raise BadInput(f"invalid fonds code {fonds!r}: a capital letter then letters or digits")
    if not 1 <= year <= 9999:
        raise BadInput(f"invalid year {year} for an archival code")
    if retention not in RETENTIONS:
        raise BadInput(f"invalid retention {retention!r} for an archival code")
    if not DEPT_RE.match(dept):
        raise BadInput(f"invalid department code {dept!r} for an archival code")
    if item < 1:
        raise BadInput(f"invalid item number {item}: numbering starts at 1")
    return ArchiveCode(fonds=fonds, year=year, retention=retention, dept=dept, item=item)


def parse(text: str) -> ArchiveCode:
    """Parse a code as printed; a plain `.` is accepted for the middle dot, as people type it."""
    match = _CODE_RE.match(_normalise(text))
    if not match:
        raise BadInput(f"not an archival code: {text!r}")
    return ArchiveCode(
        fonds=match["fonds"],
        year=int(match["year"]),
        retention=match["retention"],
        dept=match["dept"],
        item=int(match["item"]),
        category=match["category"],
    )


def looks_like_code(text: str) -> bool:
    """Whether `text` has the shape of an archival code (cheap test before a lookup)."""
    return bool(_CODE_RE.match(_normalise(text)))


def _normalise(text: str) -> str:
    """Upper-case and map the dots people type in place of the middle dot to it."""
    text = text.strip().upper()
    for dot in ("・", "•", "∙", "．"):
        text = text.replace(dot, SEPARATOR)
    return text
