"""Documents for the archivist's pages' tests: filed through the real command line and
indexed, so that the pages find what `bureau search` finds."""

from __future__ import annotations

import re
from pathlib import Path

from tests.factories import make_docx
from tests.web.conftest import Web

CSRF_VALUE = re.compile(r'name="csrf_token" value="[^"]+"')

SAFETY = "关于开展校园安全检查的通知"
CANTEEN = "Canteen hygiene inspection results"
SECRET = "Secret canteen security arrangements"


def file(
    web: Web,
    tmp_path: Path,
    title: str,
    text: str,
    *options: str,
    date: str = "2026-03-04",
    dept: str = "BGS",
    kind: str = "notice",
) -> dict:
    """File a DOCX of `text` as tester (admin, top secret); the item's JSON."""
    name = re.sub(r"\W+", "-", title)[:40] or "doc"
    doc = make_docx(tmp_path / f"{name}-{len(list(tmp_path.iterdir()))}.docx", text=text)
    return web.bureau.json(
        "file",
        doc,
        "--title",
        title,
        "--kind",
        kind,
        "--dept",
        dept,
        "--date",
        date,
        "--retention",
        "D30",
        *options,
    )


def index(web: Web) -> None:
    web.bureau.ok("index", "rebuild")


def filed_set(web: Web, tmp_path: Path) -> dict[str, dict]:
    """A Chinese notice, an English report and a secret one, all of BGS, indexed."""
    found = {
        "safety": file(
            web,
            tmp_path,
            SAFETY,
            "各中小学：为切实加强校园安全管理，决定开展校园安全检查。",
            "--doc-no",
            "教办〔2026〕12号",
        ),
        "canteen": file(
            web,
            tmp_path,
            CANTEEN,
            "The canteen hygiene inspection found clean kitchens in every school.",
            date="2025-11-20",
        ),
        "secret": file(
            web,
            tmp_path,
            SECRET,
            "Secret arrangements for canteen security during the examinations.",
            "--classification",
            "secret",
        ),
    }
    index(web)
    return found


def without_token(page: str) -> str:
    """A page with its CSRF token blanked (it differs between sessions, nothing else)."""
    return CSRF_VALUE.sub('name="csrf_token" value=""', page)
