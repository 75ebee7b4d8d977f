"""The data home: where one archive lives on disk, and how it is found and created.

HOME/config.yaml       the configuration (archive.config)
HOME/catalog.sqlite    the catalog (archive.catalog), WAL mode; absent when the catalog is
                       kept in PostgreSQL (archive/backends.py)
HOME/store/            the blob store (archive.store); absent when the files are kept in S3
HOME/inbox/ index/ keys/ logs/ templates/   used by the watcher, indexer, seals, keys
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from archive import catalog, config, store
from archive.backends import EMBEDDED_CATALOG, LOCAL_STORE
from archive.errors import HomeError

DEFAULT_HOME = "bureau-home"
FOLDERS = ("store", "inbox", "index", "keys", "logs", "templates")
# Each server's own, never copied to another server: made again when missing, so that a
# second server on a shared catalog and store can start from a copy of the configuration,
# keys and templates alone.
SERVER_FOLDERS = ("inbox", "index", "logs")


@dataclass(frozen=True)
class DataHome:
    root: Path

    @property
    def config_path(self) -> Path:
        return self.root / "config.yaml"

    @property
    def catalog_path(self) -> Path:
        return self.root / "catalog.sqlite"

    @property
    def store_path(self) -> Path:
        return self.root / "store"

    def folder(self, name: str) -> Path:
        return self.root / name


def resolve(explicit: str | os.PathLike[str] | None) -> DataHome:
    """`--home` if given, else `$BUREAU_HOME`, else `./bureau-home`."""
    chosen = explicit or os.environ.get("BUREAU_HOME") or DEFAULT_HOME
    return DataHome(Path(chosen).expanduser().absolute())


def create(home: DataHome, settings: dict) -> None:
    """Create a complete home, or nothing: it is assembled aside, then renamed into place."""
    root = home.root
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise HomeError(f"{root}: a data home (or other files) already exists there")
    _check_store(settings.get("store", LOCAL_STORE), home.store_path)
    parent = root.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{root.name}.init-"))
    except OSError as exc:
        raise HomeError(f"{root}: cannot create the data home: {exc.strerror or exc}") from exc
    try:
        shared_store = settings.get("store", LOCAL_STORE) != LOCAL_STORE
        for name in FOLDERS:
            if not (name == "store" and shared_store):
                (staging / name).mkdir()
        config.write(staging / "config.yaml", settings)
        catalog_setting = settings.get("catalog", EMBEDDED_CATALOG)
        catalog.create_setting(catalog_setting, staging / "catalog.sqlite").close()
        os.chmod(staging, 0o750)
        if root.exists():
            root.rmdir()  # empty, checked above; rename cannot replace a directory otherwise
        os.rename(staging, root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def catalog_of(home: DataHome) -> catalog.Catalog:
    """A connection to `home`'s catalog alone, wherever its settings keep it (for what needs
    no keys and no acting user: the web server's sessions)."""
    require(home)
    return catalog.open_setting(config.load(home.config_path).catalog, home.catalog_path)


def _check_store(setting: str, local_root: Path) -> None:
    """HomeError, before anything is made, if the store the setting names cannot be used
    (a bucket that is not there, credentials refused, an endpoint that does not answer)."""
    opened = store.open_setting(setting, local_root)
    try:
        opened.check()
    finally:
        opened.close()


def ensure_server_folders(home: DataHome) -> None:
    """Make the server's own folders that are missing (a new copy of the home on a second
    server); one that cannot be made is left for the command that needs it to report."""
    for name in SERVER_FOLDERS:
        with suppress(OSError):
            home.folder(name).mkdir(mode=0o750)


def require(home: DataHome) -> None:
    """HomeError unless `home` looks like a data home: its configuration, and its catalog
    file unless the catalog is kept in PostgreSQL."""
    missing = HomeError(
        f"{home.root}: no data home here: run `bureau init` or give --home / $BUREAU_HOME"
    )
    if not home.config_path.is_file():
        raise missing
    if (
        config.load(home.config_path).catalog == EMBEDDED_CATALOG
        and not home.catalog_path.is_file()
    ):
        raise missing
