"""Full-text indexing and search: throughput, freshness, latency and memory.

Four measurements, each beside bare Whoosh doing the same work in the same run:

1. **Indexing throughput.** A thousand real DOCX documents of bureau text (Chinese,
   English, a few mixed; 1-3 KB of text each) are filed into a fresh data home, then
   `Indexer.rebuild()` is timed: catalog read, blob read and SHA-256 check, text extraction,
   analysis, Whoosh writes. The bare baseline adds the very same extracted documents (the
   fields `index_fields` makes) to a fresh index of the same schema with one Whoosh writer
   and one commit. A breakdown times each stage before Whoosh alone over the same items,
   and the bare writes again at the indexer's writer memory limit. `Indexer.catch_up()`
   (the watcher's incremental path: `update_document`, a commit per 100) is timed against
   the same baseline.
2. **Filing to searchable.** A real `bureau watch` process runs on that home while this
   process files a document every half second (`Archive.file`, as `bureau file` does) and
   searches (`indexer.search.search`) for a word only that document holds until it is
   found. The watcher looks at the catalog every `poll_seconds` (1 s), which is the floor.
3. **Search latency at 10,000 and 100,000 items.** Filing 100,000 items would take most of
   an hour, so the index is written directly: synthetic items with the real schema and
   analyzer and the fields `index_fields` makes, bodies of 1-2 KB drawn from a phrase bank
   with Zipfian frequencies of sentences, topics, names and schools, written with Whoosh's
   own writer (a commit per 10,000) and placed as a generation with `IndexDir`. The
   indexes are kept in bench/out/index-cache/ (keyed by a version string), so only the
   first run pays for the build. 200 queries of the kinds archivists type, with an
   archivist's clearance filter, run through `indexer.search.search` (which opens the
   index on every call, as the CLI does), through its internals on one searcher kept open
   (to separate the cost of opening), and through bare Whoosh on one searcher (parse,
   search a page, read the stored fields).
4. **Peak memory of a rebuild.** Homes of 2,000, 10,000 and 100,000 filed items (small
   documents, so that filing and rebuilding 100,000 take minutes, not an hour) are rebuilt
   by `Indexer.rebuild()` in a fresh process, which reports its peak resident set size.
   The process that files them turns off fsync and SQLite's synchronous writes (for the
   fixture only; the rebuilds run as shipped).

The fixtures of 3 and 4 are built by child processes side by side before anything is
timed. Filed items are public or internal only: classified ones are encrypted, which needs
the passphrase in every process that files, indexes or searches them.
`python -m bench.bench_index` prints the section.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import docx
import whoosh
import whoosh.index
from whoosh import qparser, query
from whoosh.filedb.filestore import FileStorage
from whoosh.searching import Searcher

from archive.filing import FilingRequest, Source
from archive.home import DataHome
from archive.service import Archive
from bench.analyzer_corpus import DOCUMENTS, QUERIES
from bench.documents import pdf_bytes
from indexer.analysis import doc_no_key, mixed_analyzer
from indexer.documents import index_fields, item_text
from indexer.generations import SCHEMA_VERSION, IndexDir
from indexer.schema import QUERY_FIELDS, make_schema
from indexer.search import SearchRequest, search
from indexer.search import run as run_with_engine
from indexer.sync import Indexer
from indexer.text import extract
from indexer.whoosh_engine import WRITER_MEMORY_MB

ROOT = Path(__file__).resolve().parent.parent
ACTOR = "bench"  # creates every home, so it is their administrator
CACHE = Path(__file__).with_name("out") / "index-cache"
CORPUS_VERSION = 2  # change when the synthetic corpus changes, so cached indexes are rebuilt
ENGINE = "whoosh"  # measured against bare Whoosh here; tantivy in bench_engines

THROUGHPUT_DOCS = 1000
ROUNDS = 3
FLOW_DOCS = 60
FLOW_INTERVAL = 0.5  # seconds between filings (2 per second)
FLOW_TIMEOUT = 30.0  # a document not found within this is counted as never found
SEARCH_SIZES = (10_000, 100_000)
SEARCH_COMMIT_EVERY = 10_000
SEARCH_BUILD_PROCS = 2  # Whoosh's multiprocess writer, only to build the search fixture sooner
MEMORY_SIZES = (2_000, 10_000, 100_000)
MEMORY_OTHER_EVERY = 20

# -- a bank of bureau text ------------------------------------------------------------------

DEPTS = ("BGS", "RSK", "JCK", "JJK", "ZCK", "TWY", "SXK", "JXX")
DEPT_WEIGHTS = (30, 12, 14, 20, 10, 6, 5, 3)
ZH_PREFIXES = dict(
    zip(
        DEPTS,
        ("市教办", "市教人", "市教财", "市教基", "市教职", "市教体", "市教宣", "市教师训"),
        strict=True,
    )
)
KINDS = ("notice", "approval", "report", "request", "budget", "certificate", "minutes", "letter")
KIND_WEIGHTS = (45, 12, 10, 8, 5, 10, 5, 5)
NUMBERED_KINDS = {"notice", "approval", "letter"}
CLASSIFICATIONS = ("public", "internal")
CLASSIFICATION_WEIGHTS = (30, 70)
SEARCHER_LEVELS = ("public", "internal", "confidential")  # an archivist's clearance filter
RETENTIONS = ("Y", "D30", "D10")
RETENTION_WEIGHTS = (20, 50, 30)

TOPICS = (
    "school safety inspections", "teacher qualification", "student enrolment",
    "the annual budget", "campus food safety", "vocational education", "preschool education",
    "special education", "teacher training", "school bus management", "examination security",
    "student financial aid", "school building maintenance", "physical health testing",
    "mental health education", "archives management", "letters and visits", "internal audit",
    "government procurement", "fire safety drills", "flood prevention", "after-school services",
    "textbook distribution", "graduation certificates", "school admissions",
    "laboratory chemicals", "campus network security", "professional ethics of teachers",
    "professional title evaluation", "performance pay", "private school approval",
    "off-campus tutoring", "language and script work", "military training of students",
    "school sports meetings", "art education", "myopia prevention", "student records",
    "rural teacher subsidies", "continuing education", "adult education", "school canteens",
    "confidentiality of examination papers", "infectious disease prevention",
)  # fmt: skip
EN_TEMPLATES = (
    "The Bureau has decided to carry out {topic} across all primary and secondary schools.",
    "Each school shall submit its report on {topic} to the {office} before {date}.",
    "{school} is approved to open {n} new classes in the autumn term.",
    "The inspection team led by {person} visited {school} on {date}.",
    "Funding of {amount} yuan is allocated for {topic} in {year}.",
    "Schools must keep a register of hidden hazards and correct them within the time limit.",
    "The results of {topic} will be announced throughout the education system.",
    "Teachers who fail the ethics assessment may not be promoted this year.",
    "Please contact {person} of the {office} at {phone} with any questions.",
    "The application of {school} concerning {topic} has been received and reviewed.",
    "After study, the Bureau agrees to the request subject to the following conditions.",
    "{n} students of {school} passed the physical health test with distinction.",
    "District education bureaus shall strengthen supervision of {topic}.",
    "The budget for {topic} rises by {pct} percent compared with last year.",
    "All expenditure shall follow the rules on government procurement and internal audit.",
    "This notice takes effect from the date of issue and is interpreted by the {office}.",
    "Schools are reminded that examination papers are state secrets until the examination.",
    "The meeting on {topic} will be held in the third-floor conference room on {date}.",
    "A certificate is issued to {person} upon completion of the teacher training course.",
    "{school} reported {n} cases under {topic} during the last quarter.",
    "Vehicles used as school buses must pass the annual safety check by {date}.",
    "The canteen of {school} was inspected and found to meet the food safety standard.",
    "Applicants for teacher qualification must hold a certificate of Mandarin proficiency.",
    "Any objection may be raised with the municipal government within sixty days.",
    "The repair of the teaching building of {school} is estimated at {amount} yuan.",
    "Scholarships of {amount} yuan were granted to {n} students from low-income families.",
    "Headteachers are responsible for {topic} in their own schools.",
    "The Bureau thanks {person} for the letter concerning {topic}.",
    "Quarterly statistics on {topic} shall be reported through the online system.",
    "Special attention should be paid to {topic} during the summer holidays.",
)  # fmt: skip
OFFICES = (
    "General Office", "Personnel Section", "Planning and Finance Department",
    "Basic Education Section", "Vocational and Adult Education Section",
    "Sports, Health and Art Education Section", "Publicity Section", "Teacher Training Institute",
)  # fmt: skip
SURNAMES = (
    "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao Luo Zheng "
    "Liang Xie Song Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Pan Yuan Cai Jiang Yu Du Ye "
    "Cheng Wei Su Lu Ding Ren Shen Yao"
)
SYLLABLES = (
    "an ai bo bin chun cheng da dong fang fei gang guo hai hong hua hui jia jian jie jing jun "
    "kai lan lei li lin ling long mei min ming na ning peng ping qi qiang qing rong rui shan "
    "sheng shu tao ting wei wen xia xiang xiao xin xing xu ya yan yang yi ying yong yu yuan "
    "yue yun ze zhen zhi zhong"
)
ZH_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐韩冯"
    "邓曹彭曾肖田董潘袁蔡蒋余杜叶程魏苏吕丁任沈姚"
)
ZH_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建文红梅新宇浩凯俊峰琳雪晨欣怡佳琪"
    "晓东海波斌春雷亮志永健林燕"
)
ZH_PLACES = "东南西北新城河湖山桥江海花园和平光明长安青阳金星松柏翠竹白云龙泉凤凰"
ZH_NUMERALS = "一二三四五六七八九十"
_SENTENCE = re.compile(r"(?<=[。；！？])")


def _zipf_choice(rng: random.Random, items: list[str] | tuple[str, ...], s: float = 1.05) -> str:
    """An item of `items`, the n-th about n^-s times as often as the first."""
    weights = _zipf_weights(len(items), s)
    return rng.choices(items, cum_weights=weights)[0]


_WEIGHTS: dict[tuple[int, float], list[float]] = {}


def _zipf_weights(n: int, s: float) -> list[float]:
    key = (n, s)
    if key not in _WEIGHTS:
        total, cumulative = 0.0, []
        for rank in range(1, n + 1):
            total += rank**-s
            cumulative.append(total)
        _WEIGHTS[key] = cumulative
    return _WEIGHTS[key]


class Bank:
    """Sentences of bureau text with names, schools and numbers drawn with Zipfian
    frequencies, so the index sees a realistic long tail of rare words."""

    def __init__(self, seed: int = 2026) -> None:
        rng = random.Random(seed)
        self.zh_titles, self.zh_sentences = [], []
        for _, text in DOCUMENTS:
            title, _, body = text.partition("\n")
            self.zh_titles.append(title)
            self.zh_sentences.extend(s for s in _SENTENCE.split(body) if len(s) > 4)
        surnames, syllables = SURNAMES.split(), SYLLABLES.split()
        given = [a.capitalize() + b for a in syllables for b in syllables]
        rng.shuffle(given)
        self.people = [f"{rng.choice(surnames)} {g}" for g in given]  # a long tail of names
        places = [a.capitalize() + b for a in syllables for b in syllables[::3]]
        rng.shuffle(places)
        self.schools = [
            f"{p} {rng.choice(('Primary School', 'Middle School', 'Kindergarten'))}" for p in places
        ] + [f"No. {n} Middle School" for n in range(1, 60)]
        rng.shuffle(self.schools)
        self.zh_people = [s + g for s in ZH_SURNAMES for g in ZH_GIVEN] + [
            s + g + h for s in ZH_SURNAMES[:20] for g in ZH_GIVEN[:30] for h in ZH_GIVEN[30:]
        ]
        rng.shuffle(self.zh_people)
        self.zh_schools = [f"市第{a}{b}中学" for a in ZH_NUMERALS for b in ("", "十")] + [
            f"{a}{b}小学" for a in ZH_PLACES for b in ZH_PLACES if a != b
        ]
        rng.shuffle(self.zh_schools)

    def en_sentence(self, rng: random.Random) -> str:
        template = _zipf_choice(rng, EN_TEMPLATES, 0.6)
        return template.format(
            topic=_zipf_choice(rng, TOPICS, 0.9),
            office=rng.choice(OFFICES),
            school=_zipf_choice(rng, self.schools),
            person=_zipf_choice(rng, self.people),
            date=_random_date(rng).strftime("%d %B %Y"),
            year=rng.randint(2019, 2026),
            n=rng.randint(2, 400),
            amount=f"{rng.randint(5, 9000) * 1000:,}",
            pct=rng.randint(1, 30),
            phone=f"0571-{rng.randint(80000000, 89999999)}",
        )

    def zh_sentence(self, rng: random.Random) -> str:
        pick = rng.random()
        if pick < 0.15:
            name, school = _zipf_choice(rng, self.zh_people), _zipf_choice(rng, self.zh_schools)
            return rng.choice(
                (
                    f"联系人：{name}，联系电话：0571-{rng.randint(80000000, 89999999)}。",
                    f"{school}{name}老师被评为{rng.randint(2019, 2026)}年度市级优秀教师。",
                    f"经审核，同意{school}{name}的申请。",
                    f"{school}共有学生{rng.randint(300, 3000)}名，教职工{rng.randint(30, 250)}名。",
                )
            )
        sentence = _zipf_choice(rng, self.zh_sentences, 0.7)
        return re.sub(r"\d+", lambda m: _renumber(rng, m.group()), sentence)

    def body(self, rng: random.Random, lang: str, size: int) -> str:
        """Paragraphs of about `size` bytes of UTF-8 text in `lang` (en, zh or mixed)."""
        paragraphs, paragraph, used = [], [], 0
        while used < size:
            zh = lang == "zh" or (lang == "mixed" and rng.random() < 0.6)
            sentence = self.zh_sentence(rng) if zh else self.en_sentence(rng) + " "
            paragraph.append(sentence)
            used += len(sentence.encode("utf-8"))
            if len(paragraph) >= rng.randint(2, 5):
                paragraphs.append("".join(paragraph).strip())
                paragraph = []
        if paragraph:
            paragraphs.append("".join(paragraph).strip())
        return "\n".join(paragraphs)

    def title(self, rng: random.Random, lang: str, kind: str) -> str:
        if lang == "zh":
            return _zipf_choice(rng, self.zh_titles, 0.5)
        topic = _zipf_choice(rng, TOPICS, 0.9)
        heading = {"notice": "Notice on", "approval": "Approval concerning", "report": "Report on"}
        return f"{heading.get(kind, kind.capitalize() + ' on')} {topic}"


def _renumber(rng: random.Random, digits: str) -> str:
    """Another number of the same kind: a year stays a year, a day or month stays small."""
    if len(digits) == 4 and digits.startswith("20"):
        return str(rng.randint(2019, 2026))
    if len(digits) <= 2:
        value = int(digits)
        return str(rng.randint(1, 12 if value <= 12 else 28 if value <= 31 else 99))
    return str(rng.randint(10 ** (len(digits) - 1), 10 ** len(digits) - 1))


def _random_date(rng: random.Random) -> date:
    return date(2019, 1, 1) + timedelta(days=rng.randint(0, 8 * 365 - 1))


@dataclass(frozen=True)
class Doc:
    """What one synthetic item says: its metadata and text."""

    n: int
    lang: str
    kind: str
    dept: str
    title: str
    body: str
    date: date
    classification: str
    retention: str
    doc_no: str | None


class Corpus:
    """Deterministic synthetic items: `doc(n)` is the same on every run, in any order."""

    def __init__(
        self,
        seed: int = 2026,
        min_bytes: int = 1000,
        max_bytes: int = 2000,
        lang_weights: tuple[int, int, int] = (6, 3, 1),  # zh, en, mixed
    ) -> None:
        self.bank = Bank(seed)
        self.seed = seed
        self.sizes = (min_bytes, max_bytes)
        self.lang_weights = lang_weights
        self._numbers: list[int | None] = []  # each item's number in its series, if any
        self._series: dict[tuple[str, int, str], int] = {}

    def docs(self, count: int, start: int = 0) -> Iterator[Doc]:
        for n in range(start, start + count):
            yield self.doc(n)

    def doc(self, n: int) -> Doc:
        rng, lang, kind, dept, when = self._header(n)
        number = self._number(n)
        doc_no = None
        if number is not None:
            doc_no = (
                f"{ZH_PREFIXES[dept]}〔{when.year}〕{number}号"
                if lang == "zh"
                else f"CEB-{dept} [{when.year}] No. {number}"
            )
        return Doc(
            n=n,
            lang=lang,
            kind=kind,
            dept=dept,
            title=self.bank.title(rng, lang, kind),
            body=self.bank.body(rng, lang, rng.randint(*self.sizes)),
            date=when,
            classification=rng.choices(CLASSIFICATIONS, weights=CLASSIFICATION_WEIGHTS)[0],
            retention=rng.choices(RETENTIONS, weights=RETENTION_WEIGHTS)[0],
            doc_no=doc_no,
        )

    def _header(self, n: int) -> tuple[random.Random, str, str, str, date]:
        rng = random.Random(self.seed * 1_000_003 + n)
        lang = rng.choices(("zh", "en", "mixed"), weights=self.lang_weights)[0]
        kind = rng.choices(KINDS, weights=KIND_WEIGHTS)[0]
        dept = rng.choices(DEPTS, weights=DEPT_WEIGHTS)[0]
        return rng, lang, kind, dept, _random_date(rng)

    def _number(self, n: int) -> int | None:
        """Numbers run per prefix, year and language in item order, as the register's do."""
        while len(self._numbers) <= n:
            _, lang, kind, dept, when = self._header(len(self._numbers))
            number = None
            if kind in NUMBERED_KINDS:
                key = (dept, when.year, "zh" if lang == "zh" else "en")
                number = self._series[key] = self._series.get(key, 0) + 1
            self._numbers.append(number)
        return self._numbers[n]


def write_docx(doc: Doc, path: Path) -> Path:
    document = docx.Document()
    document.add_heading(doc.title, level=1)
    for paragraph in doc.body.split("\n"):
        document.add_paragraph(paragraph)
    document.core_properties.title = doc.title
    document.save(str(path))
    return path


def filing_request(doc: Doc, path: Path, **extra: Any) -> FilingRequest:
    """What `bureau file` would ask for."""
    return FilingRequest(
        documents=[Source(path)],
        kind=doc.kind,
        dept=doc.dept,
        title=doc.title,
        date=doc.date.isoformat(),
        classification=doc.classification,
        retention=doc.retention,
        doc_no=doc.doc_no,
        **extra,
    )


# -- small helpers ---------------------------------------------------------------------------


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def _new_index(folder: Path) -> whoosh.index.Index:
    folder.mkdir(parents=True)
    return whoosh.index.create_in(str(folder), make_schema())


# -- 1. indexing throughput -------------------------------------------------------------------


@dataclass
class Throughput:
    docs: int
    file_mb: float
    text_mb: float
    rebuild: float
    bare: float
    catch_up: float
    bare_indexer_memory: float  # bare, with the indexer's writer memory limit
    stages: dict[str, float]  # the stages before Whoosh, each timed alone
    analysis: float  # the analyzer alone over the same fields (part of the Whoosh writes)


def file_throughput_documents(archive: Archive, folder: Path) -> float:
    """File THROUGHPUT_DOCS documents as DOCX files; the MB of the files."""
    folder.mkdir()
    size = 0
    for doc in Corpus(seed=7, min_bytes=1000, max_bytes=3000).docs(THROUGHPUT_DOCS):
        path = write_docx(doc, folder / f"doc{doc.n:05d}.docx")
        size += path.stat().st_size
        archive.file(filing_request(doc, path))
    return size / 1e6


def measure_throughput(archive: Archive, root: Path, file_mb: float) -> Throughput:
    ids = sorted(archive.item_ids())
    items = archive.items_by_id(ids)
    fields = [index_fields(items[i], item_text(archive, items[i])) for i in ids]
    text_mb = sum(len(f["body"].encode("utf-8")) for f in fields) / 1e6
    index_dir = IndexDir(archive.home.folder("index"))
    rebuilds, catch_ups, bares, bares_indexer_memory = [], [], [], []
    for r in range(ROUNDS):
        with index_dir.writer_lock():
            rebuilds.append(_timed(Indexer(archive, index_dir, ENGINE).rebuild))
        catch_up_dir = IndexDir(root / f"catch-up{r}")  # a fresh index, caught up from 0
        with catch_up_dir.writer_lock():
            catch_ups.append(_timed(Indexer(archive, catch_up_dir, ENGINE).catch_up))
        bares.append(_timed(lambda r=r: _bare_add(fields, root / f"bare{r}")))
        bares_indexer_memory.append(
            _timed(lambda r=r: _bare_add(fields, root / f"bare-m{r}", WRITER_MEMORY_MB))
        )
    return Throughput(
        docs=len(ids),
        file_mb=file_mb,
        text_mb=text_mb,
        rebuild=statistics.median(rebuilds),
        bare=statistics.median(bares),
        catch_up=statistics.median(catch_ups),
        bare_indexer_memory=statistics.median(bares_indexer_memory),
        stages=_stages(archive, ids),
        analysis=_analysis(fields),
    )


def _bare_add(fields: list[dict[str, Any]], folder: Path, limitmb: int = 128) -> None:
    """The fields added with one writer and one commit (128 MB is Whoosh's default)."""
    writer = _new_index(folder).writer(limitmb=limitmb)
    for document in fields:
        writer.add_document(**document)
    writer.commit()


def _stages(archive: Archive, ids: list[str]) -> dict[str, float]:
    """The stages of a rebuild before Whoosh, each timed alone over the same items."""
    found: dict[str, Any] = {}
    catalog = _timed(lambda: found.update(archive.items_by_id(ids)))
    files = [(found[i], found[i].rendition("docx") or found[i].official) for i in ids]
    blobs: list[bytes] = []
    read = _timed(lambda: blobs.extend(archive.read_content(item, s) for item, s in files))
    pairs = [(blob, s.rendition) for blob, (_, s) in zip(blobs, files, strict=True)]
    extraction = _timed(lambda: [extract(blob, rendition) for blob, rendition in pairs])
    return {
        "catalog read (`items_by_id`)": catalog,
        "blob read + SHA-256 check (`read_content`)": read,
        "text extraction (`indexer.text.extract`)": extraction,
    }


def _analysis(fields: list[dict[str, Any]]) -> float:
    """The mixed analyzer alone over the full-text fields, as Whoosh runs it."""
    analyzer = mixed_analyzer()

    def analyse() -> None:
        for document in fields:
            for name in ("title", "body", "doc_no"):
                for _ in analyzer(document.get(name) or "", positions=True):
                    pass

    return _timed(analyse)


def throughput_lines(t: Throughput) -> list[str]:
    rows = [
        ("bare Whoosh: `add_document` of the same fields, one commit", t.bare),
        ("`Indexer.rebuild()` (catalog, blobs, extraction, analysis, writes)", t.rebuild),
        ("`Indexer.catch_up()` from empty (`update_document`, commit per 100)", t.catch_up),
    ]
    lines = [
        f"{t.docs} DOCX documents of bureau text (Chinese, English, mixed; {t.file_mb:.1f} MB "
        f"of files, {t.text_mb:.1f} MB of extracted text) filed into a fresh home; "
        f"each figure is the median of {ROUNDS} rounds.",
        "",
        "| what | docs/s | MB/s of text | MB/s of files |",
        "|---|---|---|---|",
    ]
    for label, seconds in rows:
        lines.append(
            f"| {label} | {t.docs / seconds:.0f} | {t.text_mb / seconds:.2f} | "
            f"{t.file_mb / seconds:.2f} |"
        )
    lines += [
        "",
        f"**Ratio rebuild / bare: {t.bare / t.rebuild:.2f}** (aim: at least 0.7); "
        f"catch_up / bare: {t.bare / t.catch_up:.2f}",
        "",
        "Where a rebuild's time goes: the stages before Whoosh timed alone over the same "
        f"items, and the bare writes again with the indexer's writer memory "
        f"(`limitmb={WRITER_MEMORY_MB}`; the bare row uses Whoosh's default, 128).",
        "",
        "| stage | seconds | share of rebuild |",
        "|---|---|---|",
    ]
    writes = f"Whoosh writes, analysis included, at `limitmb={WRITER_MEMORY_MB}`"
    stages = {**t.stages, writes: t.bare_indexer_memory}
    for label, seconds in stages.items():
        lines.append(f"| {label} | {seconds:.2f} | {seconds / t.rebuild:.0%} |")
    rest = t.rebuild - sum(stages.values())
    lines += [
        f"| the rest (rebuild minus the above) | {rest:.2f} | {rest / t.rebuild:.0%} |",
        f"| rebuild in all | {t.rebuild:.2f} | 100% |",
        "",
        f"The same writes at `limitmb=128` (the bare row) take {t.bare:.2f} s; the analyzer "
        f"alone takes {t.analysis:.2f} s of them.",
    ]
    return lines


# -- 2. filing to searchable --------------------------------------------------------------------


def measure_freshness(archive: Archive, root: Path) -> list[float]:
    """Seconds from each filing until a search finds it, with `bureau watch` running."""
    index_dir = IndexDir(archive.home.folder("index"))
    watcher = _start_watcher(archive.home.root, root / "watch.log")
    try:
        corpus = Corpus(seed=11, min_bytes=1000, max_bytes=2000)
        folder = root / "flow"
        folder.mkdir()
        _file_and_wait(archive, index_dir, corpus.doc(0), folder, timeout=60.0)  # warm-up
        return _steady_flow(archive, index_dir, corpus, folder)
    finally:
        watcher.send_signal(signal.SIGTERM)
        try:
            watcher.wait(timeout=30)
        except subprocess.TimeoutExpired:
            watcher.kill()
            watcher.wait()


def _start_watcher(home: Path, log: Path) -> subprocess.Popen[bytes]:
    """`bureau watch`, as the home's administrator (the user who created it)."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bureau", "--home", str(home), "watch"],
            cwd=ROOT,
            env={**os.environ, "BUREAU_USER": ACTOR},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _tracer(n: int) -> str:
    return f"tracer{n:04d}q"


def _with_tracer(doc: Doc) -> Doc:
    return replace(doc, body=f"{doc.body}\nReference {_tracer(doc.n)}.")


def _found(index_dir: IndexDir, n: int) -> bool:
    return search(index_dir, SearchRequest(text=_tracer(n), limit=1)).total > 0


def _file_and_wait(
    archive: Archive, index_dir: IndexDir, doc: Doc, folder: Path, timeout: float
) -> float:
    doc = _with_tracer(doc)
    archive.file(filing_request(doc, write_docx(doc, folder / f"flow{doc.n}.docx")))
    start = time.monotonic()
    while not _found(index_dir, doc.n):
        if time.monotonic() - start > timeout:
            raise RuntimeError("the watcher did not index a filed document")
        time.sleep(0.02)
    return time.monotonic() - start


def _steady_flow(
    archive: Archive, index_dir: IndexDir, corpus: Corpus, folder: Path
) -> list[float]:
    docs = [_with_tracer(corpus.doc(n)) for n in range(1, FLOW_DOCS + 1)]
    paths = [write_docx(d, folder / f"flow{d.n}.docx") for d in docs]  # ready before the clock
    pending: dict[int, float] = {}
    latencies: list[float] = []
    start = time.monotonic()
    next_doc = 0
    while next_doc < len(docs) or pending:
        now = time.monotonic()
        if next_doc < len(docs) and now >= start + next_doc * FLOW_INTERVAL:
            archive.file(filing_request(docs[next_doc], paths[next_doc]))
            pending[docs[next_doc].n] = time.monotonic()
            next_doc += 1
        for n, filed in list(pending.items()):
            if _found(index_dir, n):
                latencies.append(time.monotonic() - filed)
                del pending[n]
            elif time.monotonic() - filed > FLOW_TIMEOUT:
                latencies.append(float("inf"))
                del pending[n]
        time.sleep(0.02)
    return latencies


def freshness_lines(latencies: list[float]) -> list[str]:
    missed = sum(1 for s in latencies if s == float("inf"))
    return [
        f"A `bureau watch` process (poll interval 1 s, the floor of this figure) on the home "
        f"above; this process files {len(latencies)} DOCX documents at {1 / FLOW_INTERVAL:.0f} "
        "per second with `Archive.file` and searches with `indexer.search.search` every 20 ms "
        "for a word only the new document holds, from the moment filing returns.",
        "",
        "| filing to searchable | seconds |",
        "|---|---|",
        f"| median | {statistics.median(latencies):.2f} |",
        f"| p95 | {_p95(latencies):.2f} |",
        f"| max | {max(latencies):.2f} |",
        "",
        f"Not found within {FLOW_TIMEOUT:.0f} s: {missed}.",
    ]


# -- 3. search latency ---------------------------------------------------------------------------


def search_fields(doc: Doc) -> dict[str, Any]:
    """The Whoosh document `index_fields` would make for this item."""
    rng = random.Random(doc.n)
    fields: dict[str, Any] = {
        "id": "".join(rng.choices("0123456789ABCDEFGHJKMNPQRSTVWXYZ", k=26)),
        "archive_code": f"J042-WS·{doc.date.year}-{doc.retention}-{doc.dept}-{doc.n + 1:06d}",
        "title": doc.title,
        "body": doc.body,
        "kind": doc.kind,
        "dept": doc.dept,
        "year": doc.date.year,
        "date": doc.date.isoformat(),
        "classification": doc.classification,
        "retention": doc.retention,
        "sealed": rng.random() < 0.3,
        "encrypted": False,
        "status": "superseded" if rng.random() < 0.02 else "filed",
        "text": "available",
        "text_reason": "",
    }
    if doc.doc_no:
        fields["doc_no"] = doc.doc_no
        fields["doc_no_key"] = doc_no_key(doc.doc_no)
    return fields


def _cache_key() -> str:
    return f"c{CORPUS_VERSION}-s{SCHEMA_VERSION}-whoosh{whoosh.versionstring()}"


def search_index_dirs() -> dict[int, IndexDir]:
    folder = CACHE / _cache_key()
    return {size: IndexDir(folder / f"items{size}") for size in SEARCH_SIZES}


def cached_build_seconds() -> float | None:
    """The seconds the cached indexes took to build; None if there are none of this version."""
    try:
        return float(json.loads((CACHE / _cache_key() / "complete.json").read_text())["seconds"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def build_search_indexes() -> float:
    """Write the indexes of SEARCH_SIZES into the cache (replacing older ones); seconds."""
    shutil.rmtree(CACHE, ignore_errors=True)
    start = time.perf_counter()
    _write_search_indexes(Corpus(), search_index_dirs())
    seconds = time.perf_counter() - start
    marker = CACHE / _cache_key() / "complete.json"
    marker.write_text(json.dumps({"seconds": seconds}), encoding="utf-8")
    return seconds


def _write_search_indexes(corpus: Corpus, dirs: dict[int, IndexDir]) -> None:
    """Write the largest index in commits of SEARCH_COMMIT_EVERY; copy it at each size."""
    largest = max(dirs)
    building = dirs[largest].start_generation(ENGINE)
    index = whoosh.index.open_dir(str(building), schema=make_schema())
    for start in range(0, largest, SEARCH_COMMIT_EVERY):
        writer = index.writer(limitmb=256, procs=SEARCH_BUILD_PROCS, multisegment=True)
        for doc in corpus.docs(SEARCH_COMMIT_EVERY, start):
            writer.add_document(**search_fields(doc))
        writer.commit()
        done = start + SEARCH_COMMIT_EVERY
        if done in dirs and done != largest:
            copy = dirs[done].root / building.name
            dirs[done].root.mkdir(parents=True)
            shutil.copytree(building, copy)
            dirs[done].finish_generation(copy, position=0)
    index.close()
    dirs[largest].finish_generation(building, position=0)


def _segments(index_dir: IndexDir) -> int:
    index = index_dir.open(index_dir.current(), readonly=True).index
    try:
        return len(index._segments())
    finally:
        index.close()


@dataclass(frozen=True)
class Query:
    category: str
    request: SearchRequest


def _ask(category: str, text: str, **options: Any) -> Query:
    """A query as `bureau search` makes it for an archivist: with their clearance filter."""
    return Query(category, SearchRequest(text, levels=SEARCHER_LEVELS, **options))


def make_queries(corpus: Corpus, small: IndexDir) -> list[Query]:
    """200 queries of the kinds archivists type, all findable in the smaller corpus."""
    rng = random.Random(99)
    common = ["school", "teacher", "inspection", "budget", "safety", "students", "education",
              "notice", "report", "certificate", "training", "examination", "approval",
              "enrolment", "audit", "canteen", "district", "funding", "health", "primary",
              "conditions", "register", "meeting", "results", "term"]  # fmt: skip
    misspelled = ["inspectoin", "budgte", "enrolmnet", "qualificaton", "certifcate",
                  "examinaton", "canten", "procurment", "ethcis", "vocatonal"]  # fmt: skip
    queries = [_ask("common word", w) for w in common]
    queries += [_ask("rare word", w) for w in _rare_words(small, rng, 25)]
    queries += [_ask("two words (AND)", " ".join(rng.sample(common, 2))) for _ in range(25)]
    queries += [_ask("phrase", f'"{topic}"') for topic in TOPICS[:25]]
    queries += [_ask("Chinese word", q) for q in QUERIES if not q.isascii()][:30]
    queries += [_ask("doc number as typed", t) for t in _typed_numbers(corpus, rng, 20)]
    for word in rng.sample(common, 25):
        dept, year = rng.choice(DEPTS), rng.randint(2019, 2026)
        filters = rng.choice(({"dept": dept}, {"year": year}, {"dept": dept, "year": year}))
        queries.append(_ask("word + dept/year filter", word, **filters))
    queries += [_ask("word, sorted by date", w, sort="date") for w in common[:15]]
    queries += [_ask("misspelled (suggestion)", w) for w in misspelled]
    return queries


def _rare_words(index_dir: IndexDir, rng: random.Random, count: int) -> list[str]:
    """Body words (names, mostly) in 1 to 5 documents of the index, as a reader types them."""
    index = index_dir.open(index_dir.current(), readonly=True).index
    try:
        with index.reader() as reader:
            rare = [
                term.decode("utf-8") if isinstance(term, bytes) else term
                for term, info in reader.iter_field("body")
                if 1 <= info.doc_frequency() <= 5
            ]
    finally:
        index.close()
    words = sorted(w for w in rare if w.isalpha() and w.isascii() and len(w) >= 6)
    return [w.capitalize() for w in rng.sample(words, count)]


def _typed_numbers(corpus: Corpus, rng: random.Random, count: int) -> list[str]:
    """Document numbers of the corpus, typed the various ways people type them."""
    numbers = [d.doc_no for d in corpus.docs(2000) if d.doc_no]
    typed = []
    for number in rng.sample(numbers, count):
        way = rng.randint(0, 2)
        if way == 1:
            number = number.replace("〔", "[").replace("〕", "]").lower()
        elif way == 2:
            number = re.sub(r"[\[\]〔〕.]", " ", number).lower()
        typed.append(number)
    return typed


@dataclass
class Latencies:
    per_call: list[float]  # `search()`, which opens the index
    kept_open: list[float]  # the same, with one index and searcher for all queries
    bare: list[float]  # bare Whoosh with one searcher for all queries
    hits: list[int]
    open_ours: float  # median seconds to open the index and a searcher, as `search()` does
    open_bare: float  # the same with bare Whoosh
    peak_mb: float  # peak RSS of a fresh process running one `search()`


def measure_search(index_dir: IndexDir, queries: list[Query]) -> Latencies:
    generation = index_dir.current()
    for path in generation.iterdir():  # into the page cache, so no query pays disk reads
        path.read_bytes()
    per_call, hits = [], []
    for q in queries:
        start = time.perf_counter()
        results = search(index_dir, q.request)
        per_call.append(time.perf_counter() - start)
        hits.append(results.total)
    engine = index_dir.open(generation, readonly=True)
    try:
        kept_open = [_timed(lambda q=q: run_with_engine(engine, q.request)) for q in queries]
        bare = [_timed(lambda q=q: _bare_search(engine.searcher, q.request)) for q in queries]
    finally:
        engine.close()
    return Latencies(
        per_call=per_call,
        kept_open=kept_open,
        bare=bare,
        hits=hits,
        open_ours=_median_time(lambda: _open_as_search_does(index_dir)),
        open_bare=_median_time(lambda: _open_bare(generation)),
        peak_mb=float(_child("--search-rss", str(index_dir.root))),
    )


def _median_time(action: Callable[[], object], times: int = 7) -> float:
    return statistics.median(_timed(action) for _ in range(times))


def _open_as_search_does(index_dir: IndexDir) -> None:
    engine = index_dir.open(index_dir.current(), readonly=True)
    assert engine.searcher is not None
    engine.close()


def _open_bare(folder: Path) -> None:
    index = FileStorage(str(folder), readonly=True).open_index()
    with index.searcher():
        pass
    index.close()


def _bare_search(searcher: Searcher, request: SearchRequest) -> None:
    """What a minimal Whoosh application does: parse, search a page, read its stored fields."""
    parser = qparser.MultifieldParser(list(QUERY_FIELDS), searcher.schema, group=qparser.AndGroup)
    options: dict[str, Any] = {"filter": _bare_filter(request)}
    if request.sort == "date":
        options.update(sortedby="date", reverse=True)
    page = searcher.search_page(parser.parse(request.text), 1, pagelen=20, **options)
    for hit in page:
        hit.fields()


def _bare_filter(request: SearchRequest) -> query.Query | None:
    parts: list[query.Query] = []
    if request.levels is not None:
        parts.append(query.Or([query.Term("classification", lv) for lv in request.levels]))
    if request.dept:
        parts.append(query.Term("dept", request.dept.lower()))
    if request.year is not None:
        parts.append(query.NumericRange("year", request.year, request.year))
    return query.And(parts) if parts else None


def search_peak_mb(root: Path) -> float:
    """Peak RSS of this process after one `search()` (run in a fresh child)."""
    search(IndexDir(root), _ask("common word", "school").request)
    return _memory_mb("VmHWM")


def search_lines(
    dirs: dict[int, IndexDir],
    results: dict[int, Latencies],
    queries: list[Query],
    built: float,
    built_now: bool,
) -> list[str]:
    cached = (
        f"built in {built:.0f} s this run, beside the memory homes"
        if built_now
        else f"reused from `bench/out/index-cache/` (key `{_cache_key()}`, built in {built:.0f} s)"
    )
    sizes = ", ".join(
        f"{size:,} items: {_folder_mb(d.root):.0f} MB in {_segments(d)} segments"
        for size, d in dirs.items()
    )
    lines = [
        f"Synthetic items with the real schema and analyzer ({sizes}; {cached}). "
        f"{len(queries)} queries ("
        + ", ".join(dict.fromkeys(q.category for q in queries))
        + "), each with an archivist's clearance filter (public, internal, confidential) as "
        "`bureau search` adds it; 20 hits a page; the index files in the page cache. "
        "`search()` opens the index "
        "on every call as `bureau search` does; kept open runs its internals (`_run`) on one "
        "searcher; bare Whoosh parses with the same fields and AND, searches a page with the "
        "same filters and reads the stored fields, on one searcher, without snippets, "
        "exact-number matching or suggestions.",
        "",
        "| items | `search()` per call: median / p95 ms | kept open: median / p95 ms "
        "| bare Whoosh kept open: median / p95 ms | ratio bare / ours kept open (median) |",
        "|---|---|---|---|---|",
    ]
    for size, lat in results.items():
        lines.append(
            f"| {size:,} | {_ms(statistics.median(lat.per_call))} / {_ms(_p95(lat.per_call))} "
            f"| {_ms(statistics.median(lat.kept_open))} / {_ms(_p95(lat.kept_open))} "
            f"| {_ms(statistics.median(lat.bare))} / {_ms(_p95(lat.bare))} "
            f"| {statistics.median(lat.bare) / statistics.median(lat.kept_open):.2f} |"
        )
    largest = max(results)
    p95 = _p95(results[largest].per_call)
    verdict = "met" if p95 < 0.1 else "not met"
    lines += [
        "",
        f"**p95 of `search()` at {largest:,} items: {_ms(p95)} ms** (aim: under 100 ms; "
        f"{verdict}).",
        "",
        "Opening the index (median of 7) and the peak RSS of a fresh process running one "
        "`search()` for a common word:",
        "",
        "| items | open + searcher as `search()` does (ms) | bare Whoosh open + searcher (ms) "
        "| peak RSS of one `search()` (MB) |",
        "|---|---|---|---|",
    ]
    for size, lat in results.items():
        lines.append(
            f"| {size:,} | {_ms(lat.open_ours)} | {_ms(lat.open_bare)} | {lat.peak_mb:.0f} |"
        )
    lines += [
        "",
        f"By kind of query at {largest:,} items (`search()` per call):",
        "",
        "| query | n | median hits | median ms | p95 ms | max ms |",
        "|---|---|---|---|---|---|",
    ]
    lat = results[largest]
    for category in dict.fromkeys(q.category for q in queries):
        chosen = [i for i, q in enumerate(queries) if q.category == category]
        times = [lat.per_call[i] for i in chosen]
        hits = statistics.median(lat.hits[i] for i in chosen)
        lines.append(
            f"| {category} | {len(chosen)} | {hits:.0f} | {_ms(statistics.median(times))} | "
            f"{_ms(_p95(times))} | {_ms(max(times))} |"
        )
    return lines


# -- 4. peak memory of a rebuild ----------------------------------------------------------------


def measure_memory(folder: Path) -> list[dict[str, Any]]:
    """File a home of each size in MEMORY_SIZES and rebuild it in a child; their reports.

    Runs in a child itself: fsync and SQLite's synchronous writes are turned off here to file
    the fixture quickly; the rebuilds run in fresh processes, as shipped.
    """
    os.fsync = lambda fd: None
    reports = []
    for size in MEMORY_SIZES:
        home = folder / f"items{size}"
        _file_memory_home(home, size)
        reports.append(json.loads(_child("--rebuild", str(home))))
        shutil.rmtree(home)
    return reports


def _file_memory_home(home: Path, count: int) -> None:
    """Small DOCX files of 200-400 bytes of English text; every MEMORY_OTHER_EVERY-th item
    a PDF instead, and as many again a 1 KB DOCX of mixed text made by python-docx."""
    english = Corpus(seed=5, min_bytes=200, max_bytes=400, lang_weights=(0, 1, 0))
    mixed = Corpus(seed=6, min_bytes=800, max_bytes=1200)
    work = home.with_name(f"{home.name}-src")
    work.mkdir(parents=True)
    with Archive.init(
        DataHome(home), actor=ACTOR, passphrase=lambda: b"bench passphrase"
    ) as archive:
        archive.conn.execute("PRAGMA synchronous = OFF")
        pool = [(d, write_docx(d, work / f"pool{d.n}.docx")) for d in mixed.docs(200)]
        for n in range(count):
            if n % MEMORY_OTHER_EVERY == MEMORY_OTHER_EVERY // 2:
                doc, path = pool[(n // MEMORY_OTHER_EVERY) % len(pool)]
                archive.file(filing_request(doc, path, allow_duplicate=True))
                continue
            doc = english.doc(n)
            text = f"{doc.title} ({n})\n{doc.body}"
            if n % MEMORY_OTHER_EVERY == 0:
                path = work / "item.pdf"
                path.write_bytes(pdf_bytes(lines=_pdf_lines(text)))
            else:
                path = work / "item.docx"
                path.write_bytes(small_docx(text.split("\n")))
            archive.file(filing_request(doc, path))
    shutil.rmtree(work)


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_SMALL_DOCX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="word/document.xml" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
        "</Relationships>"
    ),
}


def small_docx(paragraphs: list[str]) -> bytes:
    """A DOCX of just the parts Word needs (1 KB, where python-docx's template is 37 KB)."""
    body = "".join(f"<w:p><w:r><w:t>{xml_escape(p)}</w:t></w:r></w:p>" for p in paragraphs)
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{_W}"><w:body>{body}</w:body></w:document>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, xml in {**_SMALL_DOCX_PARTS, "word/document.xml": document}.items():
            package.writestr(name, xml)
    return out.getvalue()


def _pdf_lines(text: str) -> list[tuple[float, float, str]]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if len(line) + len(word) > 90:
            lines.append(line)
            line = ""
        line = f"{line} {word}".strip()
    lines.append(line)
    return [(56, 800 - 14 * i, s) for i, s in enumerate(lines[:55])]


def rebuild_and_report(home: Path) -> dict[str, float]:
    """Rebuild the index of `home` in this process: items, segments, seconds, RSS."""
    with Archive.open(DataHome(home), actor=ACTOR) as archive:
        index_dir = IndexDir(archive.home.folder("index"))
        before = _memory_mb("VmRSS")
        start = time.perf_counter()
        with index_dir.writer_lock():
            count = Indexer(archive, index_dir).rebuild()
        seconds = time.perf_counter() - start
    peak = _memory_mb("VmHWM")
    return {
        "items": count,
        "segments": _segments(index_dir),
        "seconds": seconds,
        "rss_before_mb": before,
        "peak_mb": peak,
    }


def _memory_mb(field: str) -> float:
    """VmRSS (resident now) or VmHWM (peak resident) of this process, in MB.

    Not `ru_maxrss`: Linux carries the parent's peak into a child across exec, so a child
    of a large process would report the parent's size.
    """
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _child_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "bench.bench_index", *args]


def _child(*args: str) -> str:
    done = subprocess.run(
        _child_command(*args), cwd=ROOT, check=True, capture_output=True, text=True
    )
    return done.stdout


def memory_lines(reports: list[dict[str, Any]], throughput_home: dict[str, Any]) -> list[str]:
    lines = [
        "`Indexer.rebuild()` in a fresh process, which reports its peak resident set size "
        "(`VmHWM`); RSS before is after imports and opening the home. The large homes hold "
        "small DOCX files of 200-400 bytes of English text (like certificates); every "
        f"{MEMORY_OTHER_EVERY}th item is a PDF instead, and as many a 1 KB DOCX of mixed text "
        "made by python-docx. They are filed and rebuilt while the other fixtures are built, "
        "so their rebuild times are indicative only. The last row is the home of the "
        "throughput measurement (1-3 KB DOCX), rebuilt on its own.",
        "",
        "| home | items | segments after | RSS before (MB) | peak RSS (MB) | rebuild s |",
        "|---|---|---|---|---|---|",
    ]
    rows = [("small DOCX, some PDF", r) for r in reports]
    rows.append(("the throughput home", throughput_home))
    for what, r in rows:
        lines.append(
            f"| {what} | {r['items']:,} | {r['segments']} | {r['rss_before_mb']:.0f} "
            f"| {r['peak_mb']:.0f} | {r['seconds']:.1f} |"
        )
    return lines


# -- the section -------------------------------------------------------------------------------


class Fixtures:
    """The slow set-up, in child processes side by side before anything is timed: building
    the search indexes (unless cached), and filing and rebuilding the memory homes."""

    def __init__(self, root: Path) -> None:
        self.built_now = cached_build_seconds() is None
        memory = _child_command("--memory", str(root / "memory"))
        self.memory = subprocess.Popen(memory, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        self.search = None
        if self.built_now:
            self.search = subprocess.Popen(_child_command("--search-indexes"), cwd=ROOT)

    def wait(self) -> list[dict[str, Any]]:
        """The memory reports, once every fixture is ready."""
        out, _ = self.memory.communicate()
        if self.memory.returncode or (self.search and self.search.wait()):
            raise RuntimeError("building the fixtures failed (see the messages above)")
        return json.loads(out)


def run() -> list[str]:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        fixtures = Fixtures(root)
        with Archive.init(
            DataHome(root / "home"), actor=ACTOR, passphrase=lambda: b"bench passphrase"
        ) as archive:
            file_mb = file_throughput_documents(archive, root / "docs")
            memory = fixtures.wait()
            throughput = measure_throughput(archive, root, file_mb)
            throughput_home = json.loads(_child("--rebuild", str(archive.home.root)))
            latencies = measure_freshness(archive, root)
        dirs = search_index_dirs()
        queries = make_queries(Corpus(), dirs[min(dirs)])
        results = {size: measure_search(d, queries) for size, d in dirs.items()}
    built = cached_build_seconds() or 0.0
    search_section = search_lines(dirs, results, queries, built, fixtures.built_now)
    return [
        "## Indexing and search (`bench/bench_index.py`)",
        "",
        "The full-text index (Whoosh) against bare Whoosh doing the same work in the same run; "
        "`python -m bench.bench_index` explains each measurement in its docstring.",
        "",
        "### Indexing throughput",
        "",
        *throughput_lines(throughput),
        "",
        "### Filing to searchable",
        "",
        *freshness_lines(latencies),
        "",
        "### Search latency",
        "",
        *search_section,
        "",
        "### Peak memory of a rebuild",
        "",
        *memory_lines(memory, throughput_home),
        "",
        f"_This section took {time.perf_counter() - started:.0f} s._",
    ]


def _main(argv: list[str]) -> int:
    if argv[:1] == ["--memory"]:
        print(json.dumps(measure_memory(Path(argv[1]))))
    elif argv[:1] == ["--search-indexes"]:
        build_search_indexes()
    elif argv[:1] == ["--rebuild"]:
        print(json.dumps(rebuild_and_report(Path(argv[1]))))
    elif argv[:1] == ["--search-rss"]:
        print(search_peak_mb(Path(argv[1])))
    else:
        print("\n".join(run()))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
