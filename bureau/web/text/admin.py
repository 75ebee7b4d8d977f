"""The admin's pages' words: key -> (中文, English)."""

TEXT: dict[str, tuple[str, str]] = {}
