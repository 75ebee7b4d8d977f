"""Installing a user's template into a data home, where it is used beside the built-in ones."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from archive.errors import BadInput
from archive.service import Archive
from bureau.services.generate import templates_for
from generators import catalog
from generators.check import check_template

TEMPLATE_FILES = ("fields.yaml", "sample.yaml", "sample.*.yaml", "template.docx", "template.*.docx")


def install(archive: Archive, source: Path, replace: bool = False) -> catalog.Template:
    """Check `source` and copy it into the home's templates/; BadInput listing any problem."""
    archive.require("users", "install templates")
    if not source.is_dir():
        raise BadInput(f"{source}: not a template folder")
    problems = check_template(source)
    if problems:
        raise BadInput(f"{source}: the template has problems: " + "; ".join(problems))
    template = catalog.load_template(source)
    builtin = catalog.discover([catalog.builtin_templates_dir()])
    if template.name in builtin:
        raise BadInput(f"template {template.name!r} is built in: give yours another name")
    target = archive.home.folder("templates") / template.name
    if target.exists() and not replace:
        raise BadInput(f"template {template.name!r} is already installed (use --replace)")
    target.parent.mkdir(exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{template.name}-"))
    try:
        for pattern in TEMPLATE_FILES:
            for file in source.glob(pattern):
                shutil.copy2(file, staging / file.name)
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return templates_for(archive)[template.name]
