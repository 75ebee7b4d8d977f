"""Rows of a CSV or XLSX file, one per document to generate, read without loading the file.

A secretary prepares e.g. 1,000 graduation certificates as a spreadsheet: a header row of
field names, then one row per certificate. :func:`iter_rows` streams that file row by row
(memory does not grow with the row count) and gives every value as text, the way it looks
in the spreadsheet, so the templates see "12" and "2024-07-01", not 12.0 and a datetime.

Problems with the FILE (missing, wrong type, not UTF-8, no header, duplicate headers) raise
:class:`BatchFileError`. Problems with a single ROW do not stop the batch: the row is still
yielded with :attr:`Row.problem` set, so the caller can skip it and report it, e.g. in the
errors file written by :func:`write_errors_csv`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import math
import os
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain
from pathlib import Path
from typing import IO, Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from archive import atomic
from archive.errors import BadInput

SUPPORTED = (".csv", ".xlsx")
_DELIMITERS = (",", ";", "\t")  # in order of preference when counts tie
_EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"}
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old binary .xls (and encrypted .xlsx)
_LIST_SEPARATORS = re.compile(r"[;；\r\n]+")  # ASCII or full-width semicolon, newlines
_CURLY_QUOTES = "“”‘’"
ERRORS_HEADER = ("row", "field", "reason")


class BatchFileError(BadInput):
    """The batch file as a whole cannot be used."""


class BadCell(BadInput):
    """A cell's text cannot be read as the list or table its field needs."""


@dataclass(frozen=True)
class Row:
    """One data row.

    ``number`` is the row number the spreadsheet shows (the header is row 1). ``values``
    maps every header to the cell's text, or None for an empty cell. ``problem`` is None
    for a usable row, otherwise a one-line reason (e.g. more cells than headers) to report;
    ``values`` then holds what could be read.
    """

    number: int
    values: dict[str, str | None]
    problem: str | None = None


def iter_rows(path: Path) -> Iterator[Row]:
    """Stream the data rows of a .csv or .xlsx file (first sheet) as :class:`Row` objects.

    The file is opened and its header checked before this returns, so a bad file raises
    :class:`BatchFileError` here rather than on the first ``next()``. Entirely blank rows
    are skipped, but still counted in row numbers. Iterate to the end (or ``close()`` the
    iterator) to release the file.

    CSV: UTF-8 with or without BOM; the delimiter (comma, semicolon or tab) is guessed from
    the header line. XLSX: values as Excel shows them: dates as YYYY-MM-DD (with a time,
    YYYY-MM-DDTHH:MM:SS), whole numbers without ".0", other numbers to Excel's 15
    significant digits, booleans as "true"/"false". (openpyxl's read-only mode keeps the
    workbook's shared strings in memory and about 90 bytes per row already read.)
    """
    path = Path(path)
    if not path.exists():
        raise BatchFileError(f"{path}: no such file")
    if path.is_dir():
        raise BatchFileError(f"{path}: is a directory, not a .csv or .xlsx file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(path)
    if suffix == ".xlsx":
        return _xlsx_rows(path)
    hint = " (save it as .xlsx or 'CSV UTF-8' from Excel)" if suffix in (".xls", ".et") else ""
    raise BatchFileError(
        f"{path}: unsupported file type '{path.suffix or '(none)'}': use .xlsx or .csv{hint}"
    )


# -- headers -------------------------------------------------------------------------------


def _read_header(path: Path, cells: Iterable[str | None]) -> list[str | None]:
    """Header names by column (None for a blank header cell); duplicates are an error."""
    headers: list[str | None] = []
    seen: dict[str, int] = {}
    for column, cell in enumerate(cells, start=1):
        name = cell.strip() if cell else ""
        if not name:
            headers.append(None)
            continue
        if name in seen:
            first = get_column_letter(seen[name])
            raise BatchFileError(
                f"{path}: columns {first} and {get_column_letter(column)} "
                f"have the same header '{name}'"
            )
        seen[name] = column
        headers.append(name)
    if not seen:
        raise BatchFileError(f"{path}: no header row (row 1 must name the fields)")
    return headers


def _make_row(
    number: int,
    headers: list[str | None],
    cells: list[str | None],
    problem: str | None,
    *,
    counted: bool,
) -> Row | None:
    """The Row for ``cells`` (None if the row is blank), with any problem found here.

    A value under a blank header is a problem (it would silently go unused). Values past
    the last header are too: reported as a cell count for CSV (``counted``), where every
    line has its own length, and by column for XLSX, where the sheet is one grid.
    """
    if not any(cells):
        return None
    overflow = [cell for cell in cells[len(headers) :] if cell is not None]
    if overflow and counted:
        problem = problem or (
            f"has {len(cells)} cells but the header has only {len(headers)} columns"
        )
    values: dict[str, str | None] = {}
    for column, cell in enumerate(cells):
        header = headers[column] if column < len(headers) else None
        if header is not None:
            values[header] = cell
        elif cell is not None:
            problem = problem or f"column {get_column_letter(column + 1)} has a value but no header"
    for header in headers[len(cells) :]:
        if header is not None:
            values[header] = None
    return Row(number, values, problem)


def _blank_to_none(text: str) -> str | None:
    return text if text.strip() else None


# -- CSV -----------------------------------------------------------------------------------


class _NotUtf8(Exception):
    def __init__(self, offset: int, raw_line: bytes, start: int) -> None:
        super().__init__(offset)
        self.offset = offset
        self.raw_line = raw_line
        self.byte = raw_line[start]


def _csv_rows(path: Path) -> Iterator[Row]:
    handle = path.open("rb")
    try:
        first = handle.readline()
        bom = len(codecs.BOM_UTF8) if first.startswith(codecs.BOM_UTF8) else 0
        first = first[bom:]
        if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise BatchFileError(
                f"{path}: is UTF-16 text, not UTF-8: save it from Excel as 'CSV UTF-8'"
            )
        if not first and not handle.read(1):
            raise BatchFileError(f"{path}: the file is empty")
        lines = _decoded_lines(chain([first], handle), bom)
        try:
            head = _guess_delimiter(first.decode("utf-8", "replace"))
            reader = csv.reader(lines, delimiter=head)
            header = next(reader, [])
        except _NotUtf8 as exc:
            raise _not_utf8_error(path, exc, row=1) from None
        except csv.Error as exc:
            raise BatchFileError(f"{path}: row 1: unreadable CSV ({exc})") from None
        headers = _read_header(path, header)
    except BaseException:
        handle.close()
        raise
    return _csv_data(path, handle, reader, headers)


def _csv_data(
    path: Path, handle: IO[bytes], reader: Iterator[list[str]], headers: list[str | None]
) -> Iterator[Row]:
    number = 1
    with handle:
        while True:
            try:
                record = next(reader, None)
            except _NotUtf8 as exc:
                raise _not_utf8_error(path, exc, row=number + 1) from None
            except csv.Error as exc:
                raise BatchFileError(f"{path}: row {number + 1}: unreadable CSV ({exc})") from None
            if record is None:
                return
            number += 1
            cells = [_blank_to_none(cell) for cell in record]
            row = _make_row(number, headers, cells, None, counted=True)
            if row is not None:
                yield row


def _decoded_lines(raw_lines: Iterable[bytes], offset: int) -> Iterator[str]:
    """Decode line by line (a newline byte never splits a UTF-8 character)."""
    for raw in raw_lines:
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _NotUtf8(offset + exc.start, raw, exc.start) from None
        offset += len(raw)


def _not_utf8_error(path: Path, exc: _NotUtf8, row: int) -> BatchFileError:
    guess = ""
    try:
        exc.raw_line.decode("gb18030")
        guess = " (it looks like GBK, which Excel's plain 'CSV' uses on Chinese Windows)"
    except UnicodeDecodeError:
        pass
    return BatchFileError(
        f"{path}: not UTF-8 text: byte 0x{exc.byte:02X} at offset {exc.offset} (row {row})"
        f"{guess}; save it from Excel as 'CSV UTF-8'"
    )


def _guess_delimiter(header_line: str) -> str:
    """The delimiter used most often outside quotes in the header line (comma if none)."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(_DELIMITERS, key=lambda d: counts[d])  # max keeps the first on ties
    return best if counts[best] else ","


# -- XLSX ----------------------------------------------------------------------------------


def _xlsx_rows(path: Path) -> Iterator[Row]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises a zoo of types for damaged files
        raise BatchFileError(
            f"{path}: not a valid .xlsx file ({_xlsx_reason(path, exc)})"
        ) from None
    try:
        if not workbook.worksheets:
            raise BatchFileError(f"{path}: the workbook has no worksheets")
        sheet = workbook.worksheets[0]
        # The stored dimension is often wrong (files written by other programs); without it
        # openpyxl reads every row and cell that is actually there.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise BatchFileError(f"{path}: the first sheet '{sheet.title}' is empty")
        headers = _read_header(path, [_cell_text(value) for value in header])
    except BaseException:
        workbook.close()
        raise
    return _xlsx_data(workbook, rows, headers)


def _xlsx_data(
    workbook: Any, rows: Iterator[tuple[Any, ...]], headers: list[str | None]
) -> Iterator[Row]:
    try:
        for number, values in enumerate(rows, start=2):
            cells = [_cell_text(value) for value in values]
            problem = None
            for column, cell in enumerate(cells, start=1):
                if cell in _EXCEL_ERRORS:
                    problem = f"cell {get_column_letter(column)}{number} shows the error {cell}"
                    break
            row = _make_row(number, headers, cells, problem, counted=False)
            if row is not None:
                yield row
    finally:
        workbook.close()


def _xlsx_reason(path: Path, exc: Exception) -> str:
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as read_error:
        return read_error.strerror or str(read_error)
    if not magic:
        return "the file is empty"
    if magic == _OLE_MAGIC:
        return "an old .xls workbook or a password-protected one; save it as a plain .xlsx"
    if isinstance(exc, zipfile.BadZipFile):
        return "not a zip archive"
    return str(exc) or type(exc).__name__


def _cell_text(value: object) -> str | None:
    """An XLSX cell value as text, the way Excel would display it by default."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, dt.datetime):
        if value.microsecond:  # Excel stores times as day fractions; round to the second
            value = (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, str):
        return _blank_to_none(value)
    return str(value)


def _number_text(number: float) -> str:
    """A float in plain notation, to the 15 significant digits Excel shows.

    1234.5 -> "1234.5", 12.0 -> "12", 0.1 + 0.2 -> "0.3" (not "0.30000000000000004").
    """
    if not math.isfinite(number):
        return repr(number)
    text = format(Decimal(format(number, ".15g")), "f")
    return "0" if text == "-0" else text


# -- cells holding lists and tables ----------------------------------------------------------


def split_list(cell: str | None) -> list[str]:
    """Items of a list-typed field: split on ``;`` (also full-width ``；``) or newlines.

    Items are stripped and empty ones dropped, so "语文; 数学;\\n英语;" gives three items.
    """
    if not cell:
        return []
    return [item.strip() for item in _LIST_SEPARATORS.split(cell) if item.strip()]


def parse_table_cell(cell: str | None) -> list[dict[str, Any]]:
    """Rows of a table-typed field, written in the cell as a JSON list of objects.

    An empty cell is an empty table. Anything else that is not a JSON list of objects
    raises :class:`BadCell` (a :class:`BadInput`) with a reason fit for the errors file.
    """
    if cell is None or not cell.strip():
        return []
    try:
        data = json.loads(cell)
    except json.JSONDecodeError as exc:
        reason = f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        if any(quote in cell for quote in _CURLY_QUOTES):
            reason += ' (use straight quotes " instead of curly quotes “ ”)'
        raise BadCell(reason) from None
    example = 'like [{"科目": "语文", "成绩": 90}]'
    if isinstance(data, dict):
        raise BadCell(f"a table must be a JSON list of objects {example}, not a single object")
    if not isinstance(data, list):
        raise BadCell(f"a table must be a JSON list of objects {example}")
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise BadCell(f"table row {index} is not a JSON object {example}")
    return data


# -- the errors file ---------------------------------------------------------------------------


def write_errors_csv(path: Path, failures: Iterable[dict[str, Any]]) -> None:
    """Write ``row,field,reason`` lines for the rows that failed, replacing ``path`` atomically.

    Each failure is a dict with keys ``row``, ``field`` and ``reason`` (missing ones are
    left blank, others ignored). The file is UTF-8 with a BOM so that Excel shows Chinese
    correctly, and is complete or absent (:func:`archive.atomic.replacing`). It is the
    user's file, not the archive's, so it gets the permissions a new file normally gets.
    """
    with atomic.replacing(Path(path), _new_file_mode()) as stream:
        handle = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        writer = csv.writer(handle)
        writer.writerow(ERRORS_HEADER)
        for failure in failures:
            writer.writerow(
                ["" if failure.get(key) is None else failure[key] for key in ERRORS_HEADER]
            )
        handle.flush()
        handle.detach()  # the stream stays open for replacing() to sync and rename


def _new_file_mode() -> int:
    """0o666 less the umask: what open() gives a new file (a temporary file gets 0o600)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    umask = os.umask(0o077)  # no /proc: read the umask by setting it, briefly to a strict one
    os.umask(umask)
    return 0o666 & ~umask
