"""The archive's controlled vocabularies: classification levels and retention codes.

Both come from Chinese archival practice (../shared/domain.md); their spellings here are
part of the public interface (command options and JSON values).
"""

from __future__ import annotations

from archive.errors import BadInput

CLASSIFICATIONS: tuple[str, ...] = ("public", "internal", "confidential", "secret", "top-secret")
CLASSIFICATION_ZH: dict[str, str] = {
    "public": "公开",
    "internal": "内部",
    "confidential": "秘密",
    "secret": "机密",
    "top-secret": "绝密",
}

# The levels of the secrecy regime proper (秘密 and above): every read of such an item is
# recorded, and their documents are numbered in a series of their own.
CLASSIFIED: tuple[str, ...] = ("confidential", "secret", "top-secret")

RETENTIONS: tuple[str, ...] = ("Y", "D30", "D10")
RETENTION_YEARS: dict[str, int | None] = {"Y": None, "D30": 30, "D10": 10}


def classification(value: str) -> str:
    """The canonical classification level for `value` (English name or Chinese), or BadInput."""
    text = value.strip().lower()
    if text in CLASSIFICATIONS:
        return text
    for level, zh in CLASSIFICATION_ZH.items():
        if value.strip() == zh:
            return level
    raise BadInput(f"unknown classification {value!r}: use one of {', '.join(CLASSIFICATIONS)}")


def retention(value: str) -> str:
    """The canonical retention code for `value` (`Y`, `D30`, `D10`, any case), or BadInput."""
    text = value.strip().upper()
    if text in RETENTIONS:
        return text
    raise BadInput(f"unknown retention {value!r}: use one of {', '.join(RETENTIONS)}")


# The search index's engines, by name (indexer/engine.py implements them), and a new home's.
INDEX_ENGINES = ("tantivy", "whoosh")
NEW_INDEX_ENGINE = "tantivy"
