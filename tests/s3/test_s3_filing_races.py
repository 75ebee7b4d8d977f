"""On S3, as on the home's own store (tests/test_filing_store_races.py): an object swept
between storing and committing is stored again before the item commits (a batch's objects
are looked for all at once under the write lock), and a file that cannot be stored answers
its own request while the batch's other files go up several at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from archive import home
from archive.service import Archive
from tests import store_races
from tests.conftest import PASSPHRASE
from tests.s3.conftest import S3Bureau


@pytest.fixture
def archive(s3_bureau: S3Bureau, monkeypatch: pytest.MonkeyPatch) -> Iterator[Archive]:
    for name, value in s3_bureau.server.env().items():
        monkeypatch.setenv(name, value)
    passphrase = PASSPHRASE.encode()
    with Archive.open(home.DataHome(s3_bureau.root), "tester", lambda: passphrase) as opened:
        yield opened


def test_an_object_swept_before_the_commit_is_stored_again(archive: Archive, tmp_path: Path):
    store_races.assert_a_blob_swept_before_the_commit_is_stored_again(archive, tmp_path / "d")


def test_objects_swept_before_a_batch_commits_are_stored_again(archive: Archive, tmp_path: Path):
    store_races.assert_blobs_swept_before_a_batch_commits_are_stored_again(archive, tmp_path / "d")


def test_a_file_that_cannot_be_stored_answers_its_request_alone(archive: Archive, tmp_path: Path):
    store_races.assert_a_file_that_cannot_be_stored_answers_its_request_alone(
        archive, tmp_path / "d"
    )
