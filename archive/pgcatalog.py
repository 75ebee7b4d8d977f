"""The catalog in PostgreSQL: a connection offering the part of sqlite3.Connection the
archive uses, so every module reads and writes it with the same SQL as the embedded one.

The archive writes portable SQL where a portable form exists; `translate` rewrites the few
SQLite forms that have none, and nothing else:

- `?` placeholders become psycopg's `%s` (a literal `%` is doubled);
- `BEGIN IMMEDIATE` (a writer, `catalog.write`) becomes `BEGIN` followed by one global
  advisory lock, `pg_advisory_xact_lock(WRITER_LOCK)`, held until COMMIT or ROLLBACK; plain
  `BEGIN` (a reader wanting one consistent view) becomes `BEGIN ISOLATION LEVEL REPEATABLE
  READ`, the snapshot SQLite's deferred transaction gives;
- `PRAGMA ...` (SQLite's storage settings) is a no-op. One of them has no equivalent an
  application can ask of PostgreSQL: `secure_delete` with `wal_checkpoint(TRUNCATE)` leaves
  no old bytes of a changed or deleted row (a destroyed data key, a title before it was
  encrypted) in SQLite's files; in PostgreSQL such a row version stays in its table's pages
  until VACUUM reuses the space and in the write-ahead log (and any WAL archive or replica)
  until recycled — the database's operators decide how long;
- `sqlite_master` becomes the current schema's tables from information_schema;
- `json_extract(column, '$.key')` becomes `(column::jsonb ->> 'key')`;
- in `CREATE TABLE` and `ALTER TABLE` (the migrations, which are never edited): INTEGER is
  BIGINT, BLOB is BYTEA, an `INTEGER PRIMARY KEY` (SQLite's automatic id) is an identity
  column, and TEXT compares bytewise (`COLLATE "C"`), as SQLite's BINARY collation does, so
  ORDER BY gives the same order on both (the audit trail's state digests depend on it).

Writers are serialized exactly as SQLite's `BEGIN IMMEDIATE` serializes them, across every
process and every server using the database: a writer waits for the lock, and the lock is
released only after the previous writer's commit is visible. So counters kept in rows
(item and document numbers) are gap-free and never duplicated, the audit chain is appended
in one order, and audit sequence numbers become visible in increasing order — what
archive/changes.py, the indexer's change feed, relies on. Readers run in autocommit, each
statement seeing the latest committed state (READ COMMITTED), like SQLite's readers. A
writer gives up after waiting BUSY_TIMEOUT_MS for the lock, as SQLite's does.

Rows behave like sqlite3.Row: by position, by column name, `keys()`, unpacking. A bool
parameter is stored as 0/1 (the schema's flags are integers) and an integral NUMERIC (what
SUM gives) comes back as an int. The password is never in the URL: libpq takes it from
`$PGPASSWORD` or `~/.pgpass`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from functools import lru_cache
from typing import Any

import psycopg
from psycopg.adapt import Dumper, Loader

from archive.errors import BadInput, HomeError

# One constant for every writer of every archive database: "bureau19" as a 64-bit integer.
WRITER_LOCK = int.from_bytes(b"bureau19", "big") & 0x7FFF_FFFF_FFFF_FFFF
CONNECT_TIMEOUT_S = 10
BUSY_TIMEOUT_MS = 60_000  # how long a writer waits for the lock, as SQLite's busy timeout
NOTHING = "SELECT 1 WHERE false"
STREAM_BATCH = 5000


class Row:
    """One result row, read as sqlite3.Row is: `row[0]`, `row["name"]`, `row.keys()`."""

    __slots__ = ("_names", "_values")

    def __init__(self, names: dict[str, int], values: Sequence[Any]) -> None:
        self._names = names
        self._values = tuple(values)

    def __getitem__(self, key: int | slice | str) -> Any:
        if isinstance(key, str):
            try:
                return self._values[self._names[key.lower()]]
            except KeyError:
                raise IndexError(f"No item with that key: {key!r}") from None
        return self._values[key]

    def keys(self) -> list[str]:
        return list(self._names)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Row):
            return NotImplemented
        return self._names == other._names and self._values == other._values

    def __hash__(self) -> int:
        return hash(self._values)

    def __repr__(self) -> str:
        return f"Row({dict(zip(self._names, self._values, strict=True))!r})"


def _rows(cursor: psycopg.Cursor[Any]) -> Callable[[Sequence[Any]], Row]:
    names = {c.name.lower(): n for n, c in enumerate(cursor.description or ())}
    return lambda values: Row(names, values)


class _FlagDumper(Dumper):
    """A Python bool as the integer 0/1 the catalog's flag columns hold."""

    oid = psycopg.adapters.types["int8"].oid

    def dump(self, obj: bool) -> bytes:
        return b"1" if obj else b"0"


class _NumericLoader(Loader):
    """NUMERIC (SUM of integers) as an int when it is one, as SQLite returns it."""

    def load(self, data: bytes | bytearray | memoryview) -> int | float:
        value = Decimal(bytes(data).decode("ascii"))
        return int(value) if value == value.to_integral_value() else float(value)


class PgCatalog:
    """A catalog connection to PostgreSQL, used where archive/catalog.py's SQLite one is."""

    audit_key: Callable[[], bytes] | None = None
    trail_ready: bool = False

    def __init__(self, pg: psycopg.Connection[Any], url: str) -> None:
        self.pg = pg
        self.url = url

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> psycopg.Cursor:
        cursor = self.pg.cursor()
        statement = translate(sql)
        _refuse_nul(params.values() if isinstance(params, dict) else params)
        with self._reaching():
            cursor.execute(statement, None if statement in _WHOLE else params)
        return cursor

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> psycopg.Cursor:
        cursor = self.pg.cursor()
        rows = list(rows)
        for row in rows:
            _refuse_nul(row)
        with self._reaching():
            cursor.executemany(translate(sql), rows)
        return cursor

    def stream(self, sql: str) -> psycopg.ServerCursor:
        """The rows of a large query read a batch at a time (a server-side cursor; outside
        a transaction one that outlives its statement's own)."""
        cursor = self.pg.cursor(
            name=f"stream_{id(self)}", scrollable=False, withhold=not self.in_transaction
        )
        cursor.itersize = STREAM_BATCH
        with self._reaching():
            cursor.execute(translate(sql), ())
        return cursor

    @contextmanager
    def _reaching(self) -> Iterator[None]:
        """A connection lost on the way (the server stopped, the network failed) as the
        one-line HomeError; any other database error as it is."""
        try:
            yield
        except psycopg.OperationalError as exc:
            if self.pg.broken or self.pg.closed:
                raise unreachable(self.url, exc) from exc
            raise

    @property
    def in_transaction(self) -> bool:
        return self.pg.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def tables(self) -> list[str]:
        """The tables of the database's current schema, by name."""
        return [r[0] for r in self.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]

    def close(self) -> None:
        self.pg.close()


def _refuse_nul(values: Iterable[Any]) -> None:
    """BadInput for text holding a NUL character: SQLite keeps it, PostgreSQL's text cannot
    (so it names nothing there, and cannot be stored)."""
    if any(isinstance(v, str) and "\x00" in v for v in values):
        raise BadInput("text with a NUL character (\\0) cannot be stored or looked up")


def connect(url: str) -> PgCatalog:
    """A connection to the catalog at `url` (autocommit; transactions are explicit);
    HomeError, in one line, if the server cannot be reached or refuses."""
    try:
        pg = psycopg.connect(
            url,
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT_S,
            application_name="bureau",
            options=f"-c lock_timeout={BUSY_TIMEOUT_MS}",
        )
    except psycopg.Error as exc:
        raise unreachable(url, exc) from exc
    pg.row_factory = _rows
    pg.adapters.register_dumper(bool, _FlagDumper)
    pg.adapters.register_loader("numeric", _NumericLoader)
    return PgCatalog(pg, url)


def create(url: str) -> PgCatalog:
    """A new catalog at the current schema in the (empty) database at `url`. A database
    that already holds tables is refused: a second server copies the home instead."""
    from archive import catalog

    conn = connect(url)
    try:
        require_empty(conn)
        catalog.migrate(conn)
    except psycopg.Error as exc:  # e.g. the role may not create tables there
        conn.close()
        raise HomeError(f"{url}: cannot make the catalog there: {_one_line(exc)}") from exc
    except BaseException:
        conn.close()
        raise
    return conn


def require_empty(conn: PgCatalog) -> None:
    """HomeError unless the database holds no tables (in its current schema)."""
    found = conn.tables()
    if found:
        raise HomeError(
            f"{conn.url}: the database is not empty (it holds {', '.join(sorted(found)[:5])}"
            f"{'…' if len(found) > 5 else ''}): a catalog needs a database of its own"
        )


def restart_identities(conn: PgCatalog) -> None:
    """Each automatic id (an identity column) continues after the largest id present, as
    SQLite's do: for rows copied in with their ids."""
    found = conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND is_identity = 'YES'"
    ).fetchall()
    for table, column in found:
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
            f"COALESCE(MAX({column}), 0) + 1, false) FROM {table}"
        )


def unreachable(url: str, exc: BaseException) -> HomeError:
    """The one-line error for a catalog server that cannot be reached or refuses."""
    return HomeError(f"cannot reach the catalog at {url}: {_one_line(exc)}")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


# -- translation ----------------------------------------------------------------------------

_STATEMENTS = {
    "BEGIN IMMEDIATE": (
        f"BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock({WRITER_LOCK})"
    ),
    "BEGIN": "BEGIN ISOLATION LEVEL REPEATABLE READ",
}
_WHOLE = frozenset(_STATEMENTS.values())  # sent as they are: no parameters, no `%` to read
_SQLITE_MASTER = re.compile(r"\bsqlite_master\b")
_TABLES = (
    "(SELECT 'table' AS type, table_name AS name FROM information_schema.tables "
    "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE') AS sqlite_master"
)
_JSON_EXTRACT = re.compile(r"json_extract\(\s*(\w+)\s*,\s*'\$\.(\w+)'\s*\)")
_DDL = re.compile(r"^\s*(CREATE|ALTER)\s+TABLE\b", re.IGNORECASE)
_DDL_TYPES = [
    (re.compile(r"\bINTEGER PRIMARY KEY\b"), "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
    (re.compile(r"\bBLOB\b"), "BYTEA"),
    (re.compile(r"\bTEXT\b"), 'TEXT COLLATE "C"'),
]


@lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    """The PostgreSQL form of a statement the archive writes (see the module's docstring)."""
    if (whole := " ".join(sql.split()).rstrip(";").upper()) in _STATEMENTS:
        return _STATEMENTS[whole]
    if whole.startswith("PRAGMA "):
        return NOTHING
    if _DDL.match(sql):
        for pattern, replacement in _DDL_TYPES:
            sql = pattern.sub(replacement, sql)
    sql = _SQLITE_MASTER.sub(_TABLES, sql)
    sql = _JSON_EXTRACT.sub(r"(\1::jsonb ->> '\2')", sql)
    return _placeholders(sql)


def _placeholders(sql: str) -> str:
    """`?` outside quotes as `%s`, and every `%` doubled (psycopg reads `%` everywhere)."""
    out: list[str] = []
    quote: str | None = None
    for char in sql:
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "?":
            out.append("%s")
            continue
        out.append("%%" if char == "%" else char)
    return "".join(out)
