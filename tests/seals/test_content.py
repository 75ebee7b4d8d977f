"""seals.content.active_content: JavaScript, launch actions and embedded files are found."""

from __future__ import annotations

from io import BytesIO

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from seals.content import active_content, active_content_of
from tests.seals import foreign, pdfs


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("javascript", ["JavaScript at /Root/Names/JavaScript"]),
        ("open-action", ["JavaScript at /Root/OpenAction"]),
        ("launch", ["launch action at /Root/Pages/Kids[0]/Annots[0]/A"]),
        ("embedded-file", ["embedded file at /Root/Names/EmbeddedFiles"]),
        (
            "file-attachment",
            [
                "file attachment annotation at /Root/Pages/Kids[0]/Annots[0]",
                "embedded file at /Root/Pages/Kids[0]/Annots[0]/FS",
            ],
        ),
    ],
)
def test_each_kind_of_active_content_is_found_once_with_where(kind, expected):
    reader = PdfFileReader(BytesIO(foreign.active_pdf(kind)))
    assert active_content(reader) == expected


def test_a_plain_document_has_none():
    assert active_content_of(pdfs.text_pdf()) == []
    assert active_content_of(foreign.blank_pdf()) == []


def test_unreadable_bytes_have_none_and_do_not_raise():
    assert active_content_of(b"") == []
    assert active_content_of(foreign.active_pdf("javascript")[:200]) == []
