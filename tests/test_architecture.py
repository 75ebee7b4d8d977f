"""The layers, as the README's architecture section draws them, enforced.

archive/ is the centre and imports none of the others; the service layer (bureau/services)
alone decides permissions; the command line (bureau/cli) parses, calls the services and
prints, touching no storage module (the web server likewise); and a command loads only
what it needs.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import make_docx

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("archive", "bureau", "generators", "indexer", "seals")
# What the front ends (command line, web) may take from below the service layer: value
# types, vocabularies and the way a passphrase is asked for, never a store, a catalog or an
# engine.
CLI_MAY_IMPORT = {
    "archive.errors",
    "archive.vocab",
    "archive.access",
    "archive.filing",
    "indexer.request",
    "seals.passphrase",
    "seals.report",  # the verification report's value types and verdicts
}
HEAVY = (
    "pyhanko",
    "whoosh",
    "tantivy",
    "pypdf",
    "docx",
    "docxtpl",
    "fontTools",
    "rich.console",
    "watchdog",
)
ENGINE_LIBRARIES = ("whoosh", "tantivy")


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Every module `path` imports, at any depth of its code (lazy imports included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def ours(name: str) -> bool:
    return name.split(".")[0] in PACKAGES


@pytest.mark.parametrize("path", modules("archive"), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_archive_imports_none_of_the_other_packages(path: Path):
    others = {n for n in imported(path) if ours(n) and n.split(".")[0] != "archive"}
    assert not others, f"{path.relative_to(ROOT)} imports {sorted(others)}"


@pytest.mark.parametrize(
    "path", modules("bureau/cli") + modules("bureau/web"), ids=lambda p: str(p.relative_to(ROOT))
)
def test_the_front_ends_import_no_storage_module(path: Path):
    """The command line and the web server reach the archive only through the services."""
    below = {n for n in imported(path) if ours(n) and n.split(".")[0] != "bureau" and _is_module(n)}
    refused = below - CLI_MAY_IMPORT
    assert not refused, f"{path.relative_to(ROOT)} reaches below the services: {sorted(refused)}"
    assert "sqlite3" not in imported(path)


@pytest.mark.parametrize(
    "path",
    [p for pkg in (*PACKAGES, "tests") for p in modules(pkg) if "indexer" not in p.parts],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_only_the_indexer_names_an_index_engine(path: Path):
    """The engines sit behind indexer/engine.py: everything else works with either."""
    engines = {n for n in imported(path) if n.split(".")[0] in ENGINE_LIBRARIES}
    assert not engines, f"{path.relative_to(ROOT)} imports {sorted(engines)}"


def _is_module(name: str) -> bool:
    """Whether `name` is a module or package of the project (not a name inside one)."""
    where = ROOT.joinpath(*name.split("."))
    return where.with_suffix(".py").is_file() or (where / "__init__.py").is_file()


def _require_calls(path: Path) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("require", "require_level", "require_dept", "may")
    ]


@pytest.mark.parametrize(
    "path",
    [p for pkg in PACKAGES for p in modules(pkg) if "services" not in p.parts],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_permission_decisions_are_made_only_in_the_service_layer(path: Path):
    calls = _require_calls(path)
    if path == ROOT / "archive" / "access.py":
        return  # where the rule is written: User.require asks User.may
    if path == ROOT / "archive" / "opened.py":
        return  # Archive.require: the acting user's role, asked by the services
    assert not calls, f"{path.relative_to(ROOT)} decides a permission at line(s) {calls}"


def _loaded_after(*argv: str, home: Path | None = None, env: dict | None = None) -> list[str]:
    """The heavy libraries a real `bureau ARGV` process has loaded when it ends (the
    command must succeed)."""
    code = (
        "import json, sys\n"
        "from bureau.__main__ import main\n"
        "try:\n"
        "    status = main(sys.argv[1:])\n"
        "except SystemExit as exc:\n"
        "    status = exc.code or 0\n"
        f"loaded = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print(json.dumps([status, loaded]), file=sys.stderr)\n"
    )
    args = ["--home", str(home), *argv] if home else list(argv)
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120, env=env
    )
    status, loaded = json.loads(done.stderr.strip().splitlines()[-1])
    assert status == 0, done.stderr
    return loaded


def test_help_loads_no_document_seal_or_index_library():
    assert _loaded_after("--help") == []


@pytest.mark.parametrize("command", ["list", "show"])
def test_reading_commands_load_no_document_seal_or_index_library(bureau, tmp_path, command):
    doc = make_docx(tmp_path / "notice.docx", title="Spring inspections")
    item = bureau.json("file", doc, "--kind", "notice", "--dept", "BGS", "--retention", "D30")
    argv = ["show", item["archive_code"]] if command == "show" else ["list"]
    assert _loaded_after(*argv, home=bureau.root, env=bureau.env()) == []


def test_every_package_is_installed():
    """pyproject.toml names its packages one by one: a new subpackage left out would be
    missing from an installed (non-editable) copy."""
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for package in PACKAGES
        for init in (ROOT / package).rglob("__init__.py")
    }
    assert found <= listed, sorted(found - listed)
