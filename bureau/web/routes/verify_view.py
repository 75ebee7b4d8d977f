"""A verification report (seals.report.FileReport) as the /verify page shows it: the
verdict in words, how it looks (ok / warn / bad), and each signature's facts in order.

Nothing here judges a seal: the verifier did. This only picks the words for its codes
(those without words of their own are shown as the code alone)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bureau.web.i18n import catalog
from seals.report import (
    INDETERMINATE,
    NO_SIGNATURE_FOUND,
    TOTAL_FAILED,
    TOTAL_PASSED,
    FileReport,
    SignatureReport,
    iso_time,
)

_KEYS = frozenset(catalog())
LOOK = {TOTAL_PASSED: "ok", INDETERMINATE: "warn", NO_SIGNATURE_FOUND: "warn", TOTAL_FAILED: "bad"}


@dataclass
class Fact:
    """One line of a signature's facts: a label key, a value, and its look ('' plain)."""

    label: str
    value: str
    look: str = ""
    key: str | None = None  # a text key shown instead of (before) the value


@dataclass
class SignatureView:
    number: int
    field: str
    kind: str
    look: str
    facts: list[Fact]
    changes: list[str]  # each revision added after the signature, and what it changed
    notes: list[str]


@dataclass
class ReportView:
    file: str
    indication: str
    subindication: str | None
    look: str
    meaning: str | None  # text key: what the main indication means
    reason: str | None  # text key: what the sub-indication means, if it has words
    error: str | None
    active_content: list[str]
    signatures: list[SignatureView] = field(default_factory=list)


def shown(report: FileReport) -> ReportView:
    return ReportView(
        file=report.file,
        indication=report.indication,
        subindication=report.subindication,
        look=LOOK.get(report.indication, "bad"),
        meaning=_key("verify.ind.", report.indication),
        reason=_key("verify.sub.", report.subindication),
        error=report.error,
        active_content=list(report.active_content),
        signatures=[_signature(n, s) for n, s in enumerate(report.signatures, 1)],
    )


def summary(reports: list[ReportView]) -> dict[str, int]:
    """How many files came out ok, with warnings, or failed."""
    counts = {"ok": 0, "warn": 0, "bad": 0}
    for report in reports:
        counts[report.look] += 1
    return counts


def _signature(number: int, sig: SignatureReport) -> SignatureView:
    facts = [
        Fact("verify.signer", sig.signer or "", key=None if sig.signer else "verify.unknown"),
        Fact("verify.dept", sig.dept or "", key=None if sig.dept else "verify.unknown"),
        Fact("verify.serial", sig.serial or "", key=None if sig.serial else "verify.unknown"),
        Fact(
            "verify.signing_time",
            iso_time(sig.signing_time) or "",
            key="verify.claimed" if sig.signing_time else "verify.not_stated",
        ),
        Fact(
            "verify.timestamp",
            iso_time(sig.timestamp) or "",
            key=None if sig.timestamp else "verify.none",
        ),
        _yes_no("verify.intact", sig.intact, "verify.intact_yes", "verify.intact_no"),
        _yes_no("verify.valid", sig.valid, "verify.valid_yes", "verify.valid_no"),
        _yes_no("verify.trusted", sig.trusted, "verify.trusted_yes", "verify.trusted_no"),
        Fact("verify.revocation", sig.revocation, "bad" if sig.revoked else ""),
        Fact("verify.coverage", sig.coverage or "", key=None if sig.coverage else "verify.unknown"),
        Fact(
            "verify.modifications",
            sig.modifications or "",
            key=None if sig.modifications else "verify.unknown",
        ),
    ]
    verdict = sig.indication + (f" / {sig.subindication}" if sig.subindication else "")
    facts.insert(5, Fact("verify.result", verdict, LOOK.get(sig.indication, "bad")))
    return SignatureView(
        number=number,
        field=sig.field,
        kind=sig.kind,
        look=LOOK.get(sig.indication, "bad"),
        facts=facts,
        changes=[f"{rev.revision}: {rev.describe()}" for rev in sig.changes_after],
        notes=list(sig.details),
    )


def _yes_no(label: str, value: bool | None, yes: str, no: str) -> Fact:
    if value is None:
        return Fact(label, "", "warn", "verify.unknown")
    return Fact(label, "", "ok" if value else "bad", yes if value else no)


def _key(prefix: str, code: str | None) -> str | None:
    key = f"{prefix}{code}"
    return key if code and key in _KEYS else None
