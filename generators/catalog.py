"""The template catalogue: what a template folder declares in its fields.yaml.

A template is a folder holding `fields.yaml` (what the template is and which input fields it
takes), one DOCX per language (`template.docx` for English, `template.zh.docx` for Chinese)
and one sample input per language (`sample.yaml`, `sample.zh.yaml`). fields.yaml is checked
strictly, because a misspelt key (`requird: true`) would otherwise silently change what a
secretary is asked for; every problem names the file and the field.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from archive.codes import DEPT_RE
from archive.errors import BadInput
from archive.vocab import CLASSIFICATIONS, RETENTIONS

FIELDS_FILE = "fields.yaml"
LANGUAGES: tuple[str, ...] = ("en", "zh")
FIELD_TYPES: tuple[str, ...] = ("text", "integer", "decimal", "date", "list", "table", "image")
SCALAR_TYPES: tuple[str, ...] = ("text", "integer", "decimal", "date")
RESERVED_NAMES: frozenset[str] = frozenset({"doc", "loop", "range", "namespace", "true", "false"})

_NAME_RE = re.compile(r"^[a-z][a-z0-9-]*$")
_FIELD_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_KIND_RE = re.compile(r"^[a-z][a-z0-9-]*$")

_TEMPLATE_KEYS = {
    "name",
    "title",
    "kind",
    "languages",
    "classification",
    "retention",
    "departments",
    "numbered",
    "compute",
    "item_title",
    "fields",
}
_REQUIRED_TEMPLATE_KEYS = ("name", "title", "kind", "languages", "fields")
_FIELD_KEYS = {
    "name",
    "type",
    "required",
    "description",
    "example",
    "columns",
    "max_length",
    "min",
    "max",
    "choices",
}


@dataclass(frozen=True)
class Field:
    """One input field of a template (or one column of a table field).

    `min`/`max` bound integer and decimal values; `max_length` bounds text (for a list, each
    item); `choices` restricts a text field to listed values; `columns` are the sub-fields
    of a table field, each row being a mapping of column name to value.
    """

    name: str
    type: str
    required: bool = False
    description: str = ""
    example: Any = None
    columns: tuple[Field, ...] = ()
    max_length: int | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    choices: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The field as `templates show --json` prints it (columns only for tables)."""
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "description": self.description,
            "example": _json_safe(self.example),
        }
        if self.type == "table":
            out["columns"] = [column.to_json() for column in self.columns]
        return out


@dataclass(frozen=True)
class Template:
    """A loaded template folder: its metadata from fields.yaml and where its files are."""

    name: str
    path: Path
    title: dict[str, str]
    kind: str
    languages: tuple[str, ...]
    classification: str
    retention: str
    departments: tuple[str, ...]
    numbered: bool
    compute: str | None
    fields: tuple[Field, ...]
    item_title: dict[str, str] | None = None

    def field(self, name: str) -> Field | None:
        """The declared field called `name`, or None."""
        for declared in self.fields:
            if declared.name == name:
                return declared
        return None

    def docx_path(self, lang: str) -> Path:
        """The DOCX for `lang` (template.docx for English, template.<lang>.docx otherwise)."""
        self._require_language(lang)
        return self.path / ("template.docx" if lang == "en" else f"template.{lang}.docx")

    def sample_path(self, lang: str) -> Path:
        """The sample input for `lang` (sample.yaml for English, sample.<lang>.yaml otherwise)."""
        self._require_language(lang)
        return self.path / ("sample.yaml" if lang == "en" else f"sample.{lang}.yaml")

    def load_sample(self, lang: str) -> dict[str, Any]:
        """The sample input for `lang` as loaded from YAML (not yet validated)."""
        path = self.sample_path(lang)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BadInput(f"{path}: missing (every language needs a sample input)") from None
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise BadInput(f"{path}: not valid YAML: {_one_line(exc)}") from None
        if not isinstance(data, dict):
            raise BadInput(f"{path}: must be a mapping of field names to values")
        return data

    def allows_department(self, code: str) -> bool:
        """Whether department `code` may issue documents from this template."""
        return not self.departments or code in self.departments

    def to_json(self) -> dict[str, Any]:
        """The template as `templates show --json` prints it."""
        return {
            "name": self.name,
            "title": dict(self.title),
            "kind": self.kind,
            "languages": list(self.languages),
            "classification": self.classification,
            "retention": self.retention,
            "departments": list(self.departments),
            "fields": [field.to_json() for field in self.fields],
        }

    def _require_language(self, lang: str) -> None:
        if lang not in self.languages:
            raise BadInput(
                f"template {self.name!r} has no {lang!r} version"
                f" (it has: {', '.join(self.languages)})"
            )


def builtin_templates_dir() -> Path:
    """The repository's templates/ folder (the package is installed editable, so it is here)."""
    return Path(__file__).resolve().parent.parent / "templates"


def discover(dirs: Iterable[Path]) -> dict[str, Template]:
    """Every template folder (one holding fields.yaml) directly under each of `dirs`.

    Missing directories are skipped (a user's template folder may not exist yet). Two
    templates with the same name are a BadInput naming both folders: silently preferring
    one would make `bureau generate notice` depend on the order of a search path.
    """
    found: dict[str, Template] = {}
    for directory in dirs:
        directory = Path(directory)
        if not directory.is_dir():
            continue
        for folder in sorted(directory.iterdir()):
            if not (folder / FIELDS_FILE).is_file():
                continue
            template = load_template(folder)
            if template.name in found:
                raise BadInput(
                    f"two templates are named {template.name!r}:"
                    f" {found[template.name].path} and {template.path}"
                )
            found[template.name] = template
    return found


def load_template(path: Path) -> Template:
    """Load and validate the template folder `path` (or its fields.yaml given directly)."""
    path = Path(path)
    folder = path.parent if path.name == FIELDS_FILE else path
    source = folder / FIELDS_FILE
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"{source}: missing; a template folder needs a fields.yaml") from None
    except UnicodeDecodeError:
        raise BadInput(f"{source}: not UTF-8 text") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BadInput(f"{source}: not valid YAML: {_one_line(exc)}") from None
    return _Loader(source).template(data, folder.resolve())


class _Loader:
    """Turns the parsed fields.yaml into a Template, raising BadInput naming the file."""

    def __init__(self, source: Path) -> None:
        self.source = source

    def fail(self, message: str, field: str | None = None) -> BadInput:
        where = f"field {field!r}: " if field else ""
        return BadInput(f"{self.source}: {where}{message}")

    def template(self, data: object, folder: Path) -> Template:
        if not isinstance(data, dict):
            raise self.fail("must be a mapping (name:, title:, kind:, fields: ...)")
        unknown = sorted(set(map(str, data)) - _TEMPLATE_KEYS)
        if unknown:
            raise self.fail(
                f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(_TEMPLATE_KEYS))})"
            )
        for key in _REQUIRED_TEMPLATE_KEYS:
            if data.get(key) in (None, "", [], {}):
                raise self.fail(f"missing {key!r}")
        name = self.name(data["name"], folder)
        languages = self.languages(data["languages"])
        fields = self.fields(data["fields"], nested=False)
        compute = self.compute(data.get("compute"))
        self.check_clashes(fields, compute)
        return Template(
            name=name,
            path=folder,
            title=self.title(data["title"], languages),
            kind=self.word(data["kind"], "kind", _KIND_RE),
            languages=languages,
            classification=self.choice(
                data.get("classification", "internal"), "classification", CLASSIFICATIONS
            ),
            retention=self.choice(data.get("retention", "D30"), "retention", RETENTIONS),
            departments=self.departments(data.get("departments") or []),
            numbered=self.boolean(data.get("numbered", True), "numbered"),
            compute=compute,
            fields=fields,
            item_title=self.item_title(data.get("item_title"), languages, fields),
        )

    def item_title(
        self, value: object, languages: tuple[str, ...], fields: tuple[Field, ...]
    ) -> dict[str, str] | None:
        """How a generated item is titled in the archive when the template has no `title`
        field: a pattern per language naming fields in braces, e.g. `{holder_name}`."""
        if value is None:
            return None
        titles = self.title(value, languages)
        names = {f.name for f in fields}
        for pattern in titles.values():
            for used in re.findall(r"\{([^{}]*)\}", pattern):
                if used not in names:
                    raise self.fail(f"item_title names {used!r}, which is not a field")
        return titles

    def name(self, value: object, folder: Path) -> str:
        name = self.word(value, "name", _NAME_RE)
        if name != folder.name:
            raise self.fail(f"name {name!r} differs from its folder's name {folder.name!r}")
        return name

    def word(self, value: object, key: str, pattern: re.Pattern[str]) -> str:
        if not isinstance(value, str) or not pattern.match(value):
            raise self.fail(f"{key} must be lower-case letters, digits and '-' (got {value!r})")
        return value

    def title(self, value: object, languages: tuple[str, ...]) -> dict[str, str]:
        if not isinstance(value, dict):
            raise self.fail(
                "title must be a mapping of language to title, e.g. {en: Notice, zh: 通知}"
            )
        for lang, text in value.items():
            if lang not in languages:
                raise self.fail(f"title has language {lang!r}, which languages: does not list")
            if not isinstance(text, str) or not text.strip():
                raise self.fail(f"title for {lang!r} must be non-empty text")
        missing = [lang for lang in languages if lang not in value]
        if missing:
            raise self.fail(f"title has no {missing[0]!r} version")
        return {lang: value[lang] for lang in languages}

    def languages(self, value: object) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(f"languages must be a non-empty list drawn from {list(LANGUAGES)}")
        for lang in value:
            if lang not in LANGUAGES:
                raise self.fail(
                    f"unsupported language {lang!r} (supported: {', '.join(LANGUAGES)})"
                )
        if len(set(value)) != len(value):
            raise self.fail("languages lists a language twice")
        return tuple(value)

    def choice(self, value: object, key: str, allowed: tuple[str, ...]) -> str:
        if value not in allowed:
            raise self.fail(f"{key} must be one of {', '.join(allowed)} (got {value!r})")
        return str(value)

    def boolean(self, value: object, key: str, field: str | None = None) -> bool:
        if not isinstance(value, bool):
            raise self.fail(f"{key} must be true or false (got {value!r})", field)
        return value

    def departments(self, value: object) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail("departments must be a list of department codes (empty = any)")
        for code in value:
            if not isinstance(code, str) or not DEPT_RE.match(code):
                raise self.fail(f"departments: {code!r} is not a department code like BGS")
        return tuple(value)

    def compute(self, value: object) -> str | None:
        if value is None:
            return None
        from generators.compute import COMPUTATIONS

        if value not in COMPUTATIONS:
            raise self.fail(
                f"compute {value!r} is not a known computation"
                f" (known: {', '.join(sorted(COMPUTATIONS))})"
            )
        return str(value)

    def check_clashes(self, fields: tuple[Field, ...], compute: str | None) -> None:
        if compute is None:
            return
        from generators.compute import COMPUTATIONS

        for field in fields:
            if field.name in COMPUTATIONS[compute].provides:
                raise self.fail(
                    f"the name is computed by {compute!r}; a field cannot also supply it",
                    field.name,
                )

    def fields(self, value: object, nested: bool) -> tuple[Field, ...]:
        what = "columns" if nested else "fields"
        if not isinstance(value, list) or not value:
            raise self.fail(f"{what} must be a non-empty list")
        fields = tuple(self.field(item, nested) for item in value)
        names = [field.name for field in fields]
        for name in names:
            if names.count(name) > 1:
                raise self.fail(f"declared twice in {what}", name)
        return fields

    def field(self, item: object, nested: bool) -> Field:
        if not isinstance(item, dict):
            raise self.fail(f"each field must be a mapping with name: and type: (got {item!r})")
        name = item.get("name")
        if not isinstance(name, str) or not _FIELD_NAME_RE.match(name):
            raise self.fail(
                "a field name must be lower-case letters, digits and '_', starting with a letter"
                f" (got {name!r})"
            )
        if name in RESERVED_NAMES:
            raise self.fail("the name is reserved for the template engine", name)
        unknown = sorted(set(map(str, item)) - _FIELD_KEYS)
        if unknown:
            raise self.fail(
                f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(_FIELD_KEYS))})", name
            )
        kind = item.get("type")
        allowed = SCALAR_TYPES if nested else FIELD_TYPES
        if kind not in allowed:
            raise self.fail(f"type must be one of {', '.join(allowed)} (got {kind!r})", name)
        description = item.get("description")
        if not isinstance(description, str) or not description.strip():
            raise self.fail("needs a description (what to write there)", name)
        columns: tuple[Field, ...] = ()
        if kind == "table":
            if "columns" not in item:
                raise self.fail("a table field needs columns:", name)
            columns = self.fields(item["columns"], nested=True)
        elif "columns" in item:
            raise self.fail("only a table field has columns:", name)
        return Field(
            name=name,
            type=str(kind),
            required=self.boolean(item.get("required", False), "required", name),
            description=description.strip(),
            example=item.get("example"),
            columns=columns,
            max_length=self.max_length(item, name, str(kind)),
            min=self.bound(item, "min", name, str(kind)),
            max=self.bound(item, "max", name, str(kind)),
            choices=self.choices(item, name, str(kind)),
        )

    def max_length(self, item: dict[str, Any], name: str, kind: str) -> int | None:
        if "max_length" not in item:
            return None
        value = item["max_length"]
        if kind not in ("text", "list"):
            raise self.fail("max_length applies only to text and list fields", name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.fail(f"max_length must be a positive whole number (got {value!r})", name)
        return value

    def bound(self, item: dict[str, Any], key: str, name: str, kind: str) -> Decimal | None:
        if key not in item:
            return None
        value = item[key]
        if kind not in ("integer", "decimal"):
            raise self.fail(f"{key} applies only to integer and decimal fields", name)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.fail(f"{key} must be a number (got {value!r})", name)
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise self.fail(f"{key} must be a number (got {value!r})", name) from None
        if not number.is_finite():
            raise self.fail(f"{key} must be a finite number (got {value!r})", name)
        return number

    def choices(self, item: dict[str, Any], name: str, kind: str) -> tuple[str, ...]:
        if "choices" not in item:
            return ()
        value = item["choices"]
        if kind != "text":
            raise self.fail("choices applies only to text fields", name)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise self.fail("choices must be a non-empty list of texts", name)
        return tuple(value)


def _json_safe(value: Any) -> Any:
    """`value` with dates as ISO text and Decimals as text, so json.dumps accepts it."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
