"""Generating documents: template + data -> numbered DOCX (and PDF) filed as one item.

This is where the generators and the archive meet: validate the data, reserve a document
number, render, embed the item's metadata, convert, and file both renditions. Any failure
after the number was reserved voids it with the reason, so the register has no silent gaps.
"""

from __future__ import annotations

import json
import re
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from archive import atomic, xmp
from archive.docmeta import PROPERTY_PREFIX
from archive.errors import BadInput, BureauError
from archive.filing import FiledResult, FilingRequest, Source
from archive.numbers import Number
from archive.retention.rules import Rule
from archive.service import Archive
from archive.vocab import classification as parse_classification
from bureau.services import documents as filing
from bureau.services import sealing
from bureau.services.sealing import Sealer
from generators import catalog, fields, render
from generators.pdf import PdfConverter


def templates_for(archive: Archive) -> dict[str, catalog.Template]:
    """The built-in templates and those added to this data home."""
    return catalog.discover([catalog.builtin_templates_dir(), archive.home.folder("templates")])


def find_template(archive: Archive, name: str) -> catalog.Template:
    found = templates_for(archive)
    if name not in found:
        raise BadInput(f"no template {name!r}: known templates are {', '.join(sorted(found))}")
    return found[name]


def load_data(path: Path) -> dict[str, Any]:
    """The field values in a .yaml/.yml/.json file, as a mapping; BadInput otherwise."""
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".json"):
        raise BadInput(f"{path.name}: data must be a .yaml or .json file")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: cannot read: {exc}") from None
    try:
        data = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BadInput(f"{path.name}: not valid {suffix[1:].upper()}: {first}") from None
    if not isinstance(data, dict):
        raise BadInput(f"{path.name}: must be a mapping of field names to values")
    return data


@dataclass
class Job:
    """One document to generate: the template, the validated values and where it goes."""

    template: catalog.Template
    values: dict[str, Any]
    dept: str
    lang: str
    classification: str
    co_issuers: tuple[str, ...] = ()  # departments issuing jointly (联合行文), in order


@dataclass
class Rendered:
    job: Job
    number: Number | None
    docx: Path
    title: str
    day: date
    anchors: tuple[str, ...] = ()  # the texts a seal overlaps: issuing organ and date
    pdf: Path | None = None
    # The item's metadata, written alike into the DOCX's custom properties and the PDF's
    # information dictionary (each name prefixed with PROPERTY_PREFIX), empty values left out.
    properties: dict[str, str] = field(default_factory=dict)


@dataclass
class Generator:
    """Generates and files documents for one data home."""

    archive: Archive
    workdir: Path
    converter: PdfConverter | None = None
    sealer: Sealer | None = None
    _seq: int = field(default=0)

    def job(
        self,
        template: catalog.Template,
        data: Mapping[str, Any],
        dept: str,
        lang: str | None,
        classification: str | None,
        row: int | None = None,
        co_issuers: Sequence[str] = (),
        base: Path | None = None,
    ) -> Job:
        """Validate everything about one document before anything is reserved or written.
        `base` is the folder of the data file or batch sheet, where photos are named."""
        department = self.archive.config.department(dept)
        if not template.allows_department(department.code):
            allowed = ", ".join(template.departments)
            raise BadInput(
                f"template {template.name!r} is issued by {allowed}, not by {department.code}"
            )
        language = lang or self.archive.config.language
        template.docx_path(language)  # BadInput if the template lacks the language
        level = parse_classification(classification or template.classification)
        values = fields.validate(template, data, row=row, base=base)
        joint = _co_issuers(self.archive, template, language, department.code, co_issuers)
        return Job(template, values, department.code, language, level, joint)

    def render(self, job: Job) -> Rendered:
        """Reserve a number (for numbered templates) and write the DOCX with its metadata."""
        number = None
        if job.template.numbered:
            number = self.archive.allocate_number(
                job.dept, job.template.name, job.lang, classification=job.classification
            )
        try:
            return self._render(job, number)
        except BaseException as exc:
            if number:
                self.archive.void_number(number, f"rendering failed: {_reason(exc)}")
            raise

    def draft(self, job: Job, doc_no: str) -> Rendered:
        """Write the DOCX as `render` does but reserve no number: `doc_no` is printed in
        its place (a preview's placeholder) and recorded nowhere."""
        return self._render(job, None, doc_no)

    def _render(self, job: Job, number: Number | None, draft_no: str = "") -> Rendered:
        config = self.archive.config
        doc_no = number.doc_no if number else draft_no
        department = config.department(job.dept)
        day = _document_date(job, datetime.now(config.tz).date())
        context = render.DocContext(
            date=day,
            lang=job.lang,
            number=doc_no,
            org=config.org(job.lang),
            organ=config.organ(department.code, job.lang),
            dept_code=department.code,
            dept_name=department.name(job.lang),
            classification=job.classification,
            classification_mark=render.classification_mark(job.classification, job.lang),
            printed_by=config.organ(department.code, job.lang),
            mark=config.mark(department.code, job.lang),
            co_marks=tuple(config.mark(code, job.lang) for code in job.co_issuers),
            co_organs=tuple(config.organ(code, job.lang) for code in job.co_issuers),
        )
        title = item_title(job)
        category = self.category(job)
        props = _properties(
            {
                "kind": job.template.kind,
                "dept": job.dept,
                "title": title,
                "date": day.isoformat(),
                "classification": job.classification,
                "retention": category.retention,
                "doc_no": number.doc_no if number else "",  # never a draft's placeholder
                "template": job.template.name,
            }
        )
        body = render.render_docx(
            job.template, job.values, context, job.lang, properties=props, title=title
        )
        self._seq += 1
        path = self.workdir / f"{job.template.name}-{self._seq:06d}.docx"
        path.write_bytes(body)
        anchors = (context.organ, render.format_date(day, job.lang))
        return Rendered(job, number, path, title, day, anchors, properties=props)

    def to_pdf(self, batch: list[Rendered]) -> dict[int, str]:
        """Convert a batch with one LibreOffice run; returns failures by batch index."""
        assert self.converter is not None
        results = self.converter.convert_many([r.docx for r in batch], self.workdir)
        failures = {}
        for index, (rendered, result) in enumerate(zip(batch, results, strict=True)):
            if not (result.ok and result.pdf is not None):
                failures[index] = f"PDF conversion failed: {result.error or result.status}"
                continue
            rendered.pdf = result.pdf
            _embed_pdf_metadata(result.pdf, rendered)
            if self.sealer:
                try:
                    self._seal(rendered)
                except BureauError as exc:
                    failures[index] = f"sealing failed: {_reason(exc)}"
        return failures

    def _seal(self, rendered: Rendered) -> None:
        """Seal the PDF before it is filed: the sealed PDF is the official rendition."""
        assert self.sealer is not None and rendered.pdf is not None
        job = rendered.job
        sealed = self.sealer.seal(rendered.pdf.read_bytes(), job.dept, job.lang, rendered.anchors)
        rendered.pdf.write_bytes(sealed)

    def category(self, job: Job) -> Rule:
        """The retention category of the job's documents, which sets their period."""
        return self.archive.schedule.match(job.template.kind, job.template.name, job.dept)

    def file(self, rendered: Rendered, origin: str | None = None) -> FiledResult:
        """File the renditions as one item; the PDF, when there is one, is the official one."""
        job = rendered.job
        category = self.category(job)
        documents = [Source(rendered.docx, _file_name(rendered, "docx"))]
        if rendered.pdf:
            documents.append(Source(rendered.pdf, _file_name(rendered, "pdf")))
        request = FilingRequest(
            documents=documents,
            official="pdf" if rendered.pdf else "docx",
            kind=job.template.kind,
            dept=job.dept,
            title=rendered.title,
            date=rendered.day.isoformat(),
            classification=job.classification,
            retention=category.retention,
            category=category.code,
            doc_no=rendered.number.doc_no if rendered.number else None,
            template=job.template.name,
            number=rendered.number.key if rendered.number else None,
            origin=origin,
        )
        try:
            result = filing.file_generated(self.archive, request)
        except BaseException as exc:
            self.abandon(rendered, f"filing failed: {_reason(exc)}")
            raise
        if result.duplicate_of:
            self.abandon(rendered, f"identical to item {result.duplicate_of}, already filed")
        if self.sealer and rendered.pdf:
            _require_sealed(result, job.dept)
        return result

    def abandon(self, rendered: Rendered, reason: str) -> None:
        """Give up on a rendered document: void its number and remove its files."""
        if rendered.number:
            self.archive.void_number(rendered.number, reason)
        for path in (rendered.docx, rendered.pdf):
            if path:
                path.unlink(missing_ok=True)

    def cleanup(self, rendered: Rendered) -> None:
        for path in (rendered.docx, rendered.pdf):
            if path:
                path.unlink(missing_ok=True)


def prepare(
    archive: Archive, name: str, dept: str, lang: str | None, sign: bool
) -> tuple[catalog.Template, Sealer | None]:
    """What a generation needs, checked before any document is made: the permission to
    generate, the template, and (with `sign`) the permission to seal and the department's
    seal, loaded once for every document of a batch."""
    archive.require("generate", "generate documents")
    template = find_template(archive, name)
    if not sign:
        return template, None
    found = sealing.sealer(archive)
    found.material(dept, lang or archive.config.language)
    return template, found


def generate(
    archive: Archive,
    template: catalog.Template,
    data: Mapping[str, Any],
    dept: str,
    lang: str | None,
    classification: str | None,
    pdf: bool,
    sealer: Sealer | None = None,
    co_issuers: Sequence[str] = (),
    base: Path | None = None,
) -> FiledResult:
    """The secretary's use case: one document from `template` and `data`, numbered,
    converted (with `pdf`), sealed (with a `sealer`: the issuer's seal; each co-issuer
    seals later with `bureau sign`) and filed. `base` is the data file's folder, where a
    photo the data names is found."""
    archive.require("generate", "generate documents")
    return generate_one(
        archive,
        template,
        data,
        dept,
        lang,
        classification,
        pdf,
        sealer,
        co_issuers=co_issuers,
        base=base,
    )


def generate_one(
    archive: Archive,
    template: catalog.Template,
    data: Mapping[str, Any],
    dept: str,
    lang: str | None,
    classification: str | None,
    pdf: bool,
    sealer: Sealer | None = None,
    origin: str | None = None,
    co_issuers: Sequence[str] = (),
    base: Path | None = None,
) -> FiledResult:
    """Generate, convert (with `pdf`), seal (with a `sealer`) and file one document, for
    a use case that has made its permission decision (`generate`, or a disposal's
    destruction register). `origin` is recorded with the filing, so a caller can tell it
    happened after a crash."""
    with Workspace(archive, pdf, sealer=sealer) as generator:
        job = generator.job(
            template, data, dept, lang, classification, co_issuers=co_issuers, base=base
        )
        rendered = generator.render(job)
        if pdf:
            try:
                failures = generator.to_pdf([rendered])
            except BaseException as exc:
                generator.abandon(rendered, _reason(exc))
                raise
            if failures:
                generator.abandon(rendered, failures[0])
                raise PdfFailed(failures[0])
        return generator.file(rendered, origin)


class PdfFailed(BureauError):
    """LibreOffice could not convert the document (exit 1)."""


class Workspace:
    """A private temporary folder and, for PDF output, one LibreOffice converter."""

    def __init__(
        self, archive: Archive, pdf: bool, chunk_size: int = 100, sealer: Sealer | None = None
    ) -> None:
        self.archive = archive
        self.pdf = pdf
        self.chunk_size = chunk_size
        self.sealer = sealer

    def __enter__(self) -> Generator:
        self.tmp = tempfile.TemporaryDirectory(prefix="bureau-generate-")
        converter = PdfConverter(chunk_size=self.chunk_size) if self.pdf else None
        if converter:
            converter.__enter__()
        self.generator = Generator(self.archive, Path(self.tmp.name), converter, self.sealer)
        return self.generator

    def __exit__(self, *exc: object) -> None:
        if self.generator.converter:
            self.generator.converter.__exit__(*exc)
        self.tmp.cleanup()


_PLACEHOLDER = re.compile(r"\{([A-Za-z][A-Za-z0-9_]*)\}")


def item_title(job: Job) -> str:
    """The archival title: the `title` field if the template has one, else its item_title."""
    if str(job.values.get("title") or "").strip():
        return str(job.values["title"])
    pattern = (job.template.item_title or {}).get(job.lang) or job.template.title.get(job.lang)
    pattern = pattern or job.template.name

    def value(match: re.Match[str]) -> str:
        shown = render.display(job.values.get(match[1]), job.lang)
        return str(shown) if not isinstance(shown, list | dict) else ""

    return " ".join(_PLACEHOLDER.sub(value, pattern).split()) or job.template.name


def _document_date(job: Job, today: date) -> date:
    """The document's date: its issue date when the template has one, else today."""
    for name in ("date", "issue_date"):
        value = job.values.get(name)
        if isinstance(value, date):
            return value
    return today


def _file_name(rendered: Rendered, extension: str) -> str:
    stem = rendered.number.doc_no if rendered.number else rendered.title
    safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", stem).strip(" .") or rendered.job.template.name
    return f"{safe[:120]}.{extension}"


def _embed_pdf_metadata(pdf: Path, rendered: Rendered) -> None:
    """Write the item's metadata into the PDF's document information dictionary.

    The PDF stays what LibreOffice made of it, PDF/A-2b: the same header version (pypdf
    would write 1.3), the output intent and the XMP packet, whose dc:title and the other
    equivalents of the information entries written here are set to the same values
    (PDF/A wants the two to agree; archive.xmp)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    reader = PdfReader(str(pdf))
    writer = PdfWriter(clone_from=reader)
    writer.pdf_header = reader.pdf_header
    info = {"/Title": rendered.title} | {f"/{k}": v for k, v in rendered.properties.items()}
    writer.add_metadata(info)
    packet = writer.root_object.get(NameObject("/Metadata"))
    if packet is not None:
        stream = packet.get_object()
        stream.set_data(xmp.sync(stream.get_data(), info))
    with atomic.replacing(pdf) as out:
        writer.write(out)


def _co_issuers(
    archive: Archive, template: catalog.Template, lang: str, issuer: str, codes: Sequence[str]
) -> tuple[str, ...]:
    """The co-issuing departments' codes, checked: known, neither the issuer nor named
    twice, and only for a template whose signature block names every organ."""
    joint: list[str] = []
    for code in codes:
        department = archive.config.department(code).code
        if department == issuer or department in joint:
            raise BadInput(f"--co-issuer {department}: a department issues a document once")
        joint.append(department)
    if joint and not _names_every_organ(template, lang):
        raise BadInput(
            f"template {template.name!r} has no joint signature block (doc.organs): "
            "it cannot be issued jointly"
        )
    return tuple(joint)


def _names_every_organ(template: catalog.Template, lang: str) -> bool:
    """Whether the template's DOCX prints the organs of a joint issue (doc.organ_rows or
    doc.organs)."""
    with zipfile.ZipFile(template.docx_path(lang)) as package:
        body = package.read("word/document.xml").decode("utf-8", "replace")
    return "doc.organ_rows" in body or "doc.organs" in body


def _require_sealed(result: FiledResult, dept: str) -> None:
    """With --sign, the item filed (or found already filed) must carry its seal in its
    official PDF: an unsealed result is an error, never a silent success."""
    if result.item.sealed:
        return
    code = result.item.archive_code
    if result.duplicate_of:
        raise UnsealedDuplicate(
            f"the same document is already filed unsealed as {code}: "
            f"seal that item with `bureau sign {code} --dept {dept}`"
        )
    raise SealMissing(f"filed {code}, but its PDF carries no seal")


class UnsealedDuplicate(BadInput):
    """--sign asked for a sealed document that is already filed without a seal (exit 2)."""


class SealMissing(BureauError):
    """The filed PDF carries no seal although --sign sealed it (exit 1)."""


def _properties(values: dict[str, str]) -> dict[str, str]:
    """The item's metadata as document properties: one set for every rendition."""
    return {f"{PROPERTY_PREFIX}{name}": value for name, value in values.items() if value}


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
