"""Render the README's gallery: one Chinese page of each built-in template, sealed where the
template is sealed, as modest PNGs under docs/gallery/.

Run `.venv/bin/python tools/build_gallery.py` after a layout change and commit the PNGs. It
makes a throw-away data home in a temporary folder and uses the real `bureau` command
(LibreOffice, the fonts `make setup` installs, the seals), so the pictures show exactly what
a secretary gets.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "gallery"
DPI = 50
# (template, issuing department, page to show: 1 = first, -1 = last, the sealed one)
PAGES = [
    ("notice", "BGS", 1),
    ("notice", "BGS", -1),
    ("approval", "BGS", -1),
    ("budget", "JCK", 1),
    ("certificate-graduation", "ZCK", 1),
    ("certificate-teacher-qualification", "JXX", 1),
    ("destruction-register", "BGS", 1),
]
SEALED = {
    "notice",
    "approval",
    "budget",
    "certificate-graduation",
    "certificate-teacher-qualification",
}
ENV = {
    **os.environ,
    "BUREAU_PASSPHRASE": "gallery passphrase",
    "BUREAU_PASSWORD": "gallery password",
    "BUREAU_NEW_PASSWORD": "gallery password",
    "BUREAU_USER": "gallery",
}


def bureau(home: Path, *args: object) -> str:
    command = [sys.executable, "-m", "bureau", "--home", str(home), *map(str, args)]
    return subprocess.run(command, env=ENV, check=True, capture_output=True, text=True).stdout


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        bureau(home, "init", "--admin", "gallery")
        made: dict[str, Path] = {}
        for name, dept, page in PAGES:
            if name not in made:
                sign = ["--sign"] if name in SEALED else []
                data = ROOT / "templates" / name / "sample.zh.yaml"
                item = json.loads(
                    bureau(
                        home, "generate", name, "--data", data, "--dept", dept, "--lang", "zh",
                        "--pdf", *sign, "--json",
                    )
                )  # fmt: skip
                made[name] = Path(tmp) / f"{name}.pdf"
                bureau(home, "get", item["id"], "--out", made[name])
            count = int(
                subprocess.run(
                    ["pdfinfo", str(made[name])], capture_output=True, text=True, check=True
                )
                .stdout.split("Pages:")[1]
                .split()[0]
            )
            number = count if page == -1 else page
            target = OUT / f"{name}-{number}.png"
            stem = str(target.with_suffix(""))
            subprocess.run(
                ["pdftoppm", "-r", str(DPI), "-f", str(number), "-l", str(number), "-png"]
                + ["-singlefile", str(made[name]), stem],
                check=True,
            )
            print(f"wrote {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
