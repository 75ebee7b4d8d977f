"""`make demo`: an end-to-end run of the archive on a fresh data home, as a user would do it.

It creates `./demo-home` (replacing the one a previous demo made), files a realistic set of
the bureau's documents through the real `bureau` command, then lists, shows, retrieves and
verifies them. Every step prints the command it runs.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import docx

HOME = Path("demo-home").absolute()

DOCUMENTS = [
    # (file name, department, kind, retention, date, title, body)
    (
        "notice-safety.docx",
        "BGS",
        "notice",
        "D30",
        "2026-03-02",
        "Notice on the spring school safety inspections",
        "All schools shall complete their safety self-inspections by 31 March.",
    ),
    (
        "通知-教师资格.docx",
        "JXX",
        "notice",
        "D30",
        "2026-04-15",
        "关于开展2026年度教师资格认定工作的通知",
        "各区（县）教育局：现将2026年度教师资格认定工作有关事项通知如下。",
    ),
    (
        "budget-2026.docx",
        "JCK",
        "budget",
        "D30",
        "2026-01-20",
        "2026 annual budget of the municipal education funds",
        "Personnel 12,400,000.00; public funds 3,150,000.00; projects 8,000,000.00.",
    ),
    (
        "appointment.docx",
        "RSK",
        "notice",
        "Y",
        "2026-02-08",
        "Notice on the appointment of school principals",
        "The following principals are appointed for a term of three years.",
    ),
    (
        "approval-private-school.docx",
        "ZCK",
        "approval",
        "Y",
        "2026-05-11",
        "Approval of the establishment of Chengnan Vocational School",
        "Having examined the application, the bureau approves the establishment.",
    ),
]


def run(*args: object, check: bool = True) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "bureau.cli", "--home", str(HOME), *map(str, args)]
    print(f"\n$ bureau {' '.join(shlex.quote(str(a)) for a in args)}", flush=True)
    done = subprocess.run(command, text=True, capture_output=True)
    print((done.stdout + done.stderr).rstrip(), flush=True)
    if check and done.returncode != 0:
        raise SystemExit(f"demo step failed with exit code {done.returncode}")
    return done


def write_docx(path: Path, title: str, body: str) -> Path:
    document = docx.Document()
    document.add_heading(title, level=1)
    document.add_paragraph(body)
    document.core_properties.title = title
    document.save(str(path))
    return path


def main() -> int:
    if HOME.exists():
        if not (HOME / "config.yaml").is_file():
            raise SystemExit(f"{HOME} exists and is not a demo data home: move it away first")
        shutil.rmtree(HOME)
    run("init", "--org", "City Education Bureau", "--fonds", "J042")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, dept, kind, retention, day, title, body in DOCUMENTS:
            path = write_docx(folder / name, title, body)
            run(
                "file",
                path,
                "--dept",
                dept,
                "--kind",
                kind,
                "--retention",
                retention,
                "--date",
                day,
            )
        attachment = write_docx(
            folder / "附件 学校名单.docx", "附件：学校名单", "第一中学、第二中学"
        )
        main_doc = write_docx(
            folder / "minutes.docx",
            "Minutes of the bureau office meeting",
            "Present: the director and the heads of the sections.",
        )
        run(
            "file",
            main_doc,
            "--attach",
            attachment,
            "--dept",
            "BGS",
            "--kind",
            "minutes",
            "--retention",
            "Y",
            "--date",
            "2026-06-01",
            "--doc-no",
            "CEB-BGS [2026] No. 7",
        )
        correction = write_docx(
            folder / "notice-safety-v2.docx",
            "Notice on the spring school safety inspections (corrected)",
            "All schools shall complete their self-inspections by 15 April.",
        )
        run(
            "file",
            correction,
            "--dept",
            "BGS",
            "--kind",
            "notice",
            "--retention",
            "D30",
            "--date",
            "2026-03-02",
            "--supersedes",
            "J042-WS·2026-D30-BGS-0001",
        )
        run(
            "file",
            folder / "notice-safety.docx",
            "--dept",
            "BGS",
            "--kind",
            "notice",
            "--retention",
            "D30",
            "--date",
            "2026-03-02",
        )
        run("list")
        run("show", "CEB-BGS [2026] No. 7")
        run("get", "J042-WS·2026-D30-JXX-0001", "--out", folder, "--force")
        bad = folder / "broken.pdf"
        bad.write_bytes(b"%PDF-1.7 this is not really a PDF")
        run(
            "file",
            bad,
            "--dept",
            "BGS",
            "--kind",
            "notice",
            "--retention",
            "D10",
            "--date",
            "2026-01-01",
            "--title",
            "Broken",
            check=False,
        )
    run("audit", "verify")
    run("audit", "log", "--limit", "5")
    print(f"\nThe demo's data home is {HOME}; try: .venv/bin/bureau --home demo-home list")
    return 0


if __name__ == "__main__":
    sys.exit(main())
