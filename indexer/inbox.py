"""The inbox: files dropped into the data home's `inbox/` are filed into the archive.

A scanner, a mail export or a colleague copies a document in; once it has stopped changing
for the settle time it is claimed (renamed into `inbox/.processing/batch-BATCH/CLAIM/`),
filed with the claim recorded in the audit trail, and removed. Settled files are taken in
batches, filed as one group commit (`file_batch`: one catalog transaction and one sync of
the store for the batch, each item with its own audit entry). A file that cannot be filed
goes to `inbox/rejected/` beside `NAME.reason.txt`; a copy of an item already filed goes
to `inbox/duplicates/` with a note naming that item. The filed files' claims are set aside
whole (`.processing/.filed-BATCH/`, one rename) and deleted off the writer's path.

A kill at any moment is safe: at start-up each claim left behind is either finished (the
audit trail shows its filing committed: the files are removed) or handed back to the inbox
to be taken again, so no file is lost and none is filed twice.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from archive import atomic
from archive.errors import BadInput, BureauError
from archive.filing import FiledResult, FilingRequest, Source
from archive.items import Item, new_id
from archive.screening import printable
from archive.service import Archive
from indexer.texts import TEXTS, Early

SIDECAR = ".meta.yaml"
REASON = ".reason.txt"
CLAIMS = ".processing"
BATCH_PREFIX = "batch-"  # .processing/batch-ID/: the claims of one batch
FILED_PREFIX = ".filed-"  # .processing/.filed-ID/: a batch's filed claims, being deleted
REJECTED = "rejected"
DUPLICATES = "duplicates"
SIDECAR_KEYS = {
    "kind": "kind",
    "dept": "dept",
    "title": "title",
    "date": "date",
    "classification": "classification",
    "retention": "retention",
    "doc-no": "doc_no",
    "doc_no": "doc_no",
    "require-seal": "require_seal",
}
MAX_SIDECAR_BYTES = 64 * 1024
MAX_SIDECAR_VALUE = 1000
"""The longest value a sidecar may give (the longest metadata value, a title, is 1000)."""
MAX_SIDECAR_EVENTS = 200
"""The most YAML events a sidecar may hold: a flat mapping of at most 9 keys needs ~40."""
_TEMPORARY = re.compile(r"^(~\$.*|\.~lock\..*#|.*\.(tmp|part|crdownload))$", re.IGNORECASE)


@dataclass(frozen=True)
class Outcome:
    """What became of one dropped file."""

    name: str
    status: str  # "filed", "duplicate", "rejected" or "retry"
    detail: str  # the archival code filed or duplicated, or the reason

    def line(self) -> str:
        verbs = {
            "filed": "filed",
            "duplicate": "duplicate of",
            "rejected": "rejected:",
            "retry": "will retry:",
        }
        return f"inbox: {printable(self.name)}: {verbs[self.status]} {printable(self.detail)}"


def is_candidate(path: Path) -> bool:
    """A file the inbox should take: not hidden, temporary, a lock file or a sidecar."""
    name = path.name
    if name.startswith(".") or _TEMPORARY.match(name) or name.endswith(SIDECAR):
        return False
    return path.is_file() or path.is_symlink()


# How the inbox files a batch of documents: the front door's filing, with its checks (the
# service layer decides whether the watcher's user may file each, and verifies its seal).
# Each request is answered with what it became or its own error, in order.
Filer = Callable[[list[FilingRequest]], list[FiledResult | BureauError]]


class Inbox:
    def __init__(
        self,
        archive: Archive,
        settle_seconds: float,
        file: Filer,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.archive = archive
        self.file = file  # the service layer's filing: its permission and seal checks
        self.folder = archive.home.folder("inbox")
        self.settle_seconds = settle_seconds
        self.clock = clock
        self.clearing = Clearing()

    # -- what is waiting -------------------------------------------------------------------

    def candidates(self) -> list[Path]:
        try:
            entries = list(self.folder.iterdir())
        except FileNotFoundError:
            return []
        return sorted(p for p in entries if is_candidate(p))

    def ready(self) -> tuple[list[Path], float | None]:
        """Settled candidates, and the seconds until the next unsettled one may be ready."""
        settled, wait = [], None
        now = self.clock()
        for path in self.candidates():
            changed = _last_change(path)
            if changed is None:
                continue
            age = now - changed
            if age >= self.settle_seconds:
                settled.append(path)
            else:
                remaining = self.settle_seconds - age
                wait = remaining if wait is None else min(wait, remaining)
        return settled, wait

    def still_settled(self, paths: list[Path]) -> list[Path]:
        """Those of `paths` unchanged for the settle time now (seen settled a while ago,
        one may have been written to since)."""
        now = self.clock()
        return [
            p
            for p in paths
            if (changed := _last_change(p)) is not None and now - changed >= self.settle_seconds
        ]

    # -- taking files ----------------------------------------------------------------------

    def take(self, path: Path) -> Outcome | None:
        """Claim, file and clear away one settled file; None if it vanished or changed."""
        outcomes = self.take_batch([path])
        self.clearing.wait()
        return outcomes[0] if outcomes else None

    def take_batch(self, paths: list[Path]) -> list[Outcome]:
        """Claim, file (as one group commit) and clear away settled files: what became of
        each taken (a file that vanished or changed as it was taken is left for later)."""
        batch = self.folder / CLAIMS / f"{BATCH_PREFIX}{new_id()}"
        outcomes: list[Outcome] = []
        taken: list[tuple[Path, Path, FilingRequest]] = []
        for path in paths:
            if path.is_symlink():
                outcomes.append(
                    self._reject_in_place(path, "symbolic links are not taken: copy the file")
                )
                continue
            claimed = self._claim_settled(path, batch)
            if claimed is None:
                continue
            claim, document = claimed
            try:
                taken.append((claim, document, self._request(claim, document)))
            except BadInput as exc:
                outcomes.append(self._rejected(claim, document.name, exc))
        if taken:
            early = Early(
                self.archive.home.folder("index") / TEXTS,
                [d for _, d, _ in taken],
                self.archive.workers,
            )
            try:
                answers = self.file([request for _, _, request in taken])
            except (BureauError, OSError) as exc:  # not the files' fault (a full disk, say)
                answers = [exc] * len(taken)  # type: ignore[list-item]
            except BaseException:
                early.cancel()
                raise
            early.keep([_filed_item(a) for a in answers])
            for (claim, document, _), answer in zip(taken, answers, strict=True):
                outcomes.append(self._settle(claim, document, answer))
        self._clear_away(batch)
        return outcomes

    def _claim_settled(self, path: Path, batch: Path) -> tuple[Path, Path] | None:
        """Move a file (and its sidecar) into a claim of `batch`: the claim and the file
        there; None if it vanished, cannot be read, or changed as it was taken."""
        before = _signature(path)
        if before is None or not _readable(path):
            return None
        claim = self._claim(path, batch)
        if claim is None:
            return None
        document = claim / path.name
        if _signature(document) != before:  # it changed as we took it: hand it back
            self._release(claim)
            return None
        return claim, document

    def _claim(self, path: Path, batch: Path) -> Path | None:
        claim = batch / new_id()
        claim.mkdir(parents=True)
        try:
            os.rename(path, claim / path.name)
        except FileNotFoundError:
            claim.rmdir()
            return None
        sidecar = path.with_name(path.name + SIDECAR)
        if sidecar.is_file():
            os.rename(sidecar, claim / sidecar.name)
        return claim

    def _settle(self, claim: Path, document: Path, answer: FiledResult | BaseException) -> Outcome:
        """Settle one claim by what its filing became; a filed claim stays in the batch's
        folder, cleared away with it."""
        name = document.name
        if isinstance(answer, BadInput):
            return self._rejected(claim, name, answer)
        if isinstance(answer, BaseException):
            self._release(claim)
            return Outcome(name, "retry", str(answer))
        item = answer.item
        if answer.duplicate_of:
            note = (
                f"duplicate of item {item.archive_code} (id {item.id}, {item.title!r}), "
                "already in the archive: nothing was filed\n"
            )
            self._settle_claim(claim, DUPLICATES, note)
            return Outcome(name, "duplicate", item.archive_code)
        if item.encrypted:  # its name may say what it is: keep it out of the log
            return Outcome(f"a {item.classification} document", "filed", item.archive_code)
        return Outcome(name, "filed", item.archive_code)

    def _rejected(self, claim: Path, name: str, problem: BadInput) -> Outcome:
        reason = _for_the_inbox(str(problem), name)
        self._settle_claim(claim, REJECTED, f"{reason}\n")
        return Outcome(name, "rejected", reason)

    def _clear_away(self, batch: Path) -> None:
        """Remove a batch's folder, which now holds only claims whose filing committed:
        renamed aside at once (a hidden name the inbox never takes), deleted in the
        background (thousands of deletions would cost the writer seconds a batch)."""
        if not batch.exists():
            return
        if not any(batch.iterdir()):
            batch.rmdir()
            return
        filed = batch.with_name(FILED_PREFIX + batch.name.removeprefix(BATCH_PREFIX))
        os.rename(batch, filed)
        self.clearing.remove(filed)

    def _request(self, claim: Path, document: Path) -> FilingRequest:
        metadata = read_sidecar(claim / (document.name + SIDECAR))
        return FilingRequest(
            documents=[Source(document, document.name)],
            origin=f"inbox:{claim.name}",
            **metadata,
        )

    def _settle_claim(self, claim: Path, where: str, reason: str) -> None:
        """Move a claim's files to rejected/ or duplicates/ beside NAME.reason.txt."""
        target_dir = self.folder / where
        target_dir.mkdir(exist_ok=True)
        document = next(p for p in claim.iterdir() if not p.name.endswith(SIDECAR))
        target = _free_name(target_dir, document.name)
        sidecar = claim / (document.name + SIDECAR)
        if sidecar.is_file():
            os.rename(sidecar, target_dir / (target.name + SIDECAR))
        os.rename(document, target)
        _write_note(target_dir / (target.name + REASON), reason)
        shutil.rmtree(claim)

    def _reject_in_place(self, path: Path, reason: str) -> Outcome:
        target_dir = self.folder / REJECTED
        target_dir.mkdir(exist_ok=True)
        target = _free_name(target_dir, path.name)
        sidecar = path.with_name(path.name + SIDECAR)
        if sidecar.is_file():
            os.rename(sidecar, target_dir / (target.name + SIDECAR))
        os.rename(path, target)
        _write_note(target_dir / (target.name + REASON), reason + "\n")
        return Outcome(path.name, "rejected", reason)

    def _release(self, claim: Path) -> None:
        """Hand a claim's files back to the inbox, to be taken again."""
        entries = list(claim.iterdir())
        documents = [p for p in entries if not p.name.endswith(SIDECAR)]
        if not documents:  # killed between moving the sidecar and the document
            for sidecar in entries:
                os.rename(sidecar, _free_name(self.folder, sidecar.name))
        for document in documents:
            target = _free_name(self.folder, document.name)
            sidecar = claim / (document.name + SIDECAR)
            if sidecar.is_file():
                os.rename(sidecar, self.folder / (target.name + SIDECAR))
            os.rename(document, target)
        claim.rmdir()

    # -- after a crash ---------------------------------------------------------------------

    def recover(self) -> list[str]:
        """Finish or hand back the claims a killed watcher left; what was done, as lines."""
        claims = self.folder / CLAIMS
        if not claims.is_dir():
            return []
        done = []
        for entry in sorted(p for p in claims.iterdir() if p.is_dir()):
            if entry.name.startswith(FILED_PREFIX):  # filed claims it was deleting
                shutil.rmtree(entry)
            elif entry.name.startswith(BATCH_PREFIX):
                done += self._recover_claims(sorted(p for p in entry.iterdir() if p.is_dir()))
                entry.rmdir()
            else:  # a claim of its own, as a watcher before batches left it
                done += self._recover_claims([entry])
        return done

    def _recover_claims(self, claims: list[Path]) -> list[str]:
        filed = self.archive.filed_with_origins([f"inbox:{c.name}" for c in claims])
        done = []
        for claim in claims:
            item_id = filed.get(f"inbox:{claim.name}")
            if item_id:
                shutil.rmtree(claim)
                done.append(f"inbox: finished an interrupted filing (item {item_id})")
            elif any(claim.iterdir()):
                names = ", ".join(sorted(p.name for p in claim.iterdir()))
                self._release(claim)
                done.append(f"inbox: handed back {names} after an interrupted run")
            else:
                claim.rmdir()
        return done


class Clearing:
    """Deletes folders in the background, one at a time: the next waits for the one before,
    so deletions never pile up. A kill leaves a folder for the next start-up's recovery."""

    def __init__(self) -> None:
        self.thread: threading.Thread | None = None

    def remove(self, folder: Path) -> None:
        self.wait()
        self.thread = threading.Thread(
            target=shutil.rmtree, args=(folder,), kwargs={"ignore_errors": True}, daemon=True
        )
        self.thread.start()

    def wait(self) -> None:
        if self.thread is not None:
            self.thread.join()
            self.thread = None


def read_sidecar(path: Path) -> dict[str, Any]:
    """The filing options a sidecar gives; BadInput naming what is wrong with it.

    A sidecar comes from outside like the document: it must be small UTF-8 YAML, a flat
    mapping of known keys to single values of bounded length, with no anchors or aliases
    (the stuff of YAML bombs; a sidecar has no use for them).
    """
    if not path.is_file():
        return {}
    name = printable(path.name)
    if path.stat().st_size > MAX_SIDECAR_BYTES:
        raise BadInput(f"{name}: the sidecar is larger than {MAX_SIDECAR_BYTES} bytes")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput(f"{name}: the sidecar is not UTF-8 text") from None
    try:
        _screen_yaml(text, name)
        data = yaml.load(text, Loader=_SafeLoader)  # noqa: S506 - libyaml's safe loader
    except yaml.YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BadInput(f"{name}: not valid YAML: {printable(first)}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BadInput(f"{name}: the sidecar must be a mapping of option: value")
    options: dict[str, Any] = {}
    for key, value in data.items():
        if key not in SIDECAR_KEYS:
            known = ", ".join(k for k in SIDECAR_KEYS if k != "doc_no")
            raise BadInput(f"{name}: unknown key {printable(str(key))!r}: the keys are {known}")
        if value is None or isinstance(value, dict | list):
            raise BadInput(f"{name}: {key} must be a single value")
        if SIDECAR_KEYS[key] == "require_seal":
            if not isinstance(value, bool):
                raise BadInput(f"{name}: require-seal must be true or false")
            options["require_seal"] = value
            continue
        text_value = str(value)
        if len(text_value) > MAX_SIDECAR_VALUE:
            raise BadInput(f"{name}: {key} is longer than {MAX_SIDECAR_VALUE} characters")
        options[SIDECAR_KEYS[key]] = text_value
    return options


_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _screen_yaml(text: str, name: str) -> None:
    """Refuse anchors, aliases, tags and anything but a short flat document, before loading."""
    for count, event in enumerate(yaml.parse(text, Loader=_SafeLoader), start=1):
        if count > MAX_SIDECAR_EVENTS:
            raise BadInput(f"{name}: the sidecar is not a short list of option: value lines")
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise BadInput(f"{name}: the sidecar uses YAML anchors or aliases: write values out")
        if getattr(event, "tag", None) is not None:
            raise BadInput(f"{name}: the sidecar uses YAML tags: write plain values")


def _for_the_inbox(message: str, name: str) -> str:
    """A filing error reworded for someone who dropped a file rather than typed a command."""
    missing = re.match(r"missing ([a-z_]+): ", message)
    if missing:
        key = missing.group(1).replace("_", "-")
        return (
            f"missing {key}: the document does not say; put `{key}: ...` in a sidecar "
            f"named {name}{SIDECAR} and drop both into the inbox again"
        )
    return message


def _last_change(path: Path) -> float | None:
    try:
        st = path.lstat()
    except FileNotFoundError:
        return None
    return max(st.st_mtime, st.st_ctime)


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ino


def _readable(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            stream.read(1)
    except OSError:
        return False
    return True


def _free_name(folder: Path, name: str) -> Path:
    """`folder/name`, or `folder/stem (2).ext` and so on if that is taken."""
    target = folder / name
    if not target.exists() and not (folder / (name + REASON)).exists():
        return target
    suffix = Path(name).suffix
    stem = name[: len(name) - len(suffix)] if suffix else name
    for n in range(2, 100_000):
        candidate = folder / f"{stem} ({n}){suffix}"
        if not candidate.exists() and not (folder / (candidate.name + REASON)).exists():
            return candidate
    raise BadInput(f"{folder}: too many files named {name}")


def _write_note(path: Path, reason: str) -> None:
    """A reason note, written whole and last: whoever sees it sees all of it, beside the
    file it is about."""
    atomic.write_bytes(path, reason.encode("utf-8", errors="backslashreplace"))


def _filed_item(answer: FiledResult | BaseException) -> Item | None:
    """The item a filing made (not a duplicate's earlier one)."""
    if isinstance(answer, BaseException) or answer.duplicate_of:
        return None
    return answer.item
