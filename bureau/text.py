"""Plain-text renderings of items, reports and the audit trail, for people at a terminal."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archive.access import User
from archive.audit import Entry
from archive.items import Item
from archive.numbers import Number

if TYPE_CHECKING:
    from archive.backup import BackupCheck, BackupReport
    from archive.retention.disposal import DisposalList
    from archive.retention.disposition import Due
    from archive.retention.rules import Rule
    from archive.retention.transfer import TransferReport
    from archive.service import VerifyReport
    from bureau.services.backups import Restored
    from bureau.services.batch import Summary
    from bureau.services.disposal import Executed
    from generators.catalog import Template
    from indexer.search import Results, SearchRequest
    from indexer.watch import Tally
    from seals.authority import SealInfo


def aligned(
    rows: Sequence[Sequence[object]],
    minimum: Sequence[int],
    gap: str | Sequence[str] = " ",
    right: Collection[int] = (),
) -> list[str]:
    """``rows`` as lines whose columns line up on a terminal.

    The first ``len(minimum)`` columns are padded to their widest cell, and to at least
    their minimum; the cells after them are not padded. Widths are terminal cells, not
    characters: a Chinese character or a full-width bracket takes two. ``gap`` is put
    between cells (one string, or one per gap); columns in ``right`` are right-aligned.
    Cells are shown with ``str()``, as an f-string would. Lines have no trailing spaces.
    """
    from rich.cells import cell_len  # here, not at the top: cheap, but only tables need it

    table = [[str(cell) for cell in row] for row in rows]
    if not table:
        return []
    gaps = [gap] * (len(table[0]) - 1) if isinstance(gap, str) else list(gap)
    widths = [max([least, *(cell_len(row[i]) for row in table)]) for i, least in enumerate(minimum)]
    lines = []
    for cells in table:
        for i, width in enumerate(widths):
            fill = " " * (width - cell_len(cells[i]))
            cells[i] = fill + cells[i] if i in right else cells[i] + fill
        line = cells[0] + "".join(g + cell for g, cell in zip(gaps, cells[1:], strict=True))
        lines.append(line.rstrip())
    return lines


def _pdfa_lines(found: Any) -> list[str]:
    """The official PDF's PDF/A claim and the basic checks' findings (archive.pdfa), as
    recorded at filing; nothing for an item without a PDF or filed before the check."""
    if not isinstance(found, dict):
        return []
    claims, problems = found.get("claims"), list(found.get("problems") or [])
    if claims and not problems:
        return [f"  PDF/A           {claims} claimed; basic checks passed"]
    if claims:
        head = f"  PDF/A           {claims} claimed, but basic checks failed:"
    else:
        head = "  PDF/A           not claimed"
        problems = [p for p in problems if "claim" not in p]
    return [head] + [f"                    {problem}" for problem in problems]


def item_details(item: Item, notes: Mapping[str, Any] | None = None) -> str:
    lines = [
        f"{item.archive_code}  {item.title}",
        f"  id              {item.id}",
        f"  kind            {item.kind}",
        f"  department      {item.dept}",
        f"  date            {item.date}",
        f"  classification  {item.classification}",
        f"  retention       {item.retention}",
    ]
    if item.doc_no:
        lines.append(f"  document no.    {item.doc_no}")
    if item.template:
        lines.append(f"  template        {item.template}")
    if item.category:
        lines.append(f"  category        {item.category}, due {item.due or 'never (permanent)'}")
    lines.append(f"  status          {item.status}")
    if item.disposed_at:
        lines.append(f"  disposed        {item.disposed_at} (list {item.disposal_list or '-'})")
    for hold in item.holds:
        lines.append(f"  ON HOLD         {hold.reason} ({hold.placed_by}, {hold.placed_at})")
    if item.supersedes:
        lines.append(f"  supersedes      {item.supersedes}")
    if item.superseded_by:
        lines.append(f"  superseded by   {item.superseded_by}")
    lines.append(f"  filed           {item.filed_at} by {item.filed_by}")
    notes = notes or {}
    if notes.get("active_content"):
        kinds = ", ".join(notes["active_content"])
        lines.append(f"  ACTIVE CONTENT  {kinds} (not vouched for by any seal)")
    if notes.get("unsealed_signature"):
        lines.append(
            f"  not sealed      its signature did not verify: {notes['unsealed_signature']}"
        )
    if notes.get("ignored_after_seal"):
        ignored = ", ".join(notes["ignored_after_seal"])
        lines.append(f"  ignored         {ignored} (changed after the seal)")
    lines.extend(_pdfa_lines(notes.get("pdfa")))
    lines.append("  files")
    for f in item.files:
        mark = " (official)" if f.official else ""
        lines.append(f"    {f.seq}. {f.role} {f.rendition}{mark}: {f.name}, {f.size} bytes")
        lines.append(f"       sha256 {f.sha256}")
    return "\n".join(lines)


def item_table(found: Sequence[Item]) -> str:
    if not found:
        return "no items"
    rows = [(i.archive_code, i.date, i.kind, i.status, i.title) for i in found]
    lines = aligned(rows, (0, 0, 12, 10), "  ")
    lines.append(f"{len(found)} item(s)")
    return "\n".join(lines)


def verify_report(report: VerifyReport) -> str:
    lines = [f"checked {report.items} item(s), their files and the audit trail"]
    if report.cleaned:
        lines.append(f"removed {len(report.cleaned)} leftover file(s) of interrupted filings")
    if report.authenticated is None:
        lines.append(
            "NOTE: the audit trail's authentication was not checked (no passphrase): set "
            "$BUREAU_PASSPHRASE for the full proof"
        )
    if report.head:
        lines.append(f"audit trail head: entry {report.head['seq']}, {report.head['hash']}")
    if report.ok:
        lines.append("OK: no problems found")
    else:
        lines.append(f"FAILED: {len(report.problems)} problem(s)")
        lines.extend(f"  - {p}" for p in report.problems)
    return "\n".join(lines)


def audit_table(entries: Sequence[Entry]) -> str:
    if not entries:
        return "the audit trail is empty"
    rows = [
        (
            str(e.seq),
            e.at,
            e.actor,
            e.action,
            " ".join(filter(None, [e.item_id, e.detail.get("archive_code")])),
        )
        for e in entries
    ]
    return "\n".join(aligned(rows, (6, 0, 12, 10), ("  ", "  ", " ", " "), right={0}))


def template_table(found: Sequence[Template]) -> str:
    if not found:
        return "no templates"
    rows = [
        (t.name, "/".join(t.languages), f"{t.title.get('en', '')} ({t.title.get('zh', '')})")
        for t in found
    ]
    return "\n".join(aligned(rows, (0, 5), "  "))


def template_details(template: Template) -> str:
    lines = [
        f"{template.name}: {template.title.get('en', '')} / {template.title.get('zh', '')}",
        f"  kind {template.kind}; languages {', '.join(template.languages)}; "
        f"classification {template.classification}; retention {template.retention}",
        f"  issued by {', '.join(template.departments) or 'any department'}",
        "  fields:",
    ]
    for f in template.fields:
        mark = "required" if f.required else "optional"
        lines.append(f"    {f.name} ({f.type}, {mark}): {f.description}")
        for c in f.columns:
            lines.append(f"      - {c.name} ({c.type}): {c.description}")
    return "\n".join(lines)


def number_table(register: Sequence[Number]) -> str:
    if not register:
        return "no document numbers allocated"
    rows = [
        (
            n.doc_no,
            n.status,
            n.dept,
            n.template or "",
            f"item {n.item_id}" if n.item_id else (n.reason or ""),
        )
        for n in register
    ]
    return "\n".join(aligned(rows, (28, 8, 4, 12)))


def batch_summary(summary: Summary, errors_csv: Path) -> str:
    lines = [f"generated {summary.generated} document(s)"]
    if summary.failed:
        lines.append(f"{len(summary.failed)} problem(s), also written to {errors_csv}:")
        for f in summary.failed[:50]:
            where = f"row {f['row']}" + (f", field {f['field']}" if f["field"] else "")
            lines.append(f"  {where}: {f['reason']}")
        if len(summary.failed) > 50:
            lines.append(f"  ... and {len(summary.failed) - 50} more")
    return "\n".join(lines)


def seal_table(found: Sequence[SealInfo]) -> str:
    rows = [("dept", "status", "serial", "not after", "subject")]
    rows += [(s.dept, s.status, s.serial, s.not_after, s.subject) for s in found]
    return "\n".join(aligned(rows, (5, 8, 42, 21)))


def search_results(request: SearchRequest, results: Results) -> str:
    if not results.total:
        lines = [f"no documents found for {request.text!r}"]
        if results.suggestion:
            lines.append(f"did you mean: {results.suggestion}")
        return "\n".join(lines)
    shown = f"page {results.page} of {results.pages}" if results.pages > 1 else "all shown"
    lines = [f"{results.total} document(s) found for {request.text!r} ({shown})", ""]
    for hit in results.hits:
        head = [hit.archive_code, hit.date, hit.dept]
        if hit.doc_no:
            head.insert(1, hit.doc_no)
        lines.append("  ".join(head))
        lines.append(f"  {hit.title}" + (f"  ({hit.status})" if hit.status != "filed" else ""))
        if hit.snippet:
            lines.append(f"  {hit.snippet}")
        if hit.text == "unavailable":
            lines.append(f"  (text unavailable: {hit.text_reason}; found by its metadata)")
        lines.append("")
    if results.hits == [] and results.page > 1:
        lines.append(f"page {results.page} is past the last page ({results.pages})")
    return "\n".join(lines).rstrip()


def watch_summary(tally: Tally) -> str:
    parts = [
        f"{tally.filed} filed",
        f"{tally.duplicates} duplicate(s)",
        f"{tally.rejected} rejected",
        f"{tally.indexed} indexed",
    ]
    if tally.removed:
        parts.append(f"{tally.removed} removed from the index")
    line = "watch: " + ", ".join(parts)
    if tally.waiting:
        line += f"; {tally.waiting} inbox file(s) still arriving, left for the next run"
    return line


def index_status(report: dict) -> str:
    if not report["built"]:
        return (
            f"no index yet: {report['items']} item(s) to index "
            "(run `bureau watch` or `bureau index rebuild`)"
        )
    lines = [
        f"index {report['generation']}: {report['indexed']} of {report['items']} item(s) indexed,"
        f" {report['pending']} pending",
        f"engine: {report['engine']}, {report['documents']} document(s)",
    ]
    if report["configured_engine"] != report["engine"]:
        lines.append(
            f"  the configuration names {report['configured_engine']}: "
            f"run `bureau index rebuild` to switch"
        )
    for entry in report["unavailable"]:
        lines.append(f"  text unavailable: {entry['archive_code']}: {entry['reason']}")
    return "\n".join(lines)


def user_table(users: Sequence[User]) -> str:
    rows = [("name", "role", "clearance", "dept", "status")]
    rows += [
        (u.name, u.role, u.clearance, u.dept or "-", "enabled" if u.enabled else "disabled")
        for u in users
    ]
    return "\n".join(aligned(rows, (20, 10, 13, 5)))


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def backup_report(report: BackupReport) -> str:
    kind = "tar backup" if report.tar else "backup"
    return "\n".join(
        [
            f"{kind} {report.snapshot} written to {report.dest}",
            f"  {report.items} item(s), {report.files} file(s), {_megabytes(report.bytes)}",
            f"  stored files copied {report.copied}, already there {report.reused}; "
            f"{_megabytes(report.bytes_copied)} written in {report.seconds:.1f} s",
        ]
    )


def backup_check(check: BackupCheck) -> str:
    lines = [f"backup {check.path}: {len(check.snapshots)} complete snapshot(s)"]
    for snapshot in check.snapshots:
        state = "OK" if not snapshot.problems else f"FAILED ({len(snapshot.problems)} problem(s))"
        lines.append(
            f"  {snapshot.snapshot}  {snapshot.made_at}  {snapshot.items} item(s), "
            f"{snapshot.files} file(s), {_megabytes(snapshot.bytes)}  {state}"
        )
    for partial in check.interrupted:
        lines.append(f"  {partial}  interrupted: never completed, not a backup (ignored)")
    problems = check.problems + [p for s in check.snapshots for p in s.problems]
    lines.append("OK: every file matches its manifest" if check.ok else "FAILED:")
    lines.extend(f"  - {p}" for p in problems)
    return "\n".join(lines)


def restore_report(restored: Restored) -> str:
    report = restored.report
    lines = [
        f"restored snapshot {report.snapshot} (made {report.made_at}) from {report.source}",
        f"  into {report.home}: {report.items} item(s), {report.files} file(s) checked "
        f"against the manifest, {restored.indexed} indexed",
    ]
    if report.shredded:
        lines.append(
            f"  {report.shredded} item(s) disposed of after the backup was made: restored as "
            "tombstones (their keys and files are gone)"
        )
    lines.append(verify_report(restored.verify))
    return "\n".join(lines)


def rule_table(rules: Sequence[Rule]) -> str:
    rows = [
        (
            r.code,
            r.retention,
            r.action,
            f"{r.title} / {r.title_zh}  "
            f"[{', '.join(r.kinds) or 'any kind'}; {' '.join(r.depts) or 'any department'}]",
        )
        for r in rules
    ]
    return "\n".join(aligned(rows, (10, 4, 9))) or "no retention categories"


def schedule_check(report: dict) -> str:
    lines = [
        f"OK: {report['rules']} categories in {report['folder']}, every template and "
        "kind of every department in exactly one"
    ]
    if report["moved"]:
        lines.append(f"the schedule changed: {len(report['moved'])} due date(s) moved")
        lines.extend(
            f"  {m['archive_code']}  {m['category']}  {m['before'] or 'never'} -> "
            f"{m['after'] or 'never'}"
            for m in report["moved"]
        )
    last = report.get("last_change")
    if last and not report["moved"]:
        lines.append(
            f"last change applied {last['at']}: {len(last.get('changed', []))} categor(ies) "
            f"changed, {len(last.get('moved', []))} due date(s) moved"
        )
    if report["uncategorised"]:
        lines.append(
            f"{len(report['uncategorised'])} item(s) filed before the schedule fit no category "
            "(they are never due): " + ", ".join(report["uncategorised"][:20])
        )
    return "\n".join(lines)


def due_table(found: Sequence[Due]) -> str:
    if not found:
        return "nothing is due"
    rows = [
        (
            d.item.archive_code,
            f"due {d.item.due}",
            d.item.category,
            (d.action or "?") + ("  ON HOLD" if d.item.holds else ""),
            d.item.title,
        )
        for d in found
    ]
    return "\n".join(aligned(rows, (0, 0, 0, 0), "  "))


def disposal_list(found: DisposalList) -> str:
    lines = [
        f"disposal list {found.id} ({found.status}), as of {found.as_of}: "
        f"{len(found.items)} item(s)",
        f"  proposed by {found.proposed_by} at {found.proposed_at}",
    ]
    if found.approved_by:
        lines.append(f"  approved by {found.approved_by} at {found.approved_at}")
    if found.executed_at:
        lines.append(f"  executed by {found.executed_by} at {found.executed_at}")
    if found.register_item:
        lines.append(f"  destruction register: item {found.register_item}")
    rows = [(i.archive_code, i.due, i.title) for i in found.items]
    lines.extend(f"  {line}" for line in aligned(rows, (0, 0), "  "))
    return "\n".join(lines)


def disposal_lists(found: Sequence[DisposalList]) -> str:
    if not found:
        return "no disposal lists"
    rows = [
        (
            f.id,
            f.status,
            f"as of {f.as_of}",
            f"{len(f.items)} item(s)",
            f"proposed by {f.proposed_by}"
            + (f", approved by {f.approved_by}" if f.approved_by else ""),
        )
        for f in found
    ]
    return "\n".join(aligned(rows, (0, 10, 0, 0), ("  ", " ", "  ", "  ")))


def disposal_executed(executed: Executed) -> str:
    lines = [disposal_list(executed.disposal)]
    lines.append(f"disposed of {executed.disposed_now} item(s) in this run")
    for shred in executed.shredded:
        lines.append(
            f"backup {shred.path}: {shred.keys} key(s) and {shred.files} stored file(s) "
            f"destroyed in {shred.snapshots} snapshot(s)"
        )
    for gone in executed.unreachable:
        lines.append(
            f"NOT REACHED: backup {gone['path']} ({gone['reason']}): its keys of the disposed "
            "items remain until it is reached; run `bureau retention execute` again then"
        )
    if executed.disposed_now and not executed.indexed:
        lines.append("the watcher removes the items from the search index")
    return "\n".join(lines)


def transfer_report(report: TransferReport) -> str:
    lines = [
        f"transferred {len(report.items)} item(s) as a BagIt bag at {report.dest} "
        f"({report.files} files, {_megabytes(report.bytes)})"
    ]
    lines.extend(f"  skipped {s['archive_code']}: {s['reason']}" for s in report.skipped)
    return "\n".join(lines)
