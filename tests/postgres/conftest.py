"""Homes whose catalog is in PostgreSQL (tests/pg_server.py starts the server).

`pg_bureau` is the CLI bound to a fresh home made by `bureau init --catalog postgresql://…`;
`bureau` is the same here, so behaviour tests written for the embedded home run unchanged
against PostgreSQL. The store setting is a parameter (`store_setting`): today `local`; the
S3 store joins the matrix by adding its setting there.

One home per session is made by `bureau init` (the pristine one, as tests/conftest.py does
for SQLite); each test gets a copy of its folder and a copy of its database
(`CREATE DATABASE … TEMPLATE`), with config.yaml pointing at the copy.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive import home
from archive.service import Archive
from tests.conftest import CHEAP_HASHING, PASSPHRASE, Bureau
from tests.pg_server import (  # noqa: F401 - fixtures
    ROLE_PASSWORD,
    PgServer,
    pg_password,
    pg_server,
    pg_url,
)

STORES = ["local"]


@pytest.fixture(scope="session", params=STORES)
def store_setting(request: pytest.FixtureRequest) -> str:
    """Where the homes under test keep their files."""
    return request.param


@pytest.fixture(scope="session")
def pristine_pg_home(
    pg_server: PgServer,  # noqa: F811
    store_setting: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, str]:
    """A home made by `bureau init --catalog postgresql://…` once per session: its folder
    and its database's URL (a template for each test's copy)."""
    root = tmp_path_factory.mktemp("pristine-pg") / "home"
    url = pg_server.new_database()
    made = Bureau(root, root.parent)
    env = {"PGPASSWORD": ROLE_PASSWORD}
    store = ["--store", store_setting] if store_setting != "local" else []
    made.ok("init", "--catalog", url, *store, env=env)
    with (root / "config.yaml").open("a", encoding="utf-8") as config:
        config.write(CHEAP_HASHING)
    made.ok("users", "list", env=env)  # the administrator's password is re-hashed at the new cost
    return root, url


@pytest.fixture
def pg_bureau(
    pg_server: PgServer,  # noqa: F811
    pg_password: str,  # noqa: F811
    pristine_pg_home: tuple[Path, str],
    tmp_path: Path,
) -> Iterator[Bureau]:
    """The CLI bound to a fresh home whose catalog is a database of its own in PostgreSQL."""
    pristine, template = pristine_pg_home
    url = pg_server.copy_database(template)
    root = tmp_path / "home"
    shutil.copytree(pristine, root, symlinks=True)
    config = root / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(template, url), encoding="utf-8")
    yield Bureau(root, tmp_path)
    pg_server.drop_database(url)


@pytest.fixture
def bureau(pg_bureau: Bureau) -> Bureau:
    """The embedded tests' `bureau`, here on PostgreSQL."""
    return pg_bureau


@pytest.fixture
def archive(home_dir: Path, pg_url: str, store_setting: str):  # noqa: F811
    """The service layer on a fresh home whose catalog is in PostgreSQL."""
    passphrase = PASSPHRASE.encode()
    with Archive.init(
        home.DataHome(home_dir),
        actor="tester",
        passphrase=lambda: passphrase,
        catalog_at=pg_url,
        store_at=store_setting,
    ) as opened:
        yield opened
