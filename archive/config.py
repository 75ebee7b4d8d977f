"""The data home's configuration: organisation, fonds, time zone, departments, prefixes.

Read in one place (`load`), written by `bureau init` (`write`) and when the search index
changes engine (`with_index_engine`, by `bureau index rebuild --engine`). Names, codes and
document-number prefixes belong here, not in code; `default_config` seeds a new home with
the bureau described in ../shared/seed/bureau-functions.txt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from archive import atomic, filememo
from archive.backends import EMBEDDED_CATALOG, LOCAL_STORE, catalog_setting, store_setting
from archive.codes import DEPT_RE, FONDS_RE
from archive.errors import BadInput, HomeError
from archive.vocab import CLASSIFICATIONS, INDEX_ENGINES, NEW_INDEX_ENGINE

LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class Department:
    """One department of the organisation, with its document-number prefixes."""

    code: str
    name_en: str
    name_zh: str
    prefix_en: str
    prefix_zh: str
    template_prefixes: dict[str, dict[str, str]] = field(default_factory=dict)
    classified_prefix_en: str = ""
    classified_prefix_zh: str = ""
    # The name its documents' issuing-authority mark (版头) shows, e.g. 市教育局 for a
    # department that issues under the bureau's own mark; "" means its full organ name.
    mark_en: str = ""
    mark_zh: str = ""

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def prefix(self, lang: str, template: str | None = None, classified: bool = False) -> str:
        """The document-number prefix for `template` documents in `lang` (e.g. 市教办函).

        Classified documents (秘密 and above) are numbered in a series of their own (e.g.
        市教办密), so the ordinary series shows no gaps to those who may not see them.
        """
        if classified:
            return self.classified_prefix(lang)
        override = self.template_prefixes.get(template or "", {})
        if lang in override:
            return override[lang]
        return self.prefix_zh if lang == "zh" else self.prefix_en

    def classified_prefix(self, lang: str) -> str:
        if lang == "zh":
            return self.classified_prefix_zh or f"{self.prefix_zh}密"
        return self.classified_prefix_en or f"{self.prefix_en}-C"


@dataclass(frozen=True)
class WatchSettings:
    """How the watcher (`bureau watch`) treats the inbox and keeps the index current."""

    settle_seconds: float = 5.0  # a dropped file is taken once unchanged this long
    poll_seconds: float = 1.0  # how often the catalog is checked for newly filed items
    rescan_seconds: float = 300.0  # how often the whole index is reconciled with the catalog


@dataclass(frozen=True)
class Config:
    """Everything a data home is configured with."""

    org_en: str
    org_zh: str
    fonds: str
    timezone: str
    language: str
    default_classification: str
    orphan_grace_seconds: int
    departments: tuple[Department, ...]
    watch: WatchSettings = field(default_factory=WatchSettings)
    encrypted_levels: tuple[str, ...] = ("confidential", "secret", "top-secret")
    # The engine a rebuilt search index is built by. A home configured before there was a
    # choice says nothing and keeps Whoosh; `bureau init` writes tantivy.
    index_engine: str = "whoosh"
    # Where the catalog and the stored files live (archive/backends.py): inside the home by
    # default, or PostgreSQL and an S3 bucket shared by several servers.
    catalog: str = EMBEDDED_CATALOG
    store: str = LOCAL_STORE
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def org(self, lang: str) -> str:
        return self.org_zh if lang == "zh" else self.org_en

    def organ(self, dept: str, lang: str) -> str:
        """The issuing organ's name as documents sign it and seals read it (GB/T 9704):
        e.g. 市教育局办公室, or "General Office, City Education Bureau"."""
        department = self.department(dept)
        if lang == "zh":
            return f"{self.org_zh}{department.name_zh}"
        return f"{department.name_en}, {self.org_en}"

    def mark(self, dept: str, lang: str) -> str:
        """The issuer's name in the header mark (版头, GB/T 9704 § 7.2.4), before 文件: the
        department's `mark` setting, by default its organ name (市教育局办公室文件)."""
        department = self.department(dept)
        configured = department.mark_zh if lang == "zh" else department.mark_en
        return configured or self.organ(dept, lang)

    def department(self, code: str) -> Department:
        """The department with `code` (any case), or BadInput listing the known ones."""
        wanted = code.strip().upper()
        for dept in self.departments:
            if dept.code == wanted:
                return dept
        known = ", ".join(d.code for d in self.departments)
        raise BadInput(f"unknown department {code!r}: known departments are {known}")


_SEED_DEPARTMENTS: tuple[tuple[str, str, str, str], ...] = (
    ("BGS", "General Office", "办公室", "市教办"),
    ("RSK", "Personnel Section", "人事科", "市教人"),
    ("JCK", "Planning and Finance Department (Audit Department)", "计划财务科（审计科）", "市教财"),
    ("JJK", "Basic Education Section", "基础教育科", "市教基"),
    ("ZCK", "Vocational and Adult Education Section", "职业教育与成人教育科", "市教职"),
    ("TWY", "Sports, Health and Art Education Section", "体育卫生与艺术教育科", "市教体"),
    (
        "SXK",
        "Ideological and Political Work and Publicity Section",
        "思想政治工作和宣传科",
        "市教宣",
    ),
    ("JXX", "Teacher Training Institute", "教师进修学校", "市教师训"),
)


def default_config(
    org: str | None,
    fonds: str,
    lang: str,
    catalog: str = EMBEDDED_CATALOG,
    store: str = LOCAL_STORE,
) -> dict[str, Any]:
    """The configuration of a new home, as the YAML mapping `bureau init` writes."""
    if lang not in LANGUAGES:
        raise BadInput(f"unknown language {lang!r}: use en or zh")
    org_en, org_zh = "City Education Bureau", "市教育局"
    if org:
        if _has_cjk(org):
            org_zh = org
        else:
            org_en = org
    departments = []
    for code, name_en, name_zh, prefix_zh in _SEED_DEPARTMENTS:
        entry: dict[str, Any] = {
            "code": code,
            "name": {"en": name_en, "zh": name_zh},
            "prefix": {"en": f"CEB-{code}", "zh": prefix_zh},
        }
        if code == "BGS":
            entry["template_prefixes"] = {"letter": {"en": "CEB-BGS-L", "zh": "市教办函"}}
        departments.append(entry)
    return {
        "organisation": {"en": org_en, "zh": org_zh},
        "fonds": fonds,
        "timezone": "Asia/Shanghai",
        "language": lang,
        "default_classification": "internal",
        "orphan_grace_seconds": 3600,
        "departments": departments,
        "index": {"engine": NEW_INDEX_ENGINE},
        "catalog": catalog_setting(catalog),
        "store": store_setting(store),
    }


def write(path: Path, data: dict[str, Any]) -> None:
    """Write the configuration atomically after validating it."""
    parse(data, str(path))
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    atomic.write_bytes(path, text.encode("utf-8"), mode=0o640)


def load(path: Path) -> Config:
    """Read and validate the configuration file; HomeError with the file name if it is bad.
    The result is reused while the file is unchanged (archive/filememo.py)."""
    return filememo.remembered("config", path, [path], lambda: _read(path))


def _read(path: Path) -> Config:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise HomeError(f"{path}: configuration file is missing") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise HomeError(f"{path}: configuration is not valid YAML: {_first_line(exc)}") from exc
    return parse(data, str(path))


_KNOWN_KEYS = {
    "organisation",
    "fonds",
    "timezone",
    "language",
    "default_classification",
    "orphan_grace_seconds",
    "departments",
    "watch",
    "encrypted_levels",
    "index",
    "catalog",
    "store",
}


def parse(data: Any, where: str) -> Config:
    """Validate a configuration mapping; later issues' keys are kept in `extra`."""
    if not isinstance(data, dict):
        raise HomeError(f"{where}: configuration must be a mapping")

    def need(key: str) -> Any:
        if key not in data:
            raise HomeError(f"{where}: configuration lacks {key!r}")
        return data[key]

    org = need("organisation")
    if not isinstance(org, dict) or not org.get("en") or not org.get("zh"):
        raise HomeError(f"{where}: 'organisation' needs 'en' and 'zh' names")
    fonds = str(need("fonds"))
    if not FONDS_RE.match(fonds):
        raise HomeError(f"{where}: invalid fonds code {fonds!r}")
    timezone = str(need("timezone"))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise HomeError(f"{where}: unknown time zone {timezone!r}") from exc
    language = str(data.get("language", "en"))
    if language not in LANGUAGES:
        raise HomeError(f"{where}: language must be en or zh, not {language!r}")
    default_classification = str(data.get("default_classification", "internal"))
    if default_classification not in CLASSIFICATIONS:
        raise HomeError(f"{where}: unknown default_classification {default_classification!r}")
    grace = data.get("orphan_grace_seconds", 3600)
    if not isinstance(grace, int) or grace < 0:
        raise HomeError(f"{where}: orphan_grace_seconds must be a whole number of seconds")
    departments = tuple(_department(entry, where) for entry in need("departments") or [])
    if not departments:
        raise HomeError(f"{where}: at least one department is needed")
    codes = [d.code for d in departments]
    if len(set(codes)) != len(codes):
        raise HomeError(f"{where}: department codes must be unique")
    return Config(
        org_en=str(org["en"]),
        org_zh=str(org["zh"]),
        fonds=fonds,
        timezone=timezone,
        language=language,
        default_classification=default_classification,
        orphan_grace_seconds=grace,
        departments=departments,
        watch=_watch(data.get("watch"), where),
        encrypted_levels=_encrypted_levels(data.get("encrypted_levels"), where),
        index_engine=_index_engine(data.get("index"), where),
        catalog=_backend(catalog_setting, data.get("catalog"), where),
        store=_backend(store_setting, data.get("store"), where),
        extra={k: v for k, v in data.items() if k not in _KNOWN_KEYS},
    )


def _encrypted_levels(entry: Any, where: str) -> tuple[str, ...]:
    """The levels stored encrypted: by default confidential and above. Whatever is chosen,
    every level above an encrypted one is encrypted too."""
    if entry is None:
        return ("confidential", "secret", "top-secret")
    if not isinstance(entry, list) or not all(isinstance(e, str) for e in entry):
        raise HomeError(f"{where}: 'encrypted_levels' must be a list of classification levels")
    unknown = [e for e in entry if e not in CLASSIFICATIONS]
    if unknown:
        raise HomeError(f"{where}: unknown level {unknown[0]!r} in 'encrypted_levels'")
    if not entry:
        return ()
    lowest = min(CLASSIFICATIONS.index(e) for e in entry)
    return CLASSIFICATIONS[lowest:]


def _index_engine(entry: Any, where: str) -> str:
    if entry is None:
        return "whoosh"
    if not isinstance(entry, dict) or set(entry) - {"engine"}:
        raise HomeError(f"{where}: 'index' must be a mapping with one key, 'engine'")
    engine = entry.get("engine", "whoosh")
    if engine not in INDEX_ENGINES:
        raise HomeError(
            f"{where}: index.engine must be {' or '.join(INDEX_ENGINES)}, not {engine!r}"
        )
    return str(engine)


def _backend(check: Callable[[object], str], value: Any, where: str) -> str:
    try:
        return check(value)
    except BadInput as exc:
        raise HomeError(f"{where}: {exc}") from exc


def with_index_engine(data: dict[str, Any], engine: str) -> dict[str, Any]:
    """The configuration mapping `data` naming `engine` for the search index."""
    if engine not in INDEX_ENGINES:
        raise BadInput(f"unknown index engine {engine!r}: use {' or '.join(INDEX_ENGINES)}")
    return {**data, "index": {**(data.get("index") or {}), "engine": engine}}


def read_mapping(path: Path) -> dict[str, Any]:
    """The configuration file as its YAML mapping (to change one setting and `write` it)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise HomeError(f"{path}: configuration cannot be read: {_first_line(exc)}") from exc
    if not isinstance(data, dict):
        raise HomeError(f"{path}: configuration must be a mapping")
    return data


def _watch(entry: Any, where: str) -> WatchSettings:
    if entry is None:
        return WatchSettings()
    if not isinstance(entry, dict):
        raise HomeError(f"{where}: 'watch' must be a mapping")
    known = WatchSettings.__dataclass_fields__
    unknown = sorted(set(entry) - set(known))
    if unknown:
        raise HomeError(
            f"{where}: unknown 'watch' setting {unknown[0]!r}: known are {', '.join(known)}"
        )
    values = {}
    for key, value in entry.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 86400:
            raise HomeError(f"{where}: watch.{key} must be a number of seconds above 0")
        values[key] = float(value)
    return WatchSettings(**values)


def _department(entry: Any, where: str) -> Department:
    if not isinstance(entry, dict):
        raise HomeError(f"{where}: each department must be a mapping")
    code = str(entry.get("code", ""))
    if not DEPT_RE.match(code):
        raise HomeError(f"{where}: invalid department code {code!r}")
    name = entry.get("name") or {}
    prefix = entry.get("prefix") or {}
    if not (name.get("en") and name.get("zh")):
        raise HomeError(f"{where}: department {code} needs 'name' in en and zh")
    if not (prefix.get("en") and prefix.get("zh")):
        raise HomeError(f"{where}: department {code} needs 'prefix' in en and zh")
    classified = entry.get("classified_prefix") or {}
    if not isinstance(classified, dict):
        raise HomeError(f"{where}: department {code}: classified_prefix maps en/zh to a prefix")
    mark = entry.get("mark") or {}
    if not isinstance(mark, dict) or not all(isinstance(v, str) for v in mark.values()):
        raise HomeError(f"{where}: department {code}: mark maps en/zh to the header mark's name")
    overrides = entry.get("template_prefixes") or {}
    if not isinstance(overrides, dict) or not all(isinstance(v, dict) for v in overrides.values()):
        raise HomeError(f"{where}: department {code}: template_prefixes maps template to en/zh")
    return Department(
        code=code,
        name_en=str(name["en"]),
        name_zh=str(name["zh"]),
        prefix_en=str(prefix["en"]),
        prefix_zh=str(prefix["zh"]),
        template_prefixes={
            str(k): {str(a): str(b) for a, b in v.items()} for k, v in overrides.items()
        },
        classified_prefix_en=str(classified.get("en") or ""),
        classified_prefix_zh=str(classified.get("zh") or ""),
        mark_en=str(mark.get("en") or "").strip(),
        mark_zh=str(mark.get("zh") or "").strip(),
    )


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
