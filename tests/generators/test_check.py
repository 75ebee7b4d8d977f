"""check_template: static problems in the DOCX, sample validation and sandboxed rendering."""

from __future__ import annotations

import pytest

from generators.catalog import builtin_templates_dir
from generators.check import check_template

BUILTIN = [
    "notice",
    "approval",
    "budget",
    "certificate-graduation",
    "certificate-teacher-qualification",
    "destruction-register",
]


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_template_passes(name):
    assert check_template(builtin_templates_dir() / name) == []


def test_a_valid_template_passes(make_template):
    assert check_template(make_template()) == []


def test_undeclared_variable_is_found(make_template):
    folder = make_template(zh=["{{ title }}", "{{ body }}", "{{ signature }}"])
    assert check_template(folder) == [
        f"{folder / 'template.zh.docx'}: uses 'signature', which fields.yaml does not declare"
    ]


def test_unused_required_field_is_found(make_template):
    folder = make_template(en=["{{ title }}"])
    assert check_template(folder) == [
        f"{folder / 'template.docx'}: required field 'body' is not used"
    ]


@pytest.mark.parametrize(
    ("expression", "shown"),
    [
        ("{{ title.__class__ }}", "title.__class__"),
        ("{{ title._foo }}", "title._foo"),
        ("{{ title['__class__'] }}", "title['__class__']"),
        ("{{ title|attr('__class__') }}", "attr('__class__')"),
    ],
)
def test_reaching_for_python_internals_is_found(make_template, expression, shown):
    folder = make_template(en=["{{ title }}", "{{ body }}", expression])
    found = check_template(folder)
    assert f"{folder / 'template.docx'}: reaches for Python internals: {shown}" in found


def test_sandbox_security_error_at_render_is_a_problem_not_a_crash(make_template):
    sneaky = "{% set n = '__cla' ~ 'ss__' %}{{ title|attr(n) }}"
    folder = make_template(en=["{{ title }}", "{{ body }}", sneaky])
    (problem,) = check_template(folder)
    assert problem.startswith(f"{folder / 'template.docx'}: rendering sample.yaml failed:")
    assert "sandbox" in problem


def test_safe_filter_is_a_problem(make_template):
    folder = make_template(en=["{{ title|safe }}", "{{ body }}"])
    assert any("'safe' filter turns off escaping" in p for p in check_template(folder))


def test_unknown_filter_is_a_problem(make_template):
    folder = make_template(en=["{{ title|shout }}", "{{ body }}"])
    assert f"{folder / 'template.docx'}: unknown filter 'shout'" in check_template(folder)


def test_unknown_doc_attribute_is_a_problem(make_template):
    folder = make_template(en=["{{ title }}", "{{ body }}", "{{ doc.signer }}"])
    assert any("doc has no 'signer'" in p for p in check_template(folder))


def test_syntax_error_is_a_problem(make_template):
    folder = make_template(en=["{{ title }}", "{{ body }}", "{% if title %}"])
    (problem,) = check_template(folder)
    assert problem.startswith(f"{folder / 'template.docx'}: template syntax error in the body")


def test_loop_variables_and_doc_are_declared(make_template):
    lines = [
        "{{ title }}",
        "{% for para in body|paragraphs %}{{ loop.index }} {{ para.text }}{% endfor %}",
        "{{ doc.number }} {{ doc.date }}",
    ]
    assert check_template(make_template(en=lines)) == []


def test_invalid_sample_is_a_problem_naming_the_sample(make_template):
    folder = make_template(sample_zh={"title": "x" * 60, "body": "b"})
    assert check_template(folder) == [
        f"{folder / 'sample.zh.yaml'}: field 'title': must be at most 50 characters, got 60"
    ]


def test_missing_sample_is_a_problem(make_template):
    folder = make_template()
    (folder / "sample.yaml").unlink()
    (problem,) = check_template(folder)
    assert "sample.yaml: missing" in problem


def test_missing_docx_is_a_problem(make_template):
    folder = make_template()
    (folder / "template.zh.docx").unlink()
    (problem,) = check_template(folder)
    assert problem.endswith("template.zh.docx: missing (fields.yaml lists the language 'zh')")


def test_broken_docx_is_a_problem(make_template):
    folder = make_template()
    (folder / "template.docx").write_bytes(b"not a zip")
    (problem,) = check_template(folder)
    assert "template.docx: cannot be read as a DOCX" in problem


def test_invalid_fields_yaml_is_the_only_problem(make_template):
    folder = make_template()
    path = folder / "fields.yaml"
    path.write_text(path.read_text("utf-8").replace("kind: notice", "kind: Notice!"), "utf-8")
    (problem,) = check_template(folder)
    assert "fields.yaml" in problem and "kind must be" in problem
