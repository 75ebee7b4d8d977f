"""Archival reference codes: format, parse, and the rules every code obeys."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive import codes
from archive.errors import BadInput

fonds = st.from_regex(r"\A[A-Z][A-Z0-9]{0,11}\Z")
depts = st.from_regex(r"\A[A-Z][A-Z0-9]{1,9}\Z")
years = st.integers(min_value=1, max_value=9999)
retentions = st.sampled_from(["Y", "D30", "D10"])
numbers = st.integers(min_value=1, max_value=10**7)


def test_code_reads_as_da_t_22_shows_it():
    assert str(codes.make("J042", 2026, "Y", "BGS", 1)) == "J042-WS·2026-Y-BGS-0001"


@given(fonds, years, retentions, depts, numbers)
def test_every_code_parses_back_to_its_parts(f, year, retention, dept, number):
    code = codes.make(f, year, retention, dept, number)
    assert codes.parse(str(code)) == code


@given(fonds, years, retentions, depts, numbers, numbers)
def test_codes_of_different_items_differ(f, year, retention, dept, a, b):
    if a != b:
        assert str(codes.make(f, year, retention, dept, a)) != str(
            codes.make(f, year, retention, dept, b)
        )


@given(fonds, years, retentions, depts, st.integers(min_value=1, max_value=9999))
def test_item_numbers_below_ten_thousand_are_four_digits(f, year, retention, dept, number):
    assert str(codes.make(f, year, retention, dept, number)).rsplit("-", 1)[1] == f"{number:04d}"


@pytest.mark.parametrize("typed", ["J042-WS.2026-Y-BGS-0001", "j042-ws·2026-y-bgs-0001"])
def test_codes_typed_with_a_full_stop_or_lower_case_are_understood(typed):
    assert str(codes.parse(typed)) == "J042-WS·2026-Y-BGS-0001"


@pytest.mark.parametrize(
    "text",
    ["", "J042-WS·2026-D20-BGS-0001", "J042-WS·26-Y-BGS-0001", "J042-WS·2026-Y-BGS-1", "hello"],
)
def test_malformed_codes_are_refused(text):
    with pytest.raises(BadInput):
        codes.parse(text)
    assert not codes.looks_like_code(text)


@pytest.mark.parametrize(
    "parts",
    [
        ("j042", 2026, "Y", "BGS", 1),
        ("J042", 2026, "D20", "BGS", 1),
        ("J042", 2026, "Y", "B", 1),
        ("J042", 2026, "Y", "BGS", 0),
        ("J042", 0, "Y", "BGS", 1),
    ],
)
def test_a_code_cannot_be_made_from_invalid_parts(parts):
    with pytest.raises(BadInput):
        codes.make(*parts)
