"""Commands are quiet: no library warning reaches the terminal, no crash report lands in ~."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from bureau import cli


def _run(*args: str, cwd: Path, env_home: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(env_home), "BUREAU_USER": "tester"}
    return subprocess.run(
        [sys.executable, "-m", "bureau", *args], cwd=cwd, env=env, capture_output=True, text=True
    )


def test_a_library_that_warns_on_import_still_warns_in_process():
    """The premise: the locked pyHanko/cryptography pair warns when pyHanko is imported."""
    code = "import warnings; warnings.simplefilter('always'); import pyhanko.sign.signers"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "Warning" in done.stderr


def test_a_command_prints_no_library_warning(tmp_path: Path):
    not_pdf = tmp_path / "plain.txt"
    not_pdf.write_text("hello")
    done = _run("verify", str(not_pdf), cwd=tmp_path, env_home=tmp_path)
    assert done.returncode == 2
    assert "Warning" not in done.stderr and "Warning" not in done.stdout
    assert done.stderr.strip().splitlines() == [
        f"bureau: error: {not_pdf}: not a PDF file (no %PDF- header)"
    ]


def test_debug_shows_library_warnings(tmp_path: Path):
    not_pdf = tmp_path / "plain.txt"
    not_pdf.write_text("hello")
    done = _run("--debug", "verify", str(not_pdf), cwd=tmp_path, env_home=tmp_path)
    assert "DeprecationWarning" in done.stderr


def _crash(args):
    raise RuntimeError("a bug")


def test_an_internal_error_without_a_home_writes_nothing_to_the_users_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    (tmp_path / "user").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli.seals, "cmd_verify", _crash)
    with warnings.catch_warnings():
        assert cli.main(["--home", str(tmp_path / "none"), "verify", "x.pdf"]) == 1
    err = capsys.readouterr().err
    assert (
        err.strip()
        == "bureau: internal error: RuntimeError: a bug (run again with --debug for details)"
    )
    assert list((tmp_path / "user").iterdir()) == []
    assert not (tmp_path / "none").exists()


def test_an_internal_error_with_debug_prints_the_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli.seals, "cmd_verify", _crash)
    assert cli.main(["--home", str(tmp_path / "none"), "--debug", "verify", "x.pdf"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "RuntimeError: a bug" in err
