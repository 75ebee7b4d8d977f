"""The CLI's text tables line up on a terminal when cells hold Chinese text.

A Chinese character (and a full-width bracket such as 〔〕) takes two terminal columns, so
padding by the number of characters shifts every later column; these tests measure where
each column starts in terminal cells, as a terminal shows it.
"""

from __future__ import annotations

from types import SimpleNamespace as Obj

import pytest
from rich.cells import cell_len

from archive.service import Archive
from bureau import cli, text
from tests.conftest import PASSPHRASE


def starts(line: str, cells: list[str]) -> list[int | None]:
    """The terminal column where each of ``cells`` begins in ``line``, found left to right
    (None for an empty cell)."""
    found: list[int | None] = []
    position = 0
    for cell in cells:
        if not cell:
            found.append(None)
            continue
        position = line.index(cell, position)
        found.append(cell_len(line[:position]))
        position += len(cell)
    return found


def assert_lined_up(lines: list[str], rows: list[list[str]]) -> None:
    """In every column, the non-empty cells of all rows start at the same terminal column."""
    assert len(lines) == len(rows)
    where = [starts(line, row) for line, row in zip(lines, rows, strict=True)]
    columns = []
    for column in zip(*where, strict=True):
        at = {start for start in column if start is not None}
        assert len(at) <= 1, "\n".join(lines)
        columns.extend(at)
    assert columns == sorted(set(columns)), "columns must not overlap"


def test_aligned_pads_by_display_width_and_keeps_minimums():
    rows = [("市教办〔2026〕1号", "ok", "tail"), ("CEB-BGS [2026] No. 2", "void", "")]
    lines = text.aligned(rows, (0, 6))
    assert lines == ["市教办〔2026〕1号    ok     tail", "CEB-BGS [2026] No. 2 void"]
    assert cell_len(lines[0][: lines[0].index("ok")]) == cell_len("CEB-BGS [2026] No. 2 ")
    assert text.aligned([("7", "x")], (4,), right={0}) == ["   7 x"]
    assert text.aligned([], (4,)) == []


def test_ascii_tables_are_unchanged_below_the_minimum_widths():
    number = Obj(
        doc_no="CEB-BGS [2026] No. 2",
        status="issued",
        dept="BGS",
        template="notice",
        item_id="01J",
        reason=None,
    )
    line = f"{'CEB-BGS [2026] No. 2':<28} {'issued':<8} {'BGS':<4} {'notice':<12} item 01J"
    assert text.number_table([number]) == line


def number(doc_no, status, dept, template, item_id=None, reason=None):
    return Obj(
        doc_no=doc_no, status=status, dept=dept, template=template, item_id=item_id, reason=reason
    )


def test_number_table_lines_up_chinese_document_numbers():
    register = [
        number("市教办〔2026〕1号", "issued", "BGS", "通知", item_id="01A"),
        number("CEB-BGS [2026] No. 2", "void", "BGS", None, reason="LibreOffice 超时"),
        number("市教办函〔2026〕12号", "issued", "RSK", "letter", item_id="02B"),
        # wider than the 28-column minimum: the column widens for every row
        number("市教育局办公室函〔2026〕1234号", "reserved", "JCK", "预算", item_id="03C"),
    ]
    lines = text.number_table(register).splitlines()
    assert_lined_up(
        lines, [[n.doc_no, n.status, n.dept, n.template or "", n.item_id or ""] for n in register]
    )
    assert lines[1].endswith("LibreOffice 超时")


def test_user_table_lines_up_chinese_names():
    users = [
        Obj(name="张三丰", role="secretary", clearance="internal", dept="BGS", enabled=True),
        Obj(name="tester", role="admin", clearance="secret", dept=None, enabled=True),
        Obj(name="欧阳娜娜娜娜娜娜娜娜娜", role="archivist", clearance="confidential", dept="RSK",
            enabled=False),
    ]  # fmt: skip
    lines = text.user_table(users).splitlines()
    rows = [["name", "role", "clearance", "dept", "status"]] + [
        [u.name, u.role, u.clearance, u.dept or "-", "enabled" if u.enabled else "disabled"]
        for u in users
    ]
    assert_lined_up(lines, rows)


def test_item_table_lines_up_chinese_kinds_and_statuses():
    found = [
        Obj(archive_code="BGS-2026-0001", date="2026-01-05", kind="通知", status="filed",
            title="关于期末考试的通知"),
        Obj(archive_code="BGS-2026-0002", date="2026-01-06", kind="certificate", status="已封存",
            title="Graduation"),
    ]  # fmt: skip
    lines = text.item_table(found).splitlines()
    assert lines[-1] == "2 item(s)"
    assert_lined_up(
        lines[:-1], [[i.archive_code, i.date, i.kind, i.status, i.title] for i in found]
    )


def test_audit_table_lines_up_chinese_actors():
    entries = [
        Obj(seq=1, at="2026-01-05T08:00:00Z", actor="张三", action="file", item_id="01A",
            detail={"archive_code": "BGS-2026-0001"}),
        Obj(seq=1234567, at="2026-01-05T08:01:00Z", actor="tester", action="登记", item_id=None,
            detail={}),
        Obj(seq=12, at="2026-01-05T08:02:00Z", actor="欧阳修文忠公欧阳修", action="seal",
            item_id="01B", detail={}),
    ]  # fmt: skip
    lines = text.audit_table(entries).splitlines()
    assert_lined_up(lines, [[e.at, e.actor, e.action] for e in entries])
    assert [line.index("  2026") for line in lines] == [7, 7, 7]  # numbers right-aligned
    assert lines[0].endswith("file       01A BGS-2026-0001")


def test_template_seal_and_rule_tables_line_up_chinese_text():
    templates = [
        Obj(name="毕业证书", languages=["zh", "en"], title={"en": "Diploma", "zh": "毕业证书"}),
        Obj(name="notice", languages=["zh"], title={"en": "Notice", "zh": "通知"}),
    ]
    lines = text.template_table(templates).splitlines()
    assert_lined_up(lines, [[t.name, "/".join(t.languages), t.title["en"]] for t in templates])

    seals = [
        Obj(dept="办公室", status="active", serial="1" * 40, not_after="2027-01-01", subject="x"),
        Obj(dept="BGS", status="吊销", serial="2" * 40, not_after="2027-01-01", subject="y"),
    ]
    lines = text.seal_table(seals).splitlines()
    rows = [["dept", "status", "serial", "not after", "subject"]]
    rows += [[s.dept, s.status, s.serial, s.not_after, s.subject] for s in seals]
    assert_lined_up(lines, rows)

    rules = [
        Obj(code="文书-永久", retention="永久", action="transfer", title="Records",
            title_zh="文书档案", kinds=["notice"], depts=["BGS"]),
        Obj(code="FIN-30", retention="30Y", action="销毁", title="Budgets", title_zh="预算",
            kinds=[], depts=[]),
    ]  # fmt: skip
    lines = text.rule_table(rules).splitlines()
    assert_lined_up(lines, [[r.code, r.retention, r.action, r.title] for r in rules])
    assert lines[1].endswith("[any kind; any department]")


def test_retention_tables_line_up_chinese_text():
    due = [
        Obj(item=Obj(archive_code="BGS-2026-0001", due="2030-01-01", category="文书-永久",
                     holds=[], title="通知"), action="transfer"),
        Obj(item=Obj(archive_code="BGS-2026-0002", due="2030-01-02", category="FIN-30",
                     holds=["held"], title="预算"), action=None),
    ]  # fmt: skip
    lines = text.due_table(due).splitlines()
    assert_lined_up(
        lines,
        [
            [d.item.archive_code, d.item.due, d.item.category, d.action or "?", d.item.title]
            for d in due
        ],
    )
    assert "?  ON HOLD" in lines[1]

    items = [
        Obj(archive_code="办公室-2026-0001", due="2030-01-01", title="通知"),
        Obj(archive_code="BGS-2026-0002", due="2030-01-02", title="预算"),
    ]
    listed = Obj(id="DL-1", status="已批准", as_of="2030-01-03", items=items, proposed_by="张三",
                 proposed_at="2030-01-03", approved_by=None, executed_at=None,
                 register_item=None)  # fmt: skip
    lines = text.disposal_list(listed).splitlines()[2:]
    assert_lined_up(lines, [[i.archive_code, i.due, i.title] for i in items])

    lists = [listed, Obj(id="DL-2", status="proposed", as_of="2030-01-04", items=items[:1],
                         proposed_by="tester", approved_by="李四")]  # fmt: skip
    lines = text.disposal_lists(lists).splitlines()
    assert_lined_up(
        lines, [[f.id, f.status, f"as of {f.as_of}", f"{len(f.items)} item(s)"] for f in lists]
    )


# -- through the command line, in-process ------------------------------------------------------


@pytest.fixture
def cli_home(archive: Archive, monkeypatch: pytest.MonkeyPatch):
    """The `archive` fixture's home, with the environment `bureau` reads from a user."""
    monkeypatch.delenv("BUREAU_HOME", raising=False)
    monkeypatch.setenv("BUREAU_USER", "tester")
    monkeypatch.setenv("BUREAU_PASSPHRASE", PASSPHRASE)
    return archive


def run(archive: Archive, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    code = cli.main(["--home", str(archive.home.root), *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_bureau_numbers_lines_up_chinese_document_numbers(cli_home, capsys):
    taken = [
        cli_home.allocate_number("BGS", "notice", "zh", 2026),
        cli_home.allocate_number("BGS", "notice", "en", 2026),
        cli_home.allocate_number("BGS", "letter", "zh", 2026),
        cli_home.allocate_number("RSK", None, "zh", 2026),
    ]
    cli_home.void_number(taken[1], "LibreOffice 超时")
    lines = run(cli_home, capsys, "numbers").splitlines()
    register = cli_home.number_register(2026)
    assert len(lines) == len(register) == len(taken)
    rows = []
    for line in lines:
        [n] = [n for n in register if line.startswith(f"{n.doc_no} ")]
        rows.append([n.doc_no, n.status, n.dept, n.template or ""])
    assert_lined_up(lines, rows)
    assert any("〔2026〕" in line for line in lines) and any("No. 2" in line for line in lines)
