"""A data home whose files are kept in S3 (SeaweedFS on loopback, tests/s3_server.py).

`s3_bureau` is the CLI bound to a fresh home made by `bureau init --store s3://BUCKET/PREFIX`,
with the AWS_* variables of the test's server in every command's environment. Each test's
home keeps its objects under a prefix of its own. The catalog setting is a parameter, so the
same tests run on every catalog the project has.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.conftest import CHEAP_HASHING, Bureau
from tests.pg_server import ROLE_PASSWORD, PgServer
from tests.pg_server import pg_server as pg_server  # noqa: F401 - the fixture, for PostgreSQL
from tests.s3_server import SeaweedS3, s3_server  # noqa: F401 - the fixture, for these tests

# A copy of a pristine home shares a PostgreSQL catalog (it is not in the folder), so on
# PostgreSQL each test's copy gets a copy of the pristine database too (CREATE DATABASE …
# TEMPLATE, tests/pg_server.py), named in its config.yaml.
CATALOGS = ["sqlite", "postgresql"]


class S3Bureau(Bureau):
    """`bureau` on a home whose files are in S3: the server's AWS_* variables are set in
    every command's environment (an override can change or remove one)."""

    def __init__(
        self,
        root: Path,
        cwd: Path,
        server: SeaweedS3,
        bucket: str,
        prefix: str,
        in_process: bool = True,
    ) -> None:
        super().__init__(root, cwd, in_process)
        self.server = server
        self.bucket = bucket
        self.prefix = prefix

    @property
    def real(self) -> S3Bureau:
        return S3Bureau(self.root, self.cwd, self.server, self.bucket, self.prefix, False)

    def env(self, **overrides: str | None) -> dict[str, str]:
        backends = {**self.server.env(), "PGPASSWORD": ROLE_PASSWORD}
        return super().env(**{**backends, **overrides})

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def key(self, sha256: str) -> str:
        return f"{self.prefix}/{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def objects(self) -> dict[str, bytes]:
        """Every object under the home's prefix, by key, with its bytes."""
        client = self.server.client()
        try:
            found = {}
            pages = client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=f"{self.prefix}/"
            )
            for page in pages:
                for entry in page.get("Contents", []):
                    body = client.get_object(Bucket=self.bucket, Key=entry["Key"])["Body"]
                    found[entry["Key"]] = body.read()
            return found
        finally:
            client.close()


@pytest.fixture(scope="session")
def s3_bucket(s3_server: SeaweedS3) -> str:  # noqa: F811
    """One bucket per test process; each home keeps its objects under its own prefix."""
    return s3_server.new_bucket()


@pytest.fixture(scope="session", params=CATALOGS)
def pristine_s3_home(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    s3_server: SeaweedS3,  # noqa: F811
    s3_bucket: str,
) -> tuple[Path, PgServer | None]:
    """One home made by `bureau init --store s3://...` per catalog and session; each test
    gets a copy of it, with a prefix of its own (init stores no file), and on PostgreSQL a
    copy of its database. Returns the home and the PostgreSQL server (None on SQLite)."""
    root = tmp_path_factory.mktemp("pristine-s3") / "home"
    made = S3Bureau(root, root.parent, s3_server, s3_bucket, "pristine")
    database = None
    catalog_at = request.param
    if catalog_at == "postgresql":
        database = request.getfixturevalue("pg_server")
        catalog_at = database.new_database()
    made.ok("init", "--store", made.url, "--catalog", catalog_at)
    with (root / "config.yaml").open("a", encoding="utf-8") as config:
        config.write(CHEAP_HASHING)
    made.ok("users", "list")
    assert made.objects() == {}, "init stored a file: a copied home would share it"
    return root, database


@pytest.fixture
def s3_bureau(
    pristine_s3_home: tuple[Path, PgServer | None],
    tmp_path: Path,
    s3_server: SeaweedS3,  # noqa: F811
    s3_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[S3Bureau]:
    """The CLI bound to a fresh home whose files are in S3 under a prefix of its own."""
    pristine, database = pristine_s3_home
    root = tmp_path / "home"
    shutil.copytree(pristine, root, symlinks=True)
    prefix = f"home-{uuid.uuid4().hex[:12]}"
    path = root / "config.yaml"
    settings = yaml.safe_load(path.read_text(encoding="utf-8"))
    settings["store"] = f"s3://{s3_bucket}/{prefix}"
    if database is not None:
        settings["catalog"] = database.copy_database(settings["catalog"])
        monkeypatch.setenv("PGPASSWORD", ROLE_PASSWORD)  # for the tests' in-process reads
    path.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), "utf-8")
    yield S3Bureau(root, tmp_path, s3_server, s3_bucket, prefix)
    if database is not None:
        database.drop_database(settings["catalog"])
