"""Copying a whole catalog between SQLite and PostgreSQL, table by table, verified.

Two uses: `bureau catalog copy --to postgresql://…` moves an embedded home's catalog into
an empty PostgreSQL database (`move_to_postgresql`), and a backup of a PostgreSQL-cataloged
home exports its catalog at one snapshot into a SQLite file of the same format as an
embedded home's (`export_to_sqlite`), so backups, `backup verify` and restore stay one
format.

Both sides hold the same schema (the same migrations), so a table is copied column by column
as it is. A copy is checked by each table's row count and a SHA-256 over its rows in a
canonical order (every column ascending, NULLs first: text compares bytewise on both sides,
archive/pgcatalog.py), and the copied audit trail must verify with the home's key.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import stat
from contextlib import closing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg

from archive import audit, catalog, config, pgcatalog
from archive.backends import EMBEDDED_CATALOG, catalog_setting
from archive.errors import BadInput, IntegrityError
from archive.migrations import MIGRATIONS

if TYPE_CHECKING:
    from archive.opened import OpenArchive

BATCH = 5000
_CREATED = re.compile(r"^\s*CREATE TABLE (\w+)", re.IGNORECASE)


@dataclass(frozen=True)
class TableSum:
    """What a table holds, summed up: its rows and a digest of them in a canonical order."""

    table: str
    rows: int
    sha256: str


def tables() -> list[str]:
    """The catalog's tables in the order the migrations create them (referenced first)."""
    return [m[1] for statements in MIGRATIONS for s in statements if (m := _CREATED.match(s))]


def summary(conn: Any, table: str) -> TableSum:
    """The table's row count and the SHA-256 of its rows in canonical order."""
    count = conn.execute(f"SELECT * FROM {table} LIMIT 0")
    width = len(count.description)
    order = ", ".join(f"{n} NULLS FIRST" for n in range(1, width + 1))
    digest = hashlib.sha256()
    rows = 0
    with closing(_read(conn, f"SELECT * FROM {table} ORDER BY {order}")) as found:
        for row in found:
            digest.update(_canonical(row))
            rows += 1
    return TableSum(table, rows, digest.hexdigest())


def _read(conn: Any, sql: str) -> Any:
    """The rows of `sql`, read as they are used: PostgreSQL's a batch at a time."""
    return conn.stream(sql) if isinstance(conn, pgcatalog.PgCatalog) else conn.execute(sql)


def move_to_postgresql(archive: OpenArchive, url: str) -> list[TableSum]:
    """Copy the home's SQLite catalog into the empty PostgreSQL database at `url`, verify
    the copy, and switch the home to it; the old catalog.sqlite is left read-only.

    The catalog's write lock is held from the first row read to the switch, so no change is
    left behind; the copy is one PostgreSQL transaction, committed only once verified. Any
    failure before the switch leaves the home on SQLite as it was, and the database empty.
    """
    url = catalog_setting(url)
    if url == EMBEDDED_CATALOG:
        raise BadInput("catalog copy --to: give a postgresql://USER@HOST:PORT/DATABASE URL")
    if archive.config.catalog != EMBEDDED_CATALOG:
        raise BadInput("this home's catalog is already in PostgreSQL")
    key = archive.audit_key()
    source = archive.conn
    with catalog.write(source):
        sums = _copy_into_postgresql(source, url, key)
        settings = config.read_mapping(archive.home.config_path)
        settings["catalog"] = url
        config.write(archive.home.config_path, settings)
    source.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the file alone holds the catalog
    path = archive.home.catalog_path
    os.chmod(path, stat.S_IMODE(path.stat().st_mode) & ~0o222)
    return sums


def export_to_sqlite(source: pgcatalog.PgCatalog, target: sqlite3.Connection) -> None:
    """The PostgreSQL catalog as of one moment (one REPEATABLE READ transaction) written
    into the new, empty SQLite database `target`, schema and rows, verified."""
    for statements in MIGRATIONS:
        for statement in statements:
            target.execute(statement)
    source.execute("BEGIN")  # REPEATABLE READ: every table read at the same snapshot
    try:
        target.execute("BEGIN")
        for table in tables():
            _insert_sqlite(source, target, table)
        target.execute("COMMIT")
        _require_same(source, target)
    finally:
        source.execute("COMMIT")


def _copy_into_postgresql(source: Any, url: str, key: bytes) -> list[TableSum]:
    target = pgcatalog.connect(url)
    try:
        with catalog.write(target):
            pgcatalog.require_empty(target)
            for statements in MIGRATIONS:
                for statement in statements:
                    target.execute(statement)
            for table in tables():
                _copy_rows(source, target, table)
            pgcatalog.restart_identities(target)
            sums = _require_same(source, target)
            problems = audit.inspect(target, key).problems
            if problems:
                raise IntegrityError(
                    f"the copied audit trail does not verify: {problems[0]}: nothing was moved"
                )
        return sums
    finally:
        target.close()


def _copy_rows(source: Any, target: pgcatalog.PgCatalog, table: str) -> None:
    rows = source.execute(f"SELECT * FROM {table} ORDER BY rowid")
    columns = ", ".join(c[0] for c in rows.description)
    try:
        with target.pg.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(tuple(row))
    except psycopg.DataError as exc:  # text with NUL, which PostgreSQL's text cannot hold
        raise BadInput(
            f"table {table} holds a value PostgreSQL cannot store ({exc}): nothing was moved"
        ) from exc


def _insert_sqlite(source: pgcatalog.PgCatalog, target: sqlite3.Connection, table: str) -> None:
    with closing(source.stream(f"SELECT * FROM {table}")) as rows:
        names = [c.name for c in rows.description or ()]
        marks = ", ".join("?" * len(names))
        insert = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})"
        while batch := rows.fetchmany(BATCH):
            target.executemany(insert, [tuple(r) for r in batch])


def _require_same(source: Any, target: Any) -> list[TableSum]:
    sums = []
    for table in tables():
        mine, theirs = summary(source, table), summary(target, table)
        if mine != theirs:
            raise IntegrityError(
                f"the copy of table {table} differs from the original ({theirs.rows} rows "
                f"copied of {mine.rows}): nothing was moved"
            )
        sums.append(mine)
    return sums


def _canonical(row: Any) -> bytes:
    values = [{"bytes": bytes(v).hex()} if isinstance(v, bytes | memoryview) else v for v in row]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
