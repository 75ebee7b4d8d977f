"""PDFs an auditor is handed, made for the tests of /verify: one sealed by the bureau,
the same with a byte changed after sealing, one sealed by a foreign agency's key with
pyHanko's own API, and a file that is no PDF at all.

Every test home is a copy of the session's pristine home, so they share its seals: a PDF
sealed in one copy verifies in all of them, and is made once per module.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import Bureau
from tests.factories import make_pdf
from tests.seals import foreign

TEXT = "Notice on the spring safety inspections"


@pytest.fixture(scope="module")
def sealed_pdf(tmp_path_factory: pytest.TempPathFactory, pristine_home: Path) -> bytes:
    """A PDF sealed with `bureau sign` by the General Office (BGS) of the tests' home."""
    folder = tmp_path_factory.mktemp("sealed")
    root = folder / "home"
    shutil.copytree(pristine_home, root, symlinks=True)
    plain = make_pdf(folder / "plain.pdf", TEXT)
    out = folder / "sealed.pdf"
    cache = {"XDG_CACHE_HOME": str(folder / "cache")}  # the stamp-font cache
    Bureau(root, folder).ok("sign", plain, "--dept", "BGS", "--out", out, env=cache)
    return out.read_bytes()


def tampered(sealed: bytes) -> bytes:
    """`sealed` with one letter of its text changed after sealing (same length)."""
    assert TEXT.encode() in sealed
    return sealed.replace(TEXT.encode(), TEXT.replace("spring", "autumn").encode(), 1)


@pytest.fixture(scope="module")
def foreign_pdf() -> bytes:
    """A PDF signed by another agency's key (pyHanko's signing API, its defaults)."""
    pki = foreign.build_foreign_pki()
    return foreign.sign(foreign.blank_pdf(), pki.signer, pki.intermediate, pki.root)


NOT_A_PDF = b"MZ\x90\x00 this is a program, not a document"
