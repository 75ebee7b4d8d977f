"""Batches from an uploaded spreadsheet: what the upload is, how many rows it has, and the
batch run with the same checks as a single document from a form.

An upload's name proves nothing, so its kind is told from its bytes: an XLSX workbook is a
zip holding the OOXML parts, a CSV file is UTF-8 text. The file is then saved under the
suffix its content shows, which is what the batch reader goes by.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

from archive.errors import BadInput
from archive.service import Archive
from bureau.services import drafting, generate
from bureau.services.batch import Summary, generate_batch, write_errors
from bureau.services.sealing import Sealer
from generators import batch_input
from generators.catalog import Template

XLSX_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # an old binary .xls (or an encrypted workbook)


class NotASheet(BadInput):
    """The upload is neither an XLSX workbook nor a UTF-8 CSV file."""


def suffix_of(content: bytes) -> str:
    """'.xlsx' or '.csv', as the bytes show it; NotASheet for anything else."""
    if not content.strip():
        raise NotASheet("the file is empty")
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError):
            raise NotASheet("a damaged zip file, not an XLSX workbook") from None
        if all(part in names for part in XLSX_PARTS):
            return ".xlsx"
        raise NotASheet("a zip file that is not an XLSX workbook (a .docx or .zip?)")
    if content.startswith(_OLE_MAGIC):
        raise NotASheet("an old .xls workbook: save it as .xlsx, or as 'CSV UTF-8'")
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise NotASheet("UTF-16 text: save it from Excel as 'CSV UTF-8'")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NotASheet("neither an XLSX workbook nor UTF-8 text (CSV)") from None
    if "\x00" in text:
        raise NotASheet("binary data, not a CSV file")
    return ".csv"


def example_sheet(template: Template) -> bytes:
    """A CSV to start a batch from: the header naming every field of `template`, and one
    row of its examples written as a batch cell reads them (a list's items separated by
    semicolons, a table as JSON). UTF-8 with a BOM, so that Excel shows Chinese."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([field.name for field in template.fields])
    writer.writerow([_cell(field.to_json()["example"]) for field in template.fields])
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def _cell(example: object) -> str:
    if example is None:
        return ""
    if isinstance(example, list) and all(isinstance(v, str) for v in example):
        return "; ".join(example)
    if isinstance(example, list | dict):
        return json.dumps(example, ensure_ascii=False)
    return str(example)


def count_rows(path: Path) -> int:
    """The data rows of the sheet at `path` (blank rows not counted): a progress's total."""
    return sum(1 for _ in batch_input.iter_rows(path))


def check(
    archive: Archive, name: str, dept: str, lang: str, level: str, pdf: bool, seal: bool
) -> None:
    """Everything about a batch that is the same for every row, checked before it starts:
    the permissions, the template, the department, language and classification, the seal."""
    _prepare(archive, name, dept, lang, level, pdf, seal)


def run(
    archive: Archive,
    name: str,
    path: Path,
    dept: str,
    lang: str,
    level: str,
    pdf: bool,
    seal: bool,
    all_or_nothing: bool,
    on_row: Callable[[], None] | None = None,
) -> Summary:
    """One document per row of `path`, with the checks of `check` made first (`level`
    empty: each template's own classification)."""
    template, sealer = _prepare(archive, name, dept, lang, level, pdf, seal)
    return generate_batch(
        archive,
        template,
        path,
        dept,
        lang,
        level or template.classification,
        pdf,
        all_or_nothing,
        progress_stream=io.StringIO(),  # no terminal: the caller counts rows with on_row
        sealer=sealer,
        on_row=on_row,
    )


def _prepare(
    archive: Archive, name: str, dept: str, lang: str, level: str, pdf: bool, seal: bool
) -> tuple[Template, Sealer | None]:
    if seal and not pdf:
        raise BadInput("the seal is put on the PDF: make the PDF too")
    template, sealer = generate.prepare(archive, name, dept, lang, seal)
    drafting.check(archive, template, dept, lang, level or template.classification)
    return template, sealer


def errors_report(path: Path, summary: Summary) -> bytes | None:
    """The row-error report (CSV: row, field, reason) of a finished batch, None if every
    row succeeded."""
    report = write_errors(path, summary)
    if not summary.failed:
        return None
    content = report.read_bytes()
    report.unlink(missing_ok=True)
    return content
