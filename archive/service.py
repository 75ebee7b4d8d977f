"""The archive's service layer: every operation on a data home, as one object.

The CLI (and the web pages to come) call these methods and nothing below them, so the
rules — validation, audit entries, permissions and clearance — live in one place. An
Archive acts for one user; what that user may not see is answered as if it did not exist.
"""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from archive import (
    access,
    atomic,
    audit,
    backup,
    catalog,
    changes,
    classify,
    config,
    fixity,
    home,
    items,
    lookup,
    numbers,
    states,
)
from archive.errors import BadInput, HomeError, IntegrityError, KeyRequired, NotFound
from archive.filing import FiledResult, FilingRequest, Metadata
from archive.filing import file as file_request
from archive.items import DISPOSED
from archive.keyfiles import exclusive as keys_lock
from archive.keys import KeyRing
from archive.retention import apply, disposal, disposition, rules
from archive.retention import transfer as transfers
from archive.retention.rules import Schedule
from archive.store import BlobStore
from archive.vault import PassphraseProvider, Vault
from archive.vocab import CLASSIFIED
from archive.vocab import classification as parse_level

STRIPPED = (
    "the audit trail has lost its authentication (its MACs are gone, though this home's key "
    "ring records that it was authenticated): it was changed outside the program"
)
DECLASSIFIED_LEVEL = "internal"  # what an item becomes when its classification ends


def default_actor() -> str:
    """Who is acting: `$BUREAU_USER`, else the login name."""
    try:
        return os.environ.get("BUREAU_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass(frozen=True)
class VerifyReport:
    problems: list[fixity.Problem]
    cleaned: list[str]
    items: int
    head: dict | None = None  # {"seq", "hash"}: note it down to detect a later rollback
    authenticated: bool | None = None  # None: the MACs were not checked (no passphrase)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "problems": [p.to_json() for p in self.problems],
            "items": self.items,
            "cleaned": len(self.cleaned),
            "head": self.head,
            "authenticated": self.authenticated,
        }


class Archive:
    """An open data home."""

    def __init__(
        self,
        data_home: home.DataHome,
        settings: config.Config,
        conn: sqlite3.Connection,
        actor: str,
        passphrase: PassphraseProvider | None = None,
    ) -> None:
        self.home = data_home
        self.config = settings
        self.conn = conn
        self.store = BlobStore(data_home.store_path)
        self.actor = actor
        self.vault = Vault(conn, self.store, data_home.folder("keys"), passphrase)
        self._trail_key: bytes | None = None
        conn.audit_key = self.audit_key  # type: ignore[attr-defined]
        self._user: access.User | None = None
        self._schedule: Schedule | None = None
        self.schedule_moves: list[apply.Moved] = []

    # -- lifecycle -------------------------------------------------------------------------

    @classmethod
    def init(
        cls,
        data_home: home.DataHome,
        org: str | None = None,
        fonds: str = "J042",
        lang: str = "en",
        actor: str | None = None,
        passphrase: PassphraseProvider | None = None,
    ) -> Archive:
        """Create a new data home and open it; HomeError if one is already there.

        The acting user becomes its first administrator. The passphrase is required: it
        creates the master key, whose audit-trail key authenticates every entry.
        """
        if passphrase is None:
            raise KeyRequired(
                "a new data home needs a passphrase (it protects the keys and authenticates "
                "the audit trail): set $BUREAU_PASSPHRASE"
            )
        home.create(data_home, config.default_config(org, fonds, lang))
        archive = cls.open(data_home, actor, passphrase)
        archive.vault.ring()
        with catalog.write(archive.conn):
            audit.append(
                archive.conn,
                archive.actor,
                "init",
                detail={"fonds": archive.config.fonds, "schema": catalog.SCHEMA_VERSION},
            )
        archive.user  # noqa: B018 - the acting user becomes the first administrator
        return archive

    @classmethod
    def open(
        cls,
        data_home: home.DataHome,
        actor: str | None = None,
        passphrase: PassphraseProvider | None = None,
    ) -> Archive:
        """Open an existing home, bringing an older catalog up to date on first use."""
        home.require(data_home)
        settings = config.load(data_home.config_path)
        try:
            conn = catalog.connect(data_home.catalog_path)
            applied = catalog.migrate(conn)
        except sqlite3.DatabaseError as exc:
            raise HomeError(f"{data_home.catalog_path}: the catalog cannot be read: {exc}") from exc
        archive = cls(data_home, settings, conn, actor or default_actor(), passphrase)
        if applied:
            with catalog.write(conn):
                try:
                    audit.append(conn, archive.actor, "upgrade", detail={"applied": applied})
                except KeyRequired:  # written, authenticated, by the next command with the key
                    audit.defer(conn, archive.actor, "upgrade", {"applied": applied})
        archive.apply_schedule()
        return archive

    def apply_schedule(self) -> None:
        """Apply a changed retention schedule now, so every command sees current due dates.
        A schedule that does not load is left to the commands that need it to report."""
        with suppress(BadInput):
            self.schedule  # noqa: B018

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the audit trail's key ---------------------------------------------------------------

    def audit_key(self) -> bytes:
        """The audit-trail key (the passphrase unlocks the ring on first need); KeyRequired
        without a passphrase. On first use the trail is made ready (an older trail vouched
        for, deferred entries written) and the acting user's own record is checked."""
        if self._trail_key is None:
            key = self._derive_key()
            if key is None:
                raise KeyRequired(audit.NEEDS_KEY)
            if self._trail_stripped():
                raise IntegrityError(STRIPPED)
            if self.conn.in_transaction:
                audit.make_ready(self.conn, key, self.actor)
            else:
                with catalog.write(self.conn):
                    audit.make_ready(self.conn, key, self.actor)
            self._mark_trail_authenticated()
            self._trail_key = key
            if self._user is not None:
                self._check_user(self._user.name)
        return self._trail_key

    def _trail_stripped(self) -> bool:
        """A trail without MACs in a home whose key ring says it was authenticated: someone
        stripped them (to have a rewritten trail vouched for as an old one)."""
        return self.vault.ring().trail_authenticated and not audit.authenticated(self.conn)

    def _mark_trail_authenticated(self) -> None:
        """Once a trail is authenticated, say so in the key ring (read afresh under the keys
        lock, so a rotation made meanwhile is kept). If a key operation holds the lock (this
        process's own rotation, say), the next command does it."""
        if self.vault.ring().trail_authenticated or not audit.authenticated(self.conn):
            return
        keys = self.home.folder("keys")
        with suppress(BadInput), keys_lock(keys):
            KeyRing.unlock(keys, self.vault.secret()).mark_trail_authenticated(self.vault.secret())
            self.vault.ring().format = 2

    def _derive_key(self, create: bool = True) -> bytes | None:
        """The key without readying the trail (what `audit verify` checks with); None if no
        passphrase was given (or, without `create`, the home has no master key yet)."""
        if self._trail_key is not None:
            return self._trail_key
        if self.vault.passphrase is None:
            return None
        if not create and not KeyRing.exists(self.home.folder("keys")):
            return None
        try:
            return self.vault.ring().derived(audit.KEY_PURPOSE)
        except KeyRequired:
            return None

    def prepare_trail(self) -> bool:
        """Authenticate a trail from before authentication now (`bureau upgrade`); whether
        it needed it."""
        needed = not audit.authenticated(self.conn)
        self.audit_key()
        return needed

    def _guard(self, subject: str, name: str | None = None) -> None:
        """Refuse (exit 1) unless the subject's catalog rows are what the trail recorded:
        a change or an access decision never relies on a row changed outside the program."""
        states.require_intact(self.conn, self.audit_key(), subject, name)

    def _check_user(self, name: str) -> None:
        if self._trail_key is not None and audit.authenticated(self.conn):
            states.require_intact(self.conn, self._trail_key, states.user(name), f"user {name}")

    def ensure_master_key(self) -> bool:
        """Create the master key if the home has none (a home from before encryption)."""
        if KeyRing.exists(self.home.folder("keys")):
            return False
        self.vault.ring()
        return True

    def schema_version(self) -> int:
        return catalog.schema_version(self.conn)

    # -- who is acting -----------------------------------------------------------------------

    @property
    def user(self) -> access.User:
        """The acting user. In a home without users yet (new, or from before users existed)
        the first to act becomes its administrator, cleared for everything."""
        if self._user is None:
            with catalog.write(self.conn):
                if self.conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0:
                    access.add(
                        self.conn, self.actor, "admin", "top-secret", None, self.actor, self._now()
                    )
                    audit.append(
                        self.conn,
                        self.actor,
                        "user_add",
                        None,
                        {"name": self.actor, "role": "admin", "clearance": "top-secret"},
                        [states.user(self.actor)],
                    )
            self._user = access.get(self.conn, self.actor)
            self._check_user(self.actor)
        return self._user

    def require(self, permission: str, what: str | None = None) -> access.User:
        user = self.user
        user.require(permission, what)
        return user

    def _now(self) -> datetime:
        return datetime.now(self.config.tz)

    def _visible(self, item: items.Item) -> bool:
        return self.user.sees(item.classification, item.dept)

    def _visibility_sql(self) -> tuple[str, list[str]]:
        """A WHERE clause restricting items to what the acting user may see."""
        user = self.user
        levels = list(user.levels())
        clause = f"classification IN ({','.join('?' * len(levels))})"
        if user.role in access.DEPARTMENT_BOUND:
            return f"{clause} AND dept = ?", [*levels, user.dept or ""]
        return clause, levels

    # -- filing and retrieval ----------------------------------------------------------------

    def file(self, request: FilingRequest) -> FiledResult:
        user = self.require("file", "file documents")
        self.audit_key()  # before anything is stored: the filing's entry needs it
        if request.supersedes:
            previous = self._find(request.supersedes)
            self._guard(states.item(previous.id), previous.archive_code)
            request = replace(request, supersedes=previous.id)

        def allowed(meta: Metadata) -> None:
            user.require_dept(meta.dept, "file documents")
            user.require_level(meta.classification, f"file {meta.classification} documents")

        result = file_request(
            self.conn,
            self.store,
            self.config,
            request,
            self.actor,
            self.schedule,
            self.vault.ring,
            allowed,
        )
        if result.duplicate_of and not self._visible(result.item):
            raise BadInput("this content is already in the archive, in an item you may not see")
        return replace(result, item=self.vault.reveal(result.item, strict=False))

    def resolve(self, ref: str) -> items.Item:
        """The item `ref` names, if the acting user may see it (NotFound otherwise, exactly
        as for an item that does not exist); a classified read is recorded."""
        self.require("read", "read items")
        item = self.vault.reveal(self._find(ref))
        self._record_reads([item], "show")
        return item

    def intake_notes(self, item: items.Item) -> dict[str, list[str] | str]:
        """What screening found when `item` was filed, from its filing entry in the trail:
        `active_content` always (empty if none), and `ignored_after_seal` and
        `unsealed_signature` when they apply."""
        row = self.conn.execute(
            "SELECT detail FROM audit WHERE item_id = ? AND action = 'file' ORDER BY seq LIMIT 1",
            (item.id,),
        ).fetchone()
        detail = json.loads(row[0]) if row else {}
        notes: dict[str, list[str] | str] = {"active_content": detail.get("active_content", [])}
        for key in ("ignored_after_seal", "unsealed_signature"):
            if key in detail:
                notes[key] = detail[key]
        return notes

    def _find(self, ref: str) -> items.Item:
        user = self.user
        return lookup.resolve(self.conn, ref, lambda r: user.sees(r["classification"], r["dept"]))

    def _record_reads(self, found: list[items.Item], how: str) -> None:
        self.record_reads([i.id for i in found if i.classification in CLASSIFIED], how)

    def record_reads(self, item_ids: list[str], how: str) -> None:
        """Record in the trail that the acting user read these (classified) items."""
        if not item_ids:
            return
        try:
            self.audit_key()
        except KeyRequired:
            raise KeyRequired(
                "reading classified items is recorded in the audit trail, which needs the "
                "passphrase: set $BUREAU_PASSPHRASE"
            ) from None
        with catalog.write(self.conn):
            for item_id in item_ids:
                audit.append(self.conn, self.actor, "read", item_id, {"via": how})

    def list(
        self,
        dept: str | None = None,
        kind: str | None = None,
        year: int | None = None,
        limit: int | None = None,
    ) -> list[items.Item]:
        """Items matching every filter given, in archival-code order."""
        self.require("read", "list items")
        where, params = [], []
        visibility, allowed = self._visibility_sql()
        where.append(visibility)
        params.extend(allowed)
        if dept:
            where.append("dept = ?")
            params.append(self.config.department(dept).code)
        if kind:
            where.append("kind = ?")
            params.append(" ".join(kind.split()).lower())
        if year is not None:
            where.append("year = ?")
            params.append(year)
        if limit is not None and limit < 1:
            raise BadInput("--limit must be at least 1")
        sql = f"SELECT {items.ITEM_COLUMNS} FROM items WHERE " + " AND ".join(where)
        sql += " ORDER BY year, dept, retention, item_no"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        found = items.load(self.conn, self.conn.execute(sql, params).fetchall())
        self._record_reads(found, "list")
        return [self.vault.reveal(i, strict=False) for i in found]

    def sealed_items(self) -> list[items.Item]:
        """Items whose official rendition is a sealed PDF (for re-verifying the seals)."""
        rows = self.conn.execute(
            f"SELECT {items.ITEM_COLUMNS} FROM items WHERE sealed = 1 AND status != ? "
            "ORDER BY archive_code",
            (DISPOSED,),
        ).fetchall()
        return items.load(self.conn, rows)

    def get(
        self, ref: str, out: Path, rendition: str | None = None, overwrite: bool = False
    ) -> tuple[items.Item, items.StoredFile, Path]:
        """Write a rendition (default: the official one) to `out`, verified against its hash.

        The bytes are checked before anything appears at `out`: a corrupted stored file
        raises IntegrityError and leaves `out` as it was.
        """
        self.require("get", "retrieve files")
        self.audit_key()  # the retrieval is recorded: nothing is written without the key
        item = self.vault.reveal(self._find(ref))
        if item.disposed:
            raise BadInput(
                f"{item.archive_code} was disposed of on {item.disposed_at} (disposal list "
                f"{item.disposal_list}): its files no longer exist"
            )
        stored = item.rendition(rendition) if rendition else item.official
        if stored is None:
            have = ", ".join(f.rendition for f in item.files if f.role == "document")
            raise NotFound(f"{item.archive_code} has no {rendition} rendition (it has {have})")
        target = out / _safe_name(stored.name) if out.is_dir() else out
        if target.exists() and not overwrite:
            raise BadInput(f"{target}: already exists (use --force to replace it)")
        if not target.parent.is_dir():
            raise BadInput(f"{target.parent}: no such directory")
        content = self.vault.read(item, stored)
        with atomic.replacing(target) as stream:
            stream.write(content)
        with catalog.write(self.conn):
            audit.append(
                self.conn,
                self.actor,
                "retrieve",
                item.id,
                {"rendition": stored.rendition, "sha256": stored.sha256},
            )
        return item, stored, target

    def read_content(self, item: items.Item, stored: items.StoredFile) -> bytes:
        """A stored file's content, verified and (for an encrypted item) decrypted, in
        memory: it never touches the disk. For the indexer and sealing, not a user's read."""
        return self.vault.read(item, stored)

    # -- what the indexer follows --------------------------------------------------------------

    def changes_since(self, seq: int, limit: int = 500) -> changes.Changes:
        return changes.since(self.conn, seq, limit)

    def visible_ids(self, item_ids: list[str]) -> list[str]:
        """The ones among `item_ids` the acting user may see."""
        found = self.items_by_id(item_ids)
        return [i for i in item_ids if i in found and self._visible(found[i])]

    def visible_count(self) -> int:
        clause, params = self._visibility_sql()
        return self.conn.execute(f"SELECT COUNT(*) FROM items WHERE {clause}", params).fetchone()[0]

    def audit_position(self) -> int:
        """The newest audit sequence number: everything up to it is in the catalog."""
        return changes.head(self.conn)

    def item_ids(self) -> set[str]:
        """Every item with content: what the index holds (tombstones are not indexed)."""
        return {
            row[0]
            for row in self.conn.execute("SELECT id FROM items WHERE status != ?", (DISPOSED,))
        }

    def items_by_id(self, ids: list[str]) -> dict[str, items.Item]:
        """The items among `ids` that exist and have content (a missing or disposed one is
        simply absent)."""
        found: dict[str, items.Item] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT {items.ITEM_COLUMNS} FROM items WHERE id IN ({marks}) AND status != ?",
                [*chunk, DISPOSED],
            ).fetchall()
            found.update((i.id, i) for i in items.load(self.conn, rows))
        return found

    def filed_with_origin(self, origin: str) -> str | None:
        return changes.filed_with_origin(self.conn, origin)

    # -- the document-number register ----------------------------------------------------------

    def allocate_number(
        self,
        dept: str,
        template: str | None,
        lang: str,
        year: int | None = None,
        classification: str = "internal",
    ) -> numbers.Number:
        """Reserve the next document number of `dept`'s prefix for `template` documents
        (in the department's classified series for a classified document)."""
        department = self.config.department(dept)
        classified = classification in CLASSIFIED
        now = datetime.now(self.config.tz)
        return numbers.allocate(
            self.conn,
            series=department.prefix("zh", template, classified),
            prefix=department.prefix(lang, template, classified),
            lang=lang,
            year=year or now.year,
            dept=department.code,
            template=template,
            actor=self.actor,
            now=now,
        )

    def void_number(self, number: numbers.Number, reason: str) -> None:
        numbers.void(self.conn, number.key, reason, self.actor)

    def number_register(self, year: int | None = None) -> list[numbers.Number]:
        """The register, without the numbers of items the acting user may not see, nor
        (for a user not cleared for classified documents) the classified series at all."""
        self.require("read", "read the number register")
        user = self.user
        hidden = {
            row[0]
            for row in self.conn.execute("SELECT id, classification, dept FROM items")
            if not user.sees(row[1], row[2])
        }
        classified_series = {d.classified_prefix("zh") for d in self.config.departments}
        return [
            n
            for n in numbers.register(self.conn, year)
            if n.item_id not in hidden
            and user.sees(CLASSIFIED[0] if n.series in classified_series else "public", n.dept)
        ]

    # -- users -------------------------------------------------------------------------------

    def users(self) -> list[access.User]:
        self.require("users", "list users")
        return access.all_users(self.conn)

    def add_user(self, name: str, role: str, clearance: str, dept: str | None) -> access.User:
        self.require("users", "add users")
        code = self.config.department(dept).code if dept else None
        with catalog.write(self.conn):
            user = access.add(self.conn, name, role, clearance, code, self.actor, self._now())
            audit.append(
                self.conn, self.actor, "user_add", None, user.to_json(), [states.user(name)]
            )
        return user

    def change_user(self, name: str, **changes: object) -> access.User:
        """Change a user's role, clearance, department or whether they are enabled; the
        last enabled administrator cannot be demoted or disabled."""
        self.require("users", "change users")
        if "dept" in changes and changes["dept"]:
            changes["dept"] = self.config.department(str(changes["dept"])).code
        if self.conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
            self._guard(states.user(name), f"user {name}")
        with catalog.write(self.conn):
            user = access.update(self.conn, name, **changes)
            admins = self.conn.execute(
                "SELECT COUNT(*) FROM users WHERE role = 'admin' AND enabled = 1"
            ).fetchone()[0]
            if admins == 0:
                raise BadInput("that would leave no enabled administrator: nothing was changed")
            audit.append(
                self.conn,
                self.actor,
                "user_change",
                None,
                {"name": name, **user.to_json()},
                [states.user(name)],
            )
        return user

    # -- keys --------------------------------------------------------------------------------

    def rotate_master_key(self, batch: int = 500) -> dict[str, int]:
        """A new master key; every data key rewrapped under it, content untouched.

        Interrupted at any moment, every item still opens, and running it again finishes.
        """
        self.require("keys", "rotate keys")
        with keys_lock(self.home.folder("keys")):
            ring = self.vault.ring()
            secret = self.vault.secret()
            before = ring.current
            target = ring.begin_rotation(secret)
            moved = 0
            while True:
                rows = self.conn.execute(
                    "SELECT item_id, version, wrapped FROM item_keys WHERE version != ? LIMIT ?",
                    (target, batch),
                ).fetchall()
                if not rows:
                    break
                with catalog.write(self.conn):
                    for row in rows:
                        key = ring.unwrap(row["item_id"], row["version"], bytes(row["wrapped"]))
                        version, wrapped = ring.wrap(row["item_id"], key)
                        self.conn.execute(
                            "UPDATE item_keys SET version = ?, wrapped = ? WHERE item_id = ?",
                            (version, wrapped, row["item_id"]),
                        )
                moved += len(rows)
            ring.finish_rotation(secret)
            with catalog.write(self.conn):
                audit.append(
                    self.conn,
                    self.actor,
                    "keys_rotate",
                    None,
                    {"from": before, "to": target, "rewrapped": moved},
                )
        return {"from": before, "to": target, "rewrapped": moved}

    def change_master_passphrase(self, new: bytes) -> None:
        """Protect the master key with `new` (the seals' keys are the caller's other half)."""
        self.require("keys", "change the passphrase")
        with keys_lock(self.home.folder("keys")):
            self.vault.change_passphrase(new)
            with catalog.write(self.conn):
                audit.append(self.conn, self.actor, "keys_passphrase", None, {})

    # -- classification ----------------------------------------------------------------------

    def classify(self, ref: str, level: str, until: date | None = None) -> classify.Change:
        """Change an item's classification (encrypting or decrypting its files)."""
        user = self.require("classify", "reclassify items")
        item = self._find(ref)
        level = parse_level(level)
        user.require_level(level, f"classify items as {level}")
        if until is not None and until <= self._now().date():
            raise BadInput(f"--until {until.isoformat()} is not in the future")
        self._guard(states.item(item.id), item.archive_code)
        return classify.reclassify(
            self.conn, self.store, self.config, self.vault, item, level, until, self.actor
        )

    def declassify_due(self, as_of: date | None = None) -> list[classify.Change]:
        """Lower to `internal` every classified item whose declassification date has come."""
        self.require("declassify", "declassify items")
        day = (as_of or self._now().date()).isoformat()
        rows = self.conn.execute(
            f"SELECT {items.ITEM_COLUMNS} FROM items WHERE declassify_on IS NOT NULL "
            "AND declassify_on <= ? ORDER BY declassify_on, archive_code",
            (day,),
        ).fetchall()
        changed = []
        for item in items.load(self.conn, rows):
            self._guard(states.item(item.id), item.archive_code)
            changed.append(
                classify.reclassify(
                    self.conn,
                    self.store,
                    self.config,
                    self.vault,
                    item,
                    DECLASSIFIED_LEVEL,
                    None,
                    self.actor,
                    action="declassify",
                )
            )
        return changed

    # -- retention and disposition -------------------------------------------------------------

    @property
    def schedule(self) -> Schedule:
        """The retention schedule, applied to the catalog (due dates recomputed if a rule
        changed since it was last applied: `schedule_moves` lists what moved)."""
        if self._schedule is None:
            loaded = rules.load(self.rules_folder())
            try:
                self.schedule_moves = apply.sync(self.conn, loaded, self.actor)
            except KeyRequired:  # moving due dates is recorded: the next command with the key
                self.schedule_moves = []
            self._schedule = loaded
        return self._schedule

    def rules_folder(self) -> Path:
        """The home's own `retention_rules/` if it holds a schedule, else the built-in one."""
        own = self.home.folder("retention_rules")
        return own if any(own.glob("*.yaml")) else rules.builtin_folder()

    def last_schedule_change(self) -> dict | None:
        """When the schedule last changed and what moved then (its audit entry)."""
        row = self.conn.execute(
            "SELECT at, actor, detail FROM audit WHERE action = 'schedule' ORDER BY seq DESC "
            "LIMIT 1"
        ).fetchone()
        return {"at": row["at"], "by": row["actor"], **json.loads(row["detail"])} if row else None

    def uncategorised(self) -> list[items.Item]:
        """Items held by the archive that no category covers (filed before the schedule)."""
        self.schedule  # noqa: B018 - applies the schedule first
        clause, params = self._visibility_sql()
        rows = self.conn.execute(
            f"SELECT {items.ITEM_COLUMNS} FROM items WHERE category IS NULL AND status IN "
            f"('filed', 'superseded') AND {clause} ORDER BY archive_code",
            params,
        ).fetchall()
        return items.load(self.conn, rows)

    def retention_due(self, as_of: date | None = None) -> list[disposition.Due]:
        """Items past their due date, as of today or `as_of`, that the user may see."""
        self.require("retention", "see what is due for disposition")
        self.schedule  # noqa: B018
        found = [
            d
            for d in disposition.due_items(self.conn, as_of or self._now().date())
            if self._visible(d.item)
        ]
        self._record_reads([d.item for d in found], "due")
        return [replace(d, item=self.vault.reveal(d.item, strict=False)) for d in found]

    def hold(self, ref: str, reason: str) -> items.Item:
        self.require("retention", "place holds")
        item = self._find(ref)
        self._guard(states.item(item.id), item.archive_code)
        disposition.hold(self.conn, item, reason, self.actor, self._now())
        return self.vault.reveal(self._find(item.id), strict=False)

    def release(self, ref: str) -> items.Item:
        self.require("retention", "release holds")
        item = self._find(ref)
        self._guard(states.item(item.id), item.archive_code)
        disposition.release(self.conn, item, self.actor, self._now())
        return self.vault.reveal(self._find(item.id), strict=False)

    def review(self, ref: str, extend_years: int | None, dispose: bool) -> items.Item:
        """The decision on an item due whose category ends in `review`."""
        self.require("retention", "review items")
        item = self._find(ref)
        self._guard(states.item(item.id), item.archive_code)
        action = self.schedule.get(item.category).action if item.category else None
        decided = disposition.review(
            self.conn, item, action, extend_years, dispose, self.actor, self._now()
        )
        return self.vault.reveal(decided, strict=False)

    def propose_disposal(self, as_of: date) -> disposal.DisposalList | None:
        """A disposal list of every item eligible by `as_of` that the proposer may see (None
        if there is none). Items above the proposer's clearance are left, unmentioned, for
        a user cleared for them: not even their number is told."""
        user = self.require("retention", "propose disposals")
        self.schedule  # noqa: B018
        visible = [
            i for i in disposal.eligible(self.conn, as_of) if user.sees(i.classification, i.dept)
        ]
        for i in visible:
            self._guard(states.item(i.id), i.archive_code)
        checked = {i.id for i in visible}
        proposed = disposal.propose(
            self.conn, as_of, self.actor, self._now(), include=lambda item: item.id in checked
        )
        return self._readable(proposed)

    def approve_disposal(self, list_id: str) -> disposal.DisposalList:
        self.require("approve", "approve disposal lists")
        self._guard_list(list_id)
        return self._readable(disposal.approve(self.conn, list_id, self.actor, self._now()))

    def cancel_disposal(self, list_id: str) -> disposal.DisposalList:
        self.require("retention", "cancel disposal lists")
        self._guard_list(list_id)
        return self._readable(disposal.cancel(self.conn, list_id, self.actor))

    def disposal_list(self, list_id: str) -> disposal.DisposalList:
        self.require("retention", "read disposal lists")
        return self._readable(disposal.load(self.conn, list_id))

    def disposal_lists(self) -> list[disposal.DisposalList]:
        self.require("retention", "read disposal lists")
        return [self._readable(found) for found in disposal.lists(self.conn)]

    def begin_disposal(self, list_id: str) -> disposal.DisposalList:
        """Start or resume executing an approved list (the caller then disposes of each
        pending item, shreds backups, files the register and finishes)."""
        self.require("retention", "execute disposal lists")
        self._guard_list(list_id)
        return disposal.begin(self.conn, list_id, self.actor)

    def dispose_item(self, found: disposal.DisposalList, item_id: str) -> None:
        self.require("retention", "execute disposal lists")
        self._guard(states.disposal_list(found.id), f"disposal list {found.id}")
        self._guard(states.item(item_id))
        disposal.dispose_item(self.conn, self.store, found, item_id, self.actor, self._now())

    def finish_disposal(self, list_id: str, register_item: str | None) -> disposal.DisposalList:
        self.require("retention", "execute disposal lists")
        self._guard(states.disposal_list(list_id), f"disposal list {list_id}")
        return self._readable(
            disposal.finish(self.conn, list_id, register_item, self.actor, self._now())
        )

    def _guard_list(self, list_id: str) -> None:
        """The list and every item on it as the trail recorded them."""
        if not self.conn.execute(
            "SELECT 1 FROM disposal_lists WHERE id = ?", (list_id,)
        ).fetchone():
            return  # unknown: the operation names it
        self._guard(states.disposal_list(list_id), f"disposal list {list_id}")
        for (item_id,) in self.conn.execute(
            "SELECT item_id FROM disposal_items WHERE list_id = ? AND done = 0", (list_id,)
        ).fetchall():
            self._guard(states.item(item_id))

    def _readable(self, found: disposal.DisposalList | None) -> disposal.DisposalList | None:
        """A disposal list with its items' titles decrypted where the passphrase allows."""
        if found is not None:
            found.items = [self.vault.reveal(i, strict=False) for i in found.items]
        return found

    def transfer(self, as_of: date, dest: Path) -> transfers.TransferReport:
        """Export the items due for transfer as a BagIt bag at `dest`; mark them transferred."""
        user = self.require("retention", "transfer items")
        self.schedule  # noqa: B018
        found = [
            i
            for i in transfers.due_for_transfer(self.conn, as_of)
            if user.sees(i.classification, i.dept)
        ]
        for i in found:
            self._guard(states.item(i.id), i.archive_code)
        return transfers.transfer(
            self.conn,
            found,
            dest,
            self.vault.read,
            self.config.org("zh") or self.config.org("en"),
            self.actor,
            self._now(),
        )

    # -- backups ------------------------------------------------------------------------------

    def backup(
        self, dest: Path, tar: bool = False, progress: backup.make.Progress | None = None
    ) -> backup.BackupReport:
        """A consistent backup of this home into `dest`, recorded in the audit trail (where
        a disposal finds every backup whose keys it must shred)."""
        self.require("backup", "back up the archive")
        self.audit_key()  # the backup is recorded (a disposal finds it there)
        report = backup.take(self.home, self.conn, dest, tar, progress)
        with catalog.write(self.conn):
            audit.append(self.conn, self.actor, "backup", None, report.to_json())
        return report

    def backup_destinations(self) -> list[Path]:
        """Every place this home has written a backup to, as the audit trail records it."""
        found = []
        for (detail,) in self.conn.execute(
            "SELECT detail FROM audit WHERE action = 'backup' ORDER BY seq"
        ):
            dest = json.loads(detail).get("dest")
            if isinstance(dest, str):
                found.append(Path(dest))
        return list(dict.fromkeys(found))

    # -- fixity and the audit trail ------------------------------------------------------------

    def verify(self) -> VerifyReport:
        """Check every stored file, catalog row and the audit chain; sweep stale leftovers.

        Everything is checked whatever the auditor's clearance, but what is reported names
        and counts only the items the auditor may see: problems with the others are told
        as one line that names none of them, and still fail the check.
        """
        user = self.require("audit", "verify the archive")
        cleaned = self.sweep(self.config.orphan_grace_seconds)
        rows = self.conn.execute("SELECT id, classification, dept FROM items").fetchall()
        hidden = {row[0] for row in rows if not user.sees(row[1], row[2])}
        key = self._derive_key(create=False)
        problems, trail = fixity.check(self.conn, self.store, key)
        if key is not None and self._trail_stripped():
            problems.insert(0, fixity.Problem("audit_chain", STRIPPED))
        shown = [p for p in problems if p.item not in hidden]
        if len(shown) < len(problems):
            shown.append(
                fixity.Problem(
                    "above_clearance",
                    "problems were found in items above your clearance: a user cleared "
                    "for them must run `bureau audit verify` to see them",
                )
            )
        return VerifyReport(
            problems=shown,
            cleaned=cleaned,
            items=len(rows) - len(hidden),
            head=trail.head,
            authenticated=trail.authenticated,
        )

    def sweep(self, grace_seconds: float) -> list[str]:
        """Remove what interrupted filings left behind (unreferenced blobs, temporary files)."""
        with catalog.write(self.conn):
            referenced = {
                r[0] for r in self.conn.execute("SELECT DISTINCT stored_sha256 FROM files")
            }
            return self.store.sweep(referenced, grace_seconds)

    def audit_log(self, ref: str | None = None, limit: int | None = None) -> list[audit.Entry]:
        """The trail (of one item, with `ref`), without entries about items the acting
        user may not see."""
        self.require("audit", "read the audit trail")
        item_id = self._find(ref).id if ref else None
        user = self.user
        hidden = {
            row[0]
            for row in self.conn.execute("SELECT id, classification, dept FROM items")
            if not user.sees(row[1], row[2])
        }
        entries = [e for e in audit.entries(self.conn, item_id, None) if e.item_id not in hidden]
        return entries[-limit:] if limit else entries


def _safe_name(name: str) -> str:
    """A recorded file name made safe to write inside a directory."""
    base = Path(name.replace("\\", "/")).name.strip().lstrip(".")
    return base or "document"


__all__ = ["Archive", "VerifyReport", "default_actor"]
