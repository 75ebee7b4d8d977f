"""Render a template's DOCX with validated values, in a sandbox, to DOCX bytes.

docxtpl turns the DOCX into one Jinja source. Templates may come from users, so they run in
Jinja's SandboxedEnvironment (no `__class__` walks to Python internals), and every printed
value is XML-escaped and has its braces written as character references: a value such as
`{{ 7*7 }}` or `{_{` then reaches the document literally, never as template code and never
rewritten by docxtpl's own post-processing. Characters XML cannot hold become U+FFFD.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import re
import types
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import jinja2
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from markupsafe import Markup, escape

from archive.errors import BadInput
from archive.vocab import CLASSIFICATION_ZH
from generators import compute
from generators.catalog import Template
from generators.docprops import repack, set_custom_properties
from generators.fields import empty_value
from generators.photos import Photo

MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
DEFAULT_PERIOD_YEARS = {"confidential": 10, "secret": 20, "top-secret": 30}
_INVALID_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class TemplateError(BadInput):
    """The template itself is broken or unsafe (a user template is user input: exit 2)."""


@dataclass(frozen=True, kw_only=True)
class DocContext:
    """What the generator knows about the document beyond the user's values.

    Templates see it as `doc` (with `doc.date` already formatted for the language).
    `classification_mark` is printed top left, e.g. "秘密★10年"; "" for public/internal.
    `copy_number` is the optional six-digit copy number (份号) printed above it.
    `mark` is the issuer's name in the red header mark (版头), before 文件; a jointly
    issued document (联合行文) also has the co-issuers' `co_marks` and `co_organs` (their
    names in the mark and in the signature block), in the order they issue.

    Templates also see the derived `doc.marks` and `doc.organs` (the issuer first, then the
    co-issuers), `doc.organ_rows` (the organs two a row for the signature block,
    organ_rows) and `doc.mark_size`, the mark's size in half-points, shrunk so that the
    longest name and 文件 fit on one line of the text block.
    """

    date: datetime.date
    lang: str
    number: str = ""
    org: str = ""
    organ: str = ""
    dept_code: str = ""
    dept_name: str = ""
    classification: str = "internal"
    classification_mark: str = ""
    printed_by: str = ""
    copy_number: str = ""
    mark: str = ""
    co_marks: tuple[str, ...] = ()
    co_organs: tuple[str, ...] = ()


DERIVED_ATTRIBUTES = frozenset({"marks", "organs", "organ_rows", "mark_size"})
DOC_ATTRIBUTES: frozenset[str] = (
    frozenset(f.name for f in dataclasses.fields(DocContext)) | DERIVED_ATTRIBUTES
)
# The header mark: at most 36 pt (zh) / 22 pt (en), and no wider than the 156 mm text block
# less a margin (430 pt); Latin letters of the bold serif are about 0.55 em wide.
_MARK_MAX_PT = {"zh": 36, "en": 22}
_MARK_WIDTH_PT = 430


def organ_rows(organs: list[str]) -> list[tuple[str, str]]:
    """The organs of a joint signature block two a row, in order; with an odd number the
    last stands alone on the right, over the date (GB/T 9704 7.3.5.2)."""
    rows = [(organs[i], organs[i + 1]) for i in range(0, len(organs) - 1, 2)]
    if len(organs) % 2:
        rows.append(("", organs[-1]))
    return rows


def mark_size(names: list[str], lang: str) -> int:
    """The header mark's font size in half-points, so that the longest of `names` (and 文件
    after it, in Chinese) stays on one line."""
    longest = max((len(name) for name in names), default=0)
    ems = longest + 2 if lang == "zh" else 0.55 * longest
    largest = _MARK_MAX_PT.get(lang, _MARK_MAX_PT["en"])
    if ems <= 0:
        return largest * 2
    return max(16, min(largest * 2, int(2 * _MARK_WIDTH_PT / ems)))


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of a multi-line text: `level` 0 is body text, 1-4 heading levels.

    For a heading, `head` is the heading itself (up to its first full stop) and `tail` any
    body text run on after it on the same line, as Chinese documents often do
    ("（一）加强领导。各校要……"); for body text `head` is "" and `tail` is the text.
    """

    text: str
    level: int
    head: str
    tail: str


_HEADINGS = {
    "zh": (
        (1, re.compile(r"^[一二三四五六七八九十百零〇]+、")),
        (2, re.compile(r"^[（(][一二三四五六七八九十百零〇]+[）)]")),
        (4, re.compile(r"^[（(]\d+[）)]")),
        (3, re.compile(r"^\d+[.．](?!\d)")),
    ),
    "en": (
        (3, re.compile(r"^\d+\.\d+\.\d+\.?\s")),
        (2, re.compile(r"^\d+\.\d+\.?\s")),
        (1, re.compile(r"^\d+\.\s")),
        (3, re.compile(r"^\([a-z]\)\s")),
        (4, re.compile(r"^\((?:\d+|[ivx]{2,})\)\s")),
    ),
}
_SENTENCE_END = {"zh": re.compile(r"[。！？]"), "en": re.compile(r"[.!?](?=\s)")}


def split_paragraphs(text: str, lang: str) -> list[Paragraph]:
    """`text` as paragraphs, one per non-blank line, with heading levels detected per GB/T 9704."""
    out: list[Paragraph] = []
    for line in str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = line.strip()
        if not line:
            continue
        level, marker_end = _heading(line, lang)
        if level == 0:
            out.append(Paragraph(text=line, level=0, head="", tail=line))
            continue
        end = _SENTENCE_END.get(lang, _SENTENCE_END["en"]).search(line, marker_end)
        cut = end.end() if end else len(line)
        out.append(Paragraph(text=line, level=level, head=line[:cut], tail=line[cut:].lstrip()))
    return out


def _heading(line: str, lang: str) -> tuple[int, int]:
    for level, pattern in _HEADINGS.get(lang, _HEADINGS["en"]):
        match = pattern.match(line)
        if match and match.end() < len(line):
            return level, match.end()
    return 0, 0


def zh_numeral(number: int) -> str:
    """A whole number 0-99 in Chinese numerals, as headings count: 1 → 一, 12 → 十二."""
    digits = "零一二三四五六七八九"
    number = int(number)
    if not 0 <= number < 100:
        return str(number)
    if number < 10:
        return digits[number]
    tens, ones = divmod(number, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def format_date(value: datetime.date, lang: str) -> str:
    """A date as the language writes it: 2026年11月27日 (no zero padding) or 27 November 2026."""
    if lang == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"


def format_decimal(value: Decimal) -> str:
    """An amount with thousands separators and two places, rounded half up: 1,234,567.00."""
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"


def classification_mark(level: str, lang: str, years: int | None = None) -> str:
    """The printed mark for a level: 秘密★10年 / CONFIDENTIAL★10 years; "" when unmarked."""
    if level not in DEFAULT_PERIOD_YEARS:
        return ""
    period = years if years is not None else DEFAULT_PERIOD_YEARS[level]
    if lang == "zh":
        return f"{CLASSIFICATION_ZH[level]}★{period}年"
    return f"{level.upper().replace('-', ' ')}★{period} years"


def display(value: Any, lang: str) -> Any:
    """`value` as templates see it: dates and decimals formatted, None as "", nested too."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return format_date(value, lang)
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, Mapping):
        return {str(k): display(v, lang) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [display(v, lang) for v in value]
    return value


def doc_namespace(doc: DocContext, lang: str) -> types.SimpleNamespace:
    """The reserved `doc` name: DocContext's fields with the date formatted for `lang`."""
    fields = {name: getattr(doc, name) for name in DOC_ATTRIBUTES - DERIVED_ATTRIBUTES}
    fields["date"] = format_date(doc.date, lang)
    fields["lang"] = lang
    fields["marks"] = [doc.mark or doc.org, *doc.co_marks]
    fields["organs"] = [doc.organ, *doc.co_organs]
    fields["organ_rows"] = organ_rows(fields["organs"])
    fields["mark_size"] = mark_size(fields["marks"], lang)
    return types.SimpleNamespace(**fields)


def build_context(
    template: Template, values: Mapping[str, Any], doc: DocContext, lang: str
) -> dict[str, Any]:
    """Everything the template sees: formatted values, computed values and `doc`."""
    typed = {field.name: values.get(field.name, empty_value(field)) for field in template.fields}
    computed = compute.run(template.compute, typed)
    context = {name: display(value, lang) for name, value in {**typed, **computed}.items()}
    context["doc"] = doc_namespace(doc, lang)
    return context


class _Picture:
    """A checked photo (generators.photos) as the drawing docxtpl places where it is
    printed. Only printable: the sandbox lets a template reach no attribute of it (its one
    attribute starts with an underscore), so the DocxTemplate behind it stays out of reach."""

    __slots__ = ("_image",)

    def __init__(self, docx: DocxTemplate, photo: Photo) -> None:
        width, height = photo.size_mm()
        self._image = InlineImage(docx, io.BytesIO(photo.data), width=Mm(width), height=Mm(height))

    def __str__(self) -> str:
        return str(self._image)


def _finalize(value: Any) -> Markup:
    """Every printed value as XML text: escaped, braces as references, bad characters replaced;
    a photo (made only from a checked image field, never from text) as its drawing."""
    if value is None:
        return Markup("")
    if isinstance(value, _Picture):
        return Markup(str(value))
    if not isinstance(value, Markup):
        text = _INVALID_XML_RE.sub("\ufffd", str(value))
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        value = escape(text)
    return Markup(str(value).replace("{", "&#123;").replace("}", "&#125;"))


@jinja2.pass_context
def _paragraphs_filter(context: jinja2.runtime.Context, text: Any) -> list[Paragraph]:
    doc = context.get("doc")
    lang = getattr(doc, "lang", "en")
    return split_paragraphs("" if text is None else str(text), lang)


def make_environment() -> SandboxedEnvironment:
    """The sandboxed, autoescaping environment every template renders in."""
    env = SandboxedEnvironment(
        autoescape=True,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["paragraphs"] = _paragraphs_filter
    env.filters["zh_numeral"] = zh_numeral
    return env


def render_docx(
    template: Template,
    values: Mapping[str, Any],
    doc: DocContext,
    lang: str,
    properties: Mapping[str, str] | None = None,
    title: str | None = None,
) -> bytes:
    """The template's `lang` DOCX rendered with validated `values`, as deterministic bytes,
    carrying `properties` as custom document properties and `title` as its core title.

    TemplateError (a BadInput) when the template is broken or reaches outside the sandbox.
    """
    path = template.docx_path(lang)
    if not path.is_file():
        raise TemplateError(f"{path}: missing; template {template.name!r} lists {lang!r}")
    context = build_context(template, values, doc, lang)
    docx = DocxTemplate(str(path))
    for name, value in context.items():
        if isinstance(value, Photo):
            context[name] = _Picture(docx, value)
    try:
        docx.render(context, jinja_env=make_environment(), autoescape=True)
    except SecurityError as exc:
        raise TemplateError(f"{path}: reaches outside the template sandbox: {exc}") from None
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{path}: {type(exc).__name__}: {exc}") from None
    out = io.BytesIO()
    docx.save(out)
    if properties is None and title is None:
        return repack(out.getvalue())
    return set_custom_properties(out.getvalue(), properties or {}, title=title)
