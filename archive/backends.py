"""Where a data home keeps its catalog and its stored files: the two backend settings.

One bureau on one machine keeps both inside the home (the default): the catalog in
`catalog.sqlite`, the files under `store/`. A province's bureaus, served by several
application servers, keep the catalog in PostgreSQL and the files in S3-compatible object
storage; the home directory then holds only configuration, keys and the server's own search
index, and a second server is a copy of it.

The home's config.yaml records the choice (`catalog:` and `store:`), written by `bureau init
--catalog URL --store URL`. Secrets never go there: PostgreSQL's password comes from libpq's
own `$PGPASSWORD` or `~/.pgpass`, the bucket's credentials from the standard AWS variables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from archive.errors import BadInput

EMBEDDED_CATALOG = "sqlite"
LOCAL_STORE = "local"
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_SECRET_PARAMS = {"password", "sslpassword", "passfile", "sslkey"}


@dataclass(frozen=True)
class StoreLocation:
    """An S3 bucket and the key prefix the home's objects live under ("" for the bucket's top)."""

    bucket: str
    prefix: str


def catalog_setting(value: object) -> str:
    """The catalog setting, validated: `sqlite`, or a `postgresql://USER@HOST:PORT/DB` URL
    without a password in it. BadInput says what is wrong."""
    text = str(value or EMBEDDED_CATALOG).strip()
    if text == EMBEDDED_CATALOG:
        return text
    parts = urlsplit(text)
    if parts.scheme not in ("postgresql", "postgres"):
        raise BadInput(
            f"catalog {text!r}: use 'sqlite' or a URL postgresql://USER@HOST:PORT/DATABASE"
        )
    if parts.password is not None or any(k in _SECRET_PARAMS for k, _ in parse_qsl(parts.query)):
        raise BadInput(
            "catalog URL: leave the password out of it (it would be written to config.yaml): "
            "give it in $PGPASSWORD or ~/.pgpass"
        )
    if not parts.path.strip("/"):
        raise BadInput(f"catalog {text!r}: name the database, e.g. postgresql://bureau@host/bureau")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as exc:
        raise BadInput(f"catalog {text!r}: the port must be a number") from exc
    return text


def store_setting(value: object) -> str:
    """The store setting, validated: `local`, or `s3://BUCKET/PREFIX`."""
    text = str(value or LOCAL_STORE).strip()
    if text == LOCAL_STORE:
        return text
    store_location(text)
    return text


def store_location(setting: str) -> StoreLocation:
    """The bucket and prefix of an `s3://BUCKET/PREFIX` setting; BadInput if malformed."""
    parts = urlsplit(setting)
    if parts.scheme != "s3" or parts.query or parts.fragment:
        raise BadInput(f"store {setting!r}: use 'local' or s3://BUCKET/PREFIX")
    if parts.username or parts.password:
        raise BadInput(
            "store URL: leave credentials out of it: give them in $AWS_ACCESS_KEY_ID and "
            "$AWS_SECRET_ACCESS_KEY"
        )
    bucket = parts.netloc
    if not _BUCKET_RE.match(bucket):
        raise BadInput(
            f"store {setting!r}: {parts.netloc!r} is not a valid bucket name (3-63 lower-case "
            "letters, digits, dots and hyphens)"
        )
    prefix = parts.path.strip("/")
    if prefix and any(segment in ("", ".", "..") for segment in prefix.split("/")):
        raise BadInput(f"store {setting!r}: the prefix has an empty, '.' or '..' part")
    return StoreLocation(bucket, prefix)


def catalog_kind(setting: str) -> str:
    """`sqlite` or `postgresql`, as `bureau info` reports it."""
    return EMBEDDED_CATALOG if setting == EMBEDDED_CATALOG else "postgresql"


def store_kind(setting: str) -> str:
    """`local` or `s3`, as `bureau info` reports it."""
    return LOCAL_STORE if setting == LOCAL_STORE else "s3"
