"""Who is acting: every command proves the user with their password.

A name (`--user`, `$BUREAU_USER`, the login) proves nothing by itself: the command asks for
that user's password (`$BUREAU_PASSWORD` when scripted) and refuses, recording the failure
in the audit trail, when it is missing or wrong or the user is unknown.
"""

from __future__ import annotations

import os
import pty
import select
import sys
import time

import pytest

from tests import catalog_sql
from tests.conftest import PASSWORD, Bureau, in_process


def failures(bureau: Bureau) -> list[dict]:
    return [e for e in bureau.json("audit", "log") if e["action"] == "signin_failed"]


def test_the_right_password_signs_in(bureau: Bureau):
    assert bureau("list", env={"BUREAU_PASSWORD": PASSWORD}).code == 0


def test_a_wrong_password_is_refused_in_one_line_and_recorded(bureau: Bureau):
    result = bureau.fails(2, "list", env={"BUREAU_PASSWORD": "not the password"})
    assert result.err.strip() == "bureau: error: cannot sign in as 'tester': wrong password"
    (entry,) = failures(bureau)
    assert entry["actor"] == "tester" and entry["detail"]["reason"] == "wrong password"


def test_a_name_alone_proves_nothing(bureau: Bureau):
    """The report's own example: a secretary naming an administrator gets nowhere."""
    bureau.ok(
        "users", "add", "sec", "--role", "secretary", "--clearance", "internal", "--dept", "BGS"
    )
    bureau.ok("users", "set-password", "sec", env={"BUREAU_NEW_PASSWORD": "the secretary's own"})
    as_admin = bureau.fails(
        2,
        "--user",
        "tester",
        "users",
        "add",
        "evil",
        "--role",
        "admin",
        "--clearance",
        "public",
        env={"BUREAU_PASSWORD": "the secretary's own"},
    )
    assert "wrong password" in as_admin.err
    assert "evil" not in {u["name"] for u in bureau.json("users", "list")}


def test_an_unknown_user_is_refused_and_recorded(bureau: Bureau):
    result = bureau.fails(2, "--user", "nobody", "list")
    assert "cannot sign in as 'nobody'" in result.err and "unknown user" in result.err
    assert [e["actor"] for e in failures(bureau)] == ["nobody"]


def test_without_a_password_or_terminal_the_message_names_the_variable(bureau: Bureau):
    result = bureau.fails(2, "list", env={"BUREAU_PASSWORD": None})
    assert "$BUREAU_PASSWORD" in result.err
    assert failures(bureau)[0]["detail"]["reason"] == "no password given"


def test_a_disabled_user_cannot_sign_in_even_with_the_password(bureau: Bureau):
    bureau.ok("users", "add", "arc", "--role", "archivist", "--clearance", "internal")
    bureau.ok("users", "disable", "arc")
    assert "disabled" in bureau.fails(2, "--user", "arc", "list").err


def test_a_user_sets_their_own_password_but_not_anothers(bureau: Bureau):
    bureau.ok("users", "add", "arc", "--role", "archivist", "--clearance", "internal")
    bureau.ok("users", "add", "aud", "--role", "auditor", "--clearance", "internal")
    new = {"BUREAU_NEW_PASSWORD": "arc's new password"}
    bureau.ok("--user", "arc", "users", "set-password", "arc", env=new)
    assert bureau.fails(2, "--user", "arc", "list").code == 2  # the old one no longer works
    bureau.ok("--user", "arc", "list", env={"BUREAU_PASSWORD": "arc's new password"})
    refused = bureau.fails(
        2,
        "--user",
        "arc",
        "users",
        "set-password",
        "aud",
        env={**new, "BUREAU_PASSWORD": "arc's new password"},
    )
    assert "may not set other users' passwords" in refused.err


@pytest.mark.parametrize("password", ["short", " " * 12])
def test_a_weak_new_password_is_refused(bureau: Bureau, password: str):
    result = bureau.fails(
        2,
        "users",
        "add",
        "x1",
        "--role",
        "auditor",
        "--clearance",
        "public",
        env={"BUREAU_NEW_PASSWORD": password},
    )
    assert "password" in result.err
    assert "x1" not in {u["name"] for u in bureau.json("users", "list")}


def test_passwords_are_stored_as_argon2id_hashes_never_as_given(bureau: Bureau):
    [(stored,)] = catalog_sql.rows(
        bureau.root, "SELECT password_hash FROM users WHERE name = 'tester'"
    )
    assert stored.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert PASSWORD not in stored
    assert "password" not in str(bureau.json("users", "list"))


def test_a_hash_of_a_lower_cost_is_replaced_at_the_next_sign_in(bureau: Bureau):
    config = bureau.root / "config.yaml"
    text = config.read_text(encoding="utf-8").replace("memory_kib: 1024", "memory_kib: 2048")
    config.write_text(text, encoding="utf-8")
    bureau.ok("list")
    [(stored,)] = catalog_sql.rows(
        bureau.root, "SELECT password_hash FROM users WHERE name = 'tester'"
    )
    assert stored.startswith("$argon2id$v=19$m=2048,t=1,p=1$")
    assert bureau.json("audit", "log")[-2]["action"] == "password_rehash"
    bureau.ok("audit", "verify")


def test_a_hash_replaced_in_the_catalog_is_refused_as_tampering(bureau: Bureau):
    """Someone who can write the catalog cannot act as another user: the forged record is
    refused as soon as the command needs the keys (every change does), before it acts."""
    from argon2 import PasswordHasher

    forged = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("mine now")
    catalog_sql.execute(
        bureau.root, "UPDATE users SET password_hash = ? WHERE name = 'tester'", forged
    )
    mine = {"BUREAU_PASSWORD": "mine now"}
    result = bureau.fails(
        1, "users", "add", "evil", "--role", "admin", "--clearance", "top-secret", env=mine
    )
    assert "changed outside the program" in result.err
    names = catalog_sql.rows(bureau.root, "SELECT name FROM users")
    assert "evil" not in {n for (n,) in names}


def test_init_names_the_first_administrator_and_sets_their_password(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "BUREAU_PASSPHRASE": "pw",
        "BUREAU_NEW_PASSWORD": "the chief's password",
    }
    made = in_process(["--home", str(tmp_path / "h"), "init", "--admin", "chief"], env, tmp_path)
    assert made.code == 0 and "administrator: chief" in made.out
    signed_in = {**env, "BUREAU_USER": "chief", "BUREAU_PASSWORD": "the chief's password"}
    listed = in_process(
        ["--home", str(tmp_path / "h"), "users", "list", "--json"], signed_in, tmp_path
    )
    assert listed.code == 0, listed.err
    wrong = {**signed_in, "BUREAU_PASSWORD": "guess"}
    assert in_process(["--home", str(tmp_path / "h"), "list"], wrong, tmp_path).code == 2


def test_init_without_a_new_password_creates_nothing(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "BUREAU_PASSPHRASE": "pw"}
    result = in_process(["--home", str(tmp_path / "h"), "init"], env, tmp_path)
    assert result.code == 2 and "$BUREAU_NEW_PASSWORD" in result.err
    assert not (tmp_path / "h").exists()


def test_approving_a_disposal_needs_the_approvers_own_password(bureau: Bureau):
    """Two-person rule: the second person signs in as themselves."""
    bureau.ok("users", "add", "second", "--role", "admin", "--clearance", "top-secret")
    refused = bureau.fails(
        2,
        "--user",
        "second",
        "retention",
        "approve",
        "NOSUCHLIST",
        env={"BUREAU_PASSWORD": "the first admin's guess"},
    )
    assert "wrong password" in refused.err


def test_restoring_needs_the_password_of_an_administrator_in_the_backup(bureau: Bureau, tmp_path):
    bureau.ok("backup", tmp_path / "backup")
    target = tmp_path / "restored"
    argv = ["--home", str(target), "restore", str(tmp_path / "backup")]
    wrong = in_process(argv, bureau.env(BUREAU_PASSWORD="not the password"), tmp_path)
    assert wrong.code == 2 and "wrong password" in wrong.err
    assert not target.exists()
    right = in_process(argv, bureau.env(), tmp_path)
    assert right.code == 0, right.err


def _at_a_terminal(argv: list[str], env: dict[str, str], typed: list[str]) -> tuple[int, str]:
    """Run `argv` with a pseudo-terminal as its controlling terminal, typing each line of
    `typed` when a prompt ending in ': ' appears; (exit code, what the terminal showed)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the terminal is its own
        os.execve(sys.executable, [sys.executable, *argv], env)
    shown, answers = b"", list(typed)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
        if answers and shown.rstrip(b"\r\n").endswith(b": "):
            os.write(fd, answers.pop(0).encode() + b"\n")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


def test_at_a_terminal_the_password_is_asked_and_not_echoed(bureau: Bureau):
    env = bureau.env(BUREAU_PASSWORD=None)
    argv = ["-m", "bureau", "--home", str(bureau.root), "list"]
    code, shown = _at_a_terminal(argv, env, [PASSWORD])
    assert code == 0, shown
    assert "Password for tester: " in shown and PASSWORD not in shown
    code, shown = _at_a_terminal(argv, env, ["a wrong guess"])
    assert code == 2 and "wrong password" in shown


@pytest.mark.parametrize(
    "setting",
    ["{time_cost: 0, memory_kib: 1024, parallelism: 1}", "{memory_kib: lots}", "[1, 2]"],
)
def test_a_bad_password_hashing_setting_is_named_and_nothing_is_done(bureau: Bureau, setting):
    config = bureau.root / "config.yaml"
    text = config.read_text(encoding="utf-8").replace(
        "password_hashing: {time_cost: 1, memory_kib: 1024, parallelism: 1}",
        f"password_hashing: {setting}",
    )
    config.write_text(text, encoding="utf-8")
    result = bureau.fails(2, "users", "add", "x2", "--role", "auditor", "--clearance", "public")
    assert result.err.startswith("bureau: error: password_hashing:")
