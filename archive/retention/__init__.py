"""Retention: the bureau's retention schedule and the due dates it sets.

The schedule (`retention_rules/*.yaml`) gives every kind of document the bureau files a
category: how long it is kept (`Y` permanent, `D30`, `D10`, after State Archives
Administration Order No. 8) and what happens at the end (`destroy`, `review`, `transfer`).
`load` reads and validates it; `Schedule.match` finds a document's one category;
`due_date` counts the period from 1 January of the year after the document's year.
"""

from __future__ import annotations

from archive.retention.rules import (
    ACTIONS,
    Rule,
    Schedule,
    ScheduleError,
    builtin_folder,
    digest_of,
    due_date,
    load,
)

__all__ = [
    "ACTIONS",
    "Rule",
    "Schedule",
    "ScheduleError",
    "builtin_folder",
    "digest_of",
    "due_date",
    "load",
]
