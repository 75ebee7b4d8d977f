"""The keeping pages' words (retention, disposal, backups): key -> (中文, English)."""

TEXT: dict[str, tuple[str, str]] = {}
