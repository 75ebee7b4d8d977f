"""Where a seal goes: over the issuing organ and the date, as GB/T 9704 places it."""

from __future__ import annotations

from seals.placement import find_seal_box
from tests.factories import pdf_bytes


def test_the_signature_block_wins_over_a_colophon_that_repeats_organ_and_date():
    pdf = pdf_bytes(
        lines=[
            (360, 400, "General Office"),
            (360, 380, "27 November 2026"),
            (90, 120, "General Office                27 November 2026 printed"),
        ]
    )
    box = find_seal_box(pdf, ["General Office", "27 November 2026"])
    assert box is not None
    assert box.y1 < 390 < box.y2  # centred on the block, not on the colophon at y=120
    assert box.x1 > 250
