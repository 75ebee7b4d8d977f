"""What the keeping pages' tests share: items filed long ago (so something is due), as the
command line files them, and a look at the audit trail."""

from __future__ import annotations

import hashlib
import html
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.factories import make_docx
from tests.web.conftest import Web

TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()  # "today" as the home sees it
HOSTILE = "<script>alert(1)</script>"


def file_old(
    web: Web,
    title: str,
    year: int = 2000,
    kind: str = "letter",
    dept: str = "BGS",
    classification: str = "internal",
) -> dict:
    """`bureau file` of a DOCX dated 5 May `year`; its item JSON. A letter (WS-GEN-12, D10,
    destroyed when due) of 2000 was due on 2011-01-01; an audit report (JCK, WS-FIN-06, D30)
    ends in a review."""
    folder = web.root.parent / "docs"
    folder.mkdir(exist_ok=True)
    name = hashlib.sha256(title.encode()).hexdigest()[:16]
    doc = make_docx(folder / f"{name}.docx", text=f"The text of {title}.", title=title)
    return web.bureau.json(
        "file",
        doc,
        "--kind",
        kind,
        "--dept",
        dept,
        "--date",
        f"{year}-05-05",
        "--title",
        title,
        "--classification",
        classification,
    )


def audit_actions(web: Web, action: str) -> list[dict]:
    return [e for e in web.bureau.json("audit", "log") if e["action"] == action]


def list_id_of(location: str) -> str:
    found = re.fullmatch(r"/disposal/([0-9A-Z]{26})", location)
    assert found, location
    return found.group(1)


def shown(page) -> str:
    """A page's text as a reader sees it (entities such as &#39; turned back)."""
    return html.unescape(page.text)
