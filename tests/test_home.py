"""The data home: where it is, what `init` creates, and that it is never created twice."""

from __future__ import annotations

import sqlite3

import yaml

from archive import catalog
from tests.conftest import Bureau, in_process


def test_init_creates_config_catalog_store_and_later_folders(bureau: Bureau):
    root = bureau.root
    for name in ("store", "inbox", "index", "keys", "logs"):
        assert (root / name).is_dir()
    settings = yaml.safe_load((root / "config.yaml").read_text(encoding="utf-8"))
    assert settings["fonds"] == "J042"
    assert settings["timezone"] == "Asia/Shanghai"
    assert [d["code"] for d in settings["departments"]] == [
        "BGS",
        "RSK",
        "JCK",
        "JJK",
        "ZCK",
        "TWY",
        "SXK",
        "JXX",
    ]
    bgs = settings["departments"][0]
    assert bgs["name"] == {"en": "General Office", "zh": "办公室"}
    assert bgs["prefix"]["zh"] == "市教办"


def test_catalog_is_sqlite_in_wal_mode_at_the_current_schema(bureau: Bureau):
    conn = sqlite3.connect(bureau.root / "catalog.sqlite")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert catalog.schema_version(conn) == catalog.SCHEMA_VERSION


def test_init_records_org_fonds_and_language(tmp_path):
    runner = Bureau(tmp_path / "h", tmp_path)
    runner.ok("init", "--org", "某市教育局", "--fonds", "J107", "--lang", "zh")
    settings = yaml.safe_load((tmp_path / "h" / "config.yaml").read_text(encoding="utf-8"))
    assert settings["organisation"]["zh"] == "某市教育局"
    assert settings["fonds"] == "J107"
    assert settings["language"] == "zh"


def test_init_refuses_an_existing_home_and_leaves_it_untouched(bureau: Bureau):
    before = (bureau.root / "config.yaml").read_bytes()
    result = bureau.fails(2, "init", "--fonds", "J999")
    assert "already exists" in result.err
    assert (bureau.root / "config.yaml").read_bytes() == before


def test_init_refuses_a_non_empty_directory(tmp_path):
    (tmp_path / "h").mkdir()
    (tmp_path / "h" / "notes.txt").write_text("mine")
    Bureau(tmp_path / "h", tmp_path).fails(2, "init")
    assert (tmp_path / "h" / "notes.txt").read_text() == "mine"


def test_init_refuses_an_invalid_fonds_code(tmp_path):
    Bureau(tmp_path / "h", tmp_path).fails(2, "init", "--fonds", "not a code")
    assert not (tmp_path / "h").exists()


def test_home_comes_from_bureau_home_then_the_working_directory(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "BUREAU_HOME": str(tmp_path / "from-env"),
        "BUREAU_PASSPHRASE": "pw",
        "BUREAU_NEW_PASSWORD": "the admin's password",
    }
    assert in_process(["init"], env, tmp_path).code == 0
    assert (tmp_path / "from-env" / "config.yaml").is_file()
    env.pop("BUREAU_HOME")
    assert in_process(["init"], env, tmp_path).code == 0
    assert (tmp_path / "bureau-home" / "config.yaml").is_file()


def test_commands_on_a_missing_home_say_how_to_create_one(tmp_path):
    result = Bureau(tmp_path / "none", tmp_path).fails(2, "list")
    assert "bureau init" in result.err


def test_a_home_from_a_newer_program_is_refused_not_touched(bureau: Bureau):
    conn = sqlite3.connect(bureau.root / "catalog.sqlite")
    conn.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    conn.commit()
    result = bureau.fails(2, "list")
    assert "newer than this program" in result.err


def test_a_broken_configuration_is_reported_with_its_file(bureau: Bureau):
    (bureau.root / "config.yaml").write_text("fonds: [unclosed", encoding="utf-8")
    result = bureau.fails(2, "list")
    assert "config.yaml" in result.err


def test_init_creates_a_seal_for_every_department(bureau: Bureau):
    seals = bureau.json("seals", "list")
    assert sorted(s["dept"] for s in seals) == [
        "BGS",
        "JCK",
        "JJK",
        "JXX",
        "RSK",
        "SXK",
        "TWY",
        "ZCK",
    ]
    assert all(s["status"] == "active" and s["serial"] and s["not_after"] for s in seals)
    assert (bureau.root / "keys" / "ca" / "root.pem").is_file()


def test_init_without_a_passphrase_or_terminal_creates_nothing(tmp_path):
    env = {"PATH": "/usr/bin:/bin"}
    done = in_process(["--home", str(tmp_path / "h"), "init"], env, tmp_path)  # stdin: no terminal
    assert done.code == 2 and "BUREAU_PASSPHRASE" in done.err
    assert not (tmp_path / "h").exists()


def test_upgrade_adds_the_seals_to_a_home_that_has_none(bureau: Bureau):
    """A home from the first release: no keys at all, and a trail without MACs."""
    import shutil

    from tests.test_migrations import downgrade_to_schema_1

    downgrade_to_schema_1(bureau.root / "catalog.sqlite")
    shutil.rmtree(bureau.root / "keys")
    (bureau.root / "keys").mkdir()
    added = bureau.json("upgrade")["added"]
    assert "seals" in added and set(added) <= {"master key", "seals"}
    assert (bureau.root / "keys" / "master.json").is_file()  # made to authenticate the trail
    assert len(bureau.json("seals", "list")) == 8
    assert bureau.json("upgrade")["added"] == []
