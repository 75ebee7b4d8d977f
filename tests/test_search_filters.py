"""A search filter that matches no document finds nothing: it is never taken for no
filter at all (Whoosh's collector treats an empty allow-set as "everything"), so neither a
filter nor a secretary's own department can be widened by being empty."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Bureau
from tests.factories import make_docx


@pytest.fixture
def rsk_notice(bureau: Bureau, tmp_path: Path) -> str:
    doc = make_docx(tmp_path / "n.docx", text="a notice about canteens")
    fields = ["--kind", "notice", "--dept", "RSK", "--retention", "D30", "--date", "2026-03-04"]
    filed = bureau.json("file", doc, *fields, "--title", "Canteens")
    bureau.ok("index", "rebuild")
    return filed["id"]


def found(bureau: Bureau, *args: str, user: str | None = None) -> list[str]:
    who = ["--user", user] if user else []
    return [h["id"] for h in bureau.json(*who, "search", *args)["hits"]]


def test_the_notice_is_found_without_filters(bureau: Bureau, rsk_notice: str):
    assert found(bureau, "canteens") == [rsk_notice]


@pytest.mark.parametrize(
    "empty", [["--dept", "BGS"], ["--kind", "budget"], ["--year", "1999"]], ids=str
)
def test_a_filter_matching_no_document_finds_nothing(bureau: Bureau, rsk_notice, empty):
    assert found(bureau, "canteens", *empty) == []


def test_a_secretary_of_a_department_without_documents_finds_nothing(
    bureau: Bureau, rsk_notice: str
):
    bureau.ok(
        "users", "add", "sec", "--role", "secretary", "--clearance", "internal", "--dept", "BGS"
    )
    assert found(bureau, "canteens", user="sec") == []
    assert found(bureau, "canteens", "--year", "2026", user="sec") == []
    assert bureau.json("--user", "sec", "index", "status")["indexed"] == 0
