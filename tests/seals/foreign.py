"""PDFs signed elsewhere: a foreign agency's PKI and pyHanko's own signing API.

Nothing here goes through the project's ``seals`` package: the blank PDF comes from pypdf
(:func:`blank_pdf`), the certificates from ``cryptography`` (:func:`build_foreign_pki`) and the
signatures from ``pyhanko.sign.signers`` with its defaults (no document security store, the
chain in the CMS only) — what Acrobat, another agency or a plain pyHanko user hands an auditor.

The foreign PKI: a root CA and an intermediate CA (the signer certificates hang off the
intermediate, which only the signature itself carries), a good signer and a second signer, an
expired signer, a revoked signer with the intermediate's CRL listing it, a time-stamping
authority (RSA: pyHanko's DummyTimeStamper signs with RSA only), and an untrusted CA with its
own signer. :func:`lookalike_of` makes a CA that copies a given root's subject name with a
different key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO

from asn1crypto import crl as asn1_crl
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import DocumentSecurityStore
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

NOW = datetime.now(UTC).replace(microsecond=0)
DAY = timedelta(days=1)
YEAR = timedelta(days=365)
AGENCY = "Provincial Department of Human Resources"
CRL_URL = "http://crl.agency.invalid/signing-ca.crl"


def name(cn: str, org: str = AGENCY) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


@dataclass
class Holder:
    """A key and its certificate."""

    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    cert: x509.Certificate

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def _builder(subject: x509.Name, issuer: x509.Name, public_key, not_before, not_after):
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def make_ca(subject: x509.Name, issuer: Holder | None = None) -> Holder:
    """A CA certificate, self-signed when ``issuer`` is None."""
    key = ec.generate_private_key(ec.SECP256R1())
    signer = issuer.key if issuer else key
    builder = (
        _builder(
            subject,
            issuer.cert.subject if issuer else subject,
            key.public_key(),
            NOW - 10 * YEAR,
            NOW + 20 * YEAR,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()),
            critical=False,
        )
    )
    return Holder(key, builder.sign(signer, hashes.SHA256()))


def issue(
    ca: Holder,
    subject: x509.Name,
    *,
    not_before: datetime = NOW - YEAR,
    not_after: datetime = NOW + 5 * YEAR,
    tsa: bool = False,
) -> Holder:
    """An end-entity certificate from ``ca``: a signer, or a time-stamping authority."""
    key = rsa.generate_private_key(65537, 2048) if tsa else ec.generate_private_key(ec.SECP256R1())
    builder = (
        _builder(subject, ca.cert.subject, key.public_key(), not_before, not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
        .add_extension(
            x509.KeyUsage(True, not tsa, False, False, False, False, False, False, False),
            critical=True,
        )
    )
    if tsa:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    else:  # a real agency's certificates say where their CRL is (never fetched in the tests)
        point = x509.DistributionPoint([x509.UniformResourceIdentifier(CRL_URL)], None, None, None)
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    return Holder(key, builder.sign(ca.key, hashes.SHA256()))


def make_crl(ca: Holder, revoked: dict[int, datetime], *, at: datetime = NOW - DAY) -> bytes:
    """A DER CRL from ``ca`` issued at ``at``, listing ``revoked`` (serial -> when)."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.cert.subject)
        .last_update(at)
        .next_update(at + 30 * DAY)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
        .add_extension(x509.CRLNumber(int(at.timestamp())), critical=False)
    )
    for serial, when in revoked.items():
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(when)
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
            .build()
        )
    return builder.sign(ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


@dataclass
class ForeignPki:
    root: Holder
    intermediate: Holder
    signer: Holder
    second_signer: Holder
    expired: Holder  # valid NOW-3y .. NOW-2y
    revoked: Holder  # revoked NOW-30d, listed in ``crl``
    tsa: Holder
    untrusted_root: Holder
    untrusted_signer: Holder
    crl: bytes  # the intermediate's CRL


def build_foreign_pki() -> ForeignPki:
    root = make_ca(name(f"{AGENCY} Root CA"))
    intermediate = make_ca(name(f"{AGENCY} Signing CA"), issuer=root)
    revoked = issue(intermediate, name("Revoked Clerk"))
    untrusted_root = make_ca(name("Unknown Agency Root CA", org="Unknown Agency"))
    return ForeignPki(
        root=root,
        intermediate=intermediate,
        signer=issue(intermediate, name("Licensing Office")),
        second_signer=issue(intermediate, name("Registry Office")),
        expired=issue(
            intermediate,
            name("Former Office"),
            not_before=NOW - 3 * YEAR,
            not_after=NOW - 2 * YEAR,
        ),
        revoked=revoked,
        tsa=issue(root, name(f"{AGENCY} Time Stamping Authority"), tsa=True),
        untrusted_root=untrusted_root,
        untrusted_signer=issue(untrusted_root, name("Somebody", org="Unknown Agency")),
        crl=make_crl(intermediate, {revoked.cert.serial_number: NOW - 30 * DAY}),
    )


def lookalike_of(root_pem: bytes) -> tuple[Holder, Holder]:
    """A CA whose subject is exactly ``root_pem``'s, with its own key, and a signer under it
    named like a bureau seal."""
    real = x509.load_pem_x509_certificate(root_pem)
    ca = make_ca(real.subject)
    org = real.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    signer = issue(ca, name("General Office", org=str(org[0].value) if org else AGENCY))
    return ca, signer


# -- PDFs -----------------------------------------------------------------------------------


def blank_pdf(*, form_field: str | None = "Applicant") -> bytes:
    """A one-page PDF made with pypdf: a line of Helvetica text and, unless ``form_field`` is
    None, an empty text field of that name (for form-filling after certification)."""
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    stream = DecodedStreamObject()
    stream.set_data(b"BT /F1 14 Tf 72 770 Td (Licence No. 2026-0042 is granted.) Tj ET")
    page[NameObject("/Contents")] = writer._add_object(stream)
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
    )
    if form_field:
        widget = writer._add_object(
            DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Annot"),
                    NameObject("/Subtype"): NameObject("/Widget"),
                    NameObject("/FT"): NameObject("/Tx"),
                    NameObject("/T"): TextStringObject(form_field),
                    NameObject("/Rect"): ArrayObject(
                        [FloatObject(72), FloatObject(700), FloatObject(372), FloatObject(724)]
                    ),
                    NameObject("/F"): NumberObject(4),
                    NameObject("/DA"): TextStringObject("/Helv 12 Tf 0 g"),
                    NameObject("/P"): page.indirect_reference,
                }
            )
        )
        page[NameObject("/Annots")] = ArrayObject([widget])
        writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
            {NameObject("/Fields"): ArrayObject([widget])}
        )
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _asn1_key(key) -> asn1_keys.PrivateKeyInfo:
    return asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def timestamper(tsa: Holder, *chain: Holder) -> DummyTimeStamper:
    """pyHanko's in-process time-stamping authority, signing with ``tsa``'s key."""
    return DummyTimeStamper(
        tsa_cert=_asn1_cert(tsa.cert),
        tsa_key=_asn1_key(tsa.key),
        certs_to_embed=SimpleCertificateStore.from_certs([_asn1_cert(c.cert) for c in chain]),
    )


def sign(
    pdf: bytes,
    who: Holder,
    *chain: Holder,
    field: str = "Signature1",
    certify: MDPPerm | None = None,
    tsa: DummyTimeStamper | None = None,
) -> bytes:
    """Sign ``pdf`` in a new invisible field with pyHanko's defaults (no DSS); ``certify``
    makes it a certification signature with that DocMDP level. ``chain`` goes into the CMS."""
    signer = signers.SimpleSigner(
        signing_cert=_asn1_cert(who.cert),
        signing_key=_asn1_key(who.key),
        cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(c.cert) for c in chain]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=field,
        certify=certify is not None,
        docmdp_permissions=certify or MDPPerm.FILL_FORMS,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    return signers.sign_pdf(writer, meta, signer=signer, timestamper=tsa).getvalue()


def document_timestamp(pdf: bytes, tsa: DummyTimeStamper) -> bytes:
    """Add a document timestamp (a /DocTimeStamp signature) in a new revision."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    out = signers.PdfTimeStamper(tsa).timestamp_pdf(writer, md_algorithm="sha256")
    return out.getvalue()


def with_crl(pdf: bytes, crl: bytes, *certs: Holder) -> bytes:
    """Embed ``crl`` (and ``certs``) in a document security store, in a new revision."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(BytesIO(pdf))
    contents = reader.embedded_signatures[-1].pkcs7_content
    out = BytesIO(pdf)
    DocumentSecurityStore.add_dss(
        out,
        contents,
        certs=[_asn1_cert(c.cert) for c in certs],
        crls=[asn1_crl.CertificateList.load(crl)],
    )
    return out.getvalue()


# -- changes after signing: incremental updates ----------------------------------------------


def _incremental(pdf: bytes, change) -> bytes:
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    change(writer)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def fill_field(pdf: bytes, value: str = "Zhang Wei", field: str = "Applicant") -> bytes:
    """Fill the text field ``field`` (its value and a new appearance): form filling."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        for ref in writer.root["/AcroForm"]["/Fields"]:
            widget = ref.get_object()
            if widget.get("/T") == field:
                appearance = writer.add_object(
                    generic.StreamObject(
                        {
                            pdf_name("/Type"): pdf_name("/XObject"),
                            pdf_name("/Subtype"): pdf_name("/Form"),
                            pdf_name("/BBox"): generic.ArrayObject(
                                map(generic.NumberObject, (0, 0, 300, 24))
                            ),
                        },
                        stream_data=b"/Tx BMC BT /Helv 12 Tf 2 6 Td (%s) Tj ET EMC"
                        % value.encode("latin-1"),
                    )
                )
                widget[pdf_name("/V")] = pdf_string(value)
                widget[pdf_name("/AP")] = generic.DictionaryObject({pdf_name("/N"): appearance})
                writer.update_container(widget)
                return
        raise KeyError(field)

    return _incremental(pdf, change)


def add_text_annotation(pdf: bytes, text: str = "Checked by the registry") -> bytes:
    """Add a sticky note (a /Text annotation) to the first page: commenting."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        page_ref = writer.root["/Pages"]["/Kids"].raw_get(0)
        annot = writer.add_object(
            generic.DictionaryObject(
                {
                    pdf_name("/Type"): pdf_name("/Annot"),
                    pdf_name("/Subtype"): pdf_name("/Text"),
                    pdf_name("/Rect"): generic.ArrayObject(
                        map(generic.NumberObject, (400, 700, 420, 720))
                    ),
                    pdf_name("/Contents"): pdf_string(text),
                }
            )
        )
        writer.register_annotation(page_ref, annot)

    return _incremental(pdf, change)


def change_page_content(pdf: bytes, text: str = "Licence revoked") -> bytes:
    """Draw more text on the first page (a new content stream): the content changes."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        data = b"BT /F1 24 Tf 72 400 Td (%s) Tj ET" % text.encode("latin-1")
        writer.add_stream_to_page(0, writer.add_object(generic.StreamObject(stream_data=data)))

    return _incremental(pdf, change)


def _append(
    pdf: bytes, objects: dict[int, generic.PdfObject], **trailer: generic.PdfObject
) -> bytes:
    """Append a hand-written incremental update: exactly ``objects`` (number -> object) and a
    trailer, nothing else (pyHanko's and pypdf's writers also refresh /Info and XMP)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(BytesIO(pdf))
    last = reader.trailer
    size = max([int(last["/Size"]), *(n + 1 for n in objects)])
    out = BytesIO()
    out.write(pdf if pdf.endswith(b"\n") else pdf + b"\n")
    offsets = {}
    for number, obj in sorted(objects.items()):
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n" % number)
        obj.write_to_stream(out)
        out.write(b"\nendobj\n")
    xref_at = out.tell()
    out.write(b"xref\n")
    for number, offset in sorted(offsets.items()):
        out.write(b"%d 1\n%010d 00000 n\r\n" % (number, offset))
    entries = {
        pdf_name("/Size"): generic.NumberObject(size),
        pdf_name("/Root"): last.raw_get("/Root"),
        pdf_name("/Prev"): generic.NumberObject(reader.xrefs.get_startxref_for_revision(-1)),
    }
    if "/Info" in last:
        entries[pdf_name("/Info")] = last.raw_get("/Info")
    if "/ID" in last:
        entries[pdf_name("/ID")] = last["/ID"]
    entries.update({pdf_name("/" + k): v for k, v in trailer.items()})
    out.write(b"trailer\n")
    generic.DictionaryObject(entries).write_to_stream(out)
    out.write(b"\nstartxref\n%d\n%%%%EOF\n" % xref_at)
    return out.getvalue()


def rewrite_info(pdf: bytes, title: str = "A different title") -> bytes:
    """An incremental update that only gives the file a new document information dictionary."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    number = int(PdfFileReader(BytesIO(pdf)).trailer["/Size"])
    info = generic.DictionaryObject(
        {pdf_name("/Title"): pdf_string(title), pdf_name("/Author"): pdf_string("Nobody")}
    )
    return _append(pdf, {number: info}, Info=generic.IndirectObject(number, 0, None))


XMP = b"""<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">A different title</rdf:li></rdf:Alt></dc:title>
</rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>"""


def rewrite_xmp(pdf: bytes) -> bytes:
    """An incremental update that only rewrites the catalog's XMP metadata stream (adding
    one to the catalog if it has none)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(BytesIO(pdf))
    stream = generic.StreamObject(
        {pdf_name("/Type"): pdf_name("/Metadata"), pdf_name("/Subtype"): pdf_name("/XML")},
        stream_data=XMP,
    )
    current = reader.root.raw_get("/Metadata") if "/Metadata" in reader.root else None
    if isinstance(current, generic.IndirectObject):
        return _append(pdf, {current.idnum: stream})
    number = int(reader.trailer["/Size"])
    root_ref = reader.trailer.raw_get("/Root")
    catalog = generic.DictionaryObject(dict(reader.root.items()))
    catalog[pdf_name("/Metadata")] = generic.IndirectObject(number, 0, None)
    return _append(pdf, {number: stream, root_ref.idnum: catalog})


# -- active content, made with pypdf before signing ------------------------------------------


def active_pdf(kind: str) -> bytes:
    """:func:`blank_pdf` carrying one kind of active content: ``"javascript"`` (a document
    script in the /Names tree), ``"open-action"`` (JavaScript run on opening), ``"launch"`` (a
    link that launches a program), ``"embedded-file"`` or ``"file-attachment"`` (an
    annotation holding a file)."""
    from pypdf import PdfReader

    writer = PdfWriter(clone_from=PdfReader(BytesIO(blank_pdf(form_field=None))))
    page = writer.pages[0]

    def annotation(entries: dict) -> None:
        annot = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Rect"): ArrayObject(
                    [FloatObject(72), FloatObject(600), FloatObject(200), FloatObject(620)]
                ),
                **entries,
            }
        )
        page[NameObject("/Annots")] = ArrayObject([writer._add_object(annot)])

    if kind == "javascript":
        script = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert('hello');"),
            }
        )
        writer._root_object[NameObject("/Names")] = DictionaryObject(
            {
                NameObject("/JavaScript"): DictionaryObject(
                    {
                        NameObject("/Names"): ArrayObject(
                            [TextStringObject("hello"), writer._add_object(script)]
                        )
                    }
                )
            }
        )
    elif kind == "open-action":
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert('opened');"),
            }
        )
    elif kind == "launch":
        annotation(
            {
                NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/A"): DictionaryObject(
                    {
                        NameObject("/S"): NameObject("/Launch"),
                        NameObject("/F"): TextStringObject("calc.exe"),
                    }
                ),
            }
        )
    elif kind == "embedded-file":
        writer.add_attachment("payload.txt", b"not part of the notice")
    elif kind == "file-attachment":
        stream = DecodedStreamObject()
        stream.set_data(b"attached")
        stream[NameObject("/Type")] = NameObject("/EmbeddedFile")
        spec = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Filespec"),
                NameObject("/F"): TextStringObject("attached.txt"),
                NameObject("/EF"): DictionaryObject({NameObject("/F"): writer._add_object(stream)}),
            }
        )
        annotation(
            {
                NameObject("/Subtype"): NameObject("/FileAttachment"),
                NameObject("/FS"): writer._add_object(spec),
            }
        )
    else:
        raise ValueError(kind)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
