"""Generating from a form: what a user may choose, a preview, and the document made.

The command line is told the department, language and classification; a form has to
offer them. What it offers is decided here from the acting user's role: a secretary issues
for their own department only, nobody above their clearance, and only those who may seal
are offered the seal. The same checks are made again when the form comes back (a posted
form may hold anything), before a document number is reserved, so a refused request
leaves no void number in the register.

A preview renders and converts the document in a temporary folder and returns the PDF:
it reserves no number, files nothing and is not sealed. Where a numbered document prints
its number, a preview prints the department's prefix and year with PLACEHOLDER for the
sequence number (e.g. `市教办〔2026〕×号`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from archive.access import Forbidden
from archive.config import Department
from archive.errors import BadInput, NotFound
from archive.filing import FiledResult
from archive.numbers import format_number
from archive.service import Archive
from archive.vocab import CLASSIFIED
from bureau.services import generate, sealing
from bureau.services.generate import PdfFailed, Workspace
from generators.catalog import Field, Template
from generators.fields import FieldError, FieldErrors

# The template's form, as the front ends show it (they import no module below the services)
__all__ = ["Field", "FieldError", "FieldErrors", "Template"]

PLACEHOLDER = "×"  # printed for the sequence number of a preview's document number


@dataclass(frozen=True)
class Choices:
    """What the acting user may choose when generating from `template`."""

    template: Template
    departments: tuple[Department, ...]  # the ones the user may issue this template for
    languages: tuple[str, ...]
    language: str  # the default: the home's language, if the template has it
    levels: tuple[str, ...]  # the classifications the user is cleared for
    level: str  # the default: the template's own, if the user is cleared for it
    may_seal: bool  # the user may seal and the home has seals


def usable(archive: Archive) -> list[Choices]:
    """The templates the acting user may generate from (for at least one department),
    by name, each with its choices."""
    archive.require("generate", "generate documents")
    found = [choices(archive, t) for t in generate.templates_for(archive).values()]
    return sorted((c for c in found if c.departments), key=lambda c: c.template.name)


def choices_for(archive: Archive, name: str) -> Choices:
    """The choices for the template `name` (BadInput if there is none; Forbidden if the
    user may not generate, or may not issue it for any department)."""
    archive.require("generate", "generate documents")
    known = generate.templates_for(archive)
    if name not in known:
        raise NotFound(f"no template {name!r}")
    found = choices(archive, known[name])
    if not found.departments:
        raise Forbidden(f"user {archive.user.name!r} may not issue {name} documents")
    return found


def choices(archive: Archive, template: Template) -> Choices:
    user = archive.user
    bound = user.visibility().dept  # a secretary's department; None: any
    departments = tuple(
        d
        for d in archive.config.departments
        if template.allows_department(d.code) and (bound is None or d.code == bound)
    )
    home = archive.config.language
    levels = user.levels()
    return Choices(
        template=template,
        departments=departments,
        languages=template.languages,
        language=home if home in template.languages else template.languages[0],
        levels=levels,
        level=template.classification if template.classification in levels else levels[0],
        may_seal=user.may("seal") and sealing.has_pki(archive),
    )


def check(archive: Archive, template: Template, dept: str, lang: str, level: str) -> None:
    """Forbidden or BadInput, before anything is reserved, if the acting user may not
    issue `template` for `dept` in `lang` at `level`."""
    archive.require("generate", "generate documents")
    department = archive.config.department(dept)
    archive.user.require_dept(department.code, "generate documents")
    archive.user.require_level(level, f"generate {level} documents")
    if not template.allows_department(department.code):
        raise BadInput(
            f"template {template.name!r} is issued by {', '.join(template.departments)},"
            f" not by {department.code}"
        )
    if lang not in template.languages:
        raise BadInput(f"template {template.name!r} has no {lang!r} version")


def preview(
    archive: Archive,
    template: Template,
    data: Mapping[str, Any],
    dept: str,
    lang: str,
    level: str,
) -> bytes:
    """The PDF the document would be, not numbered, not sealed, not filed; FieldErrors
    for bad field values, as `generate` would raise them."""
    check(archive, template, dept, lang, level)
    with Workspace(archive, pdf=True) as generator:
        job = generator.job(template, data, dept, lang, level)
        doc_no = placeholder_number(archive, template, dept, lang, level)
        rendered = generator.draft(job, doc_no)
        failures = generator.to_pdf([rendered])
        if failures:
            raise PdfFailed(failures[0])
        assert rendered.pdf is not None
        return rendered.pdf.read_bytes()


def placeholder_number(
    archive: Archive, template: Template, dept: str, lang: str, level: str
) -> str:
    """What a preview prints for the document number: '' for an unnumbered template, else
    the number with PLACEHOLDER for its sequence (nothing is reserved)."""
    if not template.numbered:
        return ""
    department = archive.config.department(dept)
    prefix = department.prefix(lang, template.name, level in CLASSIFIED)
    year = datetime.now(archive.config.tz).year
    return format_number(prefix, year, PLACEHOLDER, lang)  # type: ignore[arg-type]


def issue(
    archive: Archive,
    name: str,
    data: Mapping[str, Any],
    dept: str,
    lang: str,
    level: str,
    pdf: bool,
    seal: bool,
) -> FiledResult:
    """Generate, convert (with `pdf`), seal (with `seal`) and file one document from a
    form's values, once the user is known to be allowed all of it."""
    if seal and not pdf:
        raise BadInput("the seal is put on the PDF: make the PDF too")
    template, sealer = generate.prepare(archive, name, dept, lang, seal)
    check(archive, template, dept, lang, level)
    return generate.generate(archive, template, data, dept, lang, level, pdf, sealer)
