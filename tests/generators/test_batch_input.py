"""Streaming batch rows from CSV and XLSX files, list/table cells, and the errors file."""

from __future__ import annotations

import csv
import datetime as dt
import os
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.errors import BadInput
from generators.batch_input import (
    BadCell,
    BatchFileError,
    Row,
    iter_rows,
    parse_table_cell,
    split_list,
    write_errors_csv,
)

BOM = "\ufeff"


def write_csv(path: Path, text: str, *, bom: bool = True) -> Path:
    path.write_bytes(((BOM if bom else "") + text).encode("utf-8"))
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=number, column=column, value=value)
    workbook.save(path)
    return path


def error_of(path: Path) -> str:
    with pytest.raises(BatchFileError) as caught:
        list(iter_rows(path))
    message = str(caught.value)
    assert "\n" not in message
    assert isinstance(caught.value, BadInput)
    return message


# -- CSV -----------------------------------------------------------------------------------


def test_csv_with_bom_chinese_blank_rows_and_empty_cells(tmp_path):
    path = write_csv(
        tmp_path / "毕业生.csv",
        "姓名, 学号 ,毕业日期,备注\r\n"
        "张三,2024001,2024-07-01,\r\n"
        "\r\n"
        ",,,\r\n"
        '李四,2024002,2024-07-01,"两行\r\n备注"\r\n'
        "王五,2024003\r\n",
    )
    rows = list(iter_rows(path))
    assert rows == [
        Row(2, {"姓名": "张三", "学号": "2024001", "毕业日期": "2024-07-01", "备注": None}),
        Row(
            5, {"姓名": "李四", "学号": "2024002", "毕业日期": "2024-07-01", "备注": "两行\r\n备注"}
        ),
        Row(6, {"姓名": "王五", "学号": "2024003", "毕业日期": None, "备注": None}),
    ]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_delimiter_is_guessed_from_the_header(tmp_path, delimiter):
    d = delimiter
    text = f'姓名{d}"金额{d}元"{d}班级\n张三{d}"1,234.50"{d}三(2)班\n'
    rows = list(iter_rows(write_csv(tmp_path / "a.csv", text, bom=False)))
    assert rows == [Row(2, {"姓名": "张三", f"金额{d}元": "1,234.50", "班级": "三(2)班"})]


def test_csv_extra_cells_are_a_row_problem_not_an_error(tmp_path):
    path = write_csv(tmp_path / "a.csv", "a,b\n1,2,3\n4,5,,\n6,7\n")
    rows = list(iter_rows(path))
    assert [r.number for r in rows] == [2, 3, 4]
    assert rows[0].problem == "has 3 cells but the header has only 2 columns"
    assert rows[0].values == {"a": "1", "b": "2"}
    assert rows[1].problem is None  # trailing empty cells (a stray comma) are harmless
    assert rows[2].problem is None


def test_csv_blank_header_is_fine_only_over_an_empty_column(tmp_path):
    path = write_csv(tmp_path / "a.csv", "name,,score\nAnn,,90\nBob,oops,80\n")
    ann, bob = iter_rows(path)
    assert ann == Row(2, {"name": "Ann", "score": "90"})
    assert bob.problem == "column B has a value but no header"
    assert bob.values == {"name": "Bob", "score": "80"}


def test_whitespace_only_cells_are_empty(tmp_path):
    path = write_csv(tmp_path / "a.csv", "a,b\n  , x \n")
    assert list(iter_rows(path)) == [Row(2, {"a": None, "b": " x "})]


# -- XLSX ----------------------------------------------------------------------------------


def test_xlsx_values_look_as_excel_shows_them(tmp_path):
    path = write_xlsx(
        tmp_path / "名单.xlsx",
        [
            [" 姓名 ", "出生日期", "登记时间", "年龄", "学费", "比例", "已缴", "备注", 2024],
            [
                "张三",
                dt.date(2010, 3, 5),
                dt.datetime(2024, 6, 30, 14, 30),
                12,
                1234.5,
                0.1 + 0.2,
                True,
                None,
                1e20,
            ],
            [None] * 9,
            ["李四", dt.datetime(2011, 1, 2), None, 13, 12.0, 1e-7, False, "  ", -0.0],
        ],
    )
    first, second = iter_rows(path)
    assert first == Row(
        2,
        {
            "姓名": "张三",
            "出生日期": "2010-03-05",
            "登记时间": "2024-06-30T14:30:00",
            "年龄": "12",
            "学费": "1234.5",
            "比例": "0.3",
            "已缴": "true",
            "备注": None,
            "2024": "100000000000000000000",
        },
    )
    assert second.number == 4
    assert second.values == {
        "姓名": "李四",
        "出生日期": "2011-01-02",
        "登记时间": None,
        "年龄": "13",
        "学费": "12",
        "比例": "0.0000001",
        "已缴": "false",
        "备注": None,
        "2024": "0",
    }


def test_xlsx_row_numbers_skip_blank_rows_and_flag_stray_columns(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"], sheet["B1"] = "学号", "成绩"
    sheet["A2"], sheet["B2"] = "1", 90
    sheet["A7"], sheet["B7"], sheet["D7"] = "2", 80, "stray"
    sheet["A9"], sheet["B9"] = "3", "#DIV/0!"
    workbook.save(tmp_path / "a.xlsx")
    rows = list(iter_rows(tmp_path / "a.xlsx"))
    assert [(r.number, r.problem) for r in rows] == [
        (2, None),
        (7, "column D has a value but no header"),
        (9, "cell B9 shows the error #DIV/0!"),
    ]
    assert rows[1].values == {"学号": "2", "成绩": "80"}


def test_only_the_first_sheet_is_read(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["a"])
    workbook.active.append(["first"])
    other = workbook.create_sheet("其他")
    other.append(["a"])
    other.append(["second"])
    workbook.save(tmp_path / "a.xlsx")
    assert [r.values["a"] for r in iter_rows(tmp_path / "a.xlsx")] == ["first"]


# -- bad files -----------------------------------------------------------------------------


def test_missing_file_and_unknown_types(tmp_path):
    assert "no such file" in error_of(tmp_path / "nope.csv")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0rest")
    message = error_of(tmp_path / "old.xls")
    assert "'.xls'" in message and ".xlsx" in message
    (tmp_path / "notes.txt").write_text("a,b\n")
    assert "unsupported file type '.txt'" in error_of(tmp_path / "notes.txt")
    (tmp_path / "dir.csv").mkdir()
    assert "directory" in error_of(tmp_path / "dir.csv")


def test_bad_files_are_refused_before_the_first_row(tmp_path):
    # The error comes from iter_rows itself, before any iteration.
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(BatchFileError, match="empty"):
        iter_rows(tmp_path / "empty.csv")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "the file is empty"),
        (BOM.encode(), "the file is empty"),
        (b"\r\nname\r\nAnn\r\n", "no header row"),
        (b" , ,\r\n1,2,3\r\n", "no header row"),
        ("姓名,学号,姓名\n".encode(), "columns A and C have the same header '姓名'"),
        ("\ufeff".encode("utf-16"), "UTF-16"),
    ],
)
def test_bad_csv_files(tmp_path, content, expected):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    assert expected in error_of(path)


def test_gbk_csv_says_where_and_what(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("姓名,学号\n张三,1\n".encode("gbk"))
    message = error_of(path)
    assert "byte 0xD0 at offset 0 (row 1)" in message
    assert "GBK" in message and "CSV UTF-8" in message


def test_bad_byte_later_in_csv_names_its_row(tmp_path):
    path = tmp_path / "mixed.csv"
    good = BOM.encode() + "姓名,学号\n张三,1\n\n".encode()
    path.write_bytes(good + "李四,2\n".encode("gbk"))
    rows = iter_rows(path)
    assert next(rows).number == 2
    with pytest.raises(BatchFileError) as caught:
        next(rows)
    assert f"offset {len(good)} (row 4)" in str(caught.value)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "the file is empty"),
        (b"PK\x03\x04 this is not really a zip", "not a valid .xlsx file"),
        (b"just some text", "not a zip archive"),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "old .xls"),
    ],
)
def test_bad_xlsx_files(tmp_path, content, expected):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    assert expected in error_of(path)


def test_xlsx_without_sheets_empty_sheet_and_duplicate_headers(tmp_path):
    source = write_xlsx(tmp_path / "one.xlsx", [["a"]])
    no_sheets = tmp_path / "none.xlsx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(no_sheets, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/workbook.xml":
                start, end = body.index(b"<sheets>"), body.index(b"</sheets>") + len(b"</sheets>")
                body = body[:start] + b"<sheets/>" + body[end:]
            dst.writestr(info, body)
    assert "no worksheets" in error_of(no_sheets)
    openpyxl.Workbook().save(tmp_path / "blank.xlsx")
    assert "is empty" in error_of(tmp_path / "blank.xlsx")
    write_xlsx(tmp_path / "dup.xlsx", [["姓名", " 姓名 "], ["a", "b"]])
    assert "same header '姓名'" in error_of(tmp_path / "dup.xlsx")


# -- streaming -----------------------------------------------------------------------------


def test_50000_row_csv_is_streamed_in_small_memory(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["姓名", "学号", "学校", "毕业日期", "备注"])
        for i in range(50_000):
            writer.writerow([f"学生{i}", f"2024{i:06d}", "第一中学", "2024-07-01", "无" * 20])
    assert path.stat().st_size > 4_000_000
    tracemalloc.start()
    try:
        count = sum(1 for _ in iter_rows(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 50_000
    assert peak < 1_000_000, f"peak {peak} bytes"


def test_20000_row_xlsx_is_streamed_in_small_memory(tmp_path):
    path = tmp_path / "big.xlsx"
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["学号", "成绩", "日期"])
    for i in range(20_000):
        sheet.append([i, i / 4, dt.date(2024, 7, 1)])
    workbook.save(path)
    tracemalloc.start()
    try:
        rows = iter_rows(path)
        count = sum(1 for _ in rows)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 20_000
    # A full (not read-only) load of this file peaks near 25 MB. Read-only openpyxl still
    # keeps each emptied <row> element (~90 bytes), so ~2 MB here; 1,000 rows cost ~90 kB.
    assert peak < 5_000_000, f"peak {peak} bytes"


# -- round trip (property) -----------------------------------------------------------------

cell_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"))


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(cell_text, min_size=3, max_size=3), max_size=8))
def test_csv_values_round_trip(tmp_path, rows):
    path = tmp_path / "round.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["甲", "乙", "丙"])
        writer.writerows(rows)
    expected = [
        (number, [cell if cell.strip() else None for cell in row])
        for number, row in enumerate(rows, start=2)
        if any(cell.strip() for cell in row)
    ]
    got = [(row.number, list(row.values.values())) for row in iter_rows(path)]
    assert got == expected


# -- lists and tables in cells -------------------------------------------------------------


def test_split_list():
    assert split_list("语文; 数学；英语\n\n 物理 ;") == ["语文", "数学", "英语", "物理"]
    assert split_list("a\r\nb") == ["a", "b"]
    assert split_list(" ; ") == []
    assert split_list("") == [] and split_list(None) == []


def test_parse_table_cell():
    cell = '[{"科目": "语文", "成绩": 90}, {"科目": "数学", "成绩": 95.5}]'
    assert parse_table_cell(cell) == [{"科目": "语文", "成绩": 90}, {"科目": "数学", "成绩": 95.5}]
    assert parse_table_cell(None) == [] and parse_table_cell("  ") == []


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ('[{"a": 1}', "not valid JSON"),
        ("[{“科目”: “语文”}]", "curly quotes"),
        ('{"a": 1}', "not a single object"),
        ("42", "must be a JSON list of objects"),
        ('[{"a": 1}, 2]', "table row 2 is not a JSON object"),
    ],
)
def test_parse_table_cell_refuses_non_tables(cell, reason):
    with pytest.raises(BadCell) as caught:
        parse_table_cell(cell)
    assert reason in str(caught.value)
    assert isinstance(caught.value, BadInput)


# -- the errors file -----------------------------------------------------------------------


def test_errors_csv_round_trips_with_bom(tmp_path):
    path = tmp_path / "错误.csv"
    path.write_text("old content")
    failures = [
        {"row": 3, "field": "毕业日期", "reason": "不是日期: 2024-13-01"},
        {"row": 7, "field": "成绩", "reason": 'says "a, b"\nand more', "extra": "ignored"},
        {"row": None, "reason": "file-level"},
    ]
    write_errors_csv(path, iter(failures))
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines == [
        ["row", "field", "reason"],
        ["3", "毕业日期", "不是日期: 2024-13-01"],
        ["7", "成绩", 'says "a, b"\nand more'],
        ["", "", "file-level"],
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["错误.csv"]
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_errors_csv_gets_normal_permissions_without_proc_too(tmp_path, monkeypatch):
    """Where /proc/self/status cannot be read, the umask is read another way."""
    from generators import batch_input

    class NoProc(type(tmp_path)):
        def read_text(self, *args, **kwargs):
            if str(self) == "/proc/self/status":
                raise OSError("no /proc here")
            return super().read_text(*args, **kwargs)

    monkeypatch.setattr(batch_input, "Path", NoProc)
    umask = os.umask(0o027)
    try:
        write_errors_csv(tmp_path / "errors.csv", [{"row": 2, "reason": "x"}])
        assert os.umask(0o027) == 0o027  # the umask is left as it was
    finally:
        os.umask(umask)
    assert (tmp_path / "errors.csv").stat().st_mode & 0o777 == 0o640


def test_errors_csv_is_untouched_when_writing_fails(tmp_path):
    path = tmp_path / "errors.csv"
    path.write_text("previous\n")

    def failures():
        yield {"row": 2, "field": "a", "reason": "x"}
        raise RuntimeError("generator broke")

    with pytest.raises(RuntimeError):
        write_errors_csv(path, failures())
    assert path.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["errors.csv"]


def test_errors_csv_is_readable_by_iter_rows(tmp_path):
    path = tmp_path / "errors.csv"
    write_errors_csv(path, [{"row": 2, "field": "姓名", "reason": "缺少"}])
    assert list(iter_rows(path)) == [Row(2, {"row": "2", "field": "姓名", "reason": "缺少"})]
