"""Real documents for tests: the benchmarks' own factories (bench/documents.py), one copy."""

from __future__ import annotations

from bench.documents import make_docx, make_pdf, pdf_bytes

__all__ = ["make_docx", "make_pdf", "pdf_bytes"]
