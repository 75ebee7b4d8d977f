"""Helpers for the generator tests: tiny template folders in tmp_path, builtin templates,
and one LibreOffice conversion shared by the few tests that need a PDF."""

from __future__ import annotations

import datetime
import io
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
import yaml

from generators.catalog import Template, builtin_templates_dir, discover
from generators.render import DocContext

SIMPLE_FIELDS = {
    "name": "memo",
    "title": {"en": "Memo", "zh": "备忘"},
    "kind": "notice",
    "languages": ["en", "zh"],
    "classification": "internal",
    "retention": "D10",
    "departments": [],
    "numbered": True,
    "compute": None,
    "fields": [
        {
            "name": "title",
            "type": "text",
            "required": True,
            "description": "Title",
            "max_length": 50,
        },
        {"name": "body", "type": "text", "required": True, "description": "Body"},
        {"name": "note", "type": "text", "description": "Note"},
    ],
}


def write_docx(path: Path, paragraphs: list[str]) -> None:
    """A plain DOCX whose paragraphs hold `paragraphs` (Jinja text included)."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))


MakeTemplate = Callable[..., Path]


@pytest.fixture
def make_template(tmp_path: Path) -> MakeTemplate:
    """Write a template folder; returns its path. Defaults give a valid two-language memo."""

    def make(
        fields: dict | None = None,
        en: list[str] | None = None,
        zh: list[str] | None = None,
        sample: dict | None = None,
        sample_zh: dict | None = None,
        name: str = "memo",
        parent: Path | None = None,
    ) -> Path:
        spec = dict(fields or SIMPLE_FIELDS)
        spec["name"] = name
        folder = (parent or tmp_path) / name
        folder.mkdir(parents=True)
        (folder / "fields.yaml").write_text(
            yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), "utf-8"
        )
        body = ["{{ title }}", "{{ body }}", "{% if note %}{{ note }}{% endif %}"]
        write_docx(folder / "template.docx", en if en is not None else body)
        write_docx(folder / "template.zh.docx", zh if zh is not None else body)
        default = {"title": "Hello", "body": "Text", "note": "n"}
        for file, data in (("sample.yaml", sample), ("sample.zh.yaml", sample_zh)):
            content = data if data is not None else default
            (folder / file).write_text(yaml.safe_dump(content, allow_unicode=True), "utf-8")
        return folder

    return make


@pytest.fixture(scope="session")
def builtin() -> dict[str, Template]:
    return discover([builtin_templates_dir()])


def context(lang: str, **overrides: object) -> DocContext:
    """A DocContext as the CLI would build it, for tests."""
    zh = lang == "zh"
    values: dict[str, object] = {
        "date": datetime.date(2026, 11, 27),
        "lang": lang,
        "number": "市教办〔2026〕12号" if zh else "CEB-BGS [2026] No. 12",
        "org": "某市教育局" if zh else "City Education Bureau",
        "organ": "某市教育局" if zh else "City Education Bureau",
        "dept_code": "BGS",
        "dept_name": "办公室" if zh else "General Office",
        "printed_by": "某市教育局办公室" if zh else "General Office",
    }
    values.update(overrides)
    return DocContext(**values)  # type: ignore[arg-type]


def all_text(data: bytes) -> str:
    """Every paragraph's text, including paragraphs inside table cells, headers and footers."""
    document = docx.Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                lines.extend(p.text for p in cell.paragraphs)
    return "\n".join(lines)


def to_pdf(files: list[Path], outdir: Path) -> dict[str, Path]:
    """Convert DOCX files with one LibreOffice run (installed by `make setup`: never skipped)."""
    return convert(files, outdir, "pdf")


def convert(files: list[Path], outdir: Path, to: str) -> dict[str, Path]:
    """Files converted to format `to` (an extension LibreOffice writes) in one LibreOffice
    run, by stem."""
    soffice = shutil.which("soffice")
    assert soffice is not None, "LibreOffice (soffice) is not installed: run `make setup` as root"
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / "profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            to,
            "--outdir",
            str(outdir),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    return {f.stem: outdir / f"{f.stem}.{to}" for f in files}
