"""Generated documents are PDF/A-2b, before and after sealing, and tagged; the checker
(archive.pdfa) finds what breaks the basic PDF/A requirements.

The documents are made once per module with `bureau generate --pdf` (and `--sign`), a
second department's seal added with `bureau sign`; the broken variants are those PDFs
changed with pypdf the way another tool would change them.
"""

from __future__ import annotations

import json
import shutil
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import NameObject, TextStringObject

from archive import pdfa, xmp
from tests import rendered
from tests.conftest import Bureau
from tests.factories import make_docx, pdf_bytes
from tests.intake import last_filing

NOTICE = Path(__file__).resolve().parent.parent / "templates" / "notice" / "sample.zh.yaml"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, pristine_home: Path) -> dict[str, bytes]:
    """The Chinese notice: as converted (unsealed), sealed by the General Office, and
    sealed again by the Basic Education Section (a second, approval seal)."""
    folder = tmp_path_factory.mktemp("pdfa")
    shutil.copytree(pristine_home, folder / "home", symlinks=True)
    bureau = Bureau(folder / "home", folder)
    cache = {"XDG_CACHE_HOME": str(folder / "cache")}  # the stamp-font cache
    documents = {}
    for name, extra in (("plain", ()), ("sealed", ("--sign",))):
        item = bureau.json(
            "generate", "notice", "--data", NOTICE, "--dept", "BGS", "--lang", "zh", "--pdf", *extra
        )
        bureau.ok("get", item["id"], "--out", folder / f"{name}.pdf")
        documents[name] = (folder / f"{name}.pdf").read_bytes()
    bureau.ok(
        "sign", folder / "sealed.pdf", "--dept", "JJK", "--out", folder / "twice.pdf", env=cache
    )
    documents["twice"] = (folder / "twice.pdf").read_bytes()
    return documents


def info_of(pdf: bytes) -> dict[str, str]:
    return {k: str(v) for k, v in (PdfReader(BytesIO(pdf)).metadata or {}).items()}


def xmp_of(pdf: bytes) -> dict[tuple[str, str], str]:
    root = PdfReader(BytesIO(pdf)).trailer["/Root"]
    return xmp.read(root["/Metadata"].get_object().get_data())


# -- the generated documents ----------------------------------------------------------------


@pytest.mark.parametrize("version", ["plain", "sealed", "twice"])
def test_a_generated_document_is_pdfa_2b_before_and_after_each_seal(made, version):
    report = pdfa.check(made[version])
    assert (report.claims, report.problems) == ("2B", ())
    assert report.ok


@pytest.mark.parametrize("version", ["plain", "twice"])
def test_pdffonts_lists_every_font_embedded(made, version):
    fonts = rendered.fonts(made[version])
    assert fonts and all(font["emb"] == "yes" for font in fonts), fonts


def test_the_metadata_step_keeps_the_pdf_version_libreoffice_wrote(made):
    assert made["plain"].startswith(b"%PDF-1.6")  # pypdf alone would write 1.3


def test_the_xmp_title_is_the_item_title_written_into_the_information(made):
    info, packet = info_of(made["plain"]), xmp_of(made["plain"])
    assert info["/Title"] == packet[(xmp.DC, "title")] == info["/bureau.title"]
    assert info["/Producer"] == packet[(xmp.PDF, "Producer")] == "LibreOffice 7.4"
    assert packet[(xmp.PDFAID, "part")] == "2" and packet[(xmp.PDFAID, "conformance")] == "B"


def test_sealing_names_pyhanko_as_producer_in_both_and_keeps_the_claim(made):
    for version in ("sealed", "twice"):
        info, packet = info_of(made[version]), xmp_of(made[version])
        assert info["/Producer"] == packet[(xmp.PDF, "Producer")]
        assert info["/Producer"].startswith("pyHanko")
        assert info["/Creator"] == packet[(xmp.XMP, "CreatorTool")] == "Writer"
        assert (xmp.PDFAID, "part") in packet and "/ModDate" not in info


def test_the_output_intent_is_srgb(made):
    root = PdfReader(BytesIO(made["twice"])).trailer["/Root"]
    [intent] = [i.get_object() for i in root["/OutputIntents"]]
    assert intent["/S"] == "/GTS_PDFA1"
    profile = intent["/DestOutputProfile"].get_object().get_data()
    assert profile[16:20] == b"RGB "  # the profile's colour space


# -- tagged PDF -----------------------------------------------------------------------------


STANDARD_TYPES = {
    "/Document", "/Part", "/Art", "/Sect", "/Div", "/BlockQuote", "/Caption", "/TOC",
    "/TOCI", "/Index", "/NonStruct", "/Private", "/P", "/H", "/H1", "/H2", "/H3", "/H4",
    "/H5", "/H6", "/L", "/LI", "/Lbl", "/LBody", "/Table", "/TR", "/TH", "/TD", "/THead",
    "/TBody", "/TFoot", "/Span", "/Quote", "/Note", "/Reference", "/BibEntry", "/Code",
    "/Link", "/Annot", "/Ruby", "/RB", "/RT", "/RP", "/Warichu", "/WT", "/WP", "/Figure",
    "/Formula", "/Form",
}  # fmt: skip


def structure_types(pdf: bytes) -> list[str]:
    """The structure elements' types in reading order (the structure tree walked depth
    first), each custom type given as the standard type the role map makes it."""
    root = PdfReader(BytesIO(pdf)).trailer["/Root"]
    tree = root["/StructTreeRoot"].get_object()
    roles = {str(k): str(v) for k, v in (tree.get("/RoleMap") or {}).items()}
    found: list[str] = []

    def walk(node) -> None:
        node = node.get_object()
        if not isinstance(node, dict):
            return
        if "/S" in node:
            found.append(roles.get(str(node["/S"]), str(node["/S"])))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            walk(kid)

    walk(tree)
    return found


def test_the_pdf_is_marked_as_tagged_with_a_structure_tree(made):
    root = PdfReader(BytesIO(made["twice"])).trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root


def test_headings_and_tables_are_in_the_structure_as_standard_types(made):
    types = structure_types(made["plain"])
    assert types[0] == "/Document"
    assert any(t in ("/H1", "/H2", "/H3", "/H4", "/H5", "/H6") for t in types)
    table = types.index("/Table")
    assert "/TR" in types[table:] and "/TD" in types[table:]
    assert set(types) <= STANDARD_TYPES, set(types) - STANDARD_TYPES


# -- what the checker finds -----------------------------------------------------------------


def changed(pdf: bytes, change) -> bytes:
    """`pdf` rewritten by pypdf after `change(writer)`."""
    writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf)))
    writer.pdf_header = b"%PDF-1.6"
    change(writer)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_without_xmp_claims_nothing_and_names_what_is_missing():
    report = pdfa.check(pdf_bytes("Hello"))
    assert report.claims is None and not report.ok
    assert "font not embedded: Helvetica" in report.problems
    assert "no PDF/A output intent (GTS_PDFA1)" in report.problems
    assert report.to_json()["claims"] is None


def test_a_title_changed_in_the_information_only_disagrees_with_the_xmp(made):
    def retitle(writer: PdfWriter) -> None:
        writer.add_metadata({"/Title": "Another title"})

    report = pdfa.check(changed(made["plain"], retitle))
    assert report.claims == "2B" and not report.ok
    [problem] = report.problems
    assert problem.startswith("Title differs from the XMP dc:title")


def test_javascript_is_a_problem(made):
    def add_script(writer: PdfWriter) -> None:
        writer.add_open_action(JavaScript("app.alert('hello');"))

    report = pdfa.check(changed(made["plain"], add_script))
    assert "active content: javascript" in report.problems


def test_a_missing_output_intent_is_a_problem(made):
    def drop_intent(writer: PdfWriter) -> None:
        del writer.root_object[NameObject("/OutputIntents")]

    report = pdfa.check(changed(made["plain"], drop_intent))
    assert report.problems == ("no PDF/A output intent (GTS_PDFA1)",)


def test_an_encrypted_pdf_is_a_problem(made):
    def encrypt(writer: PdfWriter) -> None:
        writer.encrypt("", "owner", algorithm="AES-128")

    report = pdfa.check(changed(made["plain"], encrypt))
    assert report.problems == ("the PDF is encrypted",) and not report.ok


def test_a_pdf_2_header_is_a_problem_for_part_2(made):
    def to_pdf_2(writer: PdfWriter) -> None:
        writer.pdf_header = b"%PDF-2.0"

    report = pdfa.check(changed(made["plain"], to_pdf_2))
    assert report.problems == ("the header is '%PDF-2.0', not PDF 1.x",)


def test_dates_agree_across_forms_and_disagree_when_they_differ(made):
    def redate(writer: PdfWriter) -> None:
        writer._info.get_object()[NameObject("/CreationDate")] = TextStringObject(  # noqa: SLF001
            "D:20260101000000Z"
        )

    assert pdfa.check(made["plain"]).ok  # D:20261207...Z' is 2026-12-07T...Z
    [problem] = pdfa.check(changed(made["plain"], redate)).problems
    assert problem.startswith("CreationDate differs from the XMP xmp:CreateDate")


def test_damaged_bytes_are_a_finding_not_an_exception():
    report = pdfa.check(b"%PDF-1.6\nthis is not a PDF")
    assert report.claims is None and report.problems[0].startswith("unreadable")


# -- what filing records and `show` displays ------------------------------------------------

FILE = ["--kind", "notice", "--dept", "BGS", "--date", "2026-03-04", "--title", "A title"]


def file(bureau: Bureau, path: Path, *args: object) -> tuple[dict, str]:
    result = bureau.ok("file", path, *args, "--json")
    return json.loads(result.out), result.err


def test_filing_a_pdfa_document_records_its_claim_and_the_checks_passing(bureau, made, tmp_path):
    pdf = tmp_path / "notice.pdf"
    pdf.write_bytes(made["twice"])
    item, err = file(bureau, pdf)
    expected = {"claims": "2B", "ok": True, "problems": []}
    assert item["pdfa"] == expected and err == ""
    assert last_filing(bureau.root)["pdfa"] == expected
    assert bureau.json("show", item["id"])["pdfa"] == expected
    assert "PDF/A           2B claimed; basic checks passed" in bureau.ok("show", item["id"]).out


def test_a_pdf_claiming_pdfa_but_failing_is_filed_with_a_warning_and_its_problems(
    bureau, made, tmp_path
):
    def retitle(writer: PdfWriter) -> None:
        writer.add_metadata({"/Title": "Another title"})

    pdf = tmp_path / "retitled.pdf"
    pdf.write_bytes(changed(made["plain"], retitle))
    item, err = file(bureau, pdf)
    assert item["pdfa"]["claims"] == "2B" and item["pdfa"]["ok"] is False
    assert err.startswith("bureau: warning: the PDF claims PDF/A-2B but fails basic checks: ")
    assert "Title differs from the XMP dc:title" in err
    shown = bureau.ok("show", item["id"]).out
    assert "2B claimed, but basic checks failed:" in shown
    assert "Title differs from the XMP dc:title" in shown


def test_a_pdf_that_is_not_pdfa_is_recorded_as_claiming_nothing_without_a_warning(bureau, tmp_path):
    pdf = tmp_path / "plain.pdf"
    pdf.write_bytes(pdf_bytes("Hello"))
    item, err = file(bureau, pdf, *FILE)
    assert item["pdfa"]["claims"] is None and item["pdfa"]["ok"] is False
    assert "font not embedded: Helvetica" in item["pdfa"]["problems"]
    assert err == ""
    shown = bureau.ok("show", item["id"]).out
    assert "PDF/A           not claimed" in shown and "font not embedded: Helvetica" in shown


def test_an_item_without_a_pdf_shows_no_pdfa_finding(bureau, tmp_path):
    item, _ = file(bureau, make_docx(tmp_path / "memo.docx", "Memo"), *FILE)
    assert item["pdfa"] is None
    assert bureau.json("show", item["id"])["pdfa"] is None
    assert "PDF/A" not in bureau.ok("show", item["id"]).out
