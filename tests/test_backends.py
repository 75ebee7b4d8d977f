"""Where a home keeps its catalog and files: the settings `init --catalog/--store` record and
`bureau info` reports (the PostgreSQL and S3 backends themselves have their own tests)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from archive.backends import catalog_setting, store_location, store_setting
from archive.errors import BadInput
from tests.conftest import Bureau


def test_a_new_home_keeps_its_catalog_and_files_inside_it(bureau: Bureau):
    settings = yaml.safe_load((bureau.root / "config.yaml").read_text(encoding="utf-8"))
    assert settings["catalog"] == "sqlite"
    assert settings["store"] == "local"


def test_info_reports_the_embedded_backends_index_and_schema(bureau: Bureau):
    info = bureau.json("info", "--json")
    assert info["catalog"] == "sqlite"
    assert info["store"] == "local"
    assert info["index"] == "tantivy"
    assert info["schema_version"] >= 8
    assert info["catalog_location"] == str(bureau.root / "catalog.sqlite")
    assert info["store_location"] == str(bureau.root / "store")


def test_info_speaks_to_people_without_json(bureau: Bureau):
    out = bureau.ok("info").out
    assert "catalog:  sqlite" in out
    assert "files:    local" in out


def test_a_home_configured_before_the_choice_is_embedded(bureau: Bureau):
    path = bureau.root / "config.yaml"
    settings = yaml.safe_load(path.read_text(encoding="utf-8"))
    del settings["catalog"], settings["store"]
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    info = bureau.json("info", "--json")
    assert (info["catalog"], info["store"]) == ("sqlite", "local")


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--catalog", "postgresql://bureau:hunter2@db.example/bureau", "password"),
        ("--catalog", "postgresql://bureau@db.example/bureau?password=x", "password"),
        ("--catalog", "mysql://bureau@db.example/bureau", "postgresql://"),
        ("--catalog", "postgresql://bureau@db.example/", "name the database"),
        ("--store", "s3://Not_A_Bucket/x", "bucket name"),
        ("--store", "s3://key:secret@bucket/x", "credentials"),
        ("--store", "s3://bucket/a/../b", "'..'"),
        ("--store", "/mnt/share", "s3://"),
    ],
)
def test_init_refuses_a_bad_backend_before_making_anything(tmp_path, option, value, says):
    result = Bureau(tmp_path / "h", tmp_path).fails(2, "init", option, value)
    assert says in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert not (tmp_path / "h").exists()


def test_a_hand_edited_bad_catalog_setting_is_one_line_naming_the_file(bureau: Bureau):
    path = bureau.root / "config.yaml"
    settings = yaml.safe_load(path.read_text(encoding="utf-8"))
    settings["catalog"] = "postgresql://u:pw@host/db"
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    result = bureau.fails(2, "info")
    assert "config.yaml" in result.err
    assert "password" in result.err


@given(st.text(max_size=80))
def test_any_accepted_catalog_setting_names_no_password(value: str):
    try:
        accepted = catalog_setting(value)
    except BadInput:
        return
    assert accepted == "sqlite" or accepted.startswith(("postgresql://", "postgres://"))
    if accepted != "sqlite":
        assert urlsplit(accepted).password is None


@given(st.text(max_size=80))
def test_any_accepted_store_setting_names_a_valid_bucket(value: str):
    try:
        accepted = store_setting(value)
    except BadInput:
        return
    if accepted != "local":
        location = store_location(accepted)
        assert 3 <= len(location.bucket) <= 63
        assert ".." not in location.prefix.split("/")


def test_a_store_url_gives_its_bucket_and_prefix():
    location = store_location("s3://bureau-files/province/city-07")
    assert (location.bucket, location.prefix) == ("bureau-files", "province/city-07")
    assert store_location("s3://bureau-files").prefix == ""
