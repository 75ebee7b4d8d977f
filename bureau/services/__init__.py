"""The service layer: every use case of the archive, one function each, for every front end.

A front end (the `bureau` command, the web pages) establishes who is acting and opens the
data home for them (`session.open_home`); it then calls one function here per request and
shows what comes back. Each function decides, here and only here, whether the acting user
may do what is asked (`archive.require(PERMISSION, ...)`), and returns plain data or raises
the project's own errors (`archive.errors`). What a user may see (their clearance and, for
a secretary, their department) is one rule, `archive.access.Visibility`, which both the
catalog's SQL and the index's filters come from.

Modules, by what a reader looks for: `session` (opening a home for an actor), `homes`
(creating and upgrading a home, cleaning its store), `documents` (file, show, retrieve,
list, the number register), `generate` and `batch` (documents from templates),
`templates`, `sealing` (seals, signing and verifying PDFs), `finding` (search, the
watcher, the index), `retention` and `disposal` (the schedule, holds, reviews and
disposal lists), `classification`, `auditing` (fixity and the trail), `users`, `keys`,
`backups` (backup, verify, restore), and `intake` (the seal check at filing).
"""
