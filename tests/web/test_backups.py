"""/backups on the web: an administrator backs up the home onto the folder fixed for it
(never a path the browser names), sees each backup with its last check, and checks one
again. No restore from here."""

from __future__ import annotations

from pathlib import Path

from tests.web.conftest import Web
from tests.web.keeping_support import file_old, shown


def shelf(web: Web) -> Path:
    """The default backup folder: the data home's sibling `<home>-backups`."""
    return web.root.parent / f"{web.root.name}-backups"


def test_an_administrator_backs_up_into_the_backup_folder(web: Web):
    file_old(web, "Letter of 2000")
    visitor = web.signed_in("tester")
    page = visitor.get("/backups")
    assert page.status_code == 200 and str(shelf(web)) in page.text
    made = visitor.submit("/backups", {"name": "nightly"})
    assert made.status_code == 200 and "nightly" in made.text
    assert (shelf(web) / "nightly" / "bureau-backup.json").is_file()
    row = visitor.get("/backups").text.split('id="backup-nightly"')[1].split("</tr>")[0]
    assert "尚未检查" in row and "<td>1</td>" in row  # one snapshot, never checked
    (entry,) = [e for e in web.bureau.json("audit", "log") if e["action"] == "backup"]
    assert entry["actor"] == "tester" and entry["detail"]["dest"] == str(shelf(web) / "nightly")


def test_a_second_backup_of_the_same_name_adds_a_snapshot(web: Web):
    visitor = web.signed_in("tester")
    visitor.submit("/backups", {"name": "nightly"})
    visitor.submit("/backups", {"name": "nightly"})
    row = visitor.get("/backups").text.split('id="backup-nightly"')[1].split("</tr>")[0]
    assert "<td>2</td>" in row


def test_a_tar_backup_is_one_file_in_the_folder(web: Web):
    visitor = web.signed_in("tester")
    visitor.submit("/backups", {"name": "offsite", "tar": "yes"})
    assert (shelf(web) / "offsite.tar").is_file()
    again = visitor.submit("/backups", {"name": "offsite", "tar": "yes"})
    assert again.status_code == 400 and "already exists" in shown(again)


def test_checking_a_backup_records_that_it_is_good(web: Web):
    visitor = web.signed_in("tester")
    visitor.submit("/backups", {"name": "nightly"})
    answer = visitor.submit("/backups/verify", {"name": "nightly"})
    assert answer.status_code == 303 and answer.headers["location"] == "/backups"
    page = visitor.get("/backups")
    assert "备份检查完毕：完好" in page.text
    row = page.text.split('id="backup-nightly"')[1].split("</tr>")[0]
    assert 'class="ok"' in row and "tester" in row


def test_checking_a_damaged_backup_shows_what_is_wrong(web: Web):
    item = file_old(web, "Letter of 2000")
    visitor = web.signed_in("tester")
    visitor.submit("/backups", {"name": "nightly"})
    sha = item["sha256"]
    blob = shelf(web) / "nightly" / "store" / sha[:2] / sha[2:4] / sha
    blob.chmod(0o644)
    blob.write_bytes(b"damaged")
    visitor.submit("/backups/verify", {"name": "nightly"})
    page = visitor.get("/backups")
    row = page.text.split('id="backup-nightly"')[1].split("</tr>")[0]
    assert 'class="bad"' in row and sha in row


def test_a_name_that_leaves_the_backup_folder_is_refused(web: Web):
    visitor = web.signed_in("tester")
    for name in ("../escaped", "/tmp/escaped", "a/b", ".hidden", "", "x" * 65):
        answer = visitor.submit("/backups", {"name": name})
        assert answer.status_code == 400, name
        assert "a backup's name is 1 to 64 letters" in shown(answer)
    assert not (web.root.parent / "escaped").exists()
    checked = visitor.submit("/backups/verify", {"name": "../home"})
    assert checked.status_code == 400


def test_checking_a_backup_that_is_not_there_is_a_404(web: Web):
    answer = web.signed_in("tester").submit("/backups/verify", {"name": "nothing"})
    assert answer.status_code == 404


def test_the_backup_folder_setting_of_the_home_is_used(web: Web):
    config = web.root / "config.yaml"
    config.write_text(config.read_text() + "backup_folder: vault-copies\n")
    visitor = web.signed_in("tester")
    visitor.submit("/backups", {"name": "nightly"})
    assert (web.root.parent / "vault-copies" / "nightly" / "bureau-backup.json").is_file()


def test_a_backup_folder_inside_the_home_is_refused(web: Web):
    config = web.root / "config.yaml"
    config.write_text(config.read_text() + f"backup_folder: {web.root / 'backups'}\n")
    answer = web.signed_in("tester").submit("/backups", {"name": "nightly"})
    assert answer.status_code == 400 and "inside the data home" in shown(answer)


def test_the_page_says_there_is_no_restore_from_the_web(web: Web):
    page = web.signed_in("tester").get("/backups")
    assert "不能在网页上恢复备份" in page.text and "restore" in page.text


def test_other_roles_are_refused_the_backups(web: Web):
    web.signed_in("tester").submit("/backups", {"name": "nightly"})
    for name in ("arc", "sec", "aud"):
        visitor = web.signed_in(name)
        assert visitor.get("/backups").status_code == 403
        assert visitor.submit("/backups", {"name": "mine"}).status_code == 403
        assert visitor.submit("/backups/verify", {"name": "nightly"}).status_code == 403
    assert not (shelf(web) / "mine").exists()


def test_a_backup_without_the_csrf_token_is_refused(web: Web):
    visitor = web.signed_in("tester")
    assert visitor.post("/backups", data={"name": "nightly"}).status_code == 403
    assert not (shelf(web) / "nightly").exists()


def test_the_backups_page_needs_a_signed_in_visitor(web: Web):
    answer = web.client().get("/backups", follow_redirects=False)
    assert answer.headers["location"] == "/login?next=%2Fbackups"


def test_a_hostile_name_is_refused_and_not_echoed_as_markup(web: Web):
    answer = web.signed_in("tester").submit("/backups", {"name": "<script>alert(1)</script>"})
    assert answer.status_code == 400 and "<script>" not in answer.text
