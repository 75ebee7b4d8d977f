"""A template's declared fields as a form, and the posted form back as field values.

Every field becomes an input named `field.<name>` (so no field can clash with the form's
own inputs); a table field becomes rows of inputs `field.<name>.<row>.<column>`, rows
counted from 0 as the page shows them, and a list field a text area, one item a line.
Validation stays where it is for every front end (generators.fields): its errors, which
name a field, a list item or a table cell, are put back beside the input they are about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from bureau.services.drafting import Field, FieldError, Template
from bureau.web import pages
from bureau.web.i18n import Translate, catalog

PREFIX = "field."
TABLE_ROWS = 3  # empty rows a new table offers (secretary.js adds more)
LONG_TEXT = 300  # text fields allowing more characters than this get a text area
_CELL = re.compile(r"^(\w+)\[(\d+)\]\.(\w+)$")
_ITEM = re.compile(r"^(\w+)\[(\d+)\]$")
_WORDS = catalog()
# The validator's reasons (generators.fields) that have words of their own here.
_REASONS = (
    ("is required", "gen.error.required"),
    ("must be a date", "gen.error.date"),
    ("is not a real date", "gen.error.date"),
    ("must be a whole number", "gen.error.integer"),
    ("must be a number", "gen.error.number"),
    ("must be one of", "gen.error.choice"),
)


@dataclass
class Cell:
    """One column's input of one table row."""

    name: str  # the input's name
    column: Field
    value: str = ""
    error: str = ""


@dataclass
class Input:
    """One field of the form as the page draws it."""

    field: Field
    name: str  # the input's name (a table's: the prefix of its cells' names)
    label: str
    kind: str  # text, textarea, integer, decimal, date, select, list, table
    value: str = ""
    error: str = ""
    columns: list[tuple[Field, str]] = field(default_factory=list)  # a table's, labelled
    rows: list[list[Cell]] = field(default_factory=list)


@dataclass
class Posted:
    """A posted form read against a template: the data for the validator, and what the
    user typed, kept to show the form again (tables without their empty rows)."""

    data: dict[str, Any]
    values: dict[str, Any]  # field name -> text, or for a table a list of rows (column -> text)


def label(name: str, t: Translate) -> str:
    """A field's or column's name in the visitor's language, when it has words here."""
    key = f"gen.field.{name}"
    return t(key) if key in _WORDS else name.replace("_", " ")


# An image field names a file beside a data file or batch sheet: a form has no such
# folder, so it leaves the field out and the document keeps its framed placeholder.
NOT_IN_FORM = frozenset({"image"})


def kind_of(declared: Field) -> str:
    if declared.type == "text":
        if declared.choices:
            return "select"
        return "textarea" if (declared.max_length or 10**6) > LONG_TEXT else "text"
    return declared.type


def read(template: Template, form: FormData) -> Posted:
    """The field values of a posted form: text as typed, lists one item a line, and the
    table rows that have anything in them."""
    data: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for declared in template.fields:
        name = PREFIX + declared.name
        if declared.type in NOT_IN_FORM:
            continue
        if declared.type == "table":
            rows = _table_rows(declared, form, name)
            values[declared.name] = rows
            if rows:
                data[declared.name] = [{k: v for k, v in row.items() if v.strip()} for row in rows]
            continue
        text = pages.text(form, name)
        values[declared.name] = text
        if text.strip():
            data[declared.name] = text
    return Posted(data, values)


def _table_rows(declared: Field, form: FormData, name: str) -> list[dict[str, str]]:
    """A table's rows in the order the page showed them, leaving out empty ones."""
    found: dict[int, dict[str, str]] = {}
    start = name + "."
    for key in form:
        if not key.startswith(start):
            continue
        index, _, column = key[len(start) :].partition(".")
        if not index.isdigit() or column not in {c.name for c in declared.columns}:
            continue
        found.setdefault(int(index), {})[column] = pages.text(form, key)
    rows = [found[i] for i in sorted(found)]
    return [
        {c.name: row.get(c.name, "") for c in declared.columns}
        for row in rows
        if any(v.strip() for v in row.values())
    ]


def errors_by_input(problems: list[FieldError], t: Translate) -> tuple[dict[str, str], list[str]]:
    """The validator's problems by the name of the input each is about, and those that
    are about no input of the form (shown above it)."""
    found: dict[str, str] = {}
    general: list[str] = []
    for problem in problems:
        reason = _reason(problem.reason, t)
        cell = _CELL.match(problem.field)
        item = _ITEM.match(problem.field)
        if cell:
            name = f"{PREFIX}{cell[1]}.{int(cell[2]) - 1}.{cell[3]}"
        elif item:
            name = PREFIX + item[1]
            reason = t("gen.error.item", n=item[2], reason=reason)
        elif re.fullmatch(r"\w+", problem.field):
            name = PREFIX + problem.field
        else:
            general.append(f"{problem.field}: {reason}")
            continue
        found[name] = f"{found[name]}; {reason}" if name in found else reason
    return found, general


def _reason(reason: str, t: Translate) -> str:
    for start, key in _REASONS:
        if reason.startswith(start):
            return t(key)
    return reason


def inputs(
    template: Template,
    t: Translate,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> list[Input]:
    """The form's inputs, filled with `values` (empty for a new form), each with its error."""
    values = values or {}
    errors = errors or {}
    drawn = []
    for declared in template.fields:
        if declared.type in NOT_IN_FORM:
            continue
        name = PREFIX + declared.name
        shown = Input(
            declared, name, label(declared.name, t), kind_of(declared), error=errors.get(name, "")
        )
        if declared.type == "table":
            shown.columns = [(c, label(c.name, t)) for c in declared.columns]
            rows = list(values.get(declared.name) or [])
            rows += [{}] * max(0, TABLE_ROWS - len(rows))
            shown.rows = [
                _cells(declared, name, index, row, errors) for index, row in enumerate(rows)
            ]
        else:
            shown.value = str(values.get(declared.name) or "")
        drawn.append(shown)
    return drawn


def _cells(
    declared: Field, name: str, index: int, row: dict[str, str], errors: dict[str, str]
) -> list[Cell]:
    """The inputs of row `index` (from 0) of the table `declared`, named `name`."""
    cells = []
    for column in declared.columns:
        cell = f"{name}.{index}.{column.name}"
        cells.append(Cell(cell, column, row.get(column.name, ""), errors.get(cell, "")))
    return cells
