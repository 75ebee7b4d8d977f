"""What the index holds for one item: its metadata and the text of its files."""

from __future__ import annotations

from typing import Any, Protocol

from archive import crypto
from archive.errors import BureauError
from archive.items import Item, StoredFile
from indexer.analysis import doc_no_key, words
from indexer.text import Extracted, extract

TEXT_RENDITIONS = ("docx", "pdf")
BLIND_TOKEN_CHARS = 24  # 96 bits of HMAC-SHA256: no collisions among a lifetime's terms
BLIND_PURPOSE = "blind-index"


class ContentSource(Protocol):
    """Where stored files' bytes come from (the archive service; decrypting, later)."""

    def read_content(self, item: Item, stored: StoredFile) -> bytes: ...


def item_text(source: ContentSource, item: Item) -> Extracted:
    """The document's text, followed by the text of its DOCX and PDF attachments.

    The DOCX rendition is read when there is one (its structure is exact; a PDF's text
    is reconstructed from glyph positions). A file that cannot be read leaves the item
    indexed by its metadata, with the reason.
    """
    document = item.rendition("docx") or item.official
    main = _extract(source, item, document)
    parts = [main.text]
    for attachment in item.files:
        if attachment.role == "attachment" and attachment.rendition in TEXT_RENDITIONS:
            parts.append(_extract(source, item, attachment).text)
    text = "\n\n".join(p for p in parts if p)
    return Extracted(text=text, unavailable=main.unavailable, truncated=main.truncated)


def _extract(source: ContentSource, item: Item, stored: StoredFile) -> Extracted:
    if stored.rendition not in TEXT_RENDITIONS:
        return Extracted(text="", unavailable=f"no text extraction for {stored.rendition} files")
    try:
        data = source.read_content(item, stored)
    except BureauError as exc:
        return Extracted(text="", unavailable=f"{exc} (run `bureau audit verify`)")
    return extract(data, stored.rendition)


def blind_token(key: bytes, term: str) -> str:
    """The blind index's stand-in for one analysed term."""
    return crypto.mac(key, term.encode("utf-8"))[:BLIND_TOKEN_CHARS]


def index_fields(item: Item, text: Extracted, blind_key: bytes | None = None) -> dict[str, Any]:
    """The Whoosh document of `item` (whose title is readable). For an encrypted item the
    title and text become blind tokens under `blind_key` and nothing readable is kept."""
    fields: dict[str, Any] = {
        "id": item.id,
        "archive_code": item.archive_code,
        "title": item.title,
        "body": text.text,
        "kind": item.kind,
        "dept": item.dept,
        "year": item.year,
        "date": item.date,
        "classification": item.classification,
        "retention": item.retention,
        "sealed": bool(item.sealed),
        "encrypted": bool(item.encrypted),
        "status": item.status,
        "text": "unavailable" if text.unavailable else "available",
        "text_reason": text.unavailable or "",
    }
    if item.encrypted:
        if blind_key is None:
            raise ValueError("an encrypted item is indexed only with the blind index key")
        terms = [*words(item.title), *words(text.text)]
        fields.update(
            title="",
            body="",
            text_reason="",
            blind=" ".join(blind_token(blind_key, t) for t in terms),
        )
    if item.template:
        fields["template"] = item.template
    if item.doc_no:
        fields["doc_no"] = item.doc_no
        fields["doc_no_key"] = doc_no_key(item.doc_no)
    return fields
