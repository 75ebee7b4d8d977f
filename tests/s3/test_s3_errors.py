"""When the bucket cannot be used: one line saying why, exit 2, no secret in it, and
nothing made or changed."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.factories import make_docx
from tests.s3.conftest import S3Bureau
from tests.s3_server import SECRET_KEY, SeaweedS3

NOTICE = ["--kind", "notice", "--dept", "BGS", "--retention", "D30", "--date", "2026-03-04"]
WRONG_SECRET = "not-the-secret-" + "w" * 25
NO_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": None,
    "AWS_SECRET_ACCESS_KEY": None,
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
    "AWS_CONFIG_FILE": "/nonexistent/config",
}


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert SECRET_KEY not in err and WRONG_SECRET not in err
    return lines[0]


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"AWS_SECRET_ACCESS_KEY": WRONG_SECRET}, "refused the credentials"),
        ({"AWS_ACCESS_KEY_ID": "nobody"}, "refused the credentials"),
        (NO_CREDENTIALS, "no credentials"),
        ({"AWS_ENDPOINT_URL": "closed"}, "Could not connect"),
    ],
    ids=["wrong-secret", "unknown-key", "no-credentials", "unreachable"],
)
def test_filing_into_an_unusable_bucket_fails_in_one_line_and_files_nothing(
    s3_bureau: S3Bureau, tmp_path: Path, env: dict, says: str
):
    if env.get("AWS_ENDPOINT_URL") == "closed":
        env = {"AWS_ENDPOINT_URL": closed_port()}
    doc = make_docx(tmp_path / "n.docx", title="Not filed")
    result = s3_bureau.fails(2, "file", doc, *NOTICE, env=env)
    assert says in one_line(result.err)
    assert s3_bureau.json("list") == []
    assert s3_bureau.objects() == {}


def test_init_with_a_bucket_that_is_not_there_makes_nothing(s3_server: SeaweedS3, tmp_path: Path):
    home = tmp_path / "home"
    made = S3Bureau(home, tmp_path, s3_server, "no-such-bucket-here", "p")
    result = made.fails(2, "init", "--store", made.url)
    assert "there is no bucket 'no-such-bucket-here'" in one_line(result.err)
    assert not home.exists()


def test_init_with_refused_credentials_makes_nothing(
    s3_server: SeaweedS3, s3_bucket: str, tmp_path: Path
):
    home = tmp_path / "home"
    made = S3Bureau(home, tmp_path, s3_server, s3_bucket, "p")
    result = made.fails(2, "init", "--store", made.url, env={"AWS_SECRET_ACCESS_KEY": WRONG_SECRET})
    assert "refused the credentials" in one_line(result.err)
    assert not home.exists()


def test_a_command_that_reads_no_stored_file_needs_no_bucket(s3_bureau: S3Bureau, tmp_path: Path):
    filed = s3_bureau.json("file", make_docx(tmp_path / "n.docx", title="Listed"), *NOTICE)
    listed = s3_bureau.ok("list", "--json", env={"AWS_ENDPOINT_URL": closed_port()}).json()
    assert [i["id"] for i in listed] == [filed["id"]]
