"""archive.s3store.S3Store against the real server: objects are written once and proven by
reading them back; large files go up in parts; the common `Store` interface holds."""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from archive.backends import StoreLocation
from archive.errors import IntegrityError, NotFound
from archive.s3store import MULTIPART_THRESHOLD, S3Store
from tests.s3_server import SeaweedS3


@pytest.fixture
def store(
    s3_server: SeaweedS3, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[S3Store]:
    for name, value in s3_server.env().items():
        monkeypatch.setenv(name, value)
    opened = S3Store(StoreLocation(s3_bucket, f"unit-{uuid.uuid4().hex[:12]}"))
    yield opened
    opened.close()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_stored_bytes_read_back_exactly_under_their_sha256(store: S3Store):
    data = b"a filed document"
    blob = store.put_bytes(data)
    assert (blob.sha256, blob.size) == (sha256(data), len(data))
    assert store.exists(blob.sha256)
    out = io.BytesIO()
    assert store.read_verified(blob.sha256, out) == len(data)
    assert out.getvalue() == data
    assert list(store.blobs()) == [blob.sha256]


def test_the_store_never_replaces_an_object_even_when_asked_directly(store: S3Store):
    blob = store.put_bytes(b"the first writer wins")
    key = store.key(blob.sha256)
    with pytest.raises(ClientError) as refused:
        store.client.put_object(Bucket=store.location.bucket, Key=key, Body=b"a second writer")
    assert refused.value.response["Error"]["Code"] == "PreconditionFailed"
    assert store.hash_of(blob.sha256) == (blob.sha256, blob.size)


def test_content_already_in_the_bucket_but_changed_there_is_reported_not_rewritten(
    store: S3Store, s3_server: SeaweedS3
):
    data = b"content whose object was altered"
    altered = bytes(reversed(data))
    client = s3_server.client()
    client.put_object(Bucket=store.location.bucket, Key=store.key(sha256(data)), Body=altered)
    with pytest.raises(IntegrityError, match="in the bucket already but its content differs"):
        store.put_bytes(data)
    got = client.get_object(Bucket=store.location.bucket, Key=store.key(sha256(data)))
    assert got["Body"].read() == altered
    client.close()


def test_a_missing_object_is_not_found(store: S3Store):
    absent = "0" * 64
    assert not store.exists(absent)
    with pytest.raises(NotFound, match="missing from the store"):
        store.open(absent)
    store.remove(absent)  # removing what is not there is no error


@pytest.mark.slow
def test_a_file_above_the_multipart_threshold_goes_up_in_parts_and_reads_back(
    store: S3Store, tmp_path
):
    path = tmp_path / "large.bin"
    with path.open("wb") as out:
        for _ in range(MULTIPART_THRESHOLD // (1 << 20) + 4):
            out.write(os.urandom(1 << 20))
    blob = store.put_file(path)
    assert blob.size == path.stat().st_size
    head = store.client.head_object(Bucket=store.location.bucket, Key=store.key(blob.sha256))
    assert head["ETag"].strip('"').rpartition("-")[2].isdigit()  # "<md5>-<parts>": multipart
    assert store.hash_of(blob.sha256) == (sha256(path.read_bytes()), blob.size)
    assert store.put_file(path) == blob  # already there: not sent again


def test_an_object_another_server_writes_between_the_check_and_the_put_is_kept(
    store: S3Store, s3_server: SeaweedS3
):
    data = b"filed on two servers at the same moment"
    key = store.key(sha256(data))
    other = s3_server.client()
    raced = []

    def the_other_server_wins(**_: object) -> None:  # just before this store's PUT is sent
        if not raced:
            other.put_object(
                Bucket=store.location.bucket, Key=key, Body=data, Metadata={"writer": "other"}
            )
            raced.append(key)

    store.client.meta.events.register("before-send.s3.PutObject", the_other_server_wins)
    blob = store.put_bytes(data)
    assert raced == [key] and blob.sha256 == sha256(data)
    kept = other.head_object(Bucket=store.location.bucket, Key=key)
    assert kept["Metadata"] == {"writer": "other"}  # the first writer's object, not replaced
    other.close()


def test_an_object_that_reads_back_differently_after_the_put_fails_the_filing_and_is_removed(
    store: S3Store, s3_server: SeaweedS3
):
    data = b"what was sent"
    key = store.key(sha256(data))
    other = s3_server.client()

    def damaged_at_rest(**_: object) -> None:  # right after this store's PUT is answered
        other.put_object(Bucket=store.location.bucket, Key=key, Body=b"what the disk returned")

    store.client.meta.events.register("after-call.s3.PutObject", damaged_at_rest)
    with pytest.raises(IntegrityError, match="read back from the bucket is not what was sent"):
        store.put_bytes(data)
    assert not store.exists(sha256(data))  # filing it again can store it
    other.close()
