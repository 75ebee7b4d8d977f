"""What signing needs from the PKI: one department's seal key, its certificate, the chain
up to the bureau's root, and the current CRL, plus the seal's picture and stamp text.

`seals.authority` produces it (`Pki.signing_material`); `seals.sign` consumes it. Keeping the
hand-over in one small type lets each side be tested alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes


@dataclass(frozen=True)
class SealMaterial:
    dept: str
    key: PrivateKeyTypes
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # issuer first, up to and including the root
    crls: tuple[bytes, ...]  # DER CRLs to embed (the bureau CA's current CRL)
    image: Path | None  # the department's seal picture (PNG, transparent background)
    stamp_text: str  # e.g. "市教育局办公室" or "General Office, City Education Bureau"
    # The name the picture itself carries round its ring; when it is the stamp text, the
    # stamp text is not printed a second time across the seal.
    ring_text: str = ""
