"""Verifying the seals on a PDF for auditors, with ETSI EN 319 102-1 style results.

pyHanko does the work (:func:`validate_pdf_signature`, :func:`validate_pdf_timestamp`, its
difference analysis and pyhanko-certvalidator path/revocation checks); this module picks the
validation policy, turns pyHanko's status objects into one main indication and sub-indication
per signature, and writes a report.

Indications: each signature gets ``TOTAL_PASSED``, ``TOTAL_FAILED`` or ``INDETERMINATE`` with a
sub-indication taken from pyHanko's AdES sub-indications (``AdESFailure``/``AdESIndeterminate``
names) wherever pyHanko has one. Two are this project's own choices:

* ``DISALLOWED_MODIFICATION`` (with ``TOTAL_FAILED``): the signature is intact and may be
  trusted, but the file was changed after signing in a way the DocMDP permissions or pyHanko's
  difference policy do not allow (page content replaced, an annotation laid over the text, a
  page swapped). ETSI has no sub-indication for this PDF-level check; ``FORMAT_FAILURE`` would
  hide the reason, so the report names it and ``modifications`` says what changed.
* ``REVOKED`` needs proof that the seal was used after its revocation. Without a timestamp we
  take the signer's own claimed signing time: claiming to sign after the revocation is an
  admission (``TOTAL_FAILED``/``REVOKED``). A claimed time before the revocation proves nothing,
  so that is ``INDETERMINATE``/``REVOKED_NO_POE``; a trusted signature timestamp from before the
  revocation is proof of existence and the seal is judged as of that time. The same proof of
  existence turns ``OUT_OF_BOUNDS_NO_POE`` (expired seal) into a pass when the timestamp falls
  inside the certificate's validity. Such a seal reports ``revoked: true`` and still passes.
* Where pyHanko says ``CERTIFICATE_CHAIN_GENERAL_FAILURE`` we look closer: a chain built by
  names only (a look-alike CA copying the trusted root's name) is ``NO_CERTIFICATE_CHAIN_FOUND``,
  and a bureau seal with no revocation data at hand is ``TRY_LATER`` (as pyHanko already says
  for out-of-date data): supply the bureau's current CRL and it can pass.

What may change after a seal: the certification seal's DocMDP level ("fill forms and sign")
binds every signature in the file, not only the certification itself. The difference analysis
is pyHanko's default policy except that new *visible* signature fields are accepted after the
certification (pyHanko is stricter than Acrobat there by default), because that is how a
co-issuing department adds its seal.

A file's indication is the worst of its signatures' (failed > indeterminate > passed), with
that signature's sub-indication; a PDF without signatures gets ``NO_SIGNATURE_FOUND`` as its
main indication. A file that cannot be read at all (not a PDF, truncated, encrypted, broken
cross-references, over the size limit, a decompression bomb) does not raise: it gets
``TOTAL_FAILED``/``FORMAT_FAILURE`` with ``error`` set and ``unreadable`` true, so a CLI can
report it, carry on with the other files, and exit 2 (see
:class:`seals.report.UnreadablePdf`).

Policy: a signer whose certificate chains to one of ``bureau_roots`` always has revocation
checked, against the CRLs/OCSP responses embedded in the PDF (DSS) and ``current_crls``; the
end-entity certificate must have revocation information (pyhanko-certvalidator's "require"
rule), CA certificates are checked when they name a source ("hard-fail"). Any other trust
root is soft-fail: revocation is checked where the certificate names a source and the data is
at hand offline, otherwise the report says "not checked". Revocation information issued after
the validation moment is accepted (``retroactive_revinfo``), so a past ``at`` can be judged
with today's CRL. Decompression bombs are bounded by pyHanko's own decode limits (0.38+),
tightened here, plus a file size limit; no subprocess is needed.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.decode_limits import (
    DecodeLimits,
    DocumentDecodeBudget,
    StreamDecodeLimits,
)
from pyhanko.pdf_utils.generic import Reference
from pyhanko.pdf_utils.misc import PdfDecodeLimitError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate, AdESStatus, AdESSubIndic
from pyhanko.sign.diff_analysis import (
    CatalogModificationRule,
    DiffResult,
    DocInfoRule,
    DSSCompareRule,
    FormUpdatingRule,
    GenericFieldModificationRule,
    MetadataUpdateRule,
    ModificationLevel,
    ObjectStreamRule,
    SigFieldCreationRule,
    SigFieldModificationRule,
    StandardDiffPolicy,
    SuspiciousModification,
    XrefStreamRule,
)
from pyhanko.sign.fields import MDPPerm, enumerate_sig_fields
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    EmbeddedPdfSignature,
    read_certification_data,
    validate_pdf_signature,
    validate_pdf_timestamp,
)
from pyhanko.sign.validation.errors import NoDSSFoundError, SignatureValidationError
from pyhanko.sign.validation.status import (
    DocumentTimestampStatus,
    PdfSignatureStatus,
    RevocationDetails,
    SignatureCoverageLevel,
)
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError
from pyhanko_certvalidator.path import ValidationPath
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)

from seals.changes import (
    BOOKKEEPING,
    SIGNATURES,
    VALIDATION_DATA,
    RevisionChanges,
    changes_after,
)
from seals.content import active_content
from seals.report import (
    DISALLOWED_MODIFICATION,
    FORMAT_FAILURE,
    INDETERMINATE,
    NO_SIGNATURE_FOUND,
    TOTAL_FAILED,
    TOTAL_PASSED,
    FileReport,
    SignatureReport,
    iso_time,
    worst,
)

log = logging.getLogger(__name__)
for _name in ("pyhanko", "pyhanko_certvalidator"):
    # pyHanko logs validation problems as warnings with tracebacks; they belong in the
    # report, not on a terminal that has no logging configured.
    logging.getLogger(_name).addHandler(logging.NullHandler())


DEFAULT_MAX_BYTES = 200 * 1024 * 1024
TIME_TOLERANCE = timedelta(minutes=1)  # clock skew allowed between signer, TSA and CA
MiB = 1024 * 1024
# pyHanko's defaults allow 256 MiB per stream; a sealed document never needs that much.
DECODE_LIMITS = DecodeLimits(
    per_stream=StreamDecodeLimits(max_ratio=1100, ratio_floor=MiB, max_output_size=64 * MiB),
    document_budget=DocumentDecodeBudget(base_allowance=256 * MiB, max_ratio=20),
)

BUREAU_REVOCATION = CertRevTrustPolicy(
    RevocationCheckingPolicy(
        ee_certificate_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
        intermediate_ca_cert_rule=RevocationCheckingRule.CHECK_IF_DECLARED,
    ),
    retroactive_revinfo=True,
)
# pyHanko's DEFAULT_DIFF_POLICY, except that a co-issuing department may add its own visible
# seal (a new signature field) after the certification seal. pyHanko's default forbids that
# ("stricter than Acrobat", its docs say); Acrobat accepts it, and the bureau's certification
# level "fill forms and sign" exists precisely to let co-issuers seal afterwards.
SEAL_DIFF_POLICY = StandardDiffPolicy(
    global_rules=[
        CatalogModificationRule(),
        DocInfoRule().as_qualified(ModificationLevel.LTA_UPDATES),
        XrefStreamRule().as_qualified(ModificationLevel.LTA_UPDATES),
        ObjectStreamRule().as_qualified(ModificationLevel.LTA_UPDATES),
        DSSCompareRule().as_qualified(ModificationLevel.LTA_UPDATES),
        MetadataUpdateRule().as_qualified(ModificationLevel.LTA_UPDATES),
    ],
    form_rule=FormUpdatingRule(
        field_rules=[
            SigFieldCreationRule(allow_new_visible_after_certify=True),
            SigFieldModificationRule(),
            GenericFieldModificationRule(),
        ],
    ),
)
SOFT_REVOCATION = CertRevTrustPolicy(
    RevocationCheckingPolicy.from_legacy("soft-fail"), retroactive_revinfo=True
)


# -- reading --------------------------------------------------------------------------------


class _Unreadable(Exception):
    pass


def _first_line(exc: BaseException | str, limit: int = 200) -> str:
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _size(count: int) -> str:
    return f"{count / MiB:.1f} MiB" if count >= MiB else f"{count} bytes"


@dataclass(frozen=True)
class _Broken:
    """A signature field whose signature pyHanko cannot even parse."""

    field_name: str
    problem: str


def _byte_range_problem(emb: EmbeddedPdfSignature, size: int) -> str | None:
    """What is wrong with a signature's /ByteRange, if anything: it must be two ascending,
    non-overlapping ranges inside the file (else the hash is over bytes that do not exist)."""
    try:
        values = [int(v) for v in emb.sig_object["/ByteRange"]]
    except Exception:
        return "the /ByteRange is missing or not a list of numbers"
    if len(values) != 4 or any(v < 0 for v in values):
        return "the /ByteRange is not two ranges of non-negative numbers"
    start1, len1, start2, len2 = values
    if start1 + len1 > start2:
        return "the /ByteRange's two ranges overlap or are out of order"
    if start2 + len2 > size:
        return f"the /ByteRange points past the end of the file ({start2 + len2} > {size} bytes)"
    return None


def _collect(reader: PdfFileReader, size: int) -> list[EmbeddedPdfSignature | _Broken]:
    """Every filled signature field, in signing order; unparseable ones kept as :class:`_Broken`
    (``reader.embedded_signatures`` would fail for all, or skip unknown formats silently)."""
    found: list[EmbeddedPdfSignature] = []
    broken: list[_Broken] = []
    for fq_name, _value, field_ref in enumerate_sig_fields(reader, filled_status=True):
        try:
            emb = EmbeddedPdfSignature(reader, field_ref, fq_name)
            problem = _byte_range_problem(emb, size)
        except Exception as exc:  # garbage in /Contents, /ByteRange, ...
            broken.append(_Broken(fq_name, _first_line(exc)))
            continue
        if problem:
            broken.append(_Broken(fq_name, problem))
        else:
            found.append(emb)
    found.sort(key=lambda emb: emb.signed_revision)
    return [*found, *broken]


def _read(
    data: bytes, max_bytes: int
) -> tuple[PdfFileReader, list[EmbeddedPdfSignature | _Broken]]:
    if len(data) > max_bytes:
        raise _Unreadable(f"file is {_size(len(data))}, over the {_size(max_bytes)} limit")
    if b"%PDF-" not in data[:1024]:
        raise _Unreadable("not a PDF file (no %PDF- header)")
    try:
        reader = PdfFileReader(BytesIO(data), strict=False, decode_limits=DECODE_LIMITS)
        if reader.encrypted:
            raise _Unreadable("the PDF is encrypted; its signatures cannot be checked")
        reader.root  # noqa: B018 - resolve the catalog now, so damage shows here
        return reader, _collect(reader, len(data))
    except _Unreadable:
        raise
    except PdfDecodeLimitError as exc:
        raise _Unreadable(f"refused: a stream inflates beyond the limit ({exc})") from None
    except Exception as exc:  # the file boundary: any parser failure is a per-file verdict
        log.debug("cannot read PDF", exc_info=True)
        raise _Unreadable(f"cannot read the PDF: {_first_line(exc)}") from None


# -- policy ---------------------------------------------------------------------------------


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@dataclass
class _Settings:
    trust_roots: list[asn1_x509.Certificate]
    bureau_roots: list[asn1_x509.Certificate]
    crls: list[bytes]
    known: list[asn1_x509.Certificate]
    at: datetime | None
    dss: DocumentSecurityStore | None

    def context(
        self,
        roots: list[asn1_x509.Certificate],
        policy: CertRevTrustPolicy,
        moment: datetime | None = None,
    ) -> ValidationContext:
        # a known certificate named like one of the roots but with another key (the bureau's
        # root beside a namesake --trust-root) would only lead pyHanko's path builder astray
        anchors = {root.sha256 for root in roots}
        names = {root.subject.dump() for root in roots}
        others = [c for c in self.known if c.sha256 in anchors or c.subject.dump() not in names]
        kwargs: dict[str, Any] = {
            "trust_roots": roots,
            "other_certs": others,
            # the bureau's CRLs judge only chains that may end at a bureau root: a namesake
            # CA's certificates must not be checked against a CRL its key did not sign
            "crls": list(self.crls) if anchors & {r.sha256 for r in self.bureau_roots} else [],
            "ocsps": [],
            "allow_fetching": False,
            "revinfo_policy": policy,
            "moment": moment or self.at,
            "time_tolerance": TIME_TOLERANCE,
        }
        if self.dss is not None:
            return self.dss.as_validation_context(kwargs)
        return ValidationContext(**kwargs)

    @property
    def other_roots(self) -> list[asn1_x509.Certificate]:
        """The trust roots that are not the bureau's: for signatures that do not chain (by
        signature, not by name) to a bureau root. Leaving the bureau's roots out matters when
        another root carries the same name: pyHanko would build its path by the name and
        pick the wrong one."""
        bureau = {root.sha256 for root in self.bureau_roots}
        unique = {root.sha256: root for root in self.trust_roots if root.sha256 not in bureau}
        return list(unique.values())

    @property
    def all_roots(self) -> list[asn1_x509.Certificate]:
        unique = {root.sha256: root for root in self.trust_roots + self.bureau_roots}
        return list(unique.values())


async def _build_paths(context: ValidationContext, cert: asn1_x509.Certificate) -> list:
    try:
        return list(await context.path_builder.async_build_paths(cert))
    except PathBuildingError:
        return []


def _chains_to_bureau(emb: EmbeddedPdfSignature, settings: _Settings) -> bool:
    if not settings.bureau_roots:
        return False
    if _issued_by_a_bureau_root(emb.signer_cert, settings.bureau_roots):
        return True  # the bureau's own seals hang directly off its root: no path to build
    context = settings.context(settings.bureau_roots, SOFT_REVOCATION)
    context.certificate_registry.register_multiple(emb.other_embedded_certs)
    # pyHanko builds paths by names; only a path whose every link is a real signature counts
    # (a look-alike CA copying the bureau root's name is not the bureau's, with or without a
    # home: the verdict must depend on the keys trusted, never on the names)
    paths = asyncio.run(_build_paths(context, emb.signer_cert))
    return any(not _chain_is_forged(path) for path in paths)


def _issued_by_a_bureau_root(
    cert: asn1_x509.Certificate, roots: list[asn1_x509.Certificate]
) -> bool:
    """Whether `cert` is signed directly by one of `roots` (checked cryptographically)."""
    leaf = x509.load_der_x509_certificate(cert.dump())
    for root in roots:
        if root.subject != cert.issuer:
            continue
        try:
            leaf.verify_directly_issued_by(x509.load_der_x509_certificate(root.dump()))
        except (ValueError, TypeError, InvalidSignature):
            continue
        return True
    return False


# -- one signature --------------------------------------------------------------------------


def _name_parts(cert: asn1_x509.Certificate) -> tuple[str | None, str | None]:
    subject = cert.subject.native

    def first(key: str) -> str | None:
        value = subject.get(key)
        if isinstance(value, list):
            return ", ".join(value)
        return value

    return first("organization_name") or first("common_name"), first("organizational_unit_name")


def _is_certification(emb: EmbeddedPdfSignature) -> bool:
    for ref in emb.sig_object.get("/Reference", ()):
        if ref.get_object().get("/TransformMethod") == "/DocMDP":
            return True
    return False


def _coverage(emb: EmbeddedPdfSignature, reader: PdfFileReader) -> str | None:
    level = emb.coverage
    if level is None:
        return None
    if level == SignatureCoverageLevel.ENTIRE_FILE:
        return "entire file"
    if level == SignatureCoverageLevel.ENTIRE_REVISION:
        later = reader.xrefs.total_revisions - 1 - emb.signed_revision
        return f"entire revision; {later} later revision{'s exist' if later != 1 else ' exists'}"
    if level == SignatureCoverageLevel.CONTIGUOUS_BLOCK_FROM_START:
        return "part of its revision only"
    return "unclear byte range"


_PERM_TEXT = {
    MDPPerm.NO_CHANGES: "no changes",
    MDPPerm.FILL_FORMS: "form filling and further signatures",
    MDPPerm.ANNOTATE: "form filling, annotations and further signatures",
}


def _modifications(
    emb: EmbeddedPdfSignature,
    status: PdfSignatureStatus | DocumentTimestampStatus,
    certification: MDPPerm | None,
    signature_fields: set[str],
) -> tuple[str | None, bool]:
    """A description of what changed after signing, and whether that is allowed."""
    diff = status.diff_result
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return "none", True
    if isinstance(diff, SuspiciousModification):
        return f"disallowed: {_describe_objects(emb.reader, str(diff))}", False
    if not isinstance(diff, DiffResult):
        return "not analysed", status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    level = diff.modification_level
    later_sigs = diff.changed_form_fields & signature_fields
    other_fields = diff.changed_form_fields - signature_fields
    if level == ModificationLevel.NONE:
        text = "none"
    elif level == ModificationLevel.LTA_UPDATES:
        text = "validation data and timestamps only"
    elif level == ModificationLevel.FORM_FILLING:
        parts = []
        if later_sigs or not other_fields:
            parts.append("further signatures")
        if other_fields:
            parts.append("form filling (" + ", ".join(sorted(other_fields)) + ")")
        text = " and ".join(parts)
    elif level == ModificationLevel.ANNOTATIONS:
        text = "annotations added or changed"
    else:
        text = "other changes"
    own = emb.docmdp_level
    limits = [p for p in (own, certification) if p is not None]
    effective = min(limits, key=lambda p: p.value) if limits else None
    allowed = level != ModificationLevel.OTHER and (
        effective is None or level.value <= effective.value
    )
    if isinstance(status, PdfSignatureStatus) and status.docmdp_ok is False:
        allowed = False
    if not allowed:
        granted = _PERM_TEXT.get(effective, "no such changes") if effective else "no such changes"
        text = f"disallowed: {text} (the document permits {granted})"
    return text, allowed


def _namesake_warning(
    path: ValidationPath | None, bureau_roots: list[asn1_x509.Certificate]
) -> list[str]:
    """A warning when a trusted chain ends at a root named exactly like a bureau root."""
    if path is None:
        return []
    anchor = path.trust_anchor.authority.name
    if any(root.subject == anchor for root in bureau_roots):
        return [
            "trusted through a --trust-root that carries the same name as the bureau's own "
            "root but has a different key: this is not one of the bureau's seals"
        ]
    return []


def _chain_is_forged(path: ValidationPath | None) -> bool:
    """True if a certificate in ``path`` is not signed by the one above it: pyHanko built the
    chain by names only, through a look-alike CA, so in truth no chain reaches a trust root."""
    if path is None:
        return False
    certs = [x509.load_der_x509_certificate(c.dump()) for c in path.iter_certs(include_root=True)]
    for issuer, cert in zip(certs, certs[1:], strict=False):
        try:
            cert.verify_directly_issued_by(issuer)
        except UnsupportedAlgorithm:
            continue  # cryptography cannot check this link; pyHanko's own validation does
        except (ValueError, TypeError, InvalidSignature):
            return True
    return False


_REF = re.compile(r"Reference\(idnum=(\d+), generation=(\d+)\)")


def _describe_objects(reader: PdfFileReader, message: str) -> str:
    """Name the objects pyHanko's difference analysis could not explain (page, annotation..)."""
    names: list[str] = []
    for num, gen in dict.fromkeys(_REF.findall(message)):
        try:
            obj = reader.get_object(Reference(int(num), int(gen)))
        except Exception:  # a dangling reference: keep the number
            obj = None
        kind = "object"
        if isinstance(obj, generic.DictionaryObject):
            typ, sub = obj.get("/Type"), obj.get("/Subtype")
            if typ == "/Annot" or (sub and "/Rect" in obj):
                kind = f"annotation ({str(sub).lstrip('/')})"
            elif typ in ("/Page", "/Pages", "/Catalog", "/XObject", "/Font"):
                kind = str(typ).lstrip("/").lower() + (" list" if typ == "/Pages" else "")
            elif isinstance(obj, generic.StreamObject):
                kind = "content stream"
        elif isinstance(obj, generic.ArrayObject):
            kind = "array"
        names.append(f"{kind} {num}")
    if not names:
        return _first_line(message)
    return "objects no rule allows were added or changed: " + ", ".join(names)


def _indication_of(sub: AdESSubIndic) -> str:
    if sub.status == AdESStatus.FAILED:
        return TOTAL_FAILED
    if sub.status == AdESStatus.INDETERMINATE:
        return INDETERMINATE
    return TOTAL_PASSED


def _has_revinfo(context: ValidationContext, cert: asn1_x509.Certificate) -> bool:
    issuer = cert.issuer.hashable
    return bool(context.ocsps) or any(crl.issuer.hashable == issuer for crl in context.crls)


def _revocation_text(
    status: PdfSignatureStatus,
    bureau: bool,
    context: ValidationContext,
    revoked_later: RevocationDetails | None,
    sub: AdESSubIndic | None,
) -> tuple[bool | None, str]:
    details = status.revocation_details or revoked_later
    if details is not None:
        whose = "a CA certificate in the chain" if details.ca_revoked else "the seal certificate"
        reason = details.revocation_reason.native if details.revocation_reason else "unspecified"
        text = f"REVOKED: {whose} on {iso_time(details.revocation_date)} (reason: {reason})"
        if revoked_later is not None and status.revocation_details is None:
            text += ", after the trusted timestamp: the seal was good when used"
        return True, text
    cert = status.signing_cert
    if sub == AdESIndeterminate.TRY_LATER:
        return None, "not determined: no current CRL or OCSP response for the seal is at hand"
    if status.validation_path is None or status.trust_problem_indic is not None:
        return None, "not determined (the certificate chain did not validate)"
    if bureau:
        return False, "not revoked (checked against the bureau's CRL)"
    if cert.crl_distribution_points_value is None and not cert.ocsp_urls:
        return None, "not checked: the certificate names no CRL or OCSP source (soft-fail)"
    if context.soft_fail_exceptions:
        why = _first_line(context.soft_fail_exceptions[0])
        return None, f"not checked: no usable revocation information offline ({why})"
    if not _has_revinfo(context, cert):
        # soft-fail passes a certificate whose CRL is not at hand: that is not a check
        return None, "not checked: no CRL or OCSP response for it is at hand offline (soft-fail)"
    return False, "not revoked (checked)"


def _validate(
    emb: EmbeddedPdfSignature, settings: _Settings, bureau: bool, moment: datetime | None = None
) -> tuple[PdfSignatureStatus, ValidationContext]:
    roots = settings.bureau_roots if bureau else settings.other_roots
    policy = BUREAU_REVOCATION if bureau else SOFT_REVOCATION
    context = settings.context(roots, policy, moment)
    ts_context = settings.context(settings.all_roots, SOFT_REVOCATION, moment)
    status = validate_pdf_signature(
        emb,
        signer_validation_context=context,
        ts_validation_context=ts_context,
        diff_policy=SEAL_DIFF_POLICY,
        skip_diff=moment is not None,  # a re-run only re-judges trust at another moment
    )
    return status, context


def _judge_trust(
    emb: EmbeddedPdfSignature,
    settings: _Settings,
    bureau: bool,
    status: PdfSignatureStatus,
    context: ValidationContext,
    report: SignatureReport,
) -> tuple[PdfSignatureStatus, ValidationContext, AdESSubIndic | None, RevocationDetails | None]:
    """Refine pyHanko's trust verdict with proof of existence (see the module docstring).

    Returns the status and context to report, the sub-indication (None: trusted) and the
    revocation that came after a trusted timestamp, if that is what rescued the signature.
    """
    sub = status.trust_problem_indic
    ts = status.timestamp_validity
    ts_time = ts.timestamp if ts is not None and ts.intact and ts.valid and ts.trusted else None
    revoked_later = None
    cert = status.signing_cert
    if sub in (AdESIndeterminate.REVOKED_NO_POE, AdESIndeterminate.REVOKED_CA_NO_POE):
        revocation = status.revocation_details
        revoked_at = revocation.revocation_date
        claimed = status.signer_reported_dt
        if ts_time is not None and ts_time < revoked_at:
            status, context = _validate(emb, settings, bureau, moment=ts_time)
            sub, revoked_later = status.trust_problem_indic, revocation
            report.details.append(
                f"revoked on {iso_time(revoked_at)}, after the trusted timestamp "
                f"{iso_time(ts_time)}: judged as of the timestamp"
            )
        elif claimed is not None and claimed >= revoked_at:
            sub = AdESFailure.REVOKED
            report.details.append(
                f"the signer claims to have signed at {iso_time(claimed)}, "
                f"after the revocation on {iso_time(revoked_at)}"
            )
        else:
            report.details.append(
                "no trusted timestamp proves the seal was used before its revocation"
            )
    elif sub == AdESIndeterminate.OUT_OF_BOUNDS_NO_POE:
        valid_from, valid_to = cert.not_valid_before, cert.not_valid_after
        if ts_time is not None and valid_from <= ts_time <= valid_to:
            status, context = _validate(emb, settings, bureau, moment=ts_time)
            sub = status.trust_problem_indic
            report.details.append(
                f"the certificate was valid at the trusted timestamp {iso_time(ts_time)}"
            )
        else:
            report.details.append(
                f"the certificate is valid from {iso_time(valid_from)} to {iso_time(valid_to)}, "
                "and no trusted timestamp proves the seal was used within that period"
            )
    elif sub == AdESIndeterminate.CERTIFICATE_CHAIN_GENERAL_FAILURE:
        if _chain_is_forged(status.validation_path):
            sub = AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND
            report.details.append(
                "the certificate names a trusted issuer, but is not signed by it (look-alike CA)"
            )
        elif bureau and not _has_revinfo(context, cert):
            # pyHanko reports missing revocation data as a generic chain failure; ETSI's
            # word for "complete once the information is available" is TRY_LATER
            sub = AdESIndeterminate.TRY_LATER
            report.details.append(
                "the bureau's seals need revocation data: pass the bureau's current CRL"
            )
    return status, context, sub, revoked_later


def _verify_signature(
    emb: EmbeddedPdfSignature,
    reader: PdfFileReader,
    settings: _Settings,
    certification: MDPPerm | None,
    signature_fields: set[str],
) -> SignatureReport:
    cert = emb.signer_cert
    org, dept = _name_parts(cert)
    report = SignatureReport(
        field=emb.field_name,
        kind="certification" if _is_certification(emb) else "approval",
        signer=org,
        dept=dept,
        serial=format(cert.serial_number, "x"),
        signing_time=None,
        timestamp=None,
        indication=INDETERMINATE,
        subindication=None,
    )
    bureau = _chains_to_bureau(emb, settings)
    status, context = _validate(emb, settings, bureau)
    report.signing_time = status.signer_reported_dt
    ts = status.timestamp_validity
    if ts is not None:
        report.timestamp = ts.timestamp
        if not (ts.intact and ts.valid and ts.trusted):
            report.details.append("the signature timestamp is not valid or not trusted")
    report.intact, report.valid = status.intact, status.valid
    report.coverage = _coverage(emb, reader)
    report.modifications, allowed = _modifications(emb, status, certification, signature_fields)

    status, context, sub, revoked_later = _judge_trust(
        emb, settings, bureau, status, context, report
    )
    report.trusted = status.trusted
    if not bureau and status.trusted:
        report.details.extend(_namesake_warning(status.validation_path, settings.bureau_roots))
    report.revoked, report.revocation = _revocation_text(
        status, bureau, context, revoked_later, sub
    )
    if sub == AdESFailure.REVOKED:
        report.revoked = True

    if not status.intact:
        report.indication, report.subindication = TOTAL_FAILED, AdESFailure.HASH_FAILURE.name
    elif not status.valid:
        report.indication, report.subindication = (
            TOTAL_FAILED,
            AdESFailure.SIG_CRYPTO_FAILURE.name,
        )
    elif emb.coverage is not None and emb.coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        report.indication, report.subindication = TOTAL_FAILED, FORMAT_FAILURE
        report.details.append("the signed byte range does not cover the signed revision")
    elif not allowed:
        report.indication, report.subindication = TOTAL_FAILED, DISALLOWED_MODIFICATION
    elif sub is not None:
        report.indication, report.subindication = _indication_of(sub), sub.name
    elif ts is not None and not (ts.intact and ts.valid):
        report.indication, report.subindication = TOTAL_FAILED, AdESFailure.HASH_FAILURE.name
    elif ts is not None and not ts.trusted:
        indic = ts.trust_problem_indic or AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND
        report.indication, report.subindication = INDETERMINATE, indic.name
    elif status.seed_value_constraint_error is not None:
        report.indication = INDETERMINATE
        report.subindication = AdESIndeterminate.SIG_CONSTRAINTS_FAILURE.name
    else:
        report.indication, report.subindication = TOTAL_PASSED, None
    return report


def _verify_timestamp(
    emb: EmbeddedPdfSignature, reader: PdfFileReader, settings: _Settings
) -> SignatureReport:
    cert = emb.signer_cert
    org, dept = _name_parts(cert)
    status = validate_pdf_timestamp(
        emb,
        validation_context=settings.context(settings.all_roots, SOFT_REVOCATION),
        diff_policy=SEAL_DIFF_POLICY,
    )
    report = SignatureReport(
        field=emb.field_name,
        kind="document timestamp",
        signer=org,
        dept=dept,
        serial=format(cert.serial_number, "x"),
        signing_time=None,
        timestamp=status.timestamp,
        indication=TOTAL_PASSED,
        subindication=None,
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        revocation="not checked (time-stamping authority, soft-fail)",
        coverage=_coverage(emb, reader),
    )
    # A document timestamp proves the revision existed; later changes do not undo that,
    # so they are reported but do not fail it (the signatures they touch fail instead).
    report.modifications, _ = _modifications(emb, status, None, set())
    if not status.intact:
        report.indication, report.subindication = TOTAL_FAILED, AdESFailure.HASH_FAILURE.name
    elif not status.valid:
        report.indication = TOTAL_FAILED
        report.subindication = AdESFailure.SIG_CRYPTO_FAILURE.name
    elif status.trust_problem_indic is not None:
        sub = status.trust_problem_indic
        report.indication, report.subindication = _indication_of(sub), sub.name
    return report


def _failed_report(emb: EmbeddedPdfSignature, exc: Exception) -> SignatureReport:
    sub: AdESSubIndic = AdESFailure.FORMAT_FAILURE
    message = _first_line(exc)
    if isinstance(exc, SignatureValidationError):
        sub = exc.ades_subindication or sub
        message = exc.failure_message
    try:
        org, dept = _name_parts(emb.signer_cert)
        serial = format(emb.signer_cert.serial_number, "x")
    except Exception:  # the certificates themselves may be what is broken
        org = dept = serial = None
    return SignatureReport(
        field=str(getattr(emb, "field_name", "?")),
        kind="document timestamp" if emb.sig_object_type == "/DocTimeStamp" else "signature",
        signer=org,
        dept=dept,
        serial=serial,
        signing_time=None,
        timestamp=None,
        indication=_indication_of(sub),
        subindication=sub.name,
        revocation="not checked",
        details=[f"validation stopped: {message}"],
    )


def _broken_report(broken: _Broken) -> SignatureReport:
    return SignatureReport(
        field=broken.field_name,
        kind="signature",
        signer=None,
        dept=None,
        serial=None,
        signing_time=None,
        timestamp=None,
        indication=TOTAL_FAILED,
        subindication=FORMAT_FAILURE,
        details=[f"the signature cannot be read: {broken.problem}"],
    )


# -- the file -------------------------------------------------------------------------------


def verify_pdf(
    data: bytes,
    *,
    name: str,
    trust_roots: Sequence[x509.Certificate],
    bureau_roots: Sequence[x509.Certificate],
    current_crls: Sequence[bytes] = (),
    at: datetime | None = None,
    known_certs: Sequence[x509.Certificate] = (),
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> FileReport:
    """Verify every signature and document timestamp in ``data`` (the file called ``name``).

    ``bureau_roots`` are trusted and always revocation-checked (with ``current_crls``, the
    bureau's current CRLs, and what the PDF embeds); ``trust_roots`` are further trusted
    roots (other authorities, time-stamping authorities), checked soft-fail. ``at`` judges
    the signatures as of that moment (default: now). ``known_certs`` are extra intermediate
    certificates for building chains. Never raises for a bad file: see the module docstring.
    """
    try:
        reader, embedded = _read(bytes(data), max_bytes)
    except _Unreadable as exc:
        return FileReport(name, TOTAL_FAILED, FORMAT_FAILURE, [], error=str(exc))
    if not embedded:
        return FileReport(name, NO_SIGNATURE_FOUND, None, [], active_content=_active(reader))
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    dss: DocumentSecurityStore | None = None
    damaged_dss: str | None = None
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        pass  # most PDFs signed elsewhere (Acrobat, pyHanko's defaults) carry none
    except Exception as exc:  # a damaged DSS: validate without it, and say so
        log.debug("unreadable DSS", exc_info=True)
        damaged_dss = _first_line(exc)
    settings = _Settings(
        trust_roots=[_asn1(c) for c in trust_roots],
        bureau_roots=[_asn1(c) for c in bureau_roots],
        crls=[bytes(c) for c in current_crls],
        known=[_asn1(c) for c in known_certs],
        at=at,
        dss=dss,
    )
    try:
        cert_info = read_certification_data(reader)
        certification = cert_info.permission if cert_info else None
    except Exception:  # a damaged /Perms entry: judge modifications by each signature alone
        certification = None
    signature_fields = {emb.field_name for emb in embedded}

    reports = []
    for emb in embedded:
        if isinstance(emb, _Broken):
            reports.append(_broken_report(emb))
            continue
        try:
            if emb.sig_object_type == "/DocTimeStamp":
                report = _verify_timestamp(emb, reader, settings)
            else:
                report = _verify_signature(emb, reader, settings, certification, signature_fields)
        except Exception as exc:  # one broken signature must not hide the others
            log.debug("signature validation failed", exc_info=True)
            report = _failed_report(emb, exc)
        if damaged_dss:
            report.details.append(f"the document security store is damaged: {damaged_dss}")
        report.changes_after = _changes_after(reader, emb)
        report.modifications = _summary(report.modifications, report.changes_after)
        reports.append(report)

    worst_report = worst(reports)
    return FileReport(
        name,
        worst_report.indication,
        worst_report.subindication,
        reports,
        active_content=_active(reader),
    )


def _changes_after(reader: PdfFileReader, emb: EmbeddedPdfSignature) -> list[RevisionChanges]:
    try:
        return changes_after(reader, emb.signed_revision)
    except Exception:  # seals.changes does not raise by design; a report must come out anyway
        log.debug("changes after signing not analysed", exc_info=True)
        return []


def _summary(verdict: str | None, revisions: list[RevisionChanges]) -> str | None:
    """pyHanko's verdict on later changes, unless it calls harmless what the revisions show
    to be more (it takes a rewritten /Info or XMP packet for a mere update): then their kinds,
    marked as allowed, so the line never reads "none" above a revision that changed a title."""
    harmless = (None, "none", "validation data and timestamps only")
    routine = {VALIDATION_DATA, SIGNATURES, BOOKKEEPING}
    seen = {kind for rev in revisions for kind in rev.kinds} - routine
    if verdict in harmless and seen:
        return ", ".join(sorted(seen)) + " (allowed by the signature)"
    return verdict


def _active(reader: PdfFileReader) -> list[str]:
    try:
        return active_content(reader)
    except Exception:
        log.debug("active content not analysed", exc_info=True)
        return []
