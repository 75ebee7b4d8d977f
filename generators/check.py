"""Check a template folder before anyone generates from it (`bureau templates check`).

A template that names an undeclared field fails only when a secretary fills it in, and one
that walks `x.__class__` is an attempt to leave the sandbox; both are found here statically,
from the Jinja source docxtpl makes of each DOCX. Then each sample input is validated and
rendered in the sandbox, which catches what static reading cannot.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from pathlib import Path

import docx
from docxtpl import DocxTemplate
from jinja2 import TemplateError, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from archive.errors import BadInput
from generators.catalog import Template, load_template
from generators.compute import COMPUTATIONS
from generators.fields import FieldErrors, validate
from generators.render import DOC_ATTRIBUTES, DocContext, make_environment, render_docx

_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_CORE_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
# Filters that would let a value's text into the XML unescaped.
_UNSAFE_FILTERS = {"safe": "turns off escaping, so a value could break the document's XML"}


def check_template(path: Path) -> list[str]:
    """Every problem with the template folder `path`, one line each naming the file; [] = fine."""
    try:
        template = load_template(path)
    except BadInput as exc:
        return [str(exc)]
    problems: list[str] = []
    readable: list[str] = []
    for lang in template.languages:
        found = _check_docx(template, lang)
        problems += found
        if not found:
            readable.append(lang)
    for lang in template.languages:
        problems += _check_sample(template, lang, render=lang in readable)
    return problems


def jinja_sources(path: Path) -> Iterator[tuple[str, str]]:
    """(part name, Jinja source) for every part of the DOCX that docxtpl renders."""
    template = DocxTemplate(str(path))
    template.init_docx()
    yield "body", template.patch_xml(template.get_xml())
    for kind, uri in (("header", template.HEADER_URI), ("footer", template.FOOTER_URI)):
        for _, part in template.get_headers_footers(uri):
            yield kind, template.patch_xml(template.get_part_xml(part))
    for part in template.docx.part.package.parts:
        if part.content_type == _FOOTNOTES:
            yield "footnotes", template.patch_xml(part.blob.decode("utf-8"))
    core = template.docx.core_properties
    for name in _CORE_PROPERTIES:
        value = getattr(core, name) or ""
        if value:
            yield f"{name} property", value


def _check_docx(template: Template, lang: str) -> list[str]:
    """Static problems of one language's DOCX: syntax, undeclared names, unused required
    fields, unsafe attribute walks and filters."""
    path = template.docx_path(lang)
    where = _display(path)
    if not path.is_file():
        return [f"{where}: missing (fields.yaml lists the language {lang!r})"]
    env = make_environment()
    try:
        sources = list(jinja_sources(path))
    except Exception as exc:  # python-docx raises several types for a damaged package
        return [f"{where}: cannot be read as a DOCX ({type(exc).__name__}: {exc})"]
    computation = COMPUTATIONS[template.compute] if template.compute else None
    computed = set(computation.provides) if computation else set()
    declared = {field.name for field in template.fields} | computed | {"doc"} | set(env.globals)
    problems: list[str] = []
    used: set[str] = set(computation.consumes) if computation else set()
    for part, source in sources:
        try:
            ast = env.parse(source)
        except TemplateSyntaxError as exc:
            problems.append(f"{where}: template syntax error in the {part}: {exc.message}")
            return problems
        unsafe = _unsafe(ast, env)
        problems += [f"{where}: {problem}" for problem in unsafe]
        used |= {node.name for node in ast.find_all(nodes.Name) if node.ctx == "load"}
        try:
            undeclared = meta.find_undeclared_variables(ast)
        except TemplateError as exc:  # compiling fails on an unknown filter or test
            if not unsafe:
                problems.append(f"{where}: {exc}")
            continue
        for name in sorted(undeclared - declared):
            problems.append(f"{where}: uses {name!r}, which fields.yaml does not declare")
    for field in template.fields:
        if field.required and field.name not in used:
            problems.append(f"{where}: required field {field.name!r} is not used")
    return problems


def _unsafe(ast: nodes.Template, env: SandboxedEnvironment) -> list[str]:
    """Attribute walks to Python internals, unknown or unsafe filters, unknown doc attributes."""
    problems: list[str] = []
    for node in ast.find_all(nodes.Getattr):
        target = _describe(node.node)
        if node.attr.startswith("_"):
            problems.append(f"reaches for Python internals: {target}.{node.attr}")
        elif target == "doc" and node.attr not in DOC_ATTRIBUTES:
            problems.append(
                f"doc has no {node.attr!r} (it has: {', '.join(sorted(DOC_ATTRIBUTES))})"
            )
    for node in ast.find_all(nodes.Getitem):
        if _is_private_const(node.arg):
            problems.append(
                f"reaches for Python internals: {_describe(node.node)}[{node.arg.value!r}]"
            )
    for node in ast.find_all(nodes.Filter):
        if node.name not in env.filters:
            problems.append(f"unknown filter {node.name!r}")
        elif node.name in _UNSAFE_FILTERS:
            problems.append(f"the {node.name!r} filter {_UNSAFE_FILTERS[node.name]}")
        elif node.name == "attr" and _is_private_const(node.args[0] if node.args else None):
            problems.append(f"reaches for Python internals: attr({node.args[0].value!r})")
    for node in ast.find_all(nodes.Test):
        if node.name not in env.tests:
            problems.append(f"unknown test {node.name!r}")
    return problems


def _is_private_const(node: nodes.Node | None) -> bool:
    """Whether `node` is a constant string naming something private (`_x`, `__class__`)."""
    return isinstance(node, nodes.Const) and str(node.value).startswith("_")


def _describe(node: nodes.Node) -> str:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_describe(node.node)}.{node.attr}"
    return "(expression)"


def _check_sample(template: Template, lang: str, render: bool) -> list[str]:
    """Problems with one language's sample: it must validate and (if the DOCX read cleanly)
    render in the sandbox to a DOCX python-docx opens."""
    sample = template.sample_path(lang)
    where = _display(sample)
    try:
        data = template.load_sample(lang)
    except BadInput as exc:
        return [str(exc).replace(str(sample), where)]
    try:
        values = validate(template, data)
    except FieldErrors as exc:
        return [f"{where}: {error}" for error in exc.errors]
    if not render:
        return []
    docx_path = _display(template.docx_path(lang))
    try:
        result = render_docx(template, values, sample_context(lang), lang)
        docx.Document(io.BytesIO(result))
    except BadInput as exc:
        return [f"{docx_path}: rendering {sample.name} failed: {exc}"]
    except Exception as exc:  # a template may fail in ways docxtpl does not classify
        return [f"{docx_path}: rendering {sample.name} failed: {type(exc).__name__}: {exc}"]
    return []


def sample_context(lang: str) -> DocContext:
    """A plausible DocContext for trying a template out."""
    zh = lang == "zh"
    return DocContext(
        date=datetime.date(2026, 11, 27),
        lang=lang,
        number="市教办〔2026〕1号" if zh else "CEB-BGS [2026] No. 1",
        org="某市教育局" if zh else "City Education Bureau",
        organ="某市教育局" if zh else "City Education Bureau",
        dept_code="BGS",
        dept_name="办公室" if zh else "General Office",
        classification="internal",
        classification_mark="",
        printed_by="某市教育局办公室" if zh else "General Office, City Education Bureau",
    )


def _display(path: Path) -> str:
    """`path` relative to the working directory when it is inside it, else as given."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
