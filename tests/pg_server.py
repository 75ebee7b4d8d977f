"""A real PostgreSQL server for the tests, started from Debian's `postgresql` package.

`initdb` and `pg_ctl` run as an unprivileged user (PostgreSQL refuses to run as root, and the
tests do run as root): the `postgres` system user the package makes, else one made here.
The cluster lives in a temporary folder that user owns and listens on a unix socket there
and on a free loopback port. Its superuser connects through the socket without a password
(`trust`); the `bureau` role the homes use connects over TCP with a password
(`scram-sha-256`), so the catalog reaches the server the way a real installation does,
with the password in `$PGPASSWORD`.

One server per test session (per xdist worker: each starts its own, on its own port); each
test gets a new database owned by `bureau`. The server is stopped and its folder removed
when the session ends, failed or not.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

ROLE = "bureau"
ROLE_PASSWORD = "the tests bureau role password"
FALLBACK_USER = "bureau-pg"


@dataclass
class PgServer:
    """A running cluster: where it listens, and the databases made for the tests."""

    folder: Path
    port: int
    run_as: str
    bindir: Path
    made: int = field(default=0)

    @property
    def socket_dir(self) -> Path:
        return self.folder / "socket"

    def admin(self, dbname: str = "postgres") -> psycopg.Connection:
        """A superuser connection through the unix socket (autocommit)."""
        return psycopg.connect(
            host=str(self.socket_dir),
            port=self.port,
            user="postgres",
            dbname=dbname,
            autocommit=True,
        )

    def url(self, dbname: str) -> str:
        """The catalog setting naming `dbname`: the `bureau` role over TCP, no password."""
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/{dbname}"

    def new_database(self) -> str:
        """A new, empty database owned by `bureau`; its catalog setting (URL)."""
        return self.copy_database(self.url("template0"))

    def copy_database(self, template_url: str) -> str:
        """A new database holding what the one at `template_url` holds (no one may be
        connected to that one meanwhile); its URL."""
        self.made += 1
        name = f"test_{os.getpid()}_{self.made}"
        template = template_url.rsplit("/", 1)[1]
        with closing(self.admin()) as conn:
            conn.execute(f'CREATE DATABASE "{name}" OWNER {ROLE} TEMPLATE "{template}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with closing(self.admin()) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        self._run("pg_ctl", "stop", "-D", str(self.folder / "data"), "-m", "immediate", check=False)
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return run_as(self.run_as, [str(self.bindir / tool), *args], check=check)


def start(durable: bool = False) -> PgServer:
    """Initialise a cluster in a new temporary folder and start it; the caller stops it.
    The tests' server skips fsync (nothing of it outlives the session); a `durable` one
    syncs as a production server does (for benchmarks)."""
    bindir = _bindir()
    user = _unprivileged_user()
    folder = Path(tempfile.mkdtemp(prefix="bureau-pg-"))
    entry = pwd.getpwnam(user) if os.geteuid() == 0 else None
    (folder / "socket").mkdir()
    if entry is not None:
        for path in (folder, folder / "socket"):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    server = PgServer(folder, _free_port(), user, bindir)
    try:
        server._run(
            "initdb",
            "-D",
            str(folder / "data"),
            "-U",
            "postgres",
            "--encoding=UTF8",
            "--no-locale",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
        )
        server._run(
            "pg_ctl",
            "start",
            "-D",
            str(folder / "data"),
            "-w",
            "-l",
            str(folder / "server.log"),
            "-o",
            f"-p {server.port} -k {folder / 'socket'} -c listen_addresses=127.0.0.1 "
            "-c max_connections=100"
            + (
                "" if durable else " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            ),
        )
        _wait_ready(server)
        with closing(server.admin()) as conn:
            conn.execute(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{ROLE_PASSWORD}'")
    except BaseException:
        log = folder / "server.log"
        if log.exists():
            print(log.read_text(errors="replace"))
        server.stop()
        raise
    return server


@contextmanager
def running(durable: bool = False) -> Iterator[PgServer]:
    server = start(durable)
    try:
        yield server
    finally:
        server.stop()


def run_as(user: str, argv: list[str], check: bool = True) -> subprocess.CompletedProcess:
    """`argv` run as `user` (through runuser when this process is root)."""
    if os.geteuid() == 0:
        argv = ["runuser", "-u", user, "--", *argv]
    done = subprocess.run(argv, capture_output=True, text=True, cwd="/", timeout=120)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr}")
    return done


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_major)
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run `make setup` (Debian's postgresql)")
    return Path(found[-1]).parent


def _major(initdb: str) -> int:
    return int(Path(initdb).parent.parent.name)


def _unprivileged_user() -> str:
    """Who runs the server: this process's own user unless root; then `postgres` (made by
    Debian's package), else a system user made for the purpose."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid()).pw_name
    for name in ("postgres", FALLBACK_USER):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", FALLBACK_USER],
        check=True,
        capture_output=True,
    )
    return FALLBACK_USER


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_ready(server: PgServer) -> None:
    """`pg_ctl -w` waits for the socket; the first connection is the real proof."""
    deadline = time.monotonic() + 30
    while True:
        try:
            server.admin().close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


# -- fixtures (tests/postgres/conftest.py imports them) --------------------------------------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """This session's (this xdist worker's) own PostgreSQL server."""
    with running() as server:
        yield server


@pytest.fixture
def pg_password(monkeypatch: pytest.MonkeyPatch) -> str:
    """The `bureau` role's password, given as libpq takes it: in $PGPASSWORD."""
    monkeypatch.setenv("PGPASSWORD", ROLE_PASSWORD)
    return ROLE_PASSWORD


@pytest.fixture
def pg_url(pg_server: PgServer, pg_password: str) -> Iterator[str]:
    """The URL of a new, empty database of this test's own (dropped afterwards)."""
    url = pg_server.new_database()
    yield url
    pg_server.drop_database(url)
