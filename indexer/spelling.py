"""Did you mean: a query finding nothing, with its unknown English words respelled."""

from __future__ import annotations

import re

from indexer.analysis import words
from indexer.engine import Engine, Filters
from indexer.query import parse

SPELLING_DISTANCE = 2
SPELLING_PREFIX = 1  # letters a respelling shares with the word as typed
SUGGESTION_TRIES = 3
OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"})


def suggest(engine: Engine, text: str, filters: Filters) -> str | None:
    """The query with its unknown English words respelled as close indexed words, if that
    finds something within `filters`; else None. Operators and field names are kept."""
    choices: list[tuple[str, list[str]]] = []
    for word in _plain_words(text):
        lower = word.lower()
        if any(engine.doc_frequency(f, t) for f in ("title", "body") for t in words(lower)):
            continue
        ranked = respellings(engine, lower)
        if ranked:
            choices.append((word, ranked))
    if not choices:
        return None
    for attempt in range(SUGGESTION_TRIES):
        suggestion = text
        for word, ranked in choices:
            pick = ranked[min(attempt, len(ranked) - 1)]
            suggestion = re.sub(rf"(?<![\w:]){re.escape(word)}\b", pick, suggestion, count=1)
        if engine.search(parse(suggestion), filters, False, 0, 1).total:
            return suggestion
    return None


def _plain_words(text: str) -> list[str]:
    """The words of a query that are search words, not operators or `field:` names."""
    found = []
    for match in re.finditer(r"(?<![\w:*?])([A-Za-z]{3,})(?![\w:*?])", text):
        if match.group(1) not in OPERATORS:
            found.append(match.group(1))
    return list(dict.fromkeys(found))


def respellings(engine: Engine, word: str) -> list[str]:
    """Indexed words within SPELLING_DISTANCE of `word` that start with its first letter
    (typing slips are rarely there), closest and commonest first."""
    candidates = engine.spellings(word, SPELLING_DISTANCE, SPELLING_PREFIX)
    return sorted(candidates, key=lambda c: (edit_distance(word, c), -candidates[c], c))


def edit_distance(a: str, b: str) -> int:
    """Edits between two words: insertions, deletions, substitutions, and swaps of two
    neighbouring letters (optimal string alignment distance)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]
