"""The retention schedule: loading, validating and matching its rules, and due dates.

A schedule is a folder of YAML files (the repository's `retention_rules/`), each a mapping
with one key, `rules:`, a list of categories. A category says which documents it covers
(kinds, templates, departments; an empty list means any), how long they are kept
(`Y`, `D30`, `D10`), what happens at the end (`destroy`, `review`, `transfer`) and why.

Every document matches exactly one category: two rules that could both match the same
document are refused when the schedule is loaded, as is anything else wrong with it, with
a one-line `ScheduleError` naming the file and the rule.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from archive import filememo
from archive.codes import DEPT_RE
from archive.errors import BadInput, NotFound
from archive.vocab import RETENTION_YEARS, RETENTIONS

ACTIONS: tuple[str, ...] = ("destroy", "review", "transfer")

CODE_RE = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$")
CODE_MAX = 32

REQUIRED_KEYS: tuple[str, ...] = ("code", "title", "title_zh", "retention", "action", "basis")
OPTIONAL_KEYS: tuple[str, ...] = ("kinds", "templates", "depts")
KNOWN_KEYS: tuple[str, ...] = REQUIRED_KEYS + OPTIONAL_KEYS

_DIGEST_VERSION = "bureau-retention-schedule/1"


class ScheduleError(BadInput):
    """The retention schedule is invalid; the message names the file and the rule."""


def due_date(doc_date: date, retention: str) -> date | None:
    """When a document of `doc_date` kept for `retention` falls due: None if permanent,
    else 1 January of the year after the document's year plus the period."""
    code = str(retention).strip().upper()
    if code not in RETENTIONS:
        raise BadInput(f"unknown retention {retention!r}: use one of {', '.join(RETENTIONS)}")
    years = RETENTION_YEARS[code]
    if years is None:
        return None
    year = doc_date.year + 1 + years
    if year > date.max.year:
        raise BadInput(f"the due date of a {code} document of {doc_date.isoformat()} is too late")
    return date(year, 1, 1)


def _kind(value: str) -> str:
    return " ".join(str(value).split()).lower()


def _dept(value: str) -> str:
    return str(value).strip().upper()


def _template(value: str) -> str:
    return str(value).strip()


@dataclass(frozen=True)
class Rule:
    """One retention category of the schedule."""

    code: str
    title: str
    title_zh: str
    kinds: tuple[str, ...]
    templates: tuple[str, ...]
    depts: tuple[str, ...]
    retention: str
    action: str
    basis: str
    source: str = ""

    def matches(self, kind: str, template: str | None, dept: str) -> bool:
        """Whether a document of `kind` from `template` (None: not from a template) in
        `dept` falls in this category: each non-empty list must contain the value."""
        if self.kinds and _kind(kind) not in self.kinds:
            return False
        if self.depts and _dept(dept) not in self.depts:
            return False
        if self.templates:
            return template is not None and _template(template) in self.templates
        return True

    def overlaps(self, other: Rule) -> bool:
        """Whether some document could match both this rule and `other`."""
        return all(
            not mine or not theirs or bool(set(mine) & set(theirs))
            for mine, theirs in (
                (self.kinds, other.kinds),
                (self.templates, other.templates),
                (self.depts, other.depts),
            )
        )

    def due(self, doc_date: date) -> date | None:
        """The due date of a document of `doc_date` in this category (None if permanent)."""
        return due_date(doc_date, self.retention)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "title_zh": self.title_zh,
            "retention": self.retention,
            "action": self.action,
            "kinds": list(self.kinds),
            "templates": list(self.templates),
            "depts": list(self.depts),
            "basis": self.basis,
        }

    def where(self) -> str:
        """`file: rule CODE`, the way messages name this rule."""
        return f"{self.source}: rule {self.code}" if self.source else f"rule {self.code}"


@dataclass(frozen=True)
class Schedule:
    """A validated retention schedule: its rules (sorted by code) and their digest."""

    rules: tuple[Rule, ...]
    digest: str
    sources: tuple[str, ...] = ()

    @classmethod
    def of(cls, rules: Iterable[Rule], sources: Sequence[str] = ()) -> Schedule:
        """A schedule of `rules` with their digest (the rules are not validated)."""
        ordered = tuple(sorted(rules, key=lambda r: r.code))
        return cls(ordered, digest_of(ordered), tuple(sources))

    def get(self, code: str) -> Rule:
        """The category with `code` (any case), or NotFound naming the known ones."""
        wanted = str(code).strip().upper()
        for rule in self.rules:
            if rule.code == wanted:
                return rule
        known = ", ".join(r.code for r in self.rules)
        raise NotFound(f"unknown retention category {code!r}: known categories are {known}")

    def matching(self, kind: str, template: str | None, dept: str) -> list[Rule]:
        """Every rule that a document of (kind, template, dept) matches."""
        return [r for r in self.rules if r.matches(kind, template, dept)]

    def match(self, kind: str, template: str | None, dept: str) -> Rule:
        """The one category of a document of (kind, template, dept), or BadInput."""
        found = self.matching(kind, template, dept)
        if len(found) == 1:
            return found[0]
        what = _describe(kind, template, dept)
        if not found:
            raise BadInput(
                f"no retention category for {what}: give --category CODE "
                "(`bureau retention rules` lists them)"
            )
        raise ScheduleError(f"{what} matches {_both(found)}")

    def check_templates(
        self, templates: Iterable[tuple[str, str, Sequence[str]]], all_depts: Sequence[str]
    ) -> None:
        """ScheduleError unless every (template, department) has exactly one category.

        Each template is (name, kind, departments); no departments means any of `all_depts`.
        """
        for name, kind, departments in templates:
            for dept in departments or all_depts:
                found = self.matching(kind, name, dept)
                if len(found) == 1:
                    continue
                what = f"template {name!r} (kind {_kind(kind)}, department {_dept(dept)})"
                if not found:
                    raise ScheduleError(f"{self._files()}: {what} has no retention category")
                raise ScheduleError(f"{what} matches {_both(found)}")

    def check_coverage(self, kinds: Iterable[str], depts: Sequence[str]) -> None:
        """ScheduleError unless every (kind, department), not from a template, has exactly
        one category."""
        missing = []
        for kind in kinds:
            for dept in depts:
                found = self.matching(kind, None, dept)
                if len(found) > 1:
                    raise ScheduleError(f"{_describe(kind, None, dept)} matches {_both(found)}")
                if not found:
                    missing.append(f"{_kind(kind)}/{_dept(dept)}")
        if missing:
            shown = ", ".join(missing[:10]) + (
                f" and {len(missing) - 10} more" if missing[10:] else ""
            )
            raise ScheduleError(f"{self._files()}: no retention category for (kind/dept) {shown}")

    def to_json(self) -> list[dict[str, Any]]:
        return [rule.to_json() for rule in self.rules]

    def _files(self) -> str:
        return ", ".join(self.sources) or "the retention schedule"


def digest_of(rules: Iterable[Rule]) -> str:
    """SHA-256 over the rules' canonical content: independent of files, comments, key order,
    rule order and the order within lists; any change to a rule changes it."""
    canonical = []
    for rule in sorted(rules, key=lambda r: r.code):
        entry = rule.to_json()
        for key in ("kinds", "templates", "depts"):
            entry[key] = sorted(entry[key])
        canonical.append(entry)
    text = json.dumps(
        {"schedule": _DIGEST_VERSION, "rules": canonical},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def builtin_folder() -> Path:
    """The repository's own schedule, `retention_rules/`."""
    return Path(__file__).resolve().parents[2] / "retention_rules"


def load(folder: Path) -> Schedule:
    """Read and validate every `*.yaml` in `folder` (in name order); ScheduleError on any
    problem, naming the file and the rule."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ScheduleError(f"{folder}: retention schedule folder not found")
    files = sorted(p for p in folder.glob("*.yaml") if p.is_file())
    return filememo.remembered("schedule", folder, [folder, *files], lambda: _read(folder, files))


def _read(folder: Path, files: list[Path]) -> Schedule:
    rules: list[Rule] = []
    seen: dict[str, Rule] = {}
    for path in files:
        for rule in _load_file(path):
            if rule.code in seen:
                raise ScheduleError(
                    f"{rule.where()}: duplicate category code, already in {seen[rule.code].source}"
                )
            seen[rule.code] = rule
            rules.append(rule)
    if not rules:
        raise ScheduleError(f"{folder}: no retention rules (no *.yaml file with a 'rules:' list)")
    for i, first in enumerate(rules):
        for second in rules[i + 1 :]:
            if first.overlaps(second):
                raise ScheduleError(
                    f"{second.where()}: overlaps {first.where()}: "
                    f"both match {_overlap(first, second)}"
                )
    return Schedule.of(rules, [str(p) for p in files])


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml: every command loads it
    """A safe loader that refuses a key given twice in one mapping."""


def _mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    keys = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in keys:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} given twice", key_node.start_mark
            )
        keys.add(key)
    return loader.construct_mapping(node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _load_file(path: Path) -> list[Rule]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScheduleError(f"{path}: cannot read the file: {exc}") from exc
    try:
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ScheduleError(f"{path}: {_yaml_problem(exc)}") from exc
    if not isinstance(data, dict) or "rules" not in data:
        raise ScheduleError(f"{path}: expected a mapping with a 'rules:' list")
    extra = sorted(str(k) for k in data if k != "rules")
    if extra:
        raise ScheduleError(f"{path}: unknown top-level key {extra[0]!r}: only 'rules' is known")
    entries = data["rules"]
    if not isinstance(entries, list) or not entries:
        raise ScheduleError(f"{path}: 'rules' must be a non-empty list of rules")
    return [_rule(entry, str(path), number) for number, entry in enumerate(entries, 1)]


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).strip().splitlines()[0]
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"{where}not valid YAML: {problem}"


def _rule(entry: Any, source: str, number: int) -> Rule:
    where = f"{source}: rule #{number}"
    if not isinstance(entry, dict):
        raise ScheduleError(f"{where}: a rule must be a mapping of {', '.join(KNOWN_KEYS)}")
    code = ""
    raw_code = entry.get("code")
    if isinstance(raw_code, str) and raw_code.strip():
        code = raw_code.strip().upper()
        where = f"{source}: rule {code}"
        if len(code) > CODE_MAX or not CODE_RE.match(code):
            raise ScheduleError(
                f"{where}: invalid code: use upper-case letters, digits and '-' "
                f"(at most {CODE_MAX} characters)"
            )
    unknown = sorted(str(k) for k in entry if k not in KNOWN_KEYS)
    if unknown:
        raise ScheduleError(
            f"{where}: unknown key {unknown[0]!r}: known keys are {', '.join(KNOWN_KEYS)}"
        )
    for key in REQUIRED_KEYS:
        if key not in entry or entry[key] is None or entry[key] == "":
            raise ScheduleError(f"{where}: missing {key!r}")
    for key in ("code", "title", "title_zh", "basis"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise ScheduleError(f"{where}: {key!r} must be non-empty text")

    retention = str(entry["retention"]).strip().upper()
    if not isinstance(entry["retention"], str) or retention not in RETENTIONS:
        raise ScheduleError(
            f"{where}: invalid retention {entry['retention']!r}: use one of {', '.join(RETENTIONS)}"
        )
    action = str(entry["action"]).strip().lower()
    if not isinstance(entry["action"], str) or action not in ACTIONS:
        raise ScheduleError(
            f"{where}: invalid action {entry['action']!r}: use one of {', '.join(ACTIONS)}"
        )
    if retention == "Y" and action == "destroy":
        raise ScheduleError(
            f"{where}: a permanent (Y) category cannot end in 'destroy': use transfer or review"
        )

    kinds = _list(entry, "kinds", where, _kind)
    templates = _list(entry, "templates", where, _template)
    depts = _list(entry, "depts", where, _dept)
    for dept in depts:
        if not DEPT_RE.match(dept):
            raise ScheduleError(f"{where}: invalid department code {dept!r} in 'depts'")

    return Rule(
        code=code,
        title=_line(entry["title"]),
        title_zh=_line(entry["title_zh"]),
        kinds=kinds,
        templates=templates,
        depts=depts,
        retention=retention,
        action=action,
        basis=_line(entry["basis"]),
        source=source,
    )


def _list(entry: dict[str, Any], key: str, where: str, normal: Any) -> tuple[str, ...]:
    value = entry.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ScheduleError(f"{where}: {key!r} must be a list of names ([] or left out means any)")
    out: list[str] = []
    for item in value:
        name = normal(item)
        if name in out:
            raise ScheduleError(f"{where}: {name!r} is listed twice in {key!r}")
        out.append(name)
    return tuple(out)


def _line(text: str) -> str:
    return " ".join(text.split())


def _describe(kind: str, template: str | None, dept: str) -> str:
    made = f"template {template!r}" if template is not None else "no template"
    return f"a document of kind {_kind(kind)!r} ({made}) in department {_dept(dept)!r}"


def _both(rules: Sequence[Rule]) -> str:
    return " and ".join(r.where() for r in rules) + ": categories must not overlap"


def _overlap(a: Rule, b: Rule) -> str:
    def common(x: tuple[str, ...], y: tuple[str, ...], noun: str) -> str:
        if not x and not y:
            return f"any {noun}"
        shared = sorted(set(x) & set(y)) if x and y else list(x or y)
        return f"{noun} {', '.join(shared)}"

    return "; ".join(
        (
            common(a.kinds, b.kinds, "kind"),
            common(a.templates, b.templates, "template"),
            common(a.depts, b.depts, "dept"),
        )
    )
