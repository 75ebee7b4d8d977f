"""Field validation: one rule per test, on a template declaring every field type."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from archive.errors import BadInput
from generators.catalog import Template, load_template
from generators.fields import FieldError, FieldErrors, validate
from tests.generators.conftest import write_docx

FIELDS = {
    "name": "every",
    "title": {"en": "Every type"},
    "kind": "notice",
    "languages": ["en"],
    "fields": [
        {"name": "title", "type": "text", "required": True, "description": "t", "max_length": 10},
        {"name": "note", "type": "text", "description": "n"},
        {"name": "level", "type": "text", "description": "l", "choices": ["加急", "特急"]},
        {"name": "count", "type": "integer", "description": "c", "min": 1, "max": 100},
        {"name": "amount", "type": "decimal", "description": "a", "min": 0},
        {"name": "when", "type": "date", "description": "w"},
        {"name": "copied", "type": "list", "description": "l", "max_length": 5},
        {
            "name": "items",
            "type": "table",
            "description": "rows",
            "columns": [
                {"name": "item", "type": "text", "required": True, "description": "i"},
                {
                    "name": "amount",
                    "type": "decimal",
                    "required": True,
                    "min": 0,
                    "description": "a",
                },
            ],
        },
    ],
}


@pytest.fixture(scope="module")
def every(tmp_path_factory: pytest.TempPathFactory) -> Template:
    folder: Path = tmp_path_factory.mktemp("t") / "every"
    folder.mkdir()
    (folder / "fields.yaml").write_text(yaml.safe_dump(FIELDS, allow_unicode=True), "utf-8")
    write_docx(folder / "template.docx", ["{{ title }}"])
    return load_template(folder)


def problems(template: Template, data: dict, row: int | None = None) -> list[str]:
    with pytest.raises(FieldErrors) as caught:
        validate(template, {"title": "T", **data}, row=row)
    return [str(error) for error in caught.value.errors]


def one(template: Template, data: dict) -> str:
    (message,) = problems(template, data)
    return message


def test_valid_input_comes_back_typed(every):
    values = validate(
        every,
        {
            "title": "Hi",
            "count": "7",
            "amount": "1,234.50",
            "when": "2026-11-27",
            "copied": ["A", "B"],
            "items": [{"item": "x", "amount": "0.10"}],
        },
    )
    assert values["count"] == 7
    assert values["amount"] == Decimal("1234.50")
    assert values["when"] == datetime.date(2026, 11, 27)
    assert values["copied"] == ["A", "B"]
    assert values["items"] == [{"item": "x", "amount": Decimal("0.10")}]


def test_optional_fields_left_out_come_back_empty(every):
    values = validate(every, {"title": "Hi"})
    assert values["note"] == "" and values["copied"] == [] and values["items"] == []
    assert values["count"] is None and values["when"] is None


def test_missing_required_field(every):
    with pytest.raises(FieldErrors, match=r"^field 'title': is required$"):
        validate(every, {})


def test_empty_string_counts_as_missing(every):
    with pytest.raises(FieldErrors, match=r"field 'title': is required"):
        validate(every, {"title": "  "})


def test_unknown_field_is_reported(every):
    assert one(every, {"titel": "x"}) == "field 'titel': is not a field of template 'every'"


def test_message_format_for_a_bad_number(every):
    assert one(every, {"amount": "abc"}) == "field 'amount': must be a number, got 'abc'"


def test_row_number_prefixes_the_message(every):
    assert problems(every, {"amount": "abc"}, row=7) == [
        "row 7, field 'amount': must be a number, got 'abc'"
    ]


def test_field_error_carries_field_reason_and_row(every):
    with pytest.raises(FieldErrors) as caught:
        validate(every, {}, row=3)
    (error,) = caught.value.errors
    assert isinstance(error, FieldError) and isinstance(caught.value, BadInput)
    assert (error.field, error.reason, error.row) == ("title", "is required", 3)


def test_all_problems_are_collected(every):
    found = problems(every, {"count": "x", "when": "tomorrow", "amount": "-1", "bogus": 1})
    assert len(found) == 4


def test_text_from_a_number_is_converted_with_str(every):
    assert validate(every, {"title": 2026})["title"] == "2026"
    assert validate(every, {"title": "T", "note": 1.5})["note"] == "1.5"


def test_text_given_a_list_is_wrong_type(every):
    assert one(every, {"note": ["a"]}) == "field 'note': must be text, got a list"


def test_text_given_a_boolean_is_wrong_type(every):
    assert one(every, {"note": True}) == "field 'note': must be text, got the boolean True"


def test_text_longer_than_max_length(every):
    with pytest.raises(FieldErrors, match=r"field 'title': must be at most 10 characters, got 11"):
        validate(every, {"title": "x" * 11})


def test_text_with_a_control_character_is_rejected(every):
    assert "U+0007" in one(every, {"note": "bell\x07"})


def test_text_keeps_newlines_and_normalises_crlf(every):
    assert validate(every, {"title": "T", "note": "a\r\nb"})["note"] == "a\nb"


def test_choices_are_enforced(every):
    assert one(every, {"level": "急"}) == "field 'level': must be one of 加急, 特急, got '急'"


def test_template_code_in_a_value_stays_data(every):
    value = "{{ 7*7 }}{% for x in y %}"
    assert validate(every, {"title": "T", "note": value})["note"] == value


@pytest.mark.parametrize("raw", ["4.5", 4.5, "abc", True, "1 000"])
def test_integer_must_be_a_whole_number(every, raw):
    assert "must be a whole number" in one(every, {"count": raw})


@pytest.mark.parametrize("raw", [7, "7", " 7 ", 7.0, Decimal("7")])
def test_integer_accepts_integral_values(every, raw):
    assert validate(every, {"title": "T", "count": raw})["count"] == 7


def test_integer_bounds(every):
    assert one(every, {"count": 0}) == "field 'count': must be at least 1, got 0"
    assert one(every, {"count": 101}) == "field 'count': must be at most 100, got 101"


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-inf", "1e5", "1,23", "", "0x10", True])
def test_decimal_rejects_non_numbers(every, raw):
    if raw == "":
        assert validate(every, {"title": "T", "amount": raw})["amount"] is None
    else:
        assert "must be a number" in one(every, {"amount": raw})


def test_decimal_from_float_has_no_binary_artefacts(every):
    assert validate(every, {"title": "T", "amount": 0.1})["amount"] == Decimal("0.1")


def test_decimal_negative_rejected_where_min_is_zero(every):
    assert one(every, {"amount": "-0.01"}) == "field 'amount': must be at least 0, got -0.01"


def test_date_must_be_iso(every):
    assert one(every, {"when": "2026/1/5"}) == (
        "field 'when': must be a date written YYYY-MM-DD, got '2026/1/5'"
    )


def test_date_must_be_a_real_calendar_date(every):
    assert (
        one(every, {"when": "2026-02-30"}) == "field 'when': is not a real date, got '2026-02-30'"
    )


def test_date_objects_from_yaml_are_accepted(every):
    values = validate(every, {"title": "T", "when": datetime.date(2026, 2, 28)})
    assert values["when"] == datetime.date(2026, 2, 28)


def test_datetime_with_a_time_is_rejected(every):
    assert "without a time" in one(every, {"when": datetime.datetime(2026, 1, 1, 9, 30)})


def test_list_from_a_multiline_string(every):
    values = validate(every, {"title": "T", "copied": "A\n\nB\r\n"})
    assert values["copied"] == ["A", "B"]


def test_list_item_errors_name_the_item(every):
    assert one(every, {"copied": ["ok", "too long"]}) == (
        "field 'copied[2]': must be at most 5 characters, got 8"
    )


def test_list_given_a_mapping_is_wrong_type(every):
    assert (
        one(every, {"copied": {"a": 1}}) == "field 'copied': must be a list of texts, got a mapping"
    )


def test_table_errors_name_row_and_column(every):
    found = problems(every, {"items": [{"item": "a", "amount": "1"}, {"item": "b", "amount": "x"}]})
    assert found == ["field 'items[2].amount': must be a number, got 'x'"]


def test_table_negative_amount_is_rejected(every):
    found = problems(every, {"items": [{"item": "a", "amount": "-5"}]})
    assert found == ["field 'items[1].amount': must be at least 0, got -5"]


def test_table_unknown_column_and_missing_required_column(every):
    found = problems(every, {"items": [{"amount": "1", "colour": "red"}]})
    assert sorted(found) == [
        "field 'items[1].colour': is not a column of 'items'",
        "field 'items[1].item': is required",
    ]


def test_table_row_must_be_a_mapping(every):
    assert one(every, {"items": ["row"]}).startswith("field 'items[1]': must be a row of")


def test_input_must_be_a_mapping(every):
    with pytest.raises(FieldErrors, match="must be a mapping"):
        validate(every, ["title"])  # type: ignore[arg-type]
