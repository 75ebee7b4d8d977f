"""fields.yaml loading: strict validation, discovery, paths and the JSON shape."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from archive.errors import BadInput
from generators.catalog import builtin_templates_dir, discover, load_template
from tests.generators.conftest import SIMPLE_FIELDS


def spec(**changes: object) -> dict:
    data = copy.deepcopy(SIMPLE_FIELDS)
    data.update(changes)
    return data


def test_loads_metadata_and_fields(make_template):
    template = load_template(make_template())
    assert template.name == "memo"
    assert template.title == {"en": "Memo", "zh": "备忘"}
    assert template.retention == "D10"
    assert template.numbered is True
    assert [f.name for f in template.fields] == ["title", "body", "note"]
    assert template.field("title").max_length == 50
    assert template.field("title").required and not template.field("note").required


def test_accepts_the_fields_yaml_file_itself(make_template):
    assert load_template(make_template() / "fields.yaml").name == "memo"


def test_unknown_top_level_key_names_the_file(make_template):
    folder = make_template(fields=spec(retension="D10"))
    with pytest.raises(BadInput, match=r"fields\.yaml: unknown key 'retension'"):
        load_template(folder)


def test_unknown_field_key_names_the_field(make_template):
    fields = spec()
    fields["fields"][0]["requird"] = True
    with pytest.raises(BadInput, match=r"field 'title': unknown key 'requird'"):
        load_template(make_template(fields=fields))


def test_unknown_field_type_is_rejected(make_template):
    fields = spec()
    fields["fields"][1]["type"] = "markdown"
    with pytest.raises(BadInput, match=r"field 'body': type must be one of"):
        load_template(make_template(fields=fields))


def test_required_must_be_a_boolean(make_template):
    fields = spec()
    fields["fields"][1]["required"] = "yes"
    with pytest.raises(BadInput, match=r"field 'body': required must be true or false"):
        load_template(make_template(fields=fields))


def test_table_field_needs_columns(make_template):
    fields = spec()
    fields["fields"].append({"name": "rows", "type": "table", "description": "Rows"})
    with pytest.raises(BadInput, match=r"field 'rows': a table field needs columns"):
        load_template(make_template(fields=fields))


def test_table_columns_are_loaded(make_template):
    fields = spec()
    fields["fields"].append(
        {
            "name": "rows",
            "type": "table",
            "description": "Rows",
            "columns": [{"name": "amount", "type": "decimal", "min": 0, "description": "A"}],
        }
    )
    template = load_template(make_template(fields=fields))
    (column,) = template.field("rows").columns
    assert column.name == "amount" and column.type == "decimal" and column.min == 0


def test_field_needs_a_description(make_template):
    fields = spec()
    del fields["fields"][0]["description"]
    with pytest.raises(BadInput, match=r"field 'title': needs a description"):
        load_template(make_template(fields=fields))


def test_duplicate_field_names_are_rejected(make_template):
    fields = spec()
    fields["fields"].append({"name": "body", "type": "text", "description": "again"})
    with pytest.raises(BadInput, match=r"field 'body': declared twice"):
        load_template(make_template(fields=fields))


def test_reserved_field_name_doc_is_rejected(make_template):
    fields = spec()
    fields["fields"].append({"name": "doc", "type": "text", "description": "clash"})
    with pytest.raises(BadInput, match=r"field 'doc': the name is reserved"):
        load_template(make_template(fields=fields))


def test_max_length_on_a_date_is_rejected(make_template):
    fields = spec()
    fields["fields"].append({"name": "when", "type": "date", "description": "d", "max_length": 3})
    with pytest.raises(BadInput, match=r"field 'when': max_length applies only"):
        load_template(make_template(fields=fields))


def test_bad_classification_is_rejected(make_template):
    with pytest.raises(BadInput, match=r"classification must be one of"):
        load_template(make_template(fields=spec(classification="restricted")))


def test_bad_retention_is_rejected(make_template):
    with pytest.raises(BadInput, match=r"retention must be one of"):
        load_template(make_template(fields=spec(retention="D5")))


def test_unknown_computation_is_rejected(make_template):
    with pytest.raises(BadInput, match=r"compute 'payroll' is not a known computation"):
        load_template(make_template(fields=spec(compute="payroll")))


def test_title_must_cover_every_language(make_template):
    with pytest.raises(BadInput, match=r"title has no 'zh' version"):
        load_template(make_template(fields=spec(title={"en": "Memo"})))


def test_unsupported_language_is_rejected(make_template):
    with pytest.raises(BadInput, match=r"unsupported language 'fr'"):
        load_template(make_template(fields=spec(languages=["en", "fr"])))


def test_department_codes_are_checked(make_template):
    with pytest.raises(BadInput, match=r"'bgs' is not a department code"):
        load_template(make_template(fields=spec(departments=["bgs"])))


def test_name_must_match_the_folder(make_template):
    folder = make_template()
    text = (folder / "fields.yaml").read_text("utf-8").replace("name: memo", "name: other")
    (folder / "fields.yaml").write_text(text, "utf-8")
    with pytest.raises(BadInput, match=r"differs from its folder's name 'memo'"):
        load_template(folder)


def test_invalid_yaml_is_bad_input(make_template):
    folder = make_template()
    (folder / "fields.yaml").write_text("name: [unclosed\n", "utf-8")
    with pytest.raises(BadInput, match=r"fields\.yaml: not valid YAML"):
        load_template(folder)


def test_missing_fields_yaml_is_bad_input(tmp_path: Path):
    with pytest.raises(BadInput, match=r"fields\.yaml: missing"):
        load_template(tmp_path)


def test_docx_path_per_language(make_template):
    template = load_template(make_template())
    assert template.docx_path("en").name == "template.docx"
    assert template.docx_path("zh").name == "template.zh.docx"
    assert template.sample_path("zh").name == "sample.zh.yaml"


def test_docx_path_for_a_missing_language_is_bad_input(make_template):
    template = load_template(make_template(fields=spec(languages=["en"], title={"en": "Memo"})))
    with pytest.raises(BadInput, match=r"no 'zh' version"):
        template.docx_path("zh")


def test_discover_finds_templates_and_skips_other_folders(tmp_path: Path, make_template):
    make_template(parent=tmp_path / "a")
    (tmp_path / "a" / "not-a-template").mkdir()
    found = discover([tmp_path / "a", tmp_path / "does-not-exist"])
    assert list(found) == ["memo"]


def test_discover_name_clash_is_bad_input(tmp_path: Path, make_template):
    make_template(parent=tmp_path / "a")
    make_template(parent=tmp_path / "b")
    with pytest.raises(BadInput, match=r"two templates are named 'memo'"):
        discover([tmp_path / "a", tmp_path / "b"])


def test_to_json_has_the_documented_shape(make_template):
    fields = spec()
    fields["fields"][0]["example"] = "2026-01-05"
    template = load_template(make_template(fields=fields))
    data = json.loads(json.dumps(template.to_json()))
    assert set(data) == {
        "name",
        "title",
        "kind",
        "languages",
        "classification",
        "retention",
        "departments",
        "fields",
    }
    assert data["fields"][0] == {
        "name": "title",
        "type": "text",
        "required": True,
        "description": "Title",
        "example": "2026-01-05",
    }


def test_to_json_turns_yaml_dates_into_text(make_template):
    path = make_template() / "fields.yaml"
    extra = "- {name: when, type: date, description: d, example: 2026-01-05}\n"
    path.write_text(path.read_text("utf-8") + extra, "utf-8")
    template = load_template(path)
    assert template.to_json()["fields"][-1]["example"] == "2026-01-05"


def test_builtin_templates_dir_is_the_repository_templates_folder():
    path = builtin_templates_dir()
    assert path.name == "templates" and (path / "notice" / "fields.yaml").is_file()
