"""Build the built-in templates' DOCX files (templates/*/template.docx and template.zh.docx).

The DOCX files are generated rather than drawn by hand so that their layout is reviewable
as code and rebuilt identically: run `.venv/bin/python tools/build_templates.py` after a
change here and commit the outputs with it. The fields.yaml and sample files beside them
are written by hand.

Layout follows GB/T 9704-2012 (../shared/domain.md): A4, top margin 37 mm, left 28 mm,
text block 156 x 225 mm, body 16 pt with 22 lines a page, red issuing-authority mark and
separator line, colophon between thick and thin rules, page numbers as `— 1 —`.

Fonts: GB/T 9704 names proprietary faces (仿宋_GB2312, 方正小标宋简体, 黑体, 楷体_GB2312). Tested
with LibreOffice and Noto CJK installed, those names (and altName entries in the font
table) all fall back to Noto Sans CJK, a sans face, so the templates name the free faces
directly on w:rFonts/@w:eastAsia: Noto Serif CJK SC for FangSong and the title face (bold),
Noto Sans CJK SC for HeiTi (level-1 headings), and bold Noto Serif CJK SC standing in for
KaiTi (level-2 headings), since no free Kai face ships with Noto. Latin text uses Times New
Roman. Fonts are set in the styles and again on every run, since Word lets a theme font on
the document defaults win over a style that names none.

Markers left for later tools: the paragraph style `SealAnchor` (and a bookmark of the same
name inside it) marks where the red seal goes, overlapping the issuing organ and date below.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import sys
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml import parse_xml
from docx.shared import Mm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generators.docprops import repack  # noqa: E402

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
RED = "FF0000"
FIXED_DATE = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)

# Twips (1/20 pt) for the GB/T 9704 text block.
MM = 56.6929
TEXT_WIDTH = round(156 * MM)  # 8844
LINE = 579  # 225 mm / 22 lines = 28.95 pt
CHAR = 320  # one 16 pt character
SIGN_CENTRE = 6444  # the issuing organ's centre: over the date, which ends four characters in
RULE_SPACE_PT = 8  # see GBNumber
GRID_CONDENSE = -5  # twips: see on_grid
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


@dataclass(frozen=True)
class Face:
    """A font role: the Latin face and the East Asian face named on w:rFonts."""

    latin: str
    east_asia: str


# The GB/T 9704 faces by their Windows names (an office's Word has them); fontconfig sends
# each to a free face of the same style for the PDF (fonts/65-bureau-gb-fonts.conf).
SERIF = Face("Times New Roman", "仿宋_GB2312")  # body text
TITLE = Face("Times New Roman", "方正小标宋简体")  # titles and the issuing-authority mark
SANS = Face("Times New Roman", "黑体")  # level-1 headings, table headings, labels
KAI = Face("Times New Roman", "楷体_GB2312")  # level-2 headings


# ----------------------------------------------------------------------------- raw OOXML


def rfonts(face: Face) -> str:
    """w:rFonts naming the faces explicitly (no theme fonts, which would override them)."""
    return (
        f'<w:rFonts w:ascii="{face.latin}" w:hAnsi="{face.latin}" w:cs="{face.latin}"'
        f' w:eastAsia="{face.east_asia}"/>'
    )


def rpr(
    face: Face,
    size: float | None = None,
    bold: bool = False,
    italic: bool = False,
    color: str | None = None,
    style: str | None = None,
    spacing: int = 0,
) -> str:
    """Run properties in schema order (rStyle, rFonts, b, i, color, spacing, sz)."""
    parts = [f'<w:rStyle w:val="{style}"/>' if style else "", rfonts(face)]
    if bold:
        parts.append("<w:b/><w:bCs/>")
    if italic:
        parts.append("<w:i/><w:iCs/>")
    if color:
        parts.append(f'<w:color w:val="{color}"/>')
    if spacing:
        parts.append(f'<w:spacing w:val="{spacing}"/>')
    if size:
        half = round(size * 2)
        parts.append(f'<w:sz w:val="{half}"/><w:szCs w:val="{half}"/>')
    return "<w:rPr>" + "".join(parts) + "</w:rPr>"


def ppr(
    *,
    keep_next: bool = False,
    keep_lines: bool = False,
    border: str = "",
    tabs: tuple[tuple[str, int], ...] = (),
    before: int = 0,
    after: int = 0,
    line: int | None = None,
    left: int = 0,
    right: int = 0,
    first: int = 0,
    hanging: int = 0,
    jc: str = "",
    outline: int | None = None,
    grid: bool = True,
) -> str:
    """Paragraph properties in the order the schema requires; `grid` False keeps the
    paragraph off the document's character grid (marks, titles, tables, colophon)."""
    parts = []
    if keep_next:
        parts.append("<w:keepNext/>")
    if keep_lines:
        parts.append("<w:keepLines/>")
    if border:
        parts.append(f"<w:pBdr>{border}</w:pBdr>")
    if tabs:
        parts.append(
            "<w:tabs>"
            + "".join(f'<w:tab w:val="{kind}" w:pos="{pos}"/>' for kind, pos in tabs)
            + "</w:tabs>"
        )
    if not grid:
        parts.append('<w:snapToGrid w:val="0"/>')
    rule = f' w:line="{line}" w:lineRule="exact"' if line else ' w:line="240" w:lineRule="auto"'
    parts.append(f'<w:spacing w:before="{before}" w:after="{after}"{rule}/>')
    ind = f' w:left="{left}" w:right="{right}"'
    if hanging:
        ind += f' w:hanging="{hanging}"'
    elif first:
        ind += f' w:firstLine="{first}"'
    parts.append(f"<w:ind{ind}/>")
    if jc:
        parts.append(f'<w:jc w:val="{jc}"/>')
    if outline is not None:
        parts.append(f'<w:outlineLvl w:val="{outline}"/>')
    return "<w:pPr>" + "".join(parts) + "</w:pPr>"


@dataclass(frozen=True)
class Style:
    """A paragraph or character style: its id, display name, font role and properties."""

    id: str
    name: str
    face: Face
    size: float
    kind: str = "paragraph"
    bold: bool = False
    italic: bool = False
    color: str | None = None
    para: str = ""  # ppr(...) output for paragraph styles
    spacing: int = 0  # character spacing in twips (negative: condensed)
    lang: str = ""  # a language for the run, e.g. en-US to keep a number from breaking

    def xml(self) -> str:
        body = f'<w:name w:val="{self.name}"/>'
        if self.kind == "paragraph":
            body += '<w:basedOn w:val="Normal"/><w:qFormat/>' + (self.para or ppr())
        else:
            body += '<w:basedOn w:val="DefaultParagraphFont"/><w:qFormat/>'
        body += rpr(self.face, self.size, self.bold, self.italic, self.color, spacing=self.spacing)
        if self.lang:
            lang = f'<w:lang w:val="{self.lang}" w:eastAsia="{self.lang}"/>'
            body = body.replace("</w:rPr>", lang + "</w:rPr>")
        return (
            f'<w:style {W_NS} w:type="{self.kind}" w:customStyle="1"'
            f' w:styleId="{self.id}">{body}</w:style>'
        )


def t(text: str) -> str:
    """Run content: text with tabs as <w:tab/>."""
    pieces = text.split("\t")
    out = []
    for index, piece in enumerate(pieces):
        if index:
            out.append("<w:tab/>")
        if piece:
            out.append(f'<w:t xml:space="preserve">{escape(piece)}</w:t>')
    return "".join(out)


class Sheet:
    """The styles of one language and the paragraphs built with them."""

    def __init__(self, lang: str, styles: list[Style]) -> None:
        self.lang = lang
        self.styles = {style.id: style for style in styles}
        self.parts: list[str] = []

    def run(self, text: str, style: str, char: str | None = None) -> str:
        """A run whose fonts repeat its (character or paragraph) style's fonts."""
        source = self.styles[char or style]
        return f"<w:r>{rpr(source.face, style=char)}{t(text)}</w:r>"

    def p(self, style: str, *runs: str | tuple[str, str], bookmark: str = "") -> str:
        """A paragraph of `style`; each run is text (paragraph style) or (text, char style)."""
        content = []
        for run in runs:
            if isinstance(run, tuple):
                content.append(self.run(run[0], style, run[1]))
            else:
                content.append(self.run(run, style))
        mark = (
            f'<w:bookmarkStart w:id="0" w:name="{bookmark}"/><w:bookmarkEnd w:id="0"/>'
            if bookmark
            else ""
        )
        return f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>{mark}{"".join(content)}</w:p>'

    def add(self, *xml: str) -> None:
        self.parts.extend(xml)

    def para(self, style: str, *runs: str | tuple[str, str], bookmark: str = "") -> None:
        self.add(self.p(style, *runs, bookmark=bookmark))

    def tag(self, text: str) -> None:
        """A paragraph holding only a docxtpl `{%p ... %}` tag (it vanishes when rendered)."""
        self.para("Tag", text)


# ----------------------------------------------------------------------------- styles


def gb_styles(lang: str) -> list[Style]:
    """The styles of the official-document templates (notice, approval, budget).

    Chinese body paragraphs sit on the section's character grid (28 a line, 22 lines a
    page); the mark, title, number, tables and colophon keep off it (`grid=False`).
    """
    zh = lang == "zh"
    body = 16 if zh else 12
    line = LINE if zh else 360
    indent = dict(first=2 * CHAR) if zh else {}
    after = 0 if zh else 120
    heads = (
        [
            (SANS, False, False),  # 黑体
            (KAI, False, False),  # 楷体_GB2312
            (SERIF, False, False),  # 仿宋
            (SERIF, False, False),  # 仿宋
        ]
        if zh
        else [
            (SERIF, True, False),
            (SERIF, True, True),
            (SERIF, False, True),
            (SERIF, False, False),
        ]
    )
    styles = [
        Style("Tag", "Template Tag", SERIF, body, para=ppr(grid=False)),
        Style(
            "GBHeaderLeft",
            "GB Header Left",
            SANS,
            16 if zh else 12,
            para=ppr(line=line, grid=False),
        ),
        Style("GBHeaderTiny", "GB Header Spacer", SERIF, 1, para=ppr(line=20, grid=False)),
        Style(
            "GBMark",
            "GB Issuing Authority Mark",
            TITLE if zh else SERIF,
            36 if zh else 22,
            bold=not zh,
            color=RED,
            para=ppr(jc="center", line=round((40 if zh else 28) * 20), grid=False),
        ),
        Style(
            "GBMarkJoint",
            "GB Joint Issuing Authority Mark",
            TITLE if zh else SERIF,
            36 if zh else 22,
            bold=not zh,
            color=RED,
            para=ppr(jc="distribute" if zh else "center", line=round(1.1 * 36 * 20), grid=False),
        ),
        Style(
            "GBNumber",
            "GB Document Number",
            SERIF,
            body,
            para=ppr(
                before=2 * LINE,
                line=line,
                jc="center",
                grid=False,
                # GB/T 9704 7.2.5: the red rule 4 mm below the number. The border's space
                # counts from the foot of the exact-height line, below the characters' foot:
                # measured on the PDF, 8 pt puts the rule 4 mm under the characters.
                border=f'<w:bottom w:val="single" w:sz="12" w:space="{RULE_SPACE_PT}"'
                f' w:color="{RED}"/>',
            ),
        ),
        Style(
            "GBTitle",
            "GB Title",
            TITLE if zh else SERIF,
            22 if zh else 18,
            bold=not zh,
            para=ppr(
                before=2 * LINE,
                line=700 if zh else 480,
                jc="center",
                keep_lines=True,
                keep_next=True,
                grid=False,
            ),
        ),
        Style(
            "GBRecipients",
            "GB Recipients",
            SERIF,
            body,
            para=ppr(before=LINE, line=line, keep_next=True),
        ),
        Style("GBCentre", "GB Centred", SERIF, body, para=ppr(line=line, jc="center", grid=False)),
        Style(
            "GBBody", "GB Body", SERIF, body, para=ppr(line=line, jc="both", after=after, **indent)
        ),
        # The last paragraph before the signature block (and a paragraph introducing a list)
        # keeps with what follows: GB/T 9704 allows no page holding the signature alone.
        Style(
            "GBBodyKeep",
            "GB Body Kept With Next",
            SERIF,
            body,
            para=ppr(line=line, jc="both", after=after, keep_next=True, **indent),
        ),
        Style(
            "GBAttachment",
            "GB Attachment",
            SERIF,
            body,
            para=ppr(before=LINE, line=line, left=5 * CHAR, hanging=3 * CHAR, keep_next=True)
            if zh
            else ppr(before=LINE, line=line, left=1800, hanging=1800, keep_next=True),
        ),
        Style(
            "GBAttachmentMore",
            "GB Attachment Continued",
            SERIF,
            body,
            para=ppr(line=line, left=5 * CHAR if zh else 1800, keep_next=True),
        ),
        Style(
            "SealAnchor",
            "SealAnchor",
            SERIF,
            body,
            para=ppr(line=2 * LINE, keep_next=True, grid=False),
        ),
        Style(
            "GBSignature",
            "GB Issuing Organ",
            SERIF,
            body,
            # Chinese: centred over the date (right edge four characters in, about seven
            # characters wide); English: flush right above the date.
            para=ppr(
                line=line,
                keep_next=True,
                grid=False,
                tabs=(("center", SIGN_CENTRE),) if zh else (("right", TEXT_WIDTH),),
            ),
        ),
        Style(
            "GBSignatureJoint",
            "GB Issuing Organs (joint)",
            SERIF,
            body,
            # Two organs a row, each centred in its half: the right half's centre is the
            # single issuer's, so the last organ sits over the date as GB/T 9704 7.3.5.2 asks.
            para=ppr(
                line=line,
                keep_next=True,
                grid=False,
                tabs=(("center", SIGN_CENTRE - TEXT_WIDTH // 2), ("center", SIGN_CENTRE)),
            ),
        ),
        Style(
            "GBDate",
            "GB Date",
            SERIF,
            body,
            para=ppr(line=line, jc="right", right=4 * CHAR if zh else 0, grid=False),
        ),
        Style("GBNote", "GB Note", SERIF, body, para=ppr(before=LINE, line=line, **indent)),
        Style(
            "GBNotesHead",
            "GB Notes Heading",
            SERIF,
            body,
            para=ppr(before=LINE, line=line, keep_next=True, **indent),
        ),
        Style(
            "GBColophon",
            "GB Colophon",
            SERIF,
            14 if zh else 11,
            para=ppr(
                line=500 if zh else 320,
                left=280,
                right=280,
                tabs=(("right", TEXT_WIDTH - 280),),
                grid=False,
            ),
        ),
        Style(
            "GBColophonCopy",
            "GB Colophon Copied To",
            SERIF,
            14 if zh else 11,
            para=ppr(
                line=500 if zh else 320,
                left=280 + (3 * 280 if zh else 1200),
                hanging=3 * 280 if zh else 1200,
                right=280,
                grid=False,
            ),
        ),
        Style(
            "GBCell",
            "GB Table Text",
            SERIF,
            12 if zh else 10.5,
            para=ppr(line=360 if zh else 280, grid=False),
        ),
        Style(
            "GBCellRight",
            "GB Table Amount",
            SERIF,
            12 if zh else 10.5,
            para=ppr(line=360 if zh else 280, jc="right", grid=False),
        ),
        Style(
            "GBCellHead",
            "GB Table Heading",
            SANS if zh else SERIF,
            12 if zh else 10.5,
            bold=not zh,
            para=ppr(line=360 if zh else 280, jc="center", grid=False),
        ),
        Style(
            "GBUnit",
            "GB Table Unit",
            SERIF,
            12 if zh else 10.5,
            para=ppr(before=LINE, jc="right", grid=False),
        ),
        Style("GBPage", "GB Page Number", SERIF, 14 if zh else 11, para=ppr(grid=False)),
    ]
    for level, (face, bold, italic) in enumerate(heads, start=1):
        styles.append(
            Style(
                f"GBHeading{level}",
                f"GB Heading {level}",
                SERIF,
                body,
                para=ppr(
                    line=line,
                    jc="both",
                    after=after,
                    outline=level - 1,
                    keep_next=True,
                    **indent,
                ),
            )
        )
        styles.append(
            Style(
                f"GBHeading{level}Char",
                f"GB Heading {level} Char",
                face,
                body,
                kind="character",
                bold=bold,
                italic=italic,
            )
        )
    if zh:
        styles = [on_grid(style) for style in styles]
    return styles


def on_grid(style: Style) -> Style:
    """`style` condensed by GRID_CONDENSE if its paragraphs sit on the page's grid.

    28 characters of 16 pt need 448 pt, and the text block is 442.2 pt (156 mm): Word
    squeezes them onto its character grid, LibreOffice fits 27. Condensed by a quarter
    point (15.75 pt a character), 28 fit in both.
    """
    if style.kind != "paragraph" or "snapToGrid" in style.para:
        return style
    return dataclasses.replace(style, spacing=GRID_CONDENSE)


def certificate_styles(lang: str) -> list[Style]:
    """The styles of the one-page certificates."""
    zh = lang == "zh"
    text = 16 if zh else 14
    return [
        Style("Tag", "Template Tag", SERIF, text, para=ppr()),
        Style(
            "CertTitle",
            "Certificate Title",
            SERIF,
            30 if zh else 26,
            bold=True,
            color="A50021",
            para=ppr(before=240, after=360, jc="center"),
        ),
        Style(
            "CertText",
            "Certificate Text",
            SERIF,
            text,
            para=ppr(line=560 if zh else 440, after=240, jc="both", first=640 if zh else 0),
        ),
        Style("CertLine", "Certificate Line", SERIF, text, para=ppr(before=200, line=480)),
        Style(
            "CertCell", "Certificate Cell", SERIF, 14 if zh else 12, para=ppr(line=360, jc="center")
        ),
        Style(
            "CertLabel",
            "Certificate Label",
            SANS if zh else SERIF,
            14 if zh else 12,
            bold=not zh,
            para=ppr(line=360, jc="center"),
        ),
        Style("CertPhoto", "Certificate Photo", SERIF, 12, color="808080", para=ppr(jc="center")),
        # An ID or certificate number set as Latin text: LibreOffice breaks digit strings in
        # Chinese text anywhere, but never inside a word of an en-US run.
        Style("CertNoBreak", "Certificate Number", SERIF, 0, kind="character", lang="en-US"),
        Style("SealAnchor", "SealAnchor", SERIF, text, para=ppr(line=240, keep_next=True)),
        Style(
            "CertIssuer",
            "Certificate Issuer",
            SERIF,
            text,
            para=ppr(line=480, jc="right", right=2 * CHAR),
        ),
    ]


# ----------------------------------------------------------------------------- document


def new_document(lang: str, styles: list[Style], landscape: bool = False) -> DocxDocument:
    """A python-docx Document with A4 pages, the styles, and fonts fixed on the defaults."""
    doc = Document()
    package = doc.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del package.rels[rid]  # a preview of python-docx's blank page: drop it
    zh = lang == "zh"
    element = doc.styles.element
    defaults = element.find(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}docDefaults"
    )
    element.remove(defaults)
    lang_attr = 'w:val="zh-CN" w:eastAsia="zh-CN"' if zh else 'w:val="en-GB" w:eastAsia="zh-CN"'
    element.insert(
        0,
        parse_xml(
            f"<w:docDefaults {W_NS}><w:rPrDefault><w:rPr>{rfonts(SERIF)}"
            f'<w:sz w:val="{32 if zh else 24}"/><w:szCs w:val="{32 if zh else 24}"/>'
            f'<w:lang {lang_attr} w:bidi="ar-SA"/></w:rPr></w:rPrDefault>'
            # Closing punctuation stays inside the line (no hanging past the right edge).
            '<w:pPrDefault><w:pPr><w:overflowPunct w:val="0"/>'
            '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/>'
            "</w:pPr></w:pPrDefault></w:docDefaults>"
        ),
    )
    for style in styles:
        element.append(parse_xml(style.xml()))
    settings = doc.settings.element
    for node in settings.iter(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}themeFontLang"
    ):
        node.set("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia", "zh-CN")
    section = doc.sections[0]
    if landscape:
        section.page_width, section.page_height = Mm(297), Mm(210)
        for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
            setattr(section, side, Mm(22))
    else:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.header_distance, section.footer_distance = Mm(15), Mm(23)
        if zh:
            char_grid(doc)
    props = doc.core_properties
    props.author = "City Education Bureau"
    props.last_modified_by = "tools/build_templates.py"
    props.title = ""
    props.created = props.modified = FIXED_DATE
    props.revision = 1
    body = doc.element.body
    for paragraph in list(
        body.iterchildren("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p")
    ):
        body.remove(paragraph)
    return doc


def char_grid(doc: DocxDocument) -> None:
    """The GB/T 9704 page grid on the section: 22 lines a page (w:docGrid, linePitch 28.95
    pt), with body text condensed so that 28 characters fill a line (see on_grid).

    Not `linesAndChars`: LibreOffice 7.4 then gives every character whole grid cells, and a
    line with Latin digits in it (2027年) breaks a third short and is spread out.
    """
    # LibreOffice sizes a grid's cell from the Normal style's East Asian size.
    normal = doc.styles["Normal"].element
    normal.append(parse_xml(f'<w:rPr {W_NS}><w:sz w:val="32"/><w:szCs w:val="32"/></w:rPr>'))
    sect = doc.sections[0]._sectPr
    for old in sect.findall(f"{{{W}}}docGrid"):
        sect.remove(old)
    sect.append(parse_xml(f'<w:docGrid {W_NS} w:type="lines" w:linePitch="{LINE}"/>'))


def append_body(doc: DocxDocument, sheet: Sheet) -> None:
    """Put the sheet's paragraphs and tables into the body, before its section properties."""
    sect = doc.element.body.sectPr
    for xml in sheet.parts:
        sect.addprevious(parse_xml(_with_ns(xml)))


def _with_ns(xml: str) -> str:
    """Give a fragment's root element the w: namespace declaration."""
    end = xml.index(">")
    if xml[end - 1] == "/":
        end -= 1
    return xml[:end] + " " + W_NS + xml[end:]


def page_numbers(doc: DocxDocument, sheet: Sheet, zh: bool) -> None:
    """Footers `— N —`: odd pages right, even pages left, one character in (GB/T 9704 7.5)."""
    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    field = (
        '<w:fldSimple w:instr=" PAGE "><w:r>'
        + rpr(SERIF, 14 if zh else 11)
        + "<w:t>1</w:t></w:r></w:fldSimple>"
    )
    dash = sheet.run("— ", "GBPage")
    dash_after = sheet.run(" —", "GBPage")
    for footer, jc, ind in (
        (section.footer, "right", f'w:right="{14 * 20}"'),
        (section.even_page_footer, "left", f'w:left="{14 * 20}"'),
    ):
        element = footer._element
        for child in list(element):
            element.remove(child)
        element.append(
            parse_xml(
                f'<w:p {W_NS}><w:pPr><w:pStyle w:val="GBPage"/><w:ind {ind}/>'
                f'<w:jc w:val="{jc}"/></w:pPr>{dash}{field}{dash_after}</w:p>'
            )
        )


def table(
    widths: list[int],
    rows: list[str],
    borders: str = "",
    floating: str = "",
    margins: tuple[int, int] = (108, 108),
) -> str:
    """A fixed-layout table of `widths` (twips) holding `rows` (from `row()`)."""
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    return (
        f'<w:tbl><w:tblPr>{floating}<w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
        f'<w:jc w:val="center"/><w:tblBorders>{borders}</w:tblBorders>'
        '<w:tblLayout w:type="fixed"/>'
        f'<w:tblCellMar><w:left w:w="{margins[0]}" w:type="dxa"/>'
        f'<w:right w:w="{margins[1]}" w:type="dxa"/></w:tblCellMar>'
        '<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0"'
        ' w:lastColumn="0" w:noHBand="1" w:noVBand="1"/>'
        f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
    )


def row(
    cells: list[tuple[int, str]],
    header: bool = False,
    height: int = 0,
    exact: bool = False,
    span: dict[int, int] | None = None,
    cell_extra: dict[int, str] | None = None,
) -> str:
    """A table row that never splits across pages; `header` repeats it on every page."""
    props = "<w:cantSplit/>"
    if height:
        props += f'<w:trHeight w:val="{height}" w:hRule="{"exact" if exact else "atLeast"}"/>'
    if header:
        props += "<w:tblHeader/>"
    out = []
    for index, (width, content) in enumerate(cells):
        extra = f'<w:gridSpan w:val="{span[index]}"/>' if span and index in span else ""
        extra += (cell_extra or {}).get(index, "")
        out.append(
            f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{extra}</w:tcPr>{content}</w:tc>'
        )
    return f"<w:tr><w:trPr>{props}</w:trPr>{''.join(out)}</w:tr>"


def rules(top: int, inside: int, bottom: int, color: str = "000000") -> str:
    """Table borders: horizontal rules of the given sizes (eighths of a point; 0 = none)."""

    def edge(name: str, size: int) -> str:
        if not size:
            return f'<w:{name} w:val="nil"/>'
        return f'<w:{name} w:val="single" w:sz="{size}" w:space="0" w:color="{color}"/>'

    return (
        edge("top", top)
        + edge("left", 0)
        + edge("bottom", bottom)
        + edge("right", 0)
        + edge("insideH", inside)
        + edge("insideV", 0)
    )


GRID = (
    '<w:top w:val="single" w:sz="6" w:space="0" w:color="000000"/>'
    '<w:left w:val="single" w:sz="6" w:space="0" w:color="000000"/>'
    '<w:bottom w:val="single" w:sz="6" w:space="0" w:color="000000"/>'
    '<w:right w:val="single" w:sz="6" w:space="0" w:color="000000"/>'
    '<w:insideH w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
    '<w:insideV w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
)


# ----------------------------------------------------------------------------- shared parts


def mark_run(sheet: Sheet, style: str, text: str) -> str:
    """A run of the issuing-authority mark, sized by `doc.mark_size` so the longest name
    fits one line (generators.render.mark_size)."""
    size = "{{ doc.mark_size }}"
    return (
        f"<w:r><w:rPr>{rfonts(sheet.styles[style].face)}"
        f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr>{t(text)}</w:r>'
    )


def issuing_mark(sheet: Sheet) -> str:
    """The red issuing-authority mark (GB/T 9704 7.2.4): the issuer's name and 文件; in a
    jointly issued document the organs' names one under another, the issuer first, with
    文件 to their right, centred on them."""
    zh = sheet.lang == "zh"
    single = "{{ doc.marks[0] }}文件" if zh else "{{ doc.marks[0] }}"

    def para(style: str, text: str) -> str:
        return (
            f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>{mark_run(sheet, style, text)}</w:p>'
        )

    names = "".join(
        [
            sheet.p("Tag", "{%p for name in doc.marks %}"),
            para("GBMarkJoint", "{{ name }}"),
            sheet.p("Tag", "{%p endfor %}"),
        ]
    )
    if zh:
        word = round(3 * 36 * 20)
        joint = table(
            [TEXT_WIDTH - word, word],
            [
                row(
                    [
                        (TEXT_WIDTH - word, names),
                        (word, para("GBMark", "文件")),
                    ],
                    cell_extra={0: CELL_CENTRE, 1: CELL_CENTRE},
                )
            ],
            borders=rules(0, 0, 0),
            margins=(0, 0),
        )
    else:
        joint = table(
            [TEXT_WIDTH], [row([(TEXT_WIDTH, names)])], borders=rules(0, 0, 0), margins=(0, 0)
        )
    return "".join(
        [
            sheet.p("Tag", "{%p if doc.marks|length > 1 %}"),
            joint,
            sheet.p("Tag", "{%p else %}"),
            para("GBMark", single),
            sheet.p("Tag", "{%p endif %}"),
        ]
    )


def red_header(sheet: Sheet, urgency: bool) -> None:
    """Copy number, classification and urgency top left, the red mark 35 mm down, the number
    and the red separator line. The first table row is exactly 35 mm high, so the mark stays
    in place however many of the top-left lines are printed."""
    top = [
        sheet.p("Tag", "{%p if doc.copy_number %}"),
        sheet.p("GBHeaderLeft", "{{ doc.copy_number }}"),
        sheet.p("Tag", "{%p endif %}"),
        sheet.p("Tag", "{%p if doc.classification_mark %}"),
        sheet.p("GBHeaderLeft", "{{ doc.classification_mark }}"),
        sheet.p("Tag", "{%p endif %}"),
    ]
    if urgency:
        top += [
            sheet.p("Tag", "{%p if urgency %}"),
            sheet.p("GBHeaderLeft", "{{ urgency }}"),
            sheet.p("Tag", "{%p endif %}"),
        ]
    top.append(sheet.p("GBHeaderTiny"))
    sheet.add(
        table(
            [TEXT_WIDTH],
            [
                row([(TEXT_WIDTH, "".join(top))], height=round(35 * MM), exact=True),
                row([(TEXT_WIDTH, issuing_mark(sheet))]),
            ],
            borders=rules(0, 0, 0),
            margins=(0, 0),
        )
    )
    sheet.para("GBNumber", "{{ doc.number }}")


def body_loop(sheet: Sheet, expr: str) -> None:
    """Paragraphs of a multi-line field, headings (一、 （一） 1. （1）) styled by level.

    A heading on a line of its own keeps with the paragraph after it; a run-in heading
    ("（一）加强领导。各校要……") is a body paragraph whose first words are set as the heading,
    so a page may end after it.
    """
    sheet.tag(f"{{%p for para in {expr}|paragraphs %}}")
    for level in (1, 2, 3, 4):
        sheet.tag(
            f"{{%p {'if' if level == 1 else 'elif'} para.level == {level} and not para.tail %}}"
        )
        sheet.para(f"GBHeading{level}", ("{{ para.head }}", f"GBHeading{level}Char"))
        sheet.tag(f"{{%p elif para.level == {level} %}}")
        sheet.para("GBBody", ("{{ para.head }}", f"GBHeading{level}Char"), "{{ para.tail }}")
    sheet.tag("{%p elif loop.last %}")
    sheet.para("GBBodyKeep", "{{ para.text }}")
    sheet.tag("{%p else %}")
    sheet.para("GBBody", "{{ para.text }}")
    sheet.tag("{%p endif %}")
    sheet.tag("{%p endfor %}")


def signature(sheet: Sheet) -> None:
    """Room for the seal, then issuing organ (centred over the date) and date. A jointly
    issued document names every organ, two a row, the issuer first, each with room above
    it for its own seal (GB/T 9704 7.3.5.2); the last organ stands over the date."""
    sheet.tag("{%p if doc.organs|length > 1 %}")
    sheet.tag("{%p for pair in doc.organ_rows %}")
    sheet.para("SealAnchor")
    sheet.para("GBSignatureJoint", "\t{{ pair[0] }}\t{{ pair[1] }}")
    sheet.tag("{%p endfor %}")
    sheet.tag("{%p else %}")
    sheet.para("SealAnchor", bookmark="SealAnchor")
    sheet.para("GBSignature", "\t{{ doc.organ }}")
    sheet.tag("{%p endif %}")
    sheet.para("GBDate", "{{ doc.date }}")


def note(sheet: Sheet, zh: bool) -> None:
    """The optional note (附注), in brackets under the date."""
    sheet.tag("{%p if note %}")
    sheet.para("GBNote", "（{{ note }}）" if zh else "({{ note }})")
    sheet.tag("{%p endif %}")


def colophon(sheet: Sheet, zh: bool) -> None:
    """Copied-to and printed-by lines between rules, floated to the foot of the last page.

    LibreOffice 7.4 floats a full-width table (and so honours tblpYSpec="bottom") only when
    it is placed relative to the page, so the table is anchored to the page at the left
    margin. It has no cell margins; the one-character indents are paragraph indents.
    """
    width = TEXT_WIDTH
    copy = sheet.p(
        "GBColophonCopy",
        "抄送：{{ copied_to|join('，') }}。" if zh else "Copied to: {{ copied_to|join('; ') }}.",
    )
    printed = sheet.p(
        "GBColophon",
        "{{ doc.printed_by }}\t{{ doc.date }}印发"
        if zh
        else "{{ doc.printed_by }}\tIssued {{ doc.date }}",
    )
    floating = (
        '<w:tblpPr w:leftFromText="0" w:rightFromText="0" w:topFromText="240"'
        f' w:vertAnchor="margin" w:horzAnchor="page" w:tblpX="{round(28 * MM)}"'
        ' w:tblpYSpec="bottom"/>'
    )
    sheet.add(
        table(
            [width],
            [
                row([(width, sheet.p("Tag", "{%tr if copied_to %}"))]),
                row([(width, copy)]),
                row([(width, sheet.p("Tag", "{%tr endif %}"))]),
                row([(width, printed)]),
            ],
            borders=rules(8, 6, 8),
            floating=floating,
            margins=(0, 0),
        )
    )
    # Word needs a paragraph after a table that ends the body.
    sheet.para("Tag")


# ----------------------------------------------------------------------------- templates


def notice(lang: str) -> DocxDocument:
    """通知: red header, title, recipients, body with headings, attachments, seal, colophon."""
    zh = lang == "zh"
    sheet = Sheet(lang, gb_styles(lang))
    doc = new_document(lang, list(sheet.styles.values()))
    red_header(sheet, urgency=True)
    sheet.para("GBTitle", "{{ title }}")
    sheet.para("GBRecipients", "{{ recipients }}：" if zh else "To: {{ recipients }}")
    body_loop(sheet, "body")
    sheet.tag("{%p for item in attachments %}")
    sheet.tag("{%p if loop.first %}")
    number = "{% if attachments|length > 1 %}{{ loop.index }}. {% endif %}"
    sheet.para(
        "GBAttachment",
        f"附件：{number}{{{{ item }}}}" if zh else f"Attachments:\t{number}{{{{ item }}}}",
    )
    sheet.tag("{%p else %}")
    sheet.para("GBAttachmentMore", "{{ loop.index }}. {{ item }}")
    sheet.tag("{%p endif %}")
    sheet.tag("{%p endfor %}")
    signature(sheet)
    note(sheet, zh)
    colophon(sheet, zh)
    page_numbers(doc, sheet, zh)
    append_body(doc, sheet)
    return doc


def approval(lang: str) -> DocxDocument:
    """批复: red header, reply to the applicant, decision, conditions, right of appeal."""
    zh = lang == "zh"
    sheet = Sheet(lang, gb_styles(lang))
    doc = new_document(lang, list(sheet.styles.values()))
    red_header(sheet, urgency=False)
    sheet.para("GBTitle", "{{ title }}")
    sheet.para("GBRecipients", "{{ applicant }}：" if zh else "To: {{ applicant }}")
    if zh:
        sheet.para(
            "GBBody",
            "你单位于{{ application_date }}提交的关于{{ matter }}的申请收悉。"
            "根据{{ legal_basis }}，经审查，现批复如下：",
        )
    else:
        sheet.para(
            "GBBody",
            "Your application of {{ application_date }} concerning {{ matter }} has been"
            " received. Having examined it under {{ legal_basis }}, the Bureau decides as"
            " follows:",
        )
    body_loop(sheet, "decision")
    sheet.tag("{%p if conditions %}")
    sheet.para(
        "GBBodyKeep",
        "本批复附有下列条件，你单位应当遵守："
        if zh
        else "This decision is subject to the following conditions:",
    )
    sheet.tag("{%p for condition in conditions %}")
    sheet.para(
        "GBBody",
        "（{{ loop.index|zh_numeral }}）{{ condition }}"
        if zh
        else "({{ loop.index }}) {{ condition }}",
    )
    sheet.tag("{%p endfor %}")
    sheet.tag("{%p endif %}")
    sheet.para("GBBody", "{{ right_of_appeal }}")
    sheet.para("GBBodyKeep", "特此批复。" if zh else "This is our reply.")
    signature(sheet)
    note(sheet, zh)
    colophon(sheet, zh)
    page_numbers(doc, sheet, zh)
    append_body(doc, sheet)
    return doc


def budget(lang: str) -> DocxDocument:
    """部门预算: title, a table grouped by category with subtotals and total, notes."""
    zh = lang == "zh"
    sheet = Sheet(lang, gb_styles(lang))
    doc = new_document(lang, list(sheet.styles.values()))
    sheet.tag("{%p if doc.classification_mark %}")
    sheet.para("GBHeaderLeft", "{{ doc.classification_mark }}")
    sheet.tag("{%p endif %}")
    title = (
        "{{ department_name or doc.org }}{{ year }}年部门预算"
        if zh
        else "{{ department_name or doc.org }}: Budget for {{ year }}"
    )
    sheet.para("GBTitle", title)
    sheet.tag("{%p if doc.number %}")
    sheet.para("GBCentre", "{{ doc.number }}")
    sheet.tag("{%p endif %}")
    sheet.para("GBUnit", "单位：元" if zh else "Amounts in yuan")
    widths = [round(w * MM) for w in (28, 50, 34, 44)]  # 备注 wide enough to read
    widths[-1] = TEXT_WIDTH - sum(widths[:-1])
    head = ["类别", "项目", "金额", "备注"] if zh else ["Category", "Item", "Amount", "Note"]

    def cells(*texts: tuple[str, str]) -> list[tuple[int, str]]:
        return [(w, sheet.p(style, text)) for w, (style, text) in zip(widths, texts, strict=True)]

    def tag_row(text: str) -> str:
        return row([(w, sheet.p("Tag", text if i == 0 else "")) for i, w in enumerate(widths)])

    subtotal = "小计" if zh else "Subtotal"
    total = "合计" if zh else "Total"
    rows = [
        row(
            [(w, sheet.p("GBCellHead", h)) for w, h in zip(widths, head, strict=True)], header=True
        ),
        tag_row("{%tr for group in groups %}"),
        tag_row("{%tr for entry in group['items'] %}"),
        row(
            cells(
                ("GBCell", "{% if loop.first %}{{ group.category }}{% endif %}"),
                ("GBCell", "{{ entry.item }}"),
                ("GBCellRight", "{{ entry.amount }}"),
                ("GBCell", "{{ entry.note }}"),
            )
        ),
        tag_row("{%tr endfor %}"),
        row(
            cells(
                ("GBCell", ""),
                ("GBCellHead", subtotal),
                ("GBCellRight", "{{ group.subtotal }}"),
                ("GBCell", ""),
            )
        ),
        tag_row("{%tr endfor %}"),
        row(
            cells(
                ("GBCellHead", total),
                ("GBCell", ""),
                ("GBCellRight", "{{ total }}"),
                ("GBCell", ""),
            )
        ),
    ]
    sheet.add(table(widths, rows, borders=GRID))
    sheet.tag("{%p if notes %}")
    sheet.para("GBNotesHead", "说明：" if zh else "Notes:")
    sheet.tag("{%p for para in notes|paragraphs %}")
    sheet.para("GBBodyKeep", "{{ para.text }}")
    sheet.tag("{%p endfor %}")
    sheet.tag("{%p endif %}")
    signature(sheet)
    page_numbers(doc, sheet, zh)
    append_body(doc, sheet)
    return doc


PHOTO_BORDER = (
    "<w:tcBorders>"
    + "".join(
        f'<w:{side} w:val="single" w:sz="6" w:space="0" w:color="808080"/>'
        for side in ("top", "left", "bottom", "right")
    )
    + '</w:tcBorders><w:vAlign w:val="center"/>'
)


def certificate_page(doc: DocxDocument) -> None:
    """A double border around the page, as printed certificates have."""
    sect = doc.sections[0]._sectPr
    border = "".join(
        f'<w:{side} w:val="double" w:sz="18" w:space="24" w:color="A50021"/>'
        for side in ("top", "left", "bottom", "right")
    )
    pg = parse_xml(f'<w:pgBorders {W_NS} w:offsetFrom="page">{border}</w:pgBorders>')
    sect.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}pgMar").addnext(pg)


def certificate_graduation(lang: str) -> DocxDocument:
    """毕业证书: one landscape page with a photo box and the graduation statement."""
    zh = lang == "zh"
    sheet = Sheet(lang, certificate_styles(lang))
    doc = new_document(lang, list(sheet.styles.values()), landscape=True)
    certificate_page(doc)
    sheet.para(
        "CertTitle",
        "中等职业学校毕业证书" if zh else "Secondary Vocational School Graduation Certificate",
    )
    number = ("{{ id_number }}", "CertNoBreak")
    if zh:
        statement = (
            "学生{{ holder_name }}，性别{{ sex }}，{{ birth_date }}生，身份证号",
            number,
            "，于{{ study_start }}至{{ study_end }}在本校{{ programme }}专业学习，"
            "修完教学计划规定的全部课程，成绩合格，准予毕业。",
        )
    else:
        statement = (
            "This is to certify that {{ holder_name }} ({{ sex }}), born on {{ birth_date }},"
            " ID number ",
            number,
            ", studied {{ programme }} at this school from"
            " {{ study_start }} to {{ study_end }}, completed all the courses of the teaching"
            " plan with satisfactory results, and is permitted to graduate.",
        )
    width = round(247 * MM)
    photo = round(40 * MM)
    sheet.add(
        table(
            [photo, width - photo],
            [
                row(
                    [
                        (photo, sheet.p("CertPhoto", "照片" if zh else "Photo")),
                        (width - photo, sheet.p("CertText", *statement)),
                    ],
                    height=round(52 * MM),
                    cell_extra={0: PHOTO_BORDER, 1: '<w:vAlign w:val="center"/>'},
                )
            ],
            borders=rules(0, 0, 0),
            margins=(240, 240),
        )
    )
    sheet.para("CertLine", "学校：{{ school }}" if zh else "School: {{ school }}")
    sheet.tag("{%p if principal %}")
    sheet.para("CertLine", "校长：{{ principal }}" if zh else "Principal: {{ principal }}")
    sheet.tag("{%p endif %}")
    sheet.para(
        "CertLine",
        "证书编号：{{ certificate_number }}"
        if zh
        else "Certificate number: {{ certificate_number }}",
    )
    sheet.para("SealAnchor", bookmark="SealAnchor")
    sheet.para(
        "CertIssuer",
        "{{ issuing_organ or doc.organ }}（验印）"
        if zh
        else "Verified by {{ issuing_organ or doc.organ }}",
    )
    sheet.para("CertIssuer", "{{ issue_date }}")
    append_body(doc, sheet)
    return doc


def certificate_teacher(lang: str) -> DocxDocument:
    """教师资格证书: one landscape page: the holder's particulars in a grid with the photo box
    at its right (the `photo` field's picture, or a framed placeholder without one), then
    at the issuing place, bottom right, the issuing organ and the date, which the organ's
    seal covers."""
    zh = lang == "zh"
    sheet = Sheet(lang, certificate_styles(lang))
    doc = new_document(lang, list(sheet.styles.values()), landscape=True)
    certificate_page(doc)
    sheet.para("CertTitle", "教师资格证书" if zh else "Teacher Qualification Certificate")
    sheet.para(
        "CertText",
        "依照《中华人民共和国教师法》和《教师资格条例》，经认定，持证人具备下列教师资格。"
        if zh
        else "Under the Teachers Law of the People's Republic of China and the Regulations on"
        " Teacher Qualifications, the holder named below is certified as qualified to teach.",
    )
    number = ("{{ id_number }}", "CertNoBreak")
    certificate = ("{{ certificate_number }}", "CertNoBreak")
    labels = (
        [
            ("姓名", ("{{ holder_name }}",), "性别", ("{{ sex }}",)),
            ("出生日期", ("{{ birth_date }}",), "身份证件号码", (number,)),
            ("资格种类", ("{{ qualification_type }}",), "任教学科", ("{{ subject }}",)),
            ("证书号码", (certificate,), "批准日期", ("{{ issue_date }}",)),
        ]
        if zh
        else [
            ("Name", ("{{ holder_name }}",), "Sex", ("{{ sex }}",)),
            ("Date of birth", ("{{ birth_date }}",), "ID number", (number,)),
            ("Qualification", ("{{ qualification_type }}",), "Subject", ("{{ subject }}",)),
            ("Certificate number", (certificate,), "Date approved", ("{{ issue_date }}",)),
        ]
    )
    widths = [round(w * MM) for w in (36, 62, 36, 62, 38)]
    centre = '<w:vAlign w:val="center"/>'
    rows = []
    for index, (a, b, c, d) in enumerate(labels):
        placeholder = "照片" if zh else "Photo"
        photo = (
            sheet.p(
                "CertPhoto",
                f"{{% if photo %}}{{{{ photo }}}}{{% else %}}{placeholder}{{% endif %}}",
            )
            if index == 0
            else sheet.p("CertPhoto")
        )
        merge = '<w:vMerge w:val="restart"/>' if index == 0 else "<w:vMerge/>"
        rows.append(
            row(
                [
                    (widths[0], sheet.p("CertLabel", a)),
                    (widths[1], sheet.p("CertCell", *b)),
                    (widths[2], sheet.p("CertLabel", c)),
                    (widths[3], sheet.p("CertCell", *d)),
                    (widths[4], photo),
                ],
                height=round(13 * MM),
                cell_extra={i: centre for i in range(4)} | {4: merge + centre},
            )
        )
    rows.append(
        row(
            [
                (widths[0], sheet.p("CertLabel", "认定机构" if zh else "Certified by")),
                (sum(widths[1:]), sheet.p("CertCell", "{{ issuing_organ or doc.organ }}")),
            ],
            height=round(13 * MM),
            span={1: 4},
            cell_extra={0: centre, 1: centre},
        )
    )
    sheet.add(table(widths, rows, borders=GRID))
    sheet.para("CertLine")  # room above the seal: it must not touch the grid
    sheet.para("SealAnchor", bookmark="SealAnchor")
    sheet.para("CertIssuer", "{{ doc.organ }}")
    sheet.para("CertIssuer", "{{ issue_date }}")
    append_body(doc, sheet)
    return doc


def register_styles(lang: str) -> list[Style]:
    """The styles of the landscape registers (the destruction register)."""
    zh = lang == "zh"
    text = 12 if zh else 11
    cell = 9  # 小五: eight columns across a landscape page
    cell_line = 260 if zh else 240
    return [
        Style("Tag", "Template Tag", SERIF, cell, para=ppr()),
        Style("GBHeaderLeft", "GB Header Left", SANS, text, para=ppr(line=360)),
        Style(
            "RegTitle",
            "Register Title",
            SERIF,
            22 if zh else 18,
            bold=True,
            para=ppr(line=700 if zh else 480, after=240, jc="center", keep_next=True),
        ),
        Style(
            "RegLabel",
            "Register Label",
            SANS if zh else SERIF,
            text,
            bold=not zh,
            para=ppr(line=360),
        ),
        Style("RegValue", "Register Value", SERIF, text, para=ppr(line=360)),
        Style("RegCell", "Register Cell", SERIF, cell, para=ppr(line=cell_line)),
        Style(
            "RegCellCentre",
            "Register Cell Centred",
            SERIF,
            cell,
            para=ppr(line=cell_line, jc="center"),
        ),
        Style(
            "RegCellHead",
            "Register Cell Heading",
            SANS if zh else SERIF,
            cell,
            bold=not zh,
            para=ppr(line=cell_line, jc="center"),
        ),
        Style("RegSign", "Register Signature", SERIF, text, para=ppr(line=360)),
        # An archival code set as Latin text, which LibreOffice does not break inside.
        Style("RegCode", "Register Archival Code", SERIF, 0, kind="character", lang="en-US"),
        Style("SealAnchor", "SealAnchor", SERIF, text, para=ppr(line=720, keep_next=True)),
        Style(
            "RegOrgan",
            "Register Compiling Organ",
            SERIF,
            text,
            para=ppr(line=360, jc="right", right=4 * 240, keep_next=True),
        ),
        Style(
            "RegDate", "Register Date", SERIF, text, para=ppr(line=360, jc="right", right=4 * 240)
        ),
        Style("GBPage", "GB Page Number", SERIF, 14 if zh else 11, para=ppr()),
    ]


REGISTER_WIDTH = round(253 * MM)  # landscape A4 less 22 mm margins each side
CELL_CENTRE = '<w:vAlign w:val="center"/>'
SIGN_LINE = (
    '<w:tcBorders><w:bottom w:val="single" w:sz="6" w:space="0" w:color="000000"/>'
    '</w:tcBorders><w:vAlign w:val="bottom"/>'
)


def destruction_register(lang: str) -> DocxDocument:
    """销毁清册: landscape; title, who proposed, approved and carried out the destruction, a
    numbered table of the items destroyed (header repeated on every page, rows kept whole),
    lines for the supervisors of destruction to sign and date, the compiling organ and date.
    """
    zh = lang == "zh"
    sheet = Sheet(lang, register_styles(lang))
    doc = new_document(lang, list(sheet.styles.values()), landscape=True)
    sheet.tag("{%p if doc.classification_mark %}")
    sheet.para("GBHeaderLeft", "{{ doc.classification_mark }}")
    sheet.tag("{%p endif %}")
    sheet.para("RegTitle", "销毁清册" if zh else "Destruction register")

    # The header block: label, value, label, value; the count spans the last three cells.
    label_w = round(40 * MM)
    value_w = (REGISTER_WIDTH - 2 * label_w) // 2
    block = [label_w, value_w, label_w, REGISTER_WIDTH - 2 * label_w - value_w]
    pairs = (
        [
            ("清单编号：", "{{ list_id }}", "处置截止日期：", "{{ as_of }}"),
            ("提出人：", "{{ proposed_by }}", "提出时间：", "{{ proposed_at }}"),
            ("批准人：", "{{ approved_by }}", "批准时间：", "{{ approved_at }}"),
            ("执行人：", "{{ executed_by }}", "执行时间：", "{{ executed_at }}"),
        ]
        if zh
        else [
            ("Disposal list:", "{{ list_id }}", "As of:", "{{ as_of }}"),
            ("Proposed by:", "{{ proposed_by }}", "Proposed at:", "{{ proposed_at }}"),
            ("Approved by:", "{{ approved_by }}", "Approved at:", "{{ approved_at }}"),
            ("Executed by:", "{{ executed_by }}", "Executed at:", "{{ executed_at }}"),
        ]
    )
    block_rows = [
        row(
            [
                (block[0], sheet.p("RegLabel", a)),
                (block[1], sheet.p("RegValue", b)),
                (block[2], sheet.p("RegLabel", c)),
                (block[3], sheet.p("RegValue", d)),
            ]
        )
        for a, b, c, d in pairs
    ]
    block_rows.append(
        row(
            [
                (block[0], sheet.p("RegLabel", "销毁数量：" if zh else "Items destroyed:")),
                (
                    sum(block[1:]),
                    sheet.p("RegValue", "共{{ count }}件" if zh else "{{ count }}"),
                ),
            ],
            span={1: 3},
        )
    )
    sheet.add(table(block, block_rows, borders=rules(0, 0, 0), margins=(0, 108)))
    sheet.para("Tag")

    # The items: No., archival code, document number, title, category, date, retention, due.
    # Sized for the faces LibreOffice falls back to (Times New Roman -> DejaVu Serif, which
    # is wide): archival codes and dates stay on one line, the title takes what is left.
    mm = (10, 50, 34, 0, 16, 29, 16, 29) if zh else (10, 50, 34, 0, 20, 29, 22, 29)
    widths = [round(w * MM) for w in mm]
    widths[3] = REGISTER_WIDTH - sum(widths)
    head = (
        ["序号", "档号", "文号", "题名", "分类", "文件日期", "保管期限", "到期日期"]
        if zh
        else [
            "No.",
            "Archival code",
            "Document no.",
            "Title",
            "Category",
            "Date",
            "Retention",
            "Due",
        ]
    )
    centred = {0, 4, 5, 6, 7}
    values: list[str | tuple[str, str]] = [
        "{{ loop.index }}",
        ("{{ entry.archive_code }}", "RegCode"),  # never broken across lines
        "{{ entry.doc_no }}",
        "{{ entry.title }}",
        "{{ entry.category }}",
        "{{ entry.date }}",
        "{{ entry.retention }}",
        "{{ entry.due }}",
    ]

    def tag_row(text: str) -> str:
        return row([(w, sheet.p("Tag", text if i == 0 else "")) for i, w in enumerate(widths)])

    rows = [
        row(
            [(w, sheet.p("RegCellHead", h)) for w, h in zip(widths, head, strict=True)],
            header=True,
            cell_extra={i: CELL_CENTRE for i in range(len(widths))},
        ),
        tag_row("{%tr for entry in items %}"),
        row(
            [
                (w, sheet.p("RegCellCentre" if i in centred else "RegCell", v))
                for i, (w, v) in enumerate(zip(widths, values, strict=True))
            ],
            cell_extra={i: CELL_CENTRE for i in range(len(widths))},
        ),
        tag_row("{%tr endfor %}"),
    ]
    sheet.add(table(widths, rows, borders=GRID, margins=(57, 57)))

    # Lines for the supervisors of destruction (监销人) to sign and date, room for the seal,
    # the compiling organ and the date: all in one row of a borderless table, which cannot
    # split, so the block moves to the next page whole rather than leaving the organ alone.
    sheet.para("Tag")
    sign_label = round((40 if zh else 60) * MM)
    sign_gap = round(12 * MM)
    sign_line = (REGISTER_WIDTH - 2 * sign_label - sign_gap) // 2
    signs = [sign_label, sign_line, sign_gap, sign_label, sign_line]
    signs[-1] = REGISTER_WIDTH - sum(signs[:-1])
    who = "监销人（签名）：" if zh else "Supervisor of destruction:"
    when = "日期：" if zh else "Date:"
    bottom = '<w:vAlign w:val="bottom"/>'
    sign_rows = [
        row(
            [
                (signs[0], sheet.p("RegSign", label)),
                (signs[1], sheet.p("RegSign")),
                (signs[2], sheet.p("RegSign")),
                (signs[3], sheet.p("RegSign", label)),
                (signs[4], sheet.p("RegSign")),
            ],
            height=round(12 * MM),
            cell_extra={0: bottom, 1: SIGN_LINE, 3: bottom, 4: SIGN_LINE},
        )
        for label in (who, when)
    ]
    closing = "".join(
        [
            table(signs, sign_rows, borders=rules(0, 0, 0), margins=(0, 108)),
            sheet.p("SealAnchor", bookmark="SealAnchor"),
            sheet.p("RegOrgan", "{{ doc.organ }}"),
            sheet.p("RegDate", "{{ doc.date }}"),
        ]
    )
    sheet.add(
        table(
            [REGISTER_WIDTH],
            [row([(REGISTER_WIDTH, closing)])],
            borders=rules(0, 0, 0),
            margins=(0, 0),
        )
    )
    # Word needs a paragraph after a table that ends the body.
    sheet.para("Tag")
    page_numbers(doc, sheet, zh)
    append_body(doc, sheet)
    return doc


BUILDERS = {
    "notice": notice,
    "approval": approval,
    "budget": budget,
    "certificate-graduation": certificate_graduation,
    "certificate-teacher-qualification": certificate_teacher,
    "destruction-register": destruction_register,
}


def build(name: str, lang: str) -> bytes:
    """The DOCX bytes of built-in template `name` in `lang`, identical on every run."""
    doc = BUILDERS[name](lang)
    out = io.BytesIO()
    doc.save(out)
    return repack(out.getvalue())


def main(argv: list[str] | None = None) -> int:
    target = ROOT / "templates"
    names = (argv if argv else None) or list(BUILDERS)
    for name in names:
        folder = target / name
        folder.mkdir(parents=True, exist_ok=True)
        for lang in ("en", "zh"):
            path = folder / ("template.docx" if lang == "en" else f"template.{lang}.docx")
            path.write_bytes(build(name, lang))
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
