"""The document templates a data home offers: the built-in ones and those installed in it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archive.errors import BadInput
from archive.service import Archive
from bureau.services.generate import templates_for
from generators.catalog import Template, builtin_templates_dir
from generators.check import check_template


def check(folder: Path) -> list[str]:
    """The problems of a new or edited template folder (none: it may be installed);
    BadInput if it is not a folder. Needs no data home."""
    if not folder.is_dir():
        raise BadInput(f"{folder}: not a template folder")
    return check_template(folder)


def available(archive: Archive) -> list[Template]:
    """Every template the home offers, by name."""
    return sorted(templates_for(archive).values(), key=lambda t: t.name)


def summary(template: Template) -> dict[str, Any]:
    """What `templates list --json` tells of a template."""
    return {
        "name": template.name,
        "title": template.title,
        "languages": list(template.languages),
        "kind": template.kind,
        "departments": list(template.departments),
        "builtin": template.path.parent == builtin_templates_dir(),
    }
