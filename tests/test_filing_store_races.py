"""A blob swept between storing and committing is stored again before the item commits,
and a file that cannot be stored answers its own request in a batch, on the home's own
store (tests/s3/test_s3_filing_races.py: the same on S3)."""

from __future__ import annotations

from pathlib import Path

from tests import store_races


def test_a_blob_swept_before_the_commit_is_stored_again(archive, tmp_path: Path):
    store_races.assert_a_blob_swept_before_the_commit_is_stored_again(archive, tmp_path / "d")


def test_blobs_swept_before_a_batch_commits_are_stored_again(archive, tmp_path: Path):
    store_races.assert_blobs_swept_before_a_batch_commits_are_stored_again(archive, tmp_path / "d")


def test_a_file_that_cannot_be_stored_answers_its_request_alone(archive, tmp_path: Path):
    store_races.assert_a_file_that_cannot_be_stored_answers_its_request_alone(
        archive, tmp_path / "d"
    )
