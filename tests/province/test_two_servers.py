"""Several servers on one archive: the catalog in PostgreSQL, the files in S3, and each
server a copy of the home directory (configuration, keys, templates) with its own search
index, inbox and logs. Two servers filing, numbering, sealing and searching at once must
give what one would: unique contiguous numbers, one unbroken audit chain, and every item
found on both."""

from __future__ import annotations

import shutil
import signal
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2 as httpx
import pytest
import yaml

from tests.conftest import CHEAP_HASHING, PASSWORD, Bureau
from tests.factories import make_pdf
from tests.pg_server import ROLE_PASSWORD, PgServer, pg_server  # noqa: F401 - fixture
from tests.s3_server import SeaweedS3, s3_server  # noqa: F401 - fixture
from tests.test_generate import data_file, sample
from tests.web.test_serve import free_port, wait_for

pytestmark = pytest.mark.slow

ARGS = ["--kind", "notice", "--dept", "BGS", "--retention", "D30", "--date", "2026-03-04"]
SERVER_FILES = ("config.yaml", "keys", "templates")  # what a second server copies


class ServerBureau(Bureau):
    """`bureau` on one server's copy of the home, reaching PostgreSQL and S3 through the
    standard variables."""

    def __init__(self, root: Path, cwd: Path, env: dict[str, str], in_process: bool = True):
        super().__init__(root, cwd, in_process)
        self.backends = env

    @property
    def real(self) -> ServerBureau:
        return ServerBureau(self.root, self.cwd, self.backends, in_process=False)

    def env(self, **overrides: str | None) -> dict[str, str]:
        return super().env(**{**self.backends, **overrides})


@pytest.fixture
def servers(
    pg_server: PgServer,  # noqa: F811
    s3_server: SeaweedS3,  # noqa: F811
    tmp_path: Path,
) -> tuple[ServerBureau, ServerBureau]:
    """Server A made by `bureau init --catalog … --store …`; server B a copy of A's home
    directory as the README says: its configuration, keys and templates."""
    url = pg_server.new_database()
    bucket = s3_server.new_bucket()
    env = {**s3_server.env(), "PGPASSWORD": ROLE_PASSWORD}
    a = ServerBureau(tmp_path / "server-a", tmp_path, env)
    a.ok("init", "--catalog", url, "--store", f"s3://{bucket}/province", env=env)
    with (a.root / "config.yaml").open("a", encoding="utf-8") as config:
        config.write(CHEAP_HASHING)
    a.ok("users", "list")  # the administrator's password re-hashed at the cheap cost
    b_root = tmp_path / "server-b"
    b_root.mkdir(mode=0o750)
    for name in SERVER_FILES:
        source = a.root / name
        if source.is_dir():
            shutil.copytree(source, b_root / name, symlinks=True)
        else:
            shutil.copy2(source, b_root / name)
    yield a, ServerBureau(b_root, tmp_path, env)
    pg_server.drop_database(url)


def test_a_server_keeps_no_catalog_and_no_stored_files(servers):
    a, b = servers
    a.ok("file", make_pdf(a.cwd / "one.pdf", text="kept elsewhere"), *ARGS, "--title", "One")
    for server in (a, b):
        assert not (server.root / "catalog.sqlite").exists()
        assert not (server.root / "store").exists()
        info = server.json("info")
        assert (info["catalog"], info["store"]) == ("postgresql", "s3")
        assert "PASSWORD" not in yaml.safe_dump(info).upper()


def test_filing_from_two_servers_at_once_numbers_every_item_once_without_gaps(servers):
    a, b = servers
    docs = [make_pdf(a.cwd / f"d{n}.pdf", text=f"filed from two servers {n}") for n in range(10)]

    def file(n: int) -> dict:
        server = (a if n % 2 else b).real  # five processes on each server, six at a time
        return server.json("file", docs[n], *ARGS, "--title", f"Item {n}")

    with ThreadPoolExecutor(max_workers=6) as pool:
        filed = list(pool.map(file, range(10)))
    numbers = sorted(int(item["archive_code"].rsplit("-", 1)[1]) for item in filed)
    assert numbers == list(range(1, 11))
    assert a.json("audit", "verify")["ok"] is True
    assert b.json("audit", "verify")["ok"] is True


def test_document_numbers_from_two_servers_are_unique_and_contiguous(servers):
    a, b = servers
    data = yaml.safe_load(sample("notice").read_text(encoding="utf-8"))

    def generate(n: int) -> str:
        server = (a if n % 2 else b).real
        path = data_file(server.cwd, dict(data, title=f"Notice {n}"), f"n{n}.yaml")
        return server.json("generate", "notice", "--data", path, "--dept", "BGS")["doc_no"]

    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = list(pool.map(generate, range(8)))
    assert sorted(int(n.split("No. ")[1]) for n in numbers) == list(range(1, 9))
    register = a.json("numbers")
    assert sorted(entry["n"] for entry in register) == list(range(1, 9))


def test_every_item_filed_on_either_server_is_found_on_both(servers):
    a, b = servers
    a.ok("file", make_pdf(a.cwd / "a.pdf", text="zanzibar harbour"), *ARGS, "--title", "From A")
    b.ok("file", make_pdf(b.cwd / "b.pdf", text="kilimanjaro summit"), *ARGS, "--title", "From B")
    for server in (a, b):
        server.ok("watch", "--once", "--settle", "0")
        for word, title in (("zanzibar", "From A"), ("kilimanjaro", "From B")):
            hits = server.json("search", word)["hits"]
            assert [hit["title"] for hit in hits] == [title]


def test_a_document_sealed_on_each_server_verifies(servers):
    a, b = servers
    for server, name in ((a, "a"), (b, "b")):
        made = server.json(
            "generate", "notice", "--data", sample("notice"), "--dept", "BGS", "--pdf", "--sign"
        )
        out = server.cwd / f"sealed-{name}.pdf"
        server.ok("get", made["id"], "--out", out)
        [report] = server.json("verify", out)
        assert report["indication"] == "TOTAL_PASSED"


def test_two_web_servers_share_a_visitors_session(servers):
    a, b = servers
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen(
            server.command("serve", "--port", port),
            cwd=server.cwd,
            env=server.env(),
            stderr=subprocess.PIPE,
            text=True,
        )
        for server, port in zip((a, b), ports, strict=True)
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_for(f"http://127.0.0.1:{port}/login", process)
        with httpx.Client(base_url=f"http://127.0.0.1:{ports[0]}") as on_a:
            page = on_a.get("/login").text
            token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            answer = on_a.post(
                "/login", data={"username": "tester", "password": PASSWORD, "csrf_token": token}
            )
            assert answer.status_code == 303
            cookie = on_a.cookies["bureau_session"]
        with httpx.Client(base_url=f"http://127.0.0.1:{ports[1]}") as on_b:
            on_b.cookies.set("bureau_session", cookie)
            page = on_b.get("/", follow_redirects=False)
            assert page.status_code == 200 and "tester" in page.text
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=30)
