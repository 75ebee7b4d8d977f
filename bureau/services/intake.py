"""Filing files from outside: the seal check the front doors (`bureau file`, the inbox) run
before they hand a PDF to the archive.

The archive is the centre and verifies no seals; this layer verifies a PDF's seals against
the home's own trust root and current CRL (seals.intake) and passes the verdict into the
filing request, which then marks the item sealed, or not, and reads its metadata from the
sealed revision only.
"""

from __future__ import annotations

from pathlib import Path

from archive.filing import SealCheck
from archive.service import Archive
from bureau.services import sealing
from seals.intake import check_seal


def seal_check(archive: Archive, path: Path) -> SealCheck | None:
    """The seal verdict for a document named `.pdf`; None for anything else (or a file that
    cannot be read: filing then says what is wrong with it)."""
    if path.suffix.lower() != ".pdf" or not path.is_file():
        return None
    if sealing.has_pki(archive):
        home_pki = sealing.pki(archive)
        roots, crls, known = [home_pki.root_cert()], [home_pki.crl()], home_pki.all_certificates()
    else:  # no seals of its own: no signature can be a bureau seal
        roots, crls, known = [], [], []
    try:
        return check_seal(path, bureau_roots=roots, current_crls=crls, known_certs=known)
    except OSError:
        return None
