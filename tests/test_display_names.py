"""Users' display names: `users add --display-name` gives the name people read (李国强),
which the destruction register prints instead of the login name; a user without one is
named by their login. A display name is part of the user's authenticated state."""

from __future__ import annotations

import pytest
import yaml

from tests.conftest import Bureau
from tests.test_generate import docx_text, fetch
from tests.test_retention import approve, letter, propose, seed


def add_user(bureau: Bureau, name: str, *extra: str):
    return bureau("users", "add", name, "--role", "admin", "--clearance", "top-secret", *extra)


def test_a_display_name_is_listed_with_the_user_and_null_without_one(bureau):
    assert add_user(bureau, "li", "--display-name", " 李国强 ").code == 0
    assert add_user(bureau, "wang").code == 0
    users = {u["name"]: u for u in bureau.json("users", "list")}
    assert users["li"]["display_name"] == "李国强"  # trimmed
    assert users["wang"]["display_name"] is None
    assert bureau.json("audit", "verify")["ok"] is True


@pytest.mark.parametrize(
    ("name", "message"),
    [("   ", "not blanks"), ("张" * 65, "at most 64"), ("李\x07国强", "control")],
    ids=["blank", "too long", "control character"],
)
def test_a_bad_display_name_is_refused_in_one_line(bureau, name, message):
    result = bureau.fails(2, "users", "add", "li", "--role", "admin", "--clearance", "public",
                          "--display-name", name)  # fmt: skip
    assert message in result.err and len(result.err.strip().splitlines()) == 1
    assert "li" not in {u["name"] for u in bureau.json("users", "list")}


def test_the_destruction_register_names_people_by_their_display_names(bureau, tmp_path):
    config = bureau.root / "config.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    config.write_text(yaml.safe_dump(data | {"language": "zh"}, allow_unicode=True), "utf-8")
    seed(bureau, tmp_path / "docs", letter("旧函", 2000))
    assert add_user(bureau, "li", "--display-name", "李国强").code == 0
    proposed = propose(bureau)  # by tester, who has no display name
    approve(bureau, proposed["id"], user="li")
    done = bureau.json("retention", "execute", proposed["id"])
    text = docx_text(fetch(bureau, done["register_item"], tmp_path, "docx"))
    assert "李国强" in text  # the approver, by the name people read
    assert "tester" in text  # the proposer and executor, by login: no display name
    assert done["approved_by"] == "li"  # the list itself keeps the login name
