"""What the PostgreSQL tests file: notices of the General Office, one of them secret."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Bureau
from tests.factories import make_docx

NOTICE = ["--kind", "notice", "--dept", "BGS", "--retention", "D30", "--date", "2026-03-04"]


def two_items(bureau: Bureau, folder: Path) -> list[dict]:
    """Two notices filed: `a.docx` (internal) and `b.docx` (secret, so stored encrypted)."""
    return [
        bureau.json("file", make_docx(folder / "a.docx", "text a", "Alpha"), *NOTICE),
        bureau.json(
            "file",
            make_docx(folder / "b.docx", "text b", "Bravo"),
            *NOTICE,
            "--classification",
            "secret",
        ),
    ]
