"""Generation benchmarks: documents generated and filed per second, PDF batch throughput,
and the peak memory of a large batch.

Each figure is set against the bare library doing the same work in the same run:
docxtpl rendering the same template with the same context, and one `soffice
--convert-to pdf` call over the same files (and one call per file).
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from docxtpl import DocxTemplate

from archive.home import DataHome
from archive.service import Archive
from bureau.services.generate import Generator, find_template
from generators import fields, render
from generators.pdf import PdfConverter, find_soffice

DOCS = 100
PDF_DOCS = 200
PER_FILE_SAMPLE = 10
BIG_BATCH = 5000
ROUNDS = 3
ROOT = Path(__file__).resolve().parent.parent
ENV = {
    **os.environ,
    "BUREAU_PASSPHRASE": os.environ.get("BUREAU_PASSPHRASE", "bench passphrase"),
    "BUREAU_PASSWORD": "bench administrator",  # `init` sets it, every command signs in with it
    "BUREAU_NEW_PASSWORD": "bench administrator",
}


def _notice_data(n: int) -> dict:
    data = yaml.safe_load((ROOT / "templates/notice/sample.zh.yaml").read_text(encoding="utf-8"))
    data["title"] = f"关于第{n}批学校安全检查的通知"
    return data


def _bare_docxtpl(template, values: list[dict], archive: Archive) -> float:
    """docxtpl alone: render each document with the same context and save it."""
    path = template.docx_path("zh")
    doc = render.DocContext(date=datetime.date.today(), lang="zh")
    contexts = [render.build_context(template, v, doc, "zh") for v in values]
    start = time.perf_counter()
    for context in contexts:
        tpl = DocxTemplate(str(path))
        tpl.render(context, jinja_env=render.make_environment())
        tpl.save(io.BytesIO())
    return time.perf_counter() - start


def _ours(archive: Archive, template, data: list[dict], workdir: Path) -> float:
    """The whole pipeline: validate, number, render, embed metadata, file."""
    generator = Generator(archive, workdir)
    start = time.perf_counter()
    for d in data:
        rendered = generator.render(generator.job(template, d, "BGS", "zh", None))
        generator.file(rendered)
        generator.cleanup(rendered)
    return time.perf_counter() - start


def generation() -> list[str]:
    bare, ours = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(ROUNDS):
            archive = Archive.init(
                DataHome(Path(tmp) / f"h{r}"), actor="bench", passphrase=lambda: b"bench passphrase"
            )
            template = find_template(archive, "notice")
            data = [_notice_data(n + r * DOCS) for n in range(DOCS)]
            values = [fields.validate(template, d) for d in data]
            bare.append(_bare_docxtpl(template, values, archive))
            work = Path(tmp) / f"w{r}"
            work.mkdir()
            ours.append(_ours(archive, template, data, work))
            archive.close()
    b, o = statistics.median(bare), statistics.median(ours)
    return [
        "## Generation throughput (`bench/bench_generate.py`)",
        "",
        f"{DOCS} Chinese notices (template `notice`), DOCX only; median of {ROUNDS} rounds.",
        "",
        "| what | documents/s |",
        "|---|---|",
        f"| bare docxtpl: render + save, same template and context | {DOCS / b:.1f} |",
        f"| `bureau generate`: validate, number, render, metadata, file | {DOCS / o:.1f} |",
        "",
        f"**Ratio generate / bare docxtpl: {b / o:.2f}** (aim: at least 0.8)",
    ]


def _soffice(files: list[Path], outdir: Path, profile: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [
            find_soffice(),
            "--headless",
            "--norestore",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        timeout=3600,
    )
    return time.perf_counter() - start


def pdf_throughput() -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        archive = Archive.init(
            DataHome(root / "h"), actor="bench", passphrase=lambda: b"bench passphrase"
        )
        template = find_template(archive, "certificate-graduation")
        docs = root / "docs"
        docs.mkdir()
        generator = Generator(archive, docs)
        files = [
            generator.render(generator.job(template, row, "ZCK", "zh", None)).docx
            for row in _grad_rows(PDF_DOCS)
        ]
        _soffice(files[:1], root / "warm", root / "warm-profile")  # fill the page cache
        bare_one = _soffice(files, root / "bare", root / "profile-one")
        per_file = (
            sum(
                _soffice([f], root / "single", root / f"profile-single-{i}")
                for i, f in enumerate(files[:PER_FILE_SAMPLE])
            )
            * PDF_DOCS
            / PER_FILE_SAMPLE
        )
        rows = _grads_csv(root / "g.csv", PDF_DOCS)
        archive.close()
        ours = _timed_cli(root / "h2", rows, pdf=True)
        with PdfConverter() as converter:
            start = time.perf_counter()
            converter.convert_many(files, root / "conv")
            converter_only = time.perf_counter() - start
    return [
        "## PDF batch throughput (`bench/bench_generate.py`)",
        "",
        f"{PDF_DOCS} Chinese graduation certificates. The bare figures convert the DOCX files "
        f"the generator renders for the same {PDF_DOCS} rows that the batch generates from a "
        f"CSV with `--pdf` (render, convert, embed metadata, file both renditions). "
        f"One-call-per-file is measured on {PER_FILE_SAMPLE} files and scaled.",
        "",
        "| what | documents/s |",
        "|---|---|",
        f"| bare: one `soffice --convert-to pdf` call over all files | {PDF_DOCS / bare_one:.2f} |",
        f"| bare: one `soffice` call per file | {PDF_DOCS / per_file:.2f} |",
        f"| `PdfConverter.convert_many` | {PDF_DOCS / converter_only:.2f} |",
        f"| `bureau generate --batch --pdf` end to end | {PDF_DOCS / ours:.2f} |",
        "",
        f"**Ratio batch / one bare call: {bare_one / ours:.2f}** (aim: at least 0.9); "
        f"converter alone / one bare call: {bare_one / converter_only:.2f}; "
        f"batch / one call per file: {per_file / ours:.1f}×",
    ]


GRAD_FIELDS = [
    "holder_name",
    "sex",
    "birth_date",
    "id_number",
    "school",
    "programme",
    "study_start",
    "study_end",
    "certificate_number",
    "issue_date",
]


def _grad_rows(rows: int) -> list[dict[str, str]]:
    return [
        dict(
            zip(
                GRAD_FIELDS,
                [
                    f"学生{n}",
                    "男",
                    "2008-03-05",
                    "330102200803050012",
                    "某市第一职业高级中学",
                    "数控技术应用",
                    "2024-09-01",
                    "2027-06-30",
                    f"C{n:07d}",
                    "2026-07-01",
                ],
                strict=True,
            )
        )
        for n in range(rows)
    ]


def _grads_csv(path: Path, rows: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, GRAD_FIELDS)
        writer.writeheader()
        writer.writerows(_grad_rows(rows))
    return path


def _timed_cli(home: Path, rows: Path, pdf: bool) -> float:
    bureau = [sys.executable, "-m", "bureau", "--home", str(home)]
    subprocess.run([*bureau, "init"], check=True, capture_output=True, env=ENV)
    start = time.perf_counter()
    subprocess.run(
        [
            *bureau,
            "generate",
            "certificate-graduation",
            "--batch",
            str(rows),
            "--dept",
            "ZCK",
            "--lang",
            "zh",
            *(["--pdf"] if pdf else []),
        ],
        check=True,
        capture_output=True,
        timeout=7200,
        env=ENV,
    )
    return time.perf_counter() - start


def batch_memory() -> list[str]:
    peaks = {}
    with tempfile.TemporaryDirectory() as tmp:
        for rows in (500, BIG_BATCH):
            csv_path = _grads_csv(Path(tmp) / f"g{rows}.csv", rows)
            script = (
                "import resource, sys; from bureau.__main__ import main; "
                "code = main(sys.argv[1:]); "
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); "
                "sys.exit(code)"
            )
            home = Path(tmp) / f"h{rows}"
            subprocess.run(
                [sys.executable, "-m", "bureau", "--home", str(home), "init"],
                check=True,
                capture_output=True,
                env=ENV,
            )
            start = time.perf_counter()
            done = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    script,
                    "--home",
                    str(home),
                    "generate",
                    "certificate-graduation",
                    "--batch",
                    str(csv_path),
                    "--dept",
                    "ZCK",
                ],
                check=True,
                capture_output=True,
                text=True,
                timeout=7200,
                env=ENV,
            )
            peaks[rows] = (
                int(done.stderr.strip().splitlines()[-1]) / 1024,
                time.perf_counter() - start,
            )
            shutil.rmtree(home)
    return [
        "## Peak memory of a large batch (`bench/bench_generate.py`)",
        "",
        "Graduation certificates from a CSV, DOCX only (a 5,000-document PDF run takes over ten "
        "minutes; conversion runs in LibreOffice's own process and adds no Python memory), "
        "peak resident set size of the `bureau` process.",
        "",
        "| rows | peak RSS (MB) | documents/s |",
        "|---|---|---|",
        *[f"| {rows} | {mb:.0f} | {rows / secs:.1f} |" for rows, (mb, secs) in peaks.items()],
    ]


def run() -> list[str]:
    return generation() + [""] + pdf_throughput() + [""] + batch_memory()
