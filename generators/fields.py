"""Validate a secretary's input against a template's fields and turn it into typed values.

Input comes from YAML, CSV or XLSX, so the same field may arrive as text, a number or a
date object; `validate` accepts each where it is unambiguous and returns int, Decimal,
datetime.date, list[str] or list[dict]. It reports every problem at once (a batch of 300
rows should not be fixed one error per run). Values are data: nothing here or later ever
evaluates them as template code.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archive.errors import BadInput
from generators import photos

if TYPE_CHECKING:
    from generators.catalog import Field, Template

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER_RE = re.compile(r"^[+-]?\d+$")
# Plain digits or comma-grouped thousands, optional fraction; no exponent, NaN or Infinity.
_DECIMAL_RE = re.compile(r"^[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?$")
# Characters XML 1.0 cannot hold at all (tab, newline and carriage return it can).
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class FieldError(BadInput):
    """One problem with one field; `row` is the batch row (1-based) when there is one."""

    def __init__(self, field: str, reason: str, row: int | None = None) -> None:
        self.field = field
        self.reason = reason
        self.row = row
        super().__init__(self.message())

    def message(self) -> str:
        where = f"row {self.row}, " if self.row is not None else ""
        return f"{where}field {self.field!r}: {self.reason}"

    def __str__(self) -> str:
        return self.message()


class FieldErrors(BadInput):
    """Every problem found in one input; the message has one line per problem."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(error.message() for error in self.errors))


def validate(
    template: Template,
    data: Mapping[str, object],
    row: int | None = None,
    base: Path | None = None,
) -> dict[str, Any]:
    """Typed values for every declared field of `template`, or FieldErrors listing all problems.

    Optional fields left out come back empty: "" for text, [] for list and table, None for
    integer, decimal, date and image, so a template can test them with `{% if note %}`.
    An image field names a file relative to `base`, the folder of the data file or batch
    sheet the data came from (generators.photos); without one, no image can be named.
    """
    if not isinstance(data, Mapping):
        raise FieldErrors(
            [
                FieldError(
                    "(input)", f"must be a mapping of field names to values, got {_kind(data)}", row
                )
            ]
        )
    problems: list[tuple[str, str]] = []
    declared = {field.name for field in template.fields}
    for key in data:
        if str(key) not in declared:
            problems.append((str(key), f"is not a field of template {template.name!r}"))
    values: dict[str, Any] = {}
    for field in template.fields:
        values[field.name] = _value(field, data.get(field.name), field.name, problems, base)
    if problems:
        raise FieldErrors([FieldError(name, reason, row) for name, reason in problems])
    return values


def empty_value(field: Field) -> Any:
    """What an optional field that was left out holds."""
    if field.type == "text":
        return ""
    if field.type in ("list", "table"):
        return []
    return None


def _value(
    field: Field,
    raw: object,
    path: str,
    problems: list[tuple[str, str]],
    base: Path | None = None,
) -> Any:
    """The typed value of one field, appending (path, reason) to `problems` when it is bad."""
    if _is_missing(raw):
        if field.required:
            problems.append((path, "is required"))
        return empty_value(field)
    try:
        if field.type == "text":
            return _text(field, raw)
        if field.type == "integer":
            return _bounded(field, _integer(raw))
        if field.type == "decimal":
            return _bounded(field, _decimal(raw))
        if field.type == "date":
            return _date(raw)
        if field.type == "list":
            return _list(field, raw, path, problems)
        if field.type == "image":
            return _photo(raw, base)
        return _table(field, raw, path, problems)
    except _Bad as bad:
        problems.append((path, str(bad)))
        return empty_value(field)


class _Bad(Exception):
    """Internal: one reason a single value is wrong."""


def _photo(raw: object, base: Path | None) -> photos.Photo:
    if not isinstance(raw, str):
        raise _Bad(f"must be the name of a JPEG or PNG file, got {_kind(raw)}")
    try:
        return photos.load(raw.strip(), base)
    except photos.PhotoProblem as problem:
        raise _Bad(str(problem)) from None


def _is_missing(raw: object) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    return isinstance(raw, list | tuple) and not raw


def _text(field: Field, raw: object) -> str:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal | datetime.date):
        raise _Bad(f"must be text, got {_kind(raw)}")
    if isinstance(raw, datetime.date):
        text = raw.isoformat()
    else:
        text = str(raw).replace("\r\n", "\n").replace("\r", "\n")
    _check_text(field, text)
    if field.choices and text not in field.choices:
        raise _Bad(f"must be one of {', '.join(field.choices)}, got {_show(text)}")
    return text


def _check_text(field: Field, text: str) -> None:
    control = _CONTROL_RE.search(text)
    if control:
        raise _Bad(
            f"contains the control character U+{ord(control.group()):04X},"
            " which a document cannot hold"
        )
    if field.max_length is not None and len(text) > field.max_length:
        raise _Bad(f"must be at most {field.max_length} characters, got {len(text)}")


def _integer(raw: object) -> int:
    if isinstance(raw, bool):
        raise _Bad(f"must be a whole number, got {_show(raw)}")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and _INTEGER_RE.match(raw.strip()):
        return int(raw.strip())
    if isinstance(raw, float | Decimal):
        number = Decimal(str(raw))
        if number.is_finite() and number == number.to_integral_value():
            return int(number)
    raise _Bad(f"must be a whole number, got {_show(raw)}")


def _decimal(raw: object) -> Decimal:
    if isinstance(raw, bool):
        raise _Bad(f"must be a number, got {_show(raw)}")
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, Decimal):
        if raw.is_finite():
            return raw
        raise _Bad(f"must be a number, got {_show(raw)}")
    if isinstance(raw, float):
        # str() gives the shortest repr, so 0.1 stays 0.1 rather than 0.1000000000000000055...
        text = str(raw)
    elif isinstance(raw, str):
        text = raw.strip()
    else:
        raise _Bad(f"must be a number, got {_kind(raw)}")
    if not _DECIMAL_RE.match(text):
        raise _Bad(f"must be a number, got {_show(raw)}")
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise _Bad(f"must be a number, got {_show(raw)}") from None


def _bounded(field: Field, number: int | Decimal) -> int | Decimal:
    if field.min is not None and number < field.min:
        raise _Bad(f"must be at least {field.min}, got {number}")
    if field.max is not None and number > field.max:
        raise _Bad(f"must be at most {field.max}, got {number}")
    return number


def _date(raw: object) -> datetime.date:
    if isinstance(raw, datetime.datetime):
        if raw.time() != datetime.time(0, 0):
            raise _Bad(f"must be a date without a time, got {_show(raw.isoformat())}")
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    if not isinstance(raw, str) or not _DATE_RE.match(raw.strip()):
        raise _Bad(f"must be a date written YYYY-MM-DD, got {_show(raw)}")
    try:
        return datetime.date.fromisoformat(raw.strip())
    except ValueError:
        raise _Bad(f"is not a real date, got {_show(raw)}") from None


def _list(field: Field, raw: object, path: str, problems: list[tuple[str, str]]) -> list[str]:
    """A list of texts; a single text (a CSV cell) is split into one item per line."""
    if isinstance(raw, str):
        raw = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not isinstance(raw, list | tuple):
        raise _Bad(f"must be a list of texts, got {_kind(raw)}")
    items: list[str] = []
    for index, item in enumerate(raw, start=1):
        if _is_missing(item):
            continue
        try:
            items.append(_text(field, item))
        except _Bad as bad:
            problems.append((f"{path}[{index}]", str(bad)))
    if field.required and not items:
        problems.append((path, "is required"))
    return items


def _table(
    field: Field, raw: object, path: str, problems: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    """A list of rows, each a mapping of column name to typed value; rows count from 1."""
    if not isinstance(raw, list | tuple):
        raise _Bad(f"must be a list of rows, got {_kind(raw)}")
    columns = {column.name for column in field.columns}
    rows: list[dict[str, Any]] = []
    for index, item in enumerate(raw, start=1):
        where = f"{path}[{index}]"
        if not isinstance(item, Mapping):
            problems.append(
                (where, f"must be a row of {', '.join(sorted(columns))}, got {_kind(item)}")
            )
            continue
        for key in item:
            if str(key) not in columns:
                problems.append((f"{where}.{key}", f"is not a column of {path!r}"))
        rows.append(
            {
                column.name: _value(
                    column, item.get(column.name), f"{where}.{column.name}", problems
                )
                for column in field.columns
            }
        )
    return rows


def _kind(value: object) -> str:
    """How to name the type of a wrong value in a message."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the boolean {value}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, datetime.date):
        return f"the date {value.isoformat()}"
    return _show(value)


def _show(value: object) -> str:
    """`value` quoted for a message, shortened when long."""
    text = str(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return repr(text)
