"""Sealing and verification throughput, against bare pyHanko doing the same work.

The bare signer makes the same PAdES signature (ETSI.CAdES.detached, SHA-256, certification
with fill-forms-and-sign, chain and CRL embedded, the same visible stamp) with
`pyhanko.sign.signers.sign_pdf` at a fixed box; the project's `Sealer` adds finding the seal's
place over the organ and date and checking the seal is usable. The bare validator is
`validate_pdf_signature` with the bureau root and CRL; `verify_pdf` adds the modification
analysis, the revocation policy and the report.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from io import BytesIO
from pathlib import Path

import yaml
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from archive.home import DataHome
from archive.service import Archive
from bureau.services import sealing
from bureau.services.generate import Generator, find_template
from generators.pdf import PdfConverter
from seals import sign as seal_sign
from seals.placement import find_seal_box
from seals.verify import verify_pdf

COUNT = 40
ROUNDS = 3
ROOT = Path(__file__).resolve().parent.parent
PASSPHRASE = b"bench passphrase"


def _pdfs(archive: Archive, folder: Path) -> list[bytes]:
    template = find_template(archive, "notice")
    data = yaml.safe_load((ROOT / "templates/notice/sample.zh.yaml").read_text(encoding="utf-8"))
    generator = Generator(archive, folder)
    docs = []
    for n in range(COUNT):
        job = generator.job(template, dict(data, title=f"关于第{n}批检查的通知"), "BGS", "zh", None)
        docs.append(generator.render(job).docx)
    with PdfConverter() as converter:
        results = converter.convert_many(docs, folder)
    return [r.pdf.read_bytes() for r in results if r.pdf]


def _bare_sign(pdfs: list[bytes], material, boxes) -> tuple[float, list[bytes]]:
    root = seal_sign._to_asn1(material.chain[-1])
    context = ValidationContext(trust_roots=[root], crls=list(material.crls), allow_fetching=False)
    signer = seal_sign._signer(material)
    out = []
    start = time.perf_counter()
    for pdf, box in zip(pdfs, boxes, strict=True):
        meta = signers.PdfSignatureMetadata(
            field_name="Seal1",
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            certify=True,
            docmdp_permissions=fields.MDPPerm.FILL_FORMS,
            embed_validation_info=True,
            validation_context=context,
        )
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        pdf_signer = signers.PdfSigner(
            meta,
            signer=signer,
            stamp_style=seal_sign._stamp_style(material, box),
            new_field_spec=fields.SigFieldSpec("Seal1", on_page=box.page, box=box.rect),
        )
        params = {"seal": material.stamp_text}
        result = asyncio.run(pdf_signer.async_sign_pdf(writer, appearance_text_params=params))
        out.append(result.getvalue())
    return time.perf_counter() - start, out


def _bare_validate(signed: list[bytes], root, crl: bytes) -> float:
    start = time.perf_counter()
    for pdf in signed:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        context = ValidationContext(trust_roots=[root], crls=[crl], allow_fetching=False)
        status = validate_pdf_signature(reader.embedded_signatures[0], context)
        assert status.intact
    return time.perf_counter() - start


def run() -> list[str]:
    timings: dict[str, list[float]] = {k: [] for k in ("bare_sign", "sign", "bare_v", "verify")}
    with tempfile.TemporaryDirectory() as tmp:
        archive = Archive.init(
            DataHome(Path(tmp) / "h"), actor="bench", passphrase=lambda: b"bench passphrase"
        )
        sealing.ensure_pki(archive, PASSPHRASE)
        pdfs = _pdfs(archive, Path(tmp))
        sealer = sealing.Sealer(archive, PASSPHRASE)
        anchors = ("市教育局办公室", "2026年11月27日")
        material = sealer.material("BGS", "zh")
        sealer.seal(pdfs[0], "BGS", "zh", anchors)  # warm the font cache
        home_pki = sealing.pki(archive)
        root, crl = seal_sign._to_asn1(home_pki.root_cert()), home_pki.crl()
        for _ in range(ROUNDS):
            boxes = [find_seal_box(pdf, anchors) for pdf in pdfs]
            elapsed, _ = _bare_sign(pdfs, material, boxes)
            timings["bare_sign"].append(elapsed)
            start = time.perf_counter()
            signed = [sealer.seal(pdf, "BGS", "zh", anchors) for pdf in pdfs]
            timings["sign"].append(time.perf_counter() - start)
            timings["bare_v"].append(_bare_validate(signed, root, crl))
            start = time.perf_counter()
            for pdf in signed:
                report = verify_pdf(
                    pdf,
                    name="x",
                    trust_roots=(),
                    bureau_roots=[home_pki.root_cert()],
                    current_crls=[crl],
                )
                assert report.passed, report.to_text()
            timings["verify"].append(time.perf_counter() - start)
        archive.close()
    t = {k: statistics.median(v) for k, v in timings.items()}
    return [
        "## Sealing and verification (`bench/bench_seals.py`)",
        "",
        f"{COUNT} Chinese notices converted by LibreOffice (2 pages each), sealed by the General "
        f"Office (visible seal, B-LT); median of {ROUNDS} rounds.",
        "",
        "| what | PDFs/s |",
        "|---|---|",
        f"| bare pyHanko `sign_pdf`, same signature and stamp | {COUNT / t['bare_sign']:.1f} |",
        f"| `Sealer.seal` (placement, usability check) | {COUNT / t['sign']:.1f} |",
        f"| bare pyHanko `validate_pdf_signature` | {COUNT / t['bare_v']:.1f} |",
        f"| `verify_pdf` (modifications, revocation policy, report) | {COUNT / t['verify']:.1f} |",
        "",
        f"**Ratio sealing / bare: {t['bare_sign'] / t['sign']:.2f}; verification / bare: "
        f"{t['bare_v'] / t['verify']:.2f}** (aim: at least 0.8 each)",
    ]
