"""The retention schedule checked against what the bureau produces: every template of the
home, and every kind the schedule names for every department of the home, must fall into
exactly one category. The archive cannot check this alone (it knows no templates)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from archive.items import Item
from archive.retention.disposal import DisposalList
from archive.retention.disposition import Due
from archive.retention.rules import Schedule
from archive.retention.transfer import TransferReport
from archive.service import Archive
from bureau.services.generate import templates_for


def validated(archive: Archive) -> Schedule:
    """The home's schedule, applied to its catalog and checked against its templates and
    departments; ScheduleError naming the file and the rule otherwise."""
    schedule = archive.schedule
    depts = [d.code for d in archive.config.departments]
    templates = templates_for(archive).values()
    schedule.check_templates([(t.name, t.kind, t.departments) for t in templates], depts)
    kinds = sorted({kind for rule in schedule.rules for kind in rule.kinds})
    schedule.check_coverage(kinds, depts)
    return schedule


def check(archive: Archive) -> dict[str, Any]:
    """`bureau retention check`: the schedule is valid; what applying a change moved; the
    items no category covers."""
    schedule = validated(archive)
    return {
        "ok": True,
        "rules": len(schedule.rules),
        "files": list(schedule.sources),
        "folder": str(archive.rules_folder()),
        "digest": schedule.digest,
        "moved": [m.to_json() for m in archive.schedule_moves],
        "last_change": archive.last_schedule_change(),
        "uncategorised": [i.archive_code for i in archive.uncategorised()],
    }


def due(archive: Archive, as_of: date | None = None) -> list[Due]:
    """Items past their due date, as of today or `as_of`, that the user may see."""
    archive.require("retention", "see what is due")
    return archive.retention_due(as_of)


def hold(archive: Archive, ref: str, reason: str) -> Item:
    """Keep an item whatever its due date (a legal hold), until released."""
    archive.require("retention", "place holds")
    return archive.hold(ref, reason)


def release(archive: Archive, ref: str) -> Item:
    archive.require("retention", "release holds")
    return archive.release(ref)


def review(archive: Archive, ref: str, extend_years: int | None, dispose: bool) -> Item:
    """The decision on a due item whose category ends in review: keep it longer, or
    let it be disposed of."""
    archive.require("retention", "review items")
    return archive.review(ref, extend_years, dispose)


def propose(archive: Archive, as_of: date) -> DisposalList | None:
    """A disposal list of what is eligible by `as_of` (None if nothing is): the first of
    the two persons a disposal needs."""
    archive.require("retention", "propose disposals")
    return archive.propose_disposal(as_of)


def approve(archive: Archive, list_id: str) -> DisposalList:
    """The second person's approval of a proposed list."""
    archive.require("approve", "approve disposal lists")
    return archive.approve_disposal(list_id)


def cancel(archive: Archive, list_id: str) -> DisposalList:
    archive.require("retention", "cancel disposal lists")
    return archive.cancel_disposal(list_id)


def disposal_list(archive: Archive, list_id: str) -> DisposalList:
    archive.require("retention", "read disposal lists")
    return archive.disposal_list(list_id)


def disposal_lists(archive: Archive) -> list[DisposalList]:
    archive.require("retention", "read disposal lists")
    return archive.disposal_lists()


def transfer(archive: Archive, as_of: date, dest: Path) -> TransferReport:
    """Export what is due for transfer to the archives as a BagIt bag at `dest`."""
    archive.require("retention", "transfer items")
    return archive.transfer(as_of, dest)
