"""`make demo`: an end-to-end run of the archive on a fresh data home, as a user would do it.

It creates `./demo-home` (replacing the one a previous demo made), files a realistic set of
the bureau's documents through the real `bureau` command, then lists, shows, retrieves and
verifies them. Every step prints the command it runs.
"""

from __future__ import annotations

import csv
import getpass
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import docx
import yaml

HOME = Path("demo-home").absolute()

DOCUMENTS = [
    # Documents from elsewhere, filed by an archivist:
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
]

# Old records that have come due by the demo's date: (file, kind, department, date, title).
OLD_RECORDS = [
    ("letter-2012.docx", "letter", "BGS", "2012-06-01", "Letter on the 2012 sports meeting venue"),
    ("minutes-2013.docx", "minutes", "JJK", "2013-03-10", "Minutes of the 2013 textbook meeting"),
    ("plan-2014.docx", "plan", "TWY", "2014-02-01", "Plan for the 2014 school art festival"),
]
AS_OF = "2026-11-27"
BACKUP = Path("demo-backup").absolute()
RESTORED = Path("demo-restored").absolute()

ADMIN = os.environ.get("BUREAU_USER") or getpass.getuser()  # who runs the demo: its admin
ADMIN_PASSWORD = os.environ.get("BUREAU_PASSWORD", "demo admin password")
# Each person's own password (from the environment when set, as a deployment would).
PASSWORDS = {
    "wang": os.environ.get("DEMO_WANG_PASSWORD", "wang's own password"),
    "li": os.environ.get("DEMO_LI_PASSWORD", "li's own password"),
}
ENV = {
    **os.environ,
    "BUREAU_PASSPHRASE": os.environ.get("BUREAU_PASSPHRASE", "demo passphrase"),
    "BUREAU_PASSWORD": ADMIN_PASSWORD,  # the administrator who runs the demo
    "BUREAU_NEW_PASSWORD": ADMIN_PASSWORD,
}


def run(
    *args: object,
    check: bool = True,
    quiet: bool = False,
    home: bool = True,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `bureau` (on the demo home unless `home` is False) and print what it says
    (only its errors, when `quiet`); `env` adds to the demo's environment."""
    where = ["--home", str(HOME)] if home else []
    command = [sys.executable, "-m", "bureau", *where, *map(str, args)]
    print(f"\n$ bureau {' '.join(shlex.quote(str(a)) for a in args)}", flush=True)
    done = subprocess.run(command, text=True, capture_output=True, env={**ENV, **(env or {})})
    print((done.stderr if quiet else done.stdout + done.stderr).rstrip(), flush=True)
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


TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def sample(name: str, lang: str, **changes: object) -> dict:
    path = TEMPLATES / name / ("sample.yaml" if lang == "en" else f"sample.{lang}.yaml")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(changes)
    return data


def save(folder: Path, name: str, data: dict) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def certificates_csv(path: Path, count: int) -> Path:
    """A registrar's spreadsheet of graduates, with one row a secretary got wrong."""
    header = [
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
    surnames, given = "王李张刘陈杨赵黄周吴", "明华芳军敏静磊洋艳杰"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for n in range(count):
            birth = "2008-02-30" if n == 7 else f"2008-{n % 12 + 1:02d}-{n % 27 + 1:02d}"
            writer.writerow(
                [
                    surnames[n % 10] + given[(n * 3) % 10],
                    "男女"[n % 2],
                    birth,
                    f"33010220080{n:07d}"[:18],
                    "某市第一职业高级中学",
                    ["数控技术应用", "会计事务", "计算机应用"][n % 3],
                    "2023-09-01",
                    "2026-06-30",
                    f"3301002026{n:05d}",
                    "2026-07-01",
                ]
            )
    return path


def main() -> int:
    if HOME.exists():
        if not (HOME / "config.yaml").is_file():
            raise SystemExit(f"{HOME} exists and is not a demo data home: move it away first")
        shutil.rmtree(HOME)
    run("init", "--org", "City Education Bureau", "--fonds", "J042")
    run("templates", "list")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # Secretaries: official documents from templates, as DOCX and PDF; what is issued
        # with authority (the notice, the approval, the certificates) is sealed.
        run(
            "generate",
            "notice",
            "--data",
            save(folder, "notice.zh.yaml", sample("notice", "zh")),
            "--dept",
            "BGS",
            "--co-issuer",
            "JJK",
            "--lang",
            "zh",
            "--pdf",
            "--sign",
        )
        run(
            "generate",
            "notice",
            "--dept",
            "JJK",
            "--pdf",
            "--data",
            save(folder, "notice.yaml", sample("notice", "en")),
        )
        run(
            "generate",
            "approval",
            "--dept",
            "ZCK",
            "--lang",
            "zh",
            "--pdf",
            "--sign",
            "--data",
            save(folder, "approval.yaml", sample("approval", "zh")),
        )
        run(
            "generate",
            "budget",
            "--dept",
            "JCK",
            "--pdf",
            "--data",
            save(folder, "budget.yaml", sample("budget", "en")),
        )
        run(
            "generate",
            "certificate-teacher-qualification",
            "--dept",
            "JXX",
            "--lang",
            "zh",
            "--pdf",
            "--sign",
            "--data",
            save(folder, "tq.yaml", sample("certificate-teacher-qualification", "zh")),
        )
        grads = certificates_csv(folder / "graduates.csv", 30)
        run(
            "generate",
            "certificate-graduation",
            "--batch",
            grads,
            "--dept",
            "ZCK",
            "--lang",
            "zh",
            "--pdf",
            "--sign",
            check=False,
        )
        print((folder / "graduates.errors.csv").read_text(encoding="utf-8-sig").rstrip())
        bad = sample("budget", "en")
        bad["items"][0]["amount"] = "-100"
        run(
            "generate",
            "budget",
            "--dept",
            "JCK",
            "--data",
            save(folder, "bad.yaml", bad),
            check=False,
        )
        # Archivists: documents from elsewhere, corrections, retrieval.
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
            "J042-WS·2026-D30-BGS-0002",
        )
        # A scanner drops documents into the inbox; the watcher files and indexes them.
        inbox = HOME / "inbox"
        scanned = write_docx(
            inbox / "2026年 春季 校车安全检查 报告.docx",
            "关于春季校车安全检查情况的报告",
            "各区县教育局已完成春季校车安全检查，共检查校车312辆，发现隐患9处，已全部整改。",
        )
        (inbox / (scanned.name + ".meta.yaml")).write_text(
            "kind: report\ndept: TWY\ndate: 2026-04-20\nretention: D10\n", encoding="utf-8"
        )
        (inbox / "damaged.docx").write_bytes(b"this is not a DOCX file")
        run("watch", "--once", "--settle", "0")
        reason = inbox / "rejected" / "damaged.docx.reason.txt"
        print(f"{reason.relative_to(HOME)}: {reason.read_text(encoding='utf-8').strip()}")
        # The notice is issued jointly with the Basic Education Section, which adds its seal
        # over its own name: a new version with two seals.
        run("sign", "市教办〔2026〕1号", "--dept", "JJK")
        run("list", "--limit", "12")
        run("numbers")
        run("show", "市教办〔2026〕1号")
        run("get", "市教办〔2026〕1号", "--out", Path.cwd() / "demo-notice.pdf", "--force")
        run(
            "get",
            "市教办〔2026〕1号",
            "--rendition",
            "docx",
            "--out",
            Path.cwd() / "demo-notice.docx",
            "--force",
        )
    # Confidential classes: a secret exam paper, stored encrypted, and who may see it.
    with tempfile.TemporaryDirectory() as tmp:
        exam = write_docx(
            Path(tmp) / "exam.docx",
            "2026年中考数学试卷（考前绝密）",
            "一、选择题：下列关于函数的说法正确的是……",
        )
        run(
            "file", exam, "--kind", "exam", "--dept", "JJK", "--retention", "D10",
            "--date", "2026-05-20", "--classification", "secret",
        )  # fmt: skip
    run(
        "users", "add", "wang", "--role", "secretary", "--clearance", "internal", "--dept", "JJK",
        env={"BUREAU_NEW_PASSWORD": PASSWORDS["wang"]},
    )  # fmt: skip
    run("users", "list")
    run("classify", "J042-WS·2026-D10-JJK-0001", "secret", "--until", "1y")
    # Archivists: finding documents by what they say, in English and Chinese.
    run("watch", "--once", "--settle", "0")
    run("search", "inspection")
    run("search", "安全检查", "--limit", "3")
    run("search", "市教办〔2026〕1号", "--limit", "1")
    run("search", "inspecton")
    run("search", "数学试卷")  # found through the blind index, decrypted in memory
    as_wang = {"BUREAU_PASSWORD": PASSWORDS["wang"]}
    run("--user", "wang", "search", "数学试卷", env=as_wang)  # not cleared: not found
    # A name proves nothing: wang naming the administrator, with wang's password, is refused.
    print("\n# wang names the administrator, signing in with wang's own password: refused")
    run("--user", ADMIN, "users", "list", env=as_wang, check=False)
    # Retention: old records come due; one is held for an audit, the rest are disposed of
    # by two administrators, and a destruction register is filed.
    with tempfile.TemporaryDirectory() as tmp:
        for name, kind, dept, day, title in OLD_RECORDS:
            path = write_docx(Path(tmp) / name, title, f"{title}. (Filed for the demo.)")
            run("file", path, "--kind", kind, "--dept", dept, "--date", day)
    run("retention", "rules")
    run("retention", "due", "--as-of", AS_OF)
    run("retention", "hold", "J042-WS·2013-D10-JJK-0001", "--reason", "municipal audit of 2013")
    proposed = run("retention", "dispose", "--as-of", AS_OF, "--json", quiet=True)
    list_id = json.loads(proposed.stdout)["id"]
    print(f"proposed disposal list {list_id}")
    run(
        "users", "add", "li", "--role", "admin", "--clearance", "top-secret",
        env={"BUREAU_NEW_PASSWORD": PASSWORDS["li"]},
    )  # fmt: skip
    # Two persons: the approver signs in as herself; a wrong password is refused, and so is
    # the proposer approving their own list.
    print("\n# li's name with another person's password: refused")
    run("--user", "li", "retention", "approve", list_id, env=as_wang, check=False)
    print("\n# the proposer approving their own list: refused")
    run("retention", "approve", list_id, check=False)
    print("\n# li, with her own password: approved")
    run("--user", "li", "retention", "approve", list_id, env={"BUREAU_PASSWORD": PASSWORDS["li"]})
    run("retention", "execute", list_id)
    run("show", "J042-WS·2012-D10-BGS-0001")
    # Backups: a consistent backup while the home is in use, checked and restored.
    for leftover in (BACKUP, RESTORED):
        if leftover.exists():
            shutil.rmtree(leftover)
    run("backup", BACKUP)
    run("backup", "verify", BACKUP)
    run("--home", RESTORED, "restore", BACKUP, home=False)
    run("--home", RESTORED, "search", "数学试卷", home=False)
    # Auditors: fixity and the trail.
    run("seals", "list")
    run("seals", "export-root", Path.cwd() / "demo-root.pem", "--force")
    run("verify", Path.cwd() / "demo-notice.pdf")
    run("audit", "verify")
    run("audit", "log", "--limit", "5")
    print(
        f"\nThe demo's data home is {HOME} (passphrase: $BUREAU_PASSPHRASE, else 'demo "
        "passphrase'; its administrator is you, password $BUREAU_PASSWORD, else 'demo admin "
        "password'), its backup demo-backup and the home restored from it demo-restored; "
        "the sealed notice is demo-notice.pdf (and .docx), the bureau's root certificate "
        "demo-root.pem.\nTry: BUREAU_PASSWORD='demo admin password' .venv/bin/bureau "
        "--home demo-home list"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
