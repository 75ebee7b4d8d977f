"""Batch generation: one document per spreadsheet row, streaming, with per-row failures.

Rows are read one at a time and processed in chunks (one LibreOffice run per chunk), so
memory does not grow with the row count; the filed items are spooled to a temporary file
rather than kept in a list. A row that fails is reported with its row number as the
spreadsheet shows it, its field and the reason, and the other rows go on — unless
`all_or_nothing`, which validates every row first and generates nothing if any is invalid.
"""

from __future__ import annotations

import gc
import json
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from archive.errors import BadInput, BureauError
from archive.service import Archive
from bureau.services.generate import Job, Workspace
from bureau.services.sealing import Sealer
from generators import batch_input, catalog
from generators.fields import FieldError, FieldErrors
from generators.progress import Progress

CHUNK = 200  # documents per LibreOffice run: each run costs a second or two to start
# Rendering leaves reference cycles (docxtpl / python-docx objects) that hold libxml2 trees,
# memory Python's allocator does not see, so the cyclic collector runs too rarely on its own:
# without explicit collections a batch's memory grows by about 80 KB per document.
COLLECT_EVERY = 50


@dataclass
class Summary:
    """What a batch did: the count, the failures, and a spool of the filed items (JSON lines)."""

    generated: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)
    spool: IO[str] = field(default_factory=lambda: tempfile.TemporaryFile("w+", encoding="utf-8"))  # noqa: SIM115 — lives as long as the summary

    def add_item(self, item: dict[str, Any]) -> None:
        self.spool.write(json.dumps(item, ensure_ascii=False) + "\n")
        self.generated += 1

    def fail(self, row: int, field_name: str, reason: str) -> None:
        self.failed.append({"row": row, "field": field_name, "reason": reason})

    def items(self) -> Iterator[str]:
        self.spool.seek(0)
        for line in self.spool:
            yield line.rstrip("\n")

    def write_json(self, out: IO[str]) -> None:
        """The summary as one JSON document, streamed: items are never all in memory."""
        out.write(f'{{\n  "generated": {self.generated},\n  "failed": ')
        out.write(json.dumps(self.failed, ensure_ascii=False))
        out.write(',\n  "items": [')
        for n, line in enumerate(self.items()):
            out.write(("," if n else "") + "\n    " + line)
        out.write("\n  ]\n}\n")


def generate_batch(
    archive: Archive,
    template: catalog.Template,
    path: Path,
    dept: str,
    lang: str | None,
    classification: str | None,
    pdf: bool,
    all_or_nothing: bool = False,
    progress_stream: IO[str] | None = None,
    sealer: Sealer | None = None,
    on_row: Callable[[], None] | None = None,
) -> Summary:
    """Generate one document per row of `path` (.csv or .xlsx); BadInput for a bad file.
    `on_row` is called once for every row finished, whatever became of it (a front end's
    progress: the terminal's bar is drawn by `progress_stream`)."""
    archive.require("generate", "generate documents")
    archive.config.department(dept)  # an unknown department is a bad command, not 1,000 bad rows
    summary = Summary()
    with Workspace(archive, pdf, chunk_size=CHUNK, sealer=sealer) as generator:

        def jobs() -> Iterator[tuple[int, Job]]:
            for row in batch_input.iter_rows(path):
                job = _job(
                    generator, template, row, dept, lang, classification, summary, path.parent
                )
                if job is not None:
                    yield row.number, job
                elif on_row:
                    on_row()

        if all_or_nothing:
            for _ in jobs():
                pass
            if summary.failed:
                return summary
        rows_seen = 0
        with Progress(None, f"generating {template.name}", progress_stream or sys.stderr) as bar:
            tally = _Tally(bar, on_row)
            for chunk in chunks(jobs(), CHUNK):
                rows_seen += len(chunk)
                _run_chunk(generator, chunk, pdf, summary, tally)
        if rows_seen == 0 and not summary.failed:
            raise BadInput(f"{path.name}: no data rows below the header")
    return summary


def write_errors(batch: Path, summary: Summary) -> Path:
    """Write the failed rows beside the batch file (BATCH.errors.csv), or remove an old
    one when every row succeeded; returns its path."""
    errors = batch.with_suffix(".errors.csv")
    if summary.failed:
        batch_input.write_errors_csv(errors, summary.failed)
    else:
        errors.unlink(missing_ok=True)
    return errors


def _job(generator, template, row, dept, lang, classification, summary, base) -> Job | None:
    """The row's job, its photos named relative to the sheet's folder (`base`); None, with
    the row's problems in `summary`, when it cannot be made."""
    if row.problem:
        summary.fail(row.number, "", row.problem)
        return None
    try:
        data = _row_data(template, row.values)
        return generator.job(template, data, dept, lang, classification, row=row.number, base=base)
    except FieldErrors as exc:
        for error in exc.errors:
            summary.fail(row.number, error.field, error.reason)
    except FieldError as exc:
        summary.fail(row.number, exc.field, exc.reason)
    except BadInput as exc:
        summary.fail(row.number, getattr(exc, "field", ""), str(exc))
    return None


def _row_data(template: catalog.Template, values: dict[str, str | None]) -> dict[str, Any]:
    """A row's cells as field values: lists split, tables parsed, empty cells left out."""
    data: dict[str, Any] = {}
    for name, cell in values.items():
        if cell is None or not str(cell).strip():
            continue
        declared = template.field(name)
        if declared is not None and declared.type == "list":
            data[name] = batch_input.split_list(cell)
        elif declared is not None and declared.type == "table":
            try:
                data[name] = batch_input.parse_table_cell(cell)
            except BadInput as exc:
                raise FieldError(name, str(exc)) from None
        else:
            data[name] = cell
    return data


class _Tally:
    """The terminal's progress bar, and the caller's `on_row`, told of each row finished."""

    def __init__(self, bar: Progress, on_row: Callable[[], None] | None) -> None:
        self.bar = bar
        self.on_row = on_row

    def advance(self) -> None:
        self.bar.advance()
        if self.on_row:
            self.on_row()


def _run_chunk(
    generator, chunk: list[tuple[int, Job]], pdf: bool, summary: Summary, bar: _Tally
) -> None:
    rendered = []
    for count, (row, job) in enumerate(chunk, start=1):
        try:
            rendered.append((row, generator.render(job)))
        except BureauError as exc:
            summary.fail(row, "", str(exc))
            bar.advance()
        if count % COLLECT_EVERY == 0:
            gc.collect()
    if pdf and rendered:
        failures = generator.to_pdf([r for _, r in rendered])
        kept = []
        for index, (row, r) in enumerate(rendered):
            if index in failures:
                generator.abandon(r, failures[index])
                summary.fail(row, "pdf", failures[index])
                bar.advance()
            else:
                kept.append((row, r))
        rendered = kept
    for row, r in rendered:
        try:
            result = generator.file(r)
        except BureauError as exc:
            summary.fail(row, "", str(exc))
            continue
        finally:
            generator.cleanup(r)
            bar.advance()
        if result.duplicate_of:
            summary.fail(row, "", f"identical to item {result.duplicate_of}, already filed")
        else:
            summary.add_item(result.item.to_json())
    gc.collect()


def chunks(iterable: Iterator[Any], size: int) -> Iterator[list[Any]]:
    """Lists of up to `size` consecutive elements, read lazily from `iterable`."""
    batch: list[Any] = []
    for element in iterable:
        batch.append(element)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
