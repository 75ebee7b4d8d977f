"""The archive's stored files in an S3-compatible bucket, shared by several servers.

Objects are named `<prefix>/ab/cd/<sha256>`, as blobs are in a home's own store, and are
written once, never replaced: a PUT is not sent when the object is already there, and every
PUT (and the completion of every upload in parts) carries `If-None-Match: *`, so the
server itself refuses to replace an object that appeared meanwhile. The hash names the
object, so the bytes are first spooled (in memory up to 8 MiB, else in a temporary file)
while they are hashed, then sent; files above 64 MiB go up in parts (boto3's managed
transfer).

Fixity on the way in: the PUT carries the SHA-256 of the bytes (`x-amz-checksum-sha256`),
so the server refuses bytes damaged on the way; then the object is read back whole and
hashed, so what the bucket returns is proven to be what was filed. The checksum the server
reports afterwards is not used for that: it repeats what the server was told at upload and
proves nothing about the bytes it holds or returns.

Endpoint and credentials come from the standard variables (`AWS_ENDPOINT_URL`,
`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`), read by boto3 itself: nothing
secret is written to the home. The connection (and boto3's import) is made on first use, so
a command that touches no stored file pays nothing for it. A PUT is durable once answered,
so `durable=False` and `sync` change nothing here.

`sweep` removes unreferenced objects older than the grace period by their `LastModified`
(the server's clock), and uploads in parts begun before it (the bucket's temporary files).
Unlike a file's time, an object's cannot be refreshed when equal content is stored again
(that would rewrite it); filing re-stores a blob swept between storing and committing.
"""

from __future__ import annotations

import base64
import io
import re
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, BinaryIO

from archive.backends import StoreLocation
from archive.errors import BureauError, HomeError, IntegrityError, NotFound, OperationFailed
from archive.store import StoredBlob, Streams, copy_hashed

if TYPE_CHECKING:
    from botocore.client import BaseClient

SPOOL_IN_MEMORY = 8 << 20
MULTIPART_THRESHOLD = 64 << 20
PART_SIZE = 16 << 20
CONNECTIONS = 16
"""Connections kept open to the endpoint: as many threads as filing uses may each have a
request under way (botocore's default of 10 would drop and remake some)."""
_SHA = re.compile(r"[0-9a-f]{64}")
_REFUSED = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403"}
_ALREADY_THERE = {"PreconditionFailed", "ConditionalRequestConflict"}


class S3Store(Streams):
    """Objects under `s3://BUCKET/PREFIX/ab/cd/<sha256>`."""

    networked = True

    def __init__(self, location: StoreLocation) -> None:
        self.location = location
        self.base = f"{location.prefix}/" if location.prefix else ""
        self.where = f"s3://{location.bucket}/{location.prefix}".rstrip("/")
        self._s3: BaseClient | None = None
        self._lock = threading.Lock()

    def key(self, sha256: str) -> str:
        return f"{self.base}{sha256[:2]}/{sha256[2:4]}/{sha256}"

    # -- the connection ------------------------------------------------------------------------

    @property
    def client(self) -> BaseClient:
        """The S3 client, made (and the bucket checked) on first use."""
        with self._lock:
            if self._s3 is None:
                self._s3 = self._connect()
            return self._s3

    def check(self) -> None:
        """HomeError unless the endpoint answers, takes the credentials and has the bucket."""
        self.client  # noqa: B018 - connecting checks all three

    def close(self) -> None:
        with self._lock:
            if self._s3 is not None:
                self._s3.close()
                self._s3 = None

    def _connect(self) -> BaseClient:
        import boto3
        from botocore.config import Config

        config = Config(
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5,
            read_timeout=60,
            max_pool_connections=CONNECTIONS,
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        try:
            with self._speaking(), _MAKING:
                client = boto3.session.Session(botocore_session=_session()).client(
                    "s3", config=config
                )
        except ValueError as exc:  # botocore's word for a malformed $AWS_ENDPOINT_URL
            raise HomeError(f"{self.where}: {exc}") from None
        client.meta.events.register("before-sign.s3.PutObject", _only_if_absent)
        client.meta.events.register("before-sign.s3.CompleteMultipartUpload", _only_if_absent)
        try:
            with self._speaking():
                client.head_bucket(Bucket=self.location.bucket)
        except BaseException:
            client.close()
            raise
        return client

    @contextmanager
    def _speaking(self, sha: str | None = None) -> Iterator[None]:
        """botocore's errors as the project's, one line, with no secret in it."""
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        try:
            yield
        except ClientError as exc:
            raise self._refusal(exc, sha) from None
        except NoCredentialsError:
            raise HomeError(
                f"{self.where}: no credentials for the object store: set $AWS_ACCESS_KEY_ID "
                "and $AWS_SECRET_ACCESS_KEY"
            ) from None
        except BotoCoreError as exc:  # unreachable, timed out, cut short
            raise HomeError(f"{self.where}: the object store failed: {exc}") from None

    def _refusal(self, exc: Any, sha: str | None) -> BureauError:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in _REFUSED or status == 403:
            return HomeError(
                f"{self.where}: the object store refused the credentials of $AWS_ACCESS_KEY_ID "
                f"({code or status})"
            )
        if code == "NoSuchBucket" or (status == 404 and sha is None):
            return HomeError(f"{self.where}: there is no bucket {self.location.bucket!r}")
        if status == 404 or code == "NoSuchKey":
            return NotFound(f"stored file {(sha or '')[:12]}… is missing from the store")
        return OperationFailed(
            f"{self.where}: the object store answered {code or status}: {error.get('Message', '')}"
        )

    # -- storing -------------------------------------------------------------------------------

    def put_stream(self, stream: BinaryIO, durable: bool = True) -> StoredBlob:
        """Store `stream`'s bytes unless they are there already, then read the object back to
        prove it (`durable` is moot: an answered PUT is durable). A small object is sent at
        once, the conditional PUT refusing it if it is there already (one request fewer for
        every filing); a large one is looked for first rather than sent again."""
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
            sha, size = copy_hashed(stream, spool)
            wrote = False
            if size <= SPOOL_IN_MEMORY or not self.exists(sha):
                spool.seek(0)
                wrote = self._upload(spool, sha, size)
        self._read_back(sha, size, wrote)
        return StoredBlob(sha, size)

    def _upload(self, spool: BinaryIO, sha: str, size: int) -> bool:
        """Send the object; False if it appeared meanwhile (the server kept the first)."""
        from botocore.exceptions import ClientError

        key = self.key(sha)
        with self._speaking(sha=sha):
            try:
                if size <= MULTIPART_THRESHOLD:
                    self.client.put_object(
                        Bucket=self.location.bucket,
                        Key=key,
                        Body=spool,
                        ContentLength=size,
                        ChecksumSHA256=base64.b64encode(bytes.fromhex(sha)).decode(),
                    )
                else:
                    self._upload_in_parts(spool, key)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in _ALREADY_THERE:
                    return False
                raise
        return True

    def _upload_in_parts(self, spool: BinaryIO, key: str) -> None:
        from boto3.s3.transfer import TransferConfig

        transfer = TransferConfig(
            multipart_threshold=MULTIPART_THRESHOLD,
            multipart_chunksize=PART_SIZE,
            max_concurrency=4,
        )
        self.client.upload_fileobj(
            spool,
            self.location.bucket,
            key,
            ExtraArgs={"ChecksumAlgorithm": "SHA256"},
            Config=transfer,
        )

    def _read_back(self, sha: str, size: int, wrote: bool) -> None:
        """Read the object back whole: IntegrityError unless the bucket returns exactly the
        bytes stored. One this call wrote is removed if wrong, so that filing again can store
        it; one that was there already is left for `bureau audit verify` to report."""
        actual, actual_size = self.hash_of(sha)
        if (actual, actual_size) == (sha, size):
            return
        if wrote:
            self.remove(sha)
            raise IntegrityError(
                f"{self.where}: stored file {sha[:12]}… read back from the bucket is not what "
                f"was sent (SHA-256 {actual[:12]}…, {actual_size} bytes): nothing was filed"
            )
        raise IntegrityError(
            f"{self.where}: stored file {sha[:12]}… is in the bucket already but its content "
            f"differs (SHA-256 {actual[:12]}…): run `bureau audit verify`"
        )

    def sync(self) -> None:
        """Nothing to do: every answered PUT is durable."""

    # -- reading -------------------------------------------------------------------------------

    def exists(self, sha256: str) -> bool:
        try:
            with self._speaking(sha=sha256):
                self.client.head_object(Bucket=self.location.bucket, Key=self.key(sha256))
        except NotFound:
            return False
        return True

    def open(self, sha256: str) -> BinaryIO:
        with self._speaking(sha=sha256):
            got = self.client.get_object(Bucket=self.location.bucket, Key=self.key(sha256))
        return io.BufferedReader(_Body(got["Body"], self, sha256))

    # -- removing ------------------------------------------------------------------------------

    def remove(self, sha256: str) -> None:
        """Delete an object no catalog row references (the caller holds the write lock)."""
        with self._speaking(sha=sha256):
            self.client.delete_object(Bucket=self.location.bucket, Key=self.key(sha256))

    def blobs(self) -> Iterator[str]:
        for sha, _ in self._listing():
            yield sha

    def _listing(self) -> Iterator[tuple[str, datetime]]:
        """Every object named like a stored file under the prefix, with its `LastModified`."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.location.bucket, Prefix=self.base
        )
        with self._speaking():
            for page in pages:
                for entry in page.get("Contents", []):
                    sha = entry["Key"].rsplit("/", 1)[-1]
                    if _SHA.fullmatch(sha) and entry["Key"] == self.key(sha):
                        yield sha, entry["LastModified"]

    def sweep(self, referenced: set[str], grace_seconds: float) -> list[str]:
        """Remove unreferenced objects and abandoned uploads older than the grace period.

        Returns the names removed. Must run while the catalog's write lock is held, so that
        no filing can commit a reference to an object being removed.
        """
        cutoff = datetime.now(UTC) - timedelta(seconds=grace_seconds)
        removed = []
        for sha, modified in list(self._listing()):
            if sha not in referenced and modified <= cutoff:
                self.remove(sha)
                removed.append(sha)
        pages = self.client.get_paginator("list_multipart_uploads").paginate(
            Bucket=self.location.bucket, Prefix=self.base
        )
        with self._speaking():
            for page in pages:
                for upload in page.get("Uploads", []):
                    if upload["Initiated"] <= cutoff:
                        self.client.abort_multipart_upload(
                            Bucket=self.location.bucket,
                            Key=upload["Key"],
                            UploadId=upload["UploadId"],
                        )
                        removed.append(upload["Key"].rsplit("/", 1)[-1])
        return removed


class _Body(io.RawIOBase):
    """An object's bytes as they arrive, with a broken connection told as the project's
    error rather than botocore's."""

    def __init__(self, body: Any, store: S3Store, sha256: str) -> None:
        self._body = body
        self._store = store
        self._sha = sha256

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        with self._store._speaking(sha=self._sha):
            data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


_MAKING = threading.Lock()
_LOADER: list[Any] = []  # botocore's parsed service models, shared by every client made here


def _session() -> Any:  # noqa: ANN401 - a botocore session
    """A botocore session of its own, so the environment is read as it is now (credentials,
    endpoint), sharing the process's parsed service models: a long-running server opening
    the home for each request pays ~25 ms for a client instead of ~180 ms."""
    import botocore.loaders
    import botocore.session

    if not _LOADER:
        _LOADER.append(botocore.loaders.create_loader())
    session = botocore.session.Session()
    session.register_component("data_loader", _LOADER[0])
    return session


def _only_if_absent(request: Any, **_: Any) -> None:
    """Every write this store makes creates an object, never replaces one."""
    request.headers["If-None-Match"] = "*"
