"""Sealing a PDF: a PAdES signature with a visible seal, made with pyHanko.

What a seal is here:

* PAdES (subfilter ``ETSI.CAdES.detached``), SHA-256, with the seal's chain and CRLs put into
  the document security store so the signature is B-LT. With a time-stamper it also gets a
  signature timestamp (B-T) and then a document timestamp (B-LTA).
* The first seal on a document certifies it with DocMDP "fill forms and sign", so afterwards
  only further seals (a co-issuing department's) and form filling are allowed. Later seals are
  approval signatures appended as incremental updates; earlier seals stay valid.
* The seal is visible: a signature widget on the last page showing the department's seal
  picture with its stamp text. The stamp text must render Chinese, so it is set with pyHanko's
  OpenType engine (``GlyphAccumulatorFactory``) in Noto Serif CJK SC, the face the bureau's
  templates use for body text (found with ``fc-match``; ``BUREAU_SEAL_FONT`` overrides). The
  font ships as a ``.ttc`` collection, which that engine cannot open, and subsetting the whole
  24 MB face costs ~0.4 s per seal, so the glyphs of each stamp text are cut out once into a
  small cached ``.otf`` (see :func:`stamp_font_file`); each PDF embeds that subset. The picture
  is a ``PdfImage`` background (PNG alpha kept as a soft mask); without a picture the text is
  drawn in red inside a red frame.

A seal that is expired, not yet valid or revoked (per the material's CRLs) at ``now`` is
refused before anything is written, and so is a key that does not match its certificate.
The private key is converted to pyHanko's form in memory only.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.model import VENDOR
from pyhanko.pdf_utils.misc import PdfDecodeLimitError, PdfError
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from archive import atomic
from archive.errors import BadInput, BureauError, OperationFailed
from seals.blend import MultipliedPictureStyle, MultipliedTextStyle
from seals.cache import cache_dir
from seals.material import SealMaterial
from seals.placement import SealBox, clear_of_seals, fallback_box, find_seal_box

log = logging.getLogger(__name__)

CJK_FONT_FAMILY = "Noto Serif CJK SC"
FONT_ENV = "BUREAU_SEAL_FONT"  # optional path to an .otf/.ttf to use instead
_FONT_FALLBACKS = (("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),)
SEAL_RED = (0.85, 0.05, 0.05)
STAMP_FONT_SIZE = 9


class _OfflineNotice(logging.Filter):
    """Drop pyHanko's warning that fetching is off: sealing is offline by design."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "fetching is not allowed" not in record.getMessage()


logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_OfflineNotice())
for _name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name).addHandler(logging.NullHandler())  # no tracebacks on stderr


class BadPdf(BadInput):
    """The input is not a PDF that can be sealed (not a PDF, damaged, encrypted, locked)."""


class SealUnusable(BadInput):
    """The seal material cannot be used now: expired, not yet valid, revoked, mismatched."""


class SealingFailed(OperationFailed):
    """pyHanko could not complete a seal on a valid document with usable material."""


# -- checks before writing ------------------------------------------------------------------


def _aware(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _describe(cert: x509.Certificate) -> str:
    return f"{cert.subject.rfc4514_string()} (serial {cert.serial_number:x})"


def check_seal_usable(material: SealMaterial, now: datetime | None = None) -> None:
    """Raise :class:`SealUnusable` unless ``material`` may seal a document at ``now``.

    Checks: the key belongs to the certificate; the certificate is within its validity; no
    CRL in the material that was issued by the certificate's issuer (and verifies with the
    issuer's key, when the issuer is in the chain) lists it as revoked at or before ``now``.
    """
    now = _aware(now)
    cert = material.cert
    pub = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    if material.key.public_key().public_bytes(der, pub) != cert.public_key().public_bytes(der, pub):
        raise SealUnusable(f"the seal key for {material.dept} does not match its certificate")
    if now < cert.not_valid_before_utc:
        raise SealUnusable(
            f"the seal certificate for {material.dept} is not valid until "
            f"{cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC: {_describe(cert)}"
        )
    if now > cert.not_valid_after_utc:
        raise SealUnusable(
            f"the seal certificate for {material.dept} expired on "
            f"{cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC: {_describe(cert)}"
        )
    issuer = next((c for c in material.chain if c.subject == cert.issuer), None)
    for raw in material.crls:
        try:
            crl = x509.load_der_x509_crl(raw)
        except ValueError as exc:
            raise SealUnusable(f"a CRL in the seal material is not a DER CRL: {exc}") from None
        if crl.issuer != cert.issuer:
            continue
        if issuer is not None and not crl.is_signature_valid(issuer.public_key()):
            raise SealUnusable("a CRL in the seal material does not verify with the issuing CA")
        entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if entry is not None and entry.revocation_date_utc <= now:
            raise SealUnusable(
                f"the seal certificate for {material.dept} was revoked on "
                f"{entry.revocation_date_utc:%Y-%m-%d %H:%M} UTC: {_describe(cert)}"
            )


# -- reading the input ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Document:
    writer: IncrementalPdfFileWriter
    signatures: list[str]  # field names of the signatures already there
    page_count: int
    last_mediabox: tuple[float, float, float, float]


def _mediabox(page) -> tuple[float, float, float, float]:
    """The page's /MediaBox, which may be inherited from its /Pages ancestors."""
    node = page
    for _ in range(32):
        if "/MediaBox" in node:
            x1, y1, x2, y2 = (float(v) for v in node["/MediaBox"])
            return (x1, y1, x2, y2)
        if "/Parent" not in node:
            break
        node = node["/Parent"]
    return (0.0, 0.0, 595.28, 841.89)  # A4, the GB/T 9704 page


def _open(pdf: bytes) -> _Document:
    """Open ``pdf`` for an incremental update (hybrid cross-references allowed, as Word
    writes them), resolving what sealing needs now, so any damage is a :class:`BadPdf`."""
    if not isinstance(pdf, bytes | bytearray) or b"%PDF-" not in bytes(pdf[:1024]):
        raise BadPdf("not a PDF file (no %PDF- header)")
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        if writer.prev.encrypted:
            raise BadPdf("the PDF is encrypted; seal the unencrypted original")
        signatures = [sig.field_name for sig in writer.prev.embedded_signatures]
        page_count = int(writer.root["/Pages"]["/Count"])
        if page_count < 1:
            raise BadPdf("the PDF has no pages to seal")
        last_page, _ = writer.find_page_for_modification(page_count - 1)
        mediabox = _mediabox(last_page.get_object())
    except BadPdf:
        raise
    except PdfDecodeLimitError as exc:
        raise BadPdf(f"refused: a stream in the PDF inflates beyond the limit ({exc})") from None
    except RecursionError:
        raise BadPdf("the PDF is damaged and cannot be sealed: objects nest too deeply") from None
    except Exception as exc:  # the file boundary: any parser failure means a damaged file
        raise BadPdf(f"the PDF is damaged and cannot be sealed: {_first_line(exc)}") from None
    return _Document(writer, signatures, page_count, mediabox)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _keep_info_with_xmp(writer: IncrementalPdfFileWriter) -> None:
    """Make the revisions pyHanko writes keep the Info dictionary and the XMP in agreement,
    as PDF/A requires (archive.pdfa), for a document that has an XMP packet.

    pyHanko updates the XMP itself in every revision it writes (the seal's, then the
    validation data's): pdf:Producer becomes its own name and xmp:ModifyDate the moment.
    In the Info dictionary it appends its name to /Producer ("LibreOffice 7.4; pyHanko")
    and sets /ModDate, when there is one, from a second reading of the clock, which can
    fall in the next second. So the sealing revision names pyHanko alone as /Producer (the
    creating program stays in /Creator) and leaves /ModDate to the XMP.
    """
    if "/Metadata" not in writer.root:
        return
    info_ref = writer.trailer.raw_get("/Info") if "/Info" in writer.trailer else None
    if not isinstance(info_ref, generic.IndirectObject):
        return
    info = info_ref.get_object()
    info["/Producer"] = generic.TextStringObject(VENDOR)
    info.pop("/ModDate", None)
    writer.mark_update(info_ref)


# -- appearance -----------------------------------------------------------------------------


def _font_cache_dir() -> Path:
    """Where the stamp-font subsets are kept (seals.cache)."""
    try:
        return cache_dir("fonts")
    except OperationFailed as exc:
        raise SealingFailed(str(exc)) from None


def _locate_cjk_font() -> tuple[str, int]:
    """The (file, face index) of Noto Serif CJK SC: ``fc-match`` first, known paths next."""
    fc_match = shutil.which("fc-match")
    if fc_match:
        try:
            done = subprocess.run(
                [fc_match, CJK_FONT_FAMILY, "--format=%{file}\n%{index}"],
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            )
            path, _, index = done.stdout.partition("\n")
            if path and os.path.exists(path) and "CJK" in os.path.basename(path):
                return path, int(index or 0)
        except (OSError, subprocess.SubprocessError, ValueError):
            pass
    for path, index in _FONT_FALLBACKS:
        if os.path.exists(path):
            return path, index
    raise SealingFailed(
        f"no {CJK_FONT_FAMILY} font found for the stamp text: install fonts-noto-cjk "
        f"or set {FONT_ENV} to an .otf/.ttf file"
    )


@lru_cache(maxsize=1)
def _font_source() -> tuple[str, int]:
    configured = os.environ.get(FONT_ENV)
    return (configured, 0) if configured else _locate_cjk_font()


@lru_cache(maxsize=64)
def stamp_font_file(text: str) -> str:
    """An OpenType file with the glyphs ``text`` needs, cut from the CJK font and cached.

    pyHanko embeds a subset of whatever font it is given, but subsetting the 24 MB Noto CJK
    face costs ~0.4 s per seal; subsetting once per stamp text (a department's seal always
    says the same thing) and keeping the few-kB result in a cache directory makes later
    seals fast. It also reads the SC face out of the .ttc collection, which pyHanko's
    engine cannot open. Writes are atomic, so concurrent sealers share the cache safely.
    """
    from fontTools.ttLib import TTFont

    path, index = _font_source()
    stat = os.stat(path)
    key = hashlib.sha256(
        f"{path}|{index}|{stat.st_size}|{stat.st_mtime_ns}|{text}".encode()
    ).hexdigest()
    target = _font_cache_dir() / f"{Path(path).stem}-{index}-{key[:16]}.otf"
    if not target.exists():
        _cut_subset(path, index, text, target)
    cmap = TTFont(str(target), lazy=True).getBestCmap() or {}
    missing = sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap})
    if missing:
        raise SealUnusable(f"the stamp text has characters the seal font lacks: {''.join(missing)}")
    return str(target)


def _cut_subset(path: str, index: int, text: str, target: Path) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(path, fontNumber=index, lazy=True)
    options = subset.Options()
    options.layout_features = ["*"]  # keep vertical forms, ligatures, locl for SC
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text + " ")
    subsetter.subset(font)
    with atomic.replacing(target) as stream:
        font.save(stream)


def _stamp_style(
    material: SealMaterial, box: SealBox
) -> TextStampStyle | MultipliedPictureStyle | MultipliedTextStyle:
    """The seal picture filling ``box``, the stamp text in red across its lower part.

    A department's round seal carries its name along the rim and a star in the middle; the
    band between the centre and the bottom rim (where real seals put a serial code) is free,
    so the stamp text goes there, shrunk to fit the circle's chord at that height; a picture
    whose ring already reads the stamp text is shown alone. The picture is multiplied onto
    the page (seals.blend), so the text under the seal stays legible.
    """
    background = None
    if material.image is not None:
        try:
            background = PdfImage(str(material.image))
        except (OSError, ValueError) as exc:
            raise SealUnusable(f"cannot read the seal picture {material.image}: {exc}") from None
    picture_layout = layout.SimpleBoxLayoutRule(
        x_align=layout.AxisAlignment.ALIGN_MID,
        y_align=layout.AxisAlignment.ALIGN_MID,
        inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT,
    )
    names_itself = bool(material.ring_text) and material.ring_text == material.stamp_text
    if not material.stamp_text.strip() or (background is not None and names_itself):
        if background is None:
            raise SealUnusable(f"the seal of {material.dept} has neither a picture nor a text")
        return MultipliedPictureStyle(
            background=background, background_layout=picture_layout, border_width=0
        )
    font = GlyphAccumulatorFactory(stamp_font_file(material.stamp_text), font_size=STAMP_FONT_SIZE)
    text_style = TextBoxStyle(font=font, font_size=STAMP_FONT_SIZE, text_color=SEAL_RED)
    if background is None:
        return TextStampStyle(
            stamp_text="%(seal)s",
            text_box_style=text_style,
            border_width=2,
            border_color=SEAL_RED,
        )
    return MultipliedTextStyle(
        stamp_text="%(seal)s",
        text_box_style=text_style,
        background=background,
        background_opacity=1.0,
        background_layout=picture_layout,
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MIN,
            margins=layout.Margins(
                left=round(box.width * 0.23),
                right=round(box.width * 0.23),
                bottom=round(box.height * 0.1),
                top=round(box.height * 0.7),
            ),
        ),
        border_width=0,
    )


# -- the signature --------------------------------------------------------------------------


def _field_name(existing: Sequence[str]) -> str:
    n = len(existing) + 1
    while f"Seal{n}" in existing:
        n += 1
    return f"Seal{n}"


def _placement(pdf: bytes, material: SealMaterial, doc: _Document) -> SealBox:
    box = find_seal_box(pdf, [material.stamp_text])
    if box is None:  # pypdf could not read what pyHanko could: no text positions then
        box = fallback_box(doc.page_count - 1, doc.last_mediabox)
    return clear_of_seals(pdf, box)


def _check_box(box: SealBox, page_count: int) -> SealBox:
    page = box.page if box.page >= 0 else page_count + box.page
    if not 0 <= page < page_count:
        raise BadInput(f"seal placement is on page {box.page + 1}, but the PDF has {page_count}")
    if box.x2 - box.x1 < 1 or box.y2 - box.y1 < 1:
        raise BadInput(f"seal placement {box.rect} is empty")
    return SealBox(page, box.x1, box.y1, box.x2, box.y2)


def _to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _signer(material: SealMaterial) -> signers.SimpleSigner:
    key_der = material.key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return signers.SimpleSigner(
        signing_cert=_to_asn1(material.cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([_to_asn1(c) for c in material.chain]),
    )


async def _sign(
    pdf_signer: signers.PdfSigner, writer: IncrementalPdfFileWriter, now: datetime, text: str
) -> BytesIO:
    """``PdfSigner.async_sign_pdf`` step by step, so the signing time is ``now``."""
    context = pdf_signer.signature_meta.validation_context
    try:
        return await _sign_steps(pdf_signer, writer, now, text)
    finally:
        if context is not None:
            await context.aclose()


async def _sign_steps(
    pdf_signer: signers.PdfSigner, writer: IncrementalPdfFileWriter, now: datetime, text: str
) -> BytesIO:
    session = pdf_signer.init_signing_session(writer)
    session.system_time = now
    info = await session.perform_presign_validation(writer)
    reserved = await session.estimate_signature_container_size(info)
    tbs = session.prepare_tbs_document(
        validation_info=info, bytes_reserved=reserved, appearance_text_params={"seal": text}
    )
    digest, output = tbs.digest_tbs_document()
    post = await tbs.perform_signature(
        document_digest=digest.document_digest,
        pdf_cms_signed_attrs=PdfCMSSignedAttributes(signing_time=now),
    )
    await post.post_signature_processing(output)
    return output


def sign_pdf(
    pdf: bytes,
    material: SealMaterial,
    *,
    certify: bool | None = None,
    placement: SealBox | None = None,
    timestamper: TimeStamper | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> bytes:
    """Seal ``pdf`` with ``material`` and return the sealed PDF.

    ``certify``: None certifies when the document has no signature yet (the first seal),
    True insists on certifying, False adds an approval signature. ``placement`` defaults to
    :func:`seals.placement.find_seal_box` with the stamp text as anchor, moved left of any
    seal already there. ``timestamper`` adds a signature timestamp and a document timestamp
    (B-LTA); its TSA must chain to the seal's root. ``now`` (default: the clock) is the
    signing time and the moment the seal is checked at; naive values are taken as UTC.

    Raises :class:`BadPdf` or :class:`SealUnusable` (exit 2), or :class:`SealingFailed`.
    """
    now = _aware(now)
    doc = _open(pdf)
    check_seal_usable(material, now)
    if certify is None:
        certify = not doc.signatures
    elif certify and doc.signatures:
        raise BadPdf("the PDF is already signed, so it can no longer be certified")
    box = _check_box(placement or _placement(pdf, material, doc), doc.page_count)
    _keep_info_with_xmp(doc.writer)

    root = material.chain[-1] if material.chain else material.cert
    context = ValidationContext(
        trust_roots=[_to_asn1(root)],
        other_certs=[_to_asn1(c) for c in material.chain],
        crls=list(material.crls),
        allow_fetching=False,
        moment=now,
        retroactive_revinfo=True,
    )
    field_name = _field_name(doc.signatures)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=certify,
        docmdp_permissions=fields.MDPPerm.FILL_FORMS,
        embed_validation_info=True,
        validation_context=context,
        use_pades_lta=timestamper is not None,
        reason=reason,
        name=material.dept,
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=_signer(material),
        timestamper=timestamper,
        stamp_style=_stamp_style(material, box),
        new_field_spec=fields.SigFieldSpec(
            sig_field_name=field_name,
            on_page=box.page,
            box=tuple(round(v, 2) for v in box.rect),
        ),
    )
    try:
        output = asyncio.run(_sign(pdf_signer, doc.writer, now, material.stamp_text))
    except SigningError as exc:
        message = _first_line(exc)
        if "could not be validated" in message:
            raise SealUnusable(
                f"the seal certificate for {material.dept} does not validate against its "
                f"chain and CRLs: {_describe(material.cert)}"
            ) from None
        if "forbids all changes" in message or "Certification" in message:
            raise BadPdf(f"the PDF cannot take another seal: {message}") from None
        raise SealingFailed(f"sealing failed: {message}") from exc
    except PdfError as exc:
        raise BadPdf(f"the PDF is damaged and cannot be sealed: {_first_line(exc)}") from None
    except BureauError:
        raise
    except Exception as exc:  # layout, font or I/O trouble: report it, no traceback
        log.debug("sealing failed", exc_info=True)
        raise SealingFailed(f"sealing failed: {_first_line(exc)}") from exc
    return output.getvalue()
