"""Filing into an S3 bucket (SeaweedFS on loopback) next to filing into the home's own
store, and next to bare boto3 doing the same object writes, in the same run.

The S3 store sends each file once (a conditional PUT: content already there is not
replaced) and then reads the whole object back to prove it, so its floor is bare boto3's
put_object + get_object of the same bytes; under the catalog's write lock a HEAD checks the
object is still there. The ratios show what the archive adds on top of that, and what S3
costs against the local store.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_filing import _documents, _filing

ROUNDS = 3
CONNECTS = 20


def _bare_boto3(docs: list[Path], client, bucket: str, prefix: str, read_back: bool) -> float:  # noqa: ANN001 - a boto3 client
    start = time.perf_counter()
    for doc in docs:
        data = doc.read_bytes()
        key = f"{prefix}/{hashlib.sha256(data).hexdigest()}"
        client.put_object(Bucket=bucket, Key=key, Body=data)
        if read_back:
            hashlib.sha256(client.get_object(Bucket=bucket, Key=key)["Body"].read()).hexdigest()
    return time.perf_counter() - start


def _connect(bucket: str) -> tuple[float, float]:
    """Seconds each command or web request on an S3 home pays once for its connection (a
    boto3 session and client, and the HEAD of the bucket): the first time in a new process
    (which also imports boto3 and loads botocore's service models), and the median in a
    process that has connected before."""
    from archive.backends import StoreLocation
    from archive.s3store import S3Store

    code = (
        "import time; t = time.perf_counter(); from archive.backends import StoreLocation; "
        "from archive.s3store import S3Store; "
        f"S3Store(StoreLocation({bucket!r}, 'connect')).check(); print(time.perf_counter() - t)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    times = []
    for _ in range(CONNECTS):
        start = time.perf_counter()
        store = S3Store(StoreLocation(bucket, "connect"))
        store.check()
        times.append(time.perf_counter() - start)
        store.close()
    return float(done.stdout), statistics.median(times)


def run() -> list[str]:
    from tests.s3_server import SeaweedS3

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = SeaweedS3(root / "seaweed")
        server.start()
        saved = dict(os.environ)
        try:
            os.environ.update(server.env())
            bucket = server.new_bucket()
            client = server.client()
            (root / "docs").mkdir()
            docs = _documents(root / "docs")
            megabytes = sum(d.stat().st_size for d in docs) / 1e6
            times: dict[str, list[float]] = {"local": [], "s3": [], "put": [], "put+get": []}
            for r in range(ROUNDS):
                times["local"].append(_filing(docs, root / f"local{r}"))
                times["s3"].append(_filing(docs, root / f"s3-{r}", f"s3://{bucket}/home{r}"))
                times["put"].append(_bare_boto3(docs, client, bucket, f"bare{r}", False))
                times["put+get"].append(_bare_boto3(docs, client, bucket, f"both{r}", True))
            client.close()
            first, connect = _connect(bucket)
            load = os.getloadavg()[0]
        finally:
            os.environ.clear()
            os.environ.update(saved)
            server.stop()
    count = len(docs)
    t = {name: statistics.median(values) for name, values in times.items()}

    def row(what: str, seconds: float) -> str:
        return f"| {what} | {count / seconds:.0f} | {megabytes / seconds:.1f} |"

    return [
        "## Filing into S3 (`bench/bench_stores.py`)",
        "",
        f"{count} documents (half DOCX, half PDF, {megabytes:.1f} MB in all) filed one by one "
        "through the service layer into a home on the local store and into one on S3 "
        "(SeaweedFS 4.48, `weed server -s3` on loopback, the same machine), and the same "
        f"files written with bare boto3; median of {ROUNDS} rounds. SeaweedFS took "
        f"{server.started_in:.1f} s from launch to its first stored object.",
        "",
        "| what | items/s | MB/s |",
        "|---|---|---|",
        row("`Archive.file`, local store", t["local"]),
        row("`Archive.file`, S3 store (PUT, read-back GET, HEAD under the write lock)", t["s3"]),
        row("bare boto3 `put_object`", t["put"]),
        row("bare boto3 `put_object` + `get_object` (the read-back)", t["put+get"]),
        "",
        f"**Ratio S3 filing / local filing: {t['local'] / t['s3']:.2f}** (issue 19 aims at "
        f"0.5 or more). S3 filing runs at {t['put+get'] / t['s3']:.2f} of the rate of bare "
        f"put + get of the same files; the read-back GET costs bare boto3 "
        f"{(t['put+get'] / t['put'] - 1) * 100:.0f} % over the put alone. Connecting (boto3 "
        f"session and client, HEAD of the bucket), paid once by each command or web request "
        f"that reads or writes a stored file: {connect * 1000:.0f} ms (median of {CONNECTS}) "
        f"in a process that has connected before, {first * 1000:.0f} ms the first time in a "
        "new process (importing boto3, loading botocore's service models). Load average when "
        "it ended: "
        f"{load:.1f} on 2 CPUs (the machine is shared: compare the ratios).",
    ]
