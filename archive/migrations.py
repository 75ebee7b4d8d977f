"""Catalog migrations: MIGRATIONS[n] takes a catalog from schema n to n + 1.

Append only. A released migration is never edited, so every home, however old, reaches the
same schema; `bureau upgrade` (or the first use by a newer program) applies what is missing.
"""

from __future__ import annotations

MIGRATIONS: list[list[str]] = [
    # 1: the archive core — items, their files, item-number sequences, the audit trail.
    [
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE items (
            id TEXT PRIMARY KEY,
            archive_code TEXT NOT NULL UNIQUE,
            fonds TEXT NOT NULL,
            year INTEGER NOT NULL,
            retention TEXT NOT NULL,
            dept TEXT NOT NULL,
            item_no INTEGER NOT NULL,
            kind TEXT NOT NULL,
            title TEXT NOT NULL,
            date TEXT NOT NULL,
            classification TEXT NOT NULL,
            doc_no TEXT,
            template TEXT,
            sha256 TEXT NOT NULL,
            supersedes TEXT REFERENCES items(id),
            status TEXT NOT NULL DEFAULT 'filed',
            filed_at TEXT NOT NULL,
            filed_by TEXT NOT NULL,
            UNIQUE (fonds, year, retention, dept, item_no)
        )""",
        "CREATE INDEX items_sha256 ON items(sha256)",
        "CREATE INDEX items_doc_no ON items(doc_no)",
        "CREATE INDEX items_dept_year ON items(dept, year)",
        "CREATE INDEX items_kind ON items(kind)",
        "CREATE UNIQUE INDEX items_supersedes ON items(supersedes) WHERE supersedes IS NOT NULL",
        """CREATE TABLE files (
            item_id TEXT NOT NULL REFERENCES items(id),
            seq INTEGER NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('document', 'attachment')),
            rendition TEXT NOT NULL,
            official INTEGER NOT NULL DEFAULT 0,
            name TEXT NOT NULL,
            media_type TEXT NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            PRIMARY KEY (item_id, seq)
        )""",
        "CREATE INDEX files_sha256 ON files(sha256)",
        """CREATE TABLE sequences (
            fonds TEXT NOT NULL,
            year INTEGER NOT NULL,
            retention TEXT NOT NULL,
            dept TEXT NOT NULL,
            last INTEGER NOT NULL,
            PRIMARY KEY (fonds, year, retention, dept)
        )""",
        """CREATE TABLE audit (
            seq INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            item_id TEXT,
            detail TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        )""",
        "CREATE INDEX audit_item ON audit(item_id)",
        """CREATE TABLE audit_head (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            seq INTEGER NOT NULL,
            hash TEXT NOT NULL
        )""",
    ],
    # 2: the document-number register — every number a generator allocates, used or void.
    [
        """CREATE TABLE doc_numbers (
            series TEXT NOT NULL,
            year INTEGER NOT NULL,
            n INTEGER NOT NULL,
            doc_no TEXT NOT NULL,
            dept TEXT NOT NULL,
            template TEXT,
            status TEXT NOT NULL CHECK (status IN ('reserved', 'used', 'void')),
            item_id TEXT REFERENCES items(id),
            reason TEXT,
            allocated_at TEXT NOT NULL,
            allocated_by TEXT NOT NULL,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            PRIMARY KEY (series, year, n)
        )""",
        "CREATE INDEX doc_numbers_status ON doc_numbers(status)",
    ],
    # 3: whether an item's official rendition carries a seal (a PDF signature).
    [
        "ALTER TABLE items ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0",
    ],
    # 4: confidential classes — users and their clearance, encryption at rest (an item's
    # data key, wrapped by the master key; files stored encrypted under another hash),
    # and declassification dates.
    [
        """CREATE TABLE users (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('secretary', 'archivist', 'auditor', 'admin')),
            clearance TEXT NOT NULL,
            dept TEXT,
            enabled INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL
        )""",
        """CREATE TABLE item_keys (
            item_id TEXT PRIMARY KEY REFERENCES items(id),
            version INTEGER NOT NULL,
            wrapped BLOB NOT NULL
        )""",
        "CREATE INDEX item_keys_version ON item_keys(version)",
        "ALTER TABLE items ADD COLUMN encrypted INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE items ADD COLUMN declassify_on TEXT",
        "ALTER TABLE files ADD COLUMN stored_sha256 TEXT",
        "ALTER TABLE files ADD COLUMN stored_size INTEGER",
        "UPDATE files SET stored_sha256 = sha256, stored_size = size",
        "CREATE INDEX files_stored_sha256 ON files(stored_sha256)",
    ],
    # 5: retention and disposition — each item's category and due date, the schedule as
    # last applied, holds, review decisions, disposal lists, and tombstones of disposed items.
    [
        "ALTER TABLE items ADD COLUMN category TEXT",
        "ALTER TABLE items ADD COLUMN due TEXT",
        "ALTER TABLE items ADD COLUMN retention_override INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE items ADD COLUMN disposal_list TEXT",
        "ALTER TABLE items ADD COLUMN disposed_at TEXT",
        "CREATE INDEX items_due ON items(due) WHERE due IS NOT NULL",
        "CREATE INDEX items_category ON items(category)",
        """CREATE TABLE categories (
            code TEXT PRIMARY KEY,
            retention TEXT NOT NULL,
            action TEXT NOT NULL,
            title TEXT NOT NULL
        )""",
        """CREATE TABLE holds (
            id INTEGER PRIMARY KEY,
            item_id TEXT NOT NULL REFERENCES items(id),
            reason TEXT NOT NULL,
            placed_by TEXT NOT NULL,
            placed_at TEXT NOT NULL,
            released_by TEXT,
            released_at TEXT
        )""",
        "CREATE INDEX holds_active ON holds(item_id) WHERE released_at IS NULL",
        """CREATE TABLE reviews (
            item_id TEXT PRIMARY KEY REFERENCES items(id),
            decision TEXT NOT NULL CHECK (decision IN ('extend', 'dispose')),
            years INTEGER,
            decided_by TEXT NOT NULL,
            decided_at TEXT NOT NULL
        )""",
        """CREATE TABLE disposal_lists (
            id TEXT PRIMARY KEY,
            as_of TEXT NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('proposed', 'approved', 'executing', 'executed', 'cancelled')),
            proposed_by TEXT NOT NULL,
            proposed_at TEXT NOT NULL,
            approved_by TEXT,
            approved_at TEXT,
            executed_by TEXT,
            executed_at TEXT,
            register_item TEXT REFERENCES items(id)
        )""",
        """CREATE TABLE disposal_items (
            list_id TEXT NOT NULL REFERENCES disposal_lists(id),
            item_id TEXT NOT NULL REFERENCES items(id),
            done INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (list_id, item_id)
        )""",
        "CREATE INDEX disposal_items_item ON disposal_items(item_id)",
    ],
    # 6: an authenticated audit trail — each entry's and the head's MAC (keyed by the
    # audit-trail key), the digests of the catalog facts each entry changed, and the newest
    # digest of each subject (item, user, disposal list) for one-lookup access checks.
    [
        "ALTER TABLE audit ADD COLUMN states TEXT",
        "ALTER TABLE audit ADD COLUMN mac TEXT",
        "ALTER TABLE audit_head ADD COLUMN mac TEXT",
        """CREATE TABLE states (
            subject TEXT PRIMARY KEY,
            seq INTEGER NOT NULL,
            digest TEXT NOT NULL,
            mac TEXT NOT NULL
        )""",
    ],
    # 7: users' passwords (argon2id, in the encoded form that names its cost); NULL for a
    # user of a home from before passwords, until an administrator sets one.
    ["ALTER TABLE users ADD COLUMN password_hash TEXT"],
    # 8: users' display names (张伟), shown where a person reads who did something (the
    # destruction register) instead of the login name; NULL until one is given.
    ["ALTER TABLE users ADD COLUMN display_name TEXT"],
    # 9: the web server's sessions and failed sign-ins, in the catalog so that several
    # servers behind one load balancer share them and a restart forgets neither; only a hash
    # of each cookie's token.
    [
        """CREATE TABLE web_sessions (
            key TEXT PRIMARY KEY,
            csrf TEXT NOT NULL,
            lang TEXT NOT NULL,
            user_name TEXT,
            role TEXT,
            stamp TEXT,
            flashes TEXT NOT NULL,
            seen INTEGER NOT NULL
        )""",
        "CREATE INDEX web_sessions_user ON web_sessions(user_name)",
        "CREATE INDEX web_sessions_seen ON web_sessions(seen)",
        "CREATE TABLE signin_failures (key TEXT NOT NULL, at INTEGER NOT NULL)",
        "CREATE INDEX signin_failures_recent ON signin_failures(key, at)",
    ],
]
