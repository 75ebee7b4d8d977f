"""A home whose files are in an S3 bucket behaves as one with its own store: filing,
versions, retrieval, fixity, encryption at rest, disposal, backup and restore; and the
bucket only ever receives objects written once, named by their SHA-256."""

from __future__ import annotations

import base64
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.conftest import PASSPHRASE, Bureau
from tests.factories import make_docx, make_pdf
from tests.s3.conftest import S3Bureau
from tests.test_confidential import EN, ZH, needles

NOTICE = ["--kind", "notice", "--dept", "BGS", "--retention", "D30", "--date", "2026-03-04"]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def filed(bureau: S3Bureau, path: Path, *extra: str) -> dict:
    return bureau.json("file", path, *NOTICE, *extra)


def home_files(bureau: Bureau) -> dict[str, bytes]:
    return {
        str(p.relative_to(bureau.root)): p.read_bytes()
        for p in bureau.root.rglob("*")
        if p.is_file() and not p.is_symlink()
    }


# -- where the files are --------------------------------------------------------------------


def test_a_filed_document_is_one_object_named_by_its_sha256_and_nothing_in_the_home(
    s3_bureau: S3Bureau, tmp_path: Path
):
    doc = make_docx(tmp_path / "notice.docx", text="The S3 notice.", title="S3 notice")
    item = filed(s3_bureau, doc)
    assert s3_bureau.objects() == {s3_bureau.key(item["sha256"]): doc.read_bytes()}
    assert not (s3_bureau.root / "store").exists()
    assert [name for name, data in home_files(s3_bureau).items() if data == doc.read_bytes()] == []
    info = s3_bureau.json("info")
    assert (info["store"], info["store_location"]) == ("s3", s3_bureau.url)


def test_get_writes_back_exactly_the_filed_bytes_and_show_describes_the_item(
    s3_bureau: S3Bureau, tmp_path: Path
):
    pdf = make_pdf(tmp_path / "report.pdf", text="Enrolment report.", info={"Title": "Report"})
    item = filed(s3_bureau, pdf)
    out = tmp_path / "out.pdf"
    s3_bureau.ok("get", item["archive_code"], "--out", out)
    assert out.read_bytes() == pdf.read_bytes()
    shown = s3_bureau.json("show", item["id"])
    assert shown["sha256"] == sha256(pdf.read_bytes())
    assert shown["files"][0]["name"] == "report.pdf"


def test_a_correction_supersedes_and_both_versions_read_back_from_the_bucket(
    s3_bureau: S3Bureau, tmp_path: Path
):
    first_doc = make_docx(tmp_path / "v1.docx", text="Version one.", title="Notice")
    second_doc = make_docx(tmp_path / "v2.docx", text="Version two.", title="Notice")
    first = filed(s3_bureau, first_doc)
    second = filed(s3_bureau, second_doc, "--supersedes", first["id"])
    assert second["supersedes"] == first["id"]
    old = s3_bureau.json("show", first["id"])
    assert old["status"] == "superseded" and old["superseded_by"] == second["id"]
    for item, doc in ((first, first_doc), (second, second_doc)):
        out = tmp_path / f"{item['id']}.docx"
        s3_bureau.ok("get", item["id"], "--out", out)
        assert out.read_bytes() == doc.read_bytes()
    assert len(s3_bureau.objects()) == 2


def test_identical_content_filed_twice_is_stored_once_and_never_rewritten(
    s3_bureau: S3Bureau, tmp_path: Path
):
    doc = make_docx(tmp_path / "d.docx", title="Twice")
    first = filed(s3_bureau, doc)
    client = s3_bureau.server.client()
    key = s3_bureau.key(first["sha256"])
    written = client.head_object(Bucket=s3_bureau.bucket, Key=key)["LastModified"]
    second = filed(s3_bureau, doc, "--allow-duplicate")
    assert second["id"] != first["id"]
    assert list(s3_bureau.objects()) == [key]
    assert client.head_object(Bucket=s3_bureau.bucket, Key=key)["LastModified"] == written
    client.close()


def test_search_finds_what_was_filed_into_the_bucket(s3_bureau: S3Bureau, tmp_path: Path):
    doc = make_docx(tmp_path / "bridge.docx", text="The suspension bridge survey.", title="Bridge")
    item = filed(s3_bureau, doc)
    s3_bureau.ok("watch", "--once", "--settle", "0")
    hits = s3_bureau.json("search", "suspension")["hits"]
    assert [h["id"] for h in hits] == [item["id"]]


# -- fixity ---------------------------------------------------------------------------------


def test_audit_verify_passes_on_an_untouched_bucket(s3_bureau: S3Bureau, tmp_path: Path):
    filed(s3_bureau, make_docx(tmp_path / "a.docx", title="A"))
    assert s3_bureau.json("audit", "verify")["ok"] is True


def test_an_object_changed_behind_the_archives_back_fails_verify_and_get(
    s3_bureau: S3Bureau, tmp_path: Path
):
    doc = make_docx(tmp_path / "a.docx", title="Changed")
    item = filed(s3_bureau, doc)
    changed = bytearray(doc.read_bytes())
    changed[len(changed) // 2] ^= 0xFF
    client = s3_bureau.server.client()
    client.put_object(Bucket=s3_bureau.bucket, Key=s3_bureau.key(item["sha256"]), Body=changed)
    client.close()
    report = s3_bureau.fails(1, "audit", "verify", "--json").json()
    assert [(p["kind"], p["item"]) for p in report["problems"]] == [("corrupt_file", item["id"])]
    refused = s3_bureau.fails(1, "get", item["id"], "--out", tmp_path / "out.docx")
    assert "corrupted" in refused.err
    assert not (tmp_path / "out.docx").exists()


def test_an_object_removed_behind_the_archives_back_fails_verify_and_get(
    s3_bureau: S3Bureau, tmp_path: Path
):
    item = filed(s3_bureau, make_docx(tmp_path / "a.docx", title="Removed"))
    client = s3_bureau.server.client()
    client.delete_object(Bucket=s3_bureau.bucket, Key=s3_bureau.key(item["sha256"]))
    client.close()
    report = s3_bureau.fails(1, "audit", "verify", "--json").json()
    assert [(p["kind"], p["item"]) for p in report["problems"]] == [("missing_file", item["id"])]
    refused = s3_bureau.fails(2, "get", item["id"], "--out", tmp_path / "out.docx")
    assert "missing from the store" in refused.err


def test_sweep_removes_only_unreferenced_objects_and_abandoned_uploads_past_the_grace(
    s3_bureau: S3Bureau, tmp_path: Path
):
    item = filed(s3_bureau, make_docx(tmp_path / "kept.docx", title="Kept"))
    orphan = b"left behind by an interrupted filing"
    client = s3_bureau.server.client()
    client.put_object(Bucket=s3_bureau.bucket, Key=s3_bureau.key(sha256(orphan)), Body=orphan)
    upload = s3_bureau.key("ab" * 32)
    client.create_multipart_upload(Bucket=s3_bureau.bucket, Key=upload)
    assert s3_bureau.json("gc")["removed"] == []  # younger than the hour's grace
    removed = s3_bureau.json("gc", "--grace", "0")["removed"]
    assert sorted(removed) == sorted([sha256(orphan), "ab" * 32])
    assert list(s3_bureau.objects()) == [s3_bureau.key(item["sha256"])]
    uploads = client.list_multipart_uploads(Bucket=s3_bureau.bucket, Prefix=s3_bureau.prefix)
    assert uploads.get("Uploads", []) == []
    client.close()


# -- encryption at rest and disposal ---------------------------------------------------------


def data_key(bureau: S3Bureau, item_id: str) -> bytes:
    from archive import home
    from archive.service import Archive

    passphrase = PASSPHRASE.encode()
    with Archive.open(home.DataHome(bureau.root), "tester", lambda: passphrase) as archive:
        return archive.vault.data_key(item_id)


def test_an_encrypted_item_is_ciphertext_in_the_bucket_and_its_key_never_goes_there(
    s3_bureau: S3Bureau, tmp_path: Path
):
    doc = make_docx(
        tmp_path / f"{EN}-plan.docx", text=f"The {EN} budget: {ZH} plan.", title=f"Plan {EN}"
    )
    item = s3_bureau.json("file", doc, *NOTICE, "--classification", "secret")
    assert item["encrypted"]
    key = data_key(s3_bureau, item["id"])
    objects = s3_bureau.objects()
    assert len(objects) == 1
    wanted = needles([EN, ZH, doc.name], [doc])
    wanted |= {
        "the data key": key,
        "the data key in base64": base64.b64encode(key),
        "the passphrase": PASSPHRASE.encode(),
    }
    found = [
        f"{k}: {label}" for k, data in objects.items() for label, n in wanted.items() if n in data
    ]
    assert found == []
    out = tmp_path / "out.docx"
    s3_bureau.ok("get", item["id"], "--out", out)
    assert out.read_bytes() == doc.read_bytes()


def test_classifying_an_item_up_leaves_no_plaintext_object_in_the_bucket(
    s3_bureau: S3Bureau, tmp_path: Path
):
    doc = make_docx(tmp_path / "raised.docx", text=f"The {EN} draft: {ZH}.", title="Draft")
    item = filed(s3_bureau, doc)
    assert list(s3_bureau.objects().values()) == [doc.read_bytes()]
    s3_bureau.ok("classify", item["id"], "secret")
    objects = s3_bureau.objects()
    assert len(objects) == 1
    wanted = needles([EN, ZH], [doc])
    assert [label for data in objects.values() for label, n in wanted.items() if n in data] == []
    out = tmp_path / "out.docx"
    s3_bureau.ok("get", item["id"], "--out", out)
    assert out.read_bytes() == doc.read_bytes()


def dispose_all(bureau: S3Bureau) -> dict:
    """Propose, approve (by a second administrator) and execute the disposal of everything
    due at the end of 2100."""
    bureau.json("users", "add", "li", "--role", "admin", "--clearance", "top-secret")
    proposed = bureau.json("retention", "dispose", "--as-of", "2100-12-31")
    bureau.json("--user", "li", "retention", "approve", proposed["id"])
    return bureau.json("retention", "execute", proposed["id"])


def test_disposal_removes_the_objects_and_shreds_the_key_in_every_backup(
    s3_bureau: S3Bureau, tmp_path: Path
):
    doc = make_docx(tmp_path / "s.docx", text=f"The {EN} secret letter.", title="Secret")
    secret = s3_bureau.json("file", doc, *NOTICE, "--classification", "secret")
    backup = tmp_path / "backup"
    s3_bureau.json("backup", backup)
    [(key, ciphertext)] = s3_bureau.objects().items()

    done = dispose_all(s3_bureau)
    assert done["status"] == "executed"
    assert [Path(r["path"]) for r in done["backups_shredded"]] == [backup]
    assert key not in s3_bureau.objects()
    keys = json.loads(next((backup / "snapshots").glob("*/keys.json")).read_text())
    assert keys["items"] == {} and secret["id"] in keys["shredded"]
    stored = [p for p in (backup / "store").rglob("*") if p.is_file()]
    assert all(p.read_bytes() != ciphertext for p in stored)
    refused = s3_bureau.fails(2, "get", secret["id"], "--out", tmp_path / "again.docx")
    assert "disposed" in refused.err
    assert s3_bureau.json("backup", "verify", backup)["ok"] is True


# -- backup and restore ------------------------------------------------------------------------


def test_a_backup_copies_the_objects_and_restores_as_a_home_with_its_own_store(
    s3_bureau: S3Bureau, tmp_path: Path
):
    plain = make_docx(tmp_path / "p.docx", text="Plain notice.", title="Plain")
    secret_doc = make_docx(tmp_path / "s.docx", text="Secret notice.", title="Secret")
    items = [filed(s3_bureau, plain), filed(s3_bureau, secret_doc, "--classification", "secret")]
    backup = tmp_path / "backup"
    report = s3_bureau.json("backup", backup)
    assert report["copied"] == 2
    objects = s3_bureau.objects()
    for key, data in objects.items():
        sha = key.rsplit("/", 1)[1]
        assert (backup / "store" / sha[:2] / sha[2:4] / sha).read_bytes() == data
    assert s3_bureau.json("backup", "verify", backup)["ok"] is True

    target = tmp_path / "restored"
    restored = Bureau(target, tmp_path)  # no AWS_* variables: the bucket is not needed
    restored.json("restore", backup)
    info = restored.json("info")
    assert (info["store"], info["store_location"]) == ("local", str(target / "store"))
    for item, doc in zip(items, (plain, secret_doc), strict=True):
        out = tmp_path / f"{item['id']}.docx"
        restored.ok("get", item["id"], "--out", out)
        assert out.read_bytes() == doc.read_bytes()
    assert restored.json("audit", "verify")["ok"] is True
    assert s3_bureau.objects() == objects  # the restore wrote nothing to the bucket


def test_a_tar_backup_of_an_s3_home_verifies_and_restores(s3_bureau: S3Bureau, tmp_path: Path):
    doc = make_docx(tmp_path / "t.docx", text="Tarred notice.", title="Tarred")
    item = filed(s3_bureau, doc)
    tar = tmp_path / "backup.tar"
    s3_bureau.json("backup", tar, "--tar")
    assert s3_bureau.json("backup", "verify", tar)["ok"] is True
    restored = Bureau(tmp_path / "restored", tmp_path)
    restored.json("restore", tar)
    out = tmp_path / "out.docx"
    restored.ok("get", item["id"], "--out", out)
    assert out.read_bytes() == doc.read_bytes()


def test_documents_dropped_into_the_inbox_are_filed_into_the_bucket(
    s3_bureau: S3Bureau, tmp_path: Path
):
    inbox = s3_bureau.root / "inbox"
    docs = [make_docx(inbox / f"drop{n}.docx", text=f"Inbox notice {n}.") for n in range(3)]
    for doc in docs:
        meta = {"kind": "notice", "dept": "BGS", "retention": "D30", "date": "2026-03-04"}
        meta["title"] = doc.stem
        sidecar = "".join(f"{key}: {value!r}\n" for key, value in meta.items())
        doc.with_name(doc.name + ".meta.yaml").write_text(sidecar, encoding="utf-8")
    contents = {doc.stem: doc.read_bytes() for doc in docs}
    s3_bureau.ok("watch", "--once", "--settle", "0")
    listed = {i["title"]: i for i in s3_bureau.json("list")}
    assert set(listed) == set(contents)
    objects = s3_bureau.objects()
    assert {objects[s3_bureau.key(i["sha256"])] for i in listed.values()} == set(contents.values())


def test_processes_filing_the_same_content_at_once_store_one_object_and_all_succeed(
    s3_bureau: S3Bureau, tmp_path: Path
):
    doc = make_pdf(tmp_path / "same.pdf", text="the same bytes from four places")
    real = s3_bureau.real  # four processes at once: each may find the object absent and send it

    def file(n: int) -> dict:
        return real.json("file", doc, *NOTICE, "--title", f"copy {n}", "--allow-duplicate")

    with ThreadPoolExecutor(max_workers=4) as pool:
        items = list(pool.map(file, range(4)))
    assert len({item["id"] for item in items}) == 4
    assert s3_bureau.objects() == {s3_bureau.key(sha256(doc.read_bytes())): doc.read_bytes()}
    assert s3_bureau.json("audit", "verify")["ok"] is True
