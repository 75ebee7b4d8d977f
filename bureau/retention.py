"""The retention schedule checked against what the bureau produces: every template of the
home, and every kind the schedule names for every department of the home, must fall into
exactly one category. The archive cannot check this alone (it knows no templates)."""

from __future__ import annotations

from typing import Any

from archive.retention.rules import Schedule
from archive.service import Archive
from bureau.generate import templates_for


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
