"""The interface's words in Chinese (the default) and English.

Each area of the interface keeps its own words in `bureau/web/text/<area>.py` as
`TEXT = {key: (中文, English)}`; this module joins them. A key used but not defined is a
bug, caught by the tests (tests/web/test_text.py), never shown to a user as a raw key.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

AREAS = ("common", "secretary", "archivist", "keeping", "auditor", "admin")
LANGUAGES = {"zh": 0, "en": 1}
DEFAULT = "zh"

Translate = Callable[..., str]


def catalog() -> dict[str, tuple[str, str]]:
    """Every key of every area (a key defined twice is an error)."""
    joined: dict[str, tuple[str, str]] = {}
    for area in AREAS:
        text: dict[str, tuple[str, str]] = import_module(f"bureau.web.text.{area}").TEXT
        twice = joined.keys() & text.keys()
        if twice:
            raise ValueError(f"bureau/web/text/{area}.py redefines {sorted(twice)}")
        joined.update(text)
    return joined


_CATALOG = catalog()


def translator(lang: str) -> Translate:
    """`t(key, **values)`: the text of `key` in `lang`, with `{name}` fields filled in."""
    column = LANGUAGES.get(lang, LANGUAGES[DEFAULT])

    def t(key: str, **values: object) -> str:
        text = _CATALOG[key][column]
        return text.format(**values) if values else text

    return t
