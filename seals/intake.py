"""The seal check at filing time: is this PDF from outside sealed by the bureau, and which
of its revisions does that seal cover?

`bureau file` and the inbox take PDFs from anywhere. A PDF counts as sealed only when every
signature in it verifies against the home's own trust root (a signature by anyone else is
not a bureau seal) with :func:`seals.verify.verify_pdf`, exactly as `bureau verify` and
`audit verify` judge it. The metadata filing reads is then taken from the revision the
seals cover - the signed bytes are ``pdf[0:end of the byte range]``, itself a complete PDF -
so a later incremental update that only rewrites the document information or XMP (which the
seal's modification policy allows) cannot change the document number, department or
classification the archive records. The result goes into the filing request as an
:class:`archive.filing.SealCheck`: the archive itself never imports this layer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path

from cryptography import x509

from archive.filing import SealCheck
from seals.report import NO_SIGNATURE_FOUND
from seals.verify import DEFAULT_MAX_BYTES, verify_pdf


def check_seal(
    path: Path,
    *,
    bureau_roots: Sequence[x509.Certificate],
    current_crls: Sequence[bytes] = (),
    known_certs: Sequence[x509.Certificate] = (),
) -> SealCheck:
    """Verify the seals of the PDF at `path`; never raises for a bad file (screening refuses
    an unreadable PDF with its own reason, so an unreadable one is simply not sealed)."""
    if path.stat().st_size > DEFAULT_MAX_BYTES:  # not read into memory: verify refuses it too
        return SealCheck(False, problem=f"over {DEFAULT_MAX_BYTES >> 20} MiB, too large to verify")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    report = verify_pdf(
        data,
        name=path.name,
        trust_roots=(),
        bureau_roots=bureau_roots,
        current_crls=current_crls,
        known_certs=known_certs,
    )
    if report.error is not None or report.indication == NO_SIGNATURE_FOUND:
        return SealCheck(False, sha256=digest)
    if not report.passed:
        verdict = report.indication + (f"/{report.subindication}" if report.subindication else "")
        return SealCheck(False, problem=verdict, sha256=digest)
    try:
        end = signed_end(data)
    except Exception:  # noqa: BLE001 - verified by pyHanko, yet unreadable here: trust nothing
        end = None
    if end is None:  # verified, yet no byte range to read: believe nothing of its metadata
        return SealCheck(False, problem="no signed byte range found", sha256=digest)
    return SealCheck(True, signed_length=end, sha256=digest)


def signed_end(data: bytes) -> int | None:
    """Where the last signed revision ends: the furthest end of any signature's byte range
    (document timestamps excluded: a timestamp authority's signature is not a seal)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(BytesIO(data), strict=False)
    ends = []
    for emb in reader.embedded_regular_signatures:
        byte_range = list(emb.byte_range)
        if len(byte_range) == 4:
            ends.append(int(byte_range[2]) + int(byte_range[3]))
    return max(ends) if ends else None
