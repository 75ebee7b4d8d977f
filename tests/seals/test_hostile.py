"""No file, however broken, makes `verify` fail with an internal error: a damaged PDF is
TOTAL_FAILED/FORMAT_FAILURE with a reason, a file that is not a PDF at all is also exit 2.

The files are a foreign signed PDF (tests/seals/foreign.py) cut, poked and garbled by hand,
and a property test that mutates it at random.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bureau.cli import main
from seals.verify import verify_pdf
from tests.seals import foreign

INDICATIONS = {"TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE", "NO_SIGNATURE_FOUND"}
FORMAT_FAILURE = ("TOTAL_FAILED", "FORMAT_FAILURE")


@pytest.fixture(scope="module")
def fpki() -> foreign.ForeignPki:
    return foreign.build_foreign_pki()


@pytest.fixture(scope="module")
def signed(fpki) -> bytes:
    return foreign.sign(foreign.blank_pdf(), fpki.signer, fpki.intermediate)


def check(fpki, data: bytes):
    report = verify_pdf(data, name="hostile.pdf", trust_roots=[fpki.root.cert], bureau_roots=[])
    assert report.indication in INDICATIONS
    assert report.to_text() and report.to_json()
    return report


def reason(report) -> str:
    """The report's stated reason: its error, or the first signature's details."""
    if report.error:
        return report.error
    return " ".join(d for sig in report.signatures for d in sig.details)


def _replace_same_length(data: bytes, pattern: bytes, make) -> bytes:
    match = re.search(pattern, data)
    assert match, pattern
    new = make(match)
    assert len(new) == len(match.group(0))
    return data[: match.start()] + new + data[match.end() :]


# -- hand-made hostile files -----------------------------------------------------------------


@pytest.mark.parametrize("fraction", [0.05, 0.3, 0.6, 0.9, 0.999])
def test_a_truncated_signed_pdf_is_a_format_failure(fpki, signed, fraction):
    report = check(fpki, signed[: int(len(signed) * fraction)])
    assert (report.indication, report.subindication) == FORMAT_FAILURE
    assert reason(report)


def test_a_signed_pdf_cut_just_before_its_eof_marker_is_a_format_failure(fpki, signed):
    report = check(fpki, signed[: signed.rindex(b"%%EOF")])
    assert (report.indication, report.subindication) == FORMAT_FAILURE


@pytest.mark.parametrize("which", [2, 3], ids=["second-start", "second-length"])
def test_a_byte_range_pointing_past_the_end_is_a_format_failure(fpki, signed, which):
    def past_the_end(match: re.Match) -> bytes:
        numbers = match.group(1).split()
        numbers[which] = b"9" * len(numbers[which])  # same length, far beyond the file
        return b"/ByteRange [" + b" ".join(numbers) + b"]"

    hostile = _replace_same_length(signed, rb"/ByteRange \[([\d ]+)\]", past_the_end)
    report = check(fpki, hostile)
    assert (report.indication, report.subindication) == FORMAT_FAILURE
    assert "/ByteRange" in reason(report)


def test_contents_that_are_not_der_are_a_format_failure(fpki, signed):
    hostile = _replace_same_length(
        signed, rb"/Contents <([0-9a-fA-F]{64})", lambda m: b"/Contents <" + b"DEADBEEF" * 8
    )
    report = check(fpki, hostile)
    assert (report.indication, report.subindication) == FORMAT_FAILURE
    assert "cannot be read" in reason(report) and len(reason(report)) < 300


def test_garbage_in_the_xref_is_a_format_failure(fpki, signed):
    start = signed.index(b"xref\n") + len(b"xref\n")
    garbled = bytes(b if b in b"\r\n" else ord("z") for b in signed[start : start + 80])
    report = check(fpki, signed[:start] + garbled + signed[start + 80 :])
    assert report.indication in ("TOTAL_FAILED", "INDETERMINATE")
    assert report.subindication in ("FORMAT_FAILURE", "HASH_FAILURE")


def test_a_huge_length_is_a_format_failure(fpki, signed):
    hostile = _replace_same_length(
        signed, rb"/Length (\d+)", lambda m: b"/Length " + b"9" * len(m.group(1))
    )
    report = check(fpki, hostile)
    assert report.indication in ("TOTAL_FAILED", "INDETERMINATE")


@pytest.mark.parametrize(
    "data", [b"", b"hello, world\n" * 50, b"%PDF-1.7\n", b"%PDF-1.7\n%%EOF\n"], ids=repr
)
def test_a_file_that_is_not_a_pdf_is_a_format_failure(fpki, data):
    report = check(fpki, data)
    assert (report.indication, report.subindication) == FORMAT_FAILURE
    assert report.unreadable and report.exit_code == 2


def test_the_command_gives_one_line_and_exit_2_for_an_unreadable_file(
    tmp_path, capsys, fpki, signed
):
    empty, cut, good = tmp_path / "empty.pdf", tmp_path / "cut.pdf", tmp_path / "good.pdf"
    empty.write_bytes(b"")
    cut.write_bytes(signed[: len(signed) // 2])
    good.write_bytes(signed)
    root = tmp_path / "root.pem"
    root.write_bytes(fpki.root.pem)
    home = ["--home", str(tmp_path / "no-home")]
    code = main([*home, "verify", str(empty), str(cut), str(good), "--trust-root", str(root)])
    out, err = capsys.readouterr()
    assert code == 2
    assert "internal error" not in err and "Traceback" not in err
    assert [line.split(":")[2].strip() for line in err.splitlines()] == [str(empty), str(cut)]
    assert out.count("FORMAT_FAILURE") == 2 and "TOTAL_PASSED" in out


def test_the_command_exits_1_for_a_readable_pdf_whose_signature_is_broken(
    tmp_path, capsys, fpki, signed
):
    hostile = _replace_same_length(
        signed, rb"/Contents <([0-9a-fA-F]{64})", lambda m: b"/Contents <" + b"DEADBEEF" * 8
    )
    path = tmp_path / "broken.pdf"
    path.write_bytes(hostile)
    code = main(["--home", str(tmp_path / "no-home"), "verify", str(path), "--json"])
    out, err = capsys.readouterr()
    assert code == 1 and '"FORMAT_FAILURE"' in out and err == ""


# -- any mutation ------------------------------------------------------------------------------

mutations = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0, 1), st.binary(max_size=0)),
    st.tuples(st.just("flip"), st.floats(0, 1), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.binary(min_size=1, max_size=64)),
    st.tuples(st.just("delete"), st.floats(0, 1), st.binary(min_size=1, max_size=64)),
)


def mutate(data: bytes, how: tuple[str, float, bytes]) -> bytes:
    kind, where, chunk = how
    at = int(where * len(data))
    if kind == "truncate":
        return data[:at]
    if kind == "flip":
        return data[:at] + chunk + data[at + len(chunk) :]
    if kind == "insert":
        return data[:at] + chunk + data[at:]
    return data[:at] + data[at + len(chunk) :]


@settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(how=st.lists(mutations, min_size=1, max_size=3))
def test_no_mutation_of_a_signed_pdf_makes_the_verifier_raise(fpki, signed, how):
    data = signed
    for step in how:
        data = mutate(data, step)
    report = check(fpki, data)  # never raises; always one of the indications
    if report.indication == "TOTAL_PASSED":
        assert report.signatures and all(s.intact for s in report.signatures)
