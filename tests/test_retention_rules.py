"""The retention schedule: the bureau's own rules, their validation, matching and due dates."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from archive.config import default_config
from archive.errors import BadInput, NotFound
from archive.retention import (
    ACTIONS,
    Rule,
    Schedule,
    ScheduleError,
    builtin_folder,
    due_date,
    load,
)

REPO = Path(__file__).resolve().parents[1]
SEED_DEPTS = [d["code"] for d in default_config(None, "J042", "en")["departments"]]
KINDS = [
    "notice",
    "approval",
    "request",
    "reply",
    "report",
    "letter",
    "minutes",
    "plan",
    "summary",
    "statistics",
    "budget",
    "final-accounts",
    "certificate",
    "contract",
    "personnel",
    "proposal-reply",
    "exam",
    "regulation",
    "audit",
    "organisation",
    "asset-register",
    "disposal-register",
    "announcement",
    "circular",
    "bulletin",
    "opinion",
    "decision",
    "resolution",
    "order",
    "communique",
]


def builtin_templates() -> list[dict]:
    return [
        yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted((REPO / "templates").glob("*/fields.yaml"))
    ]


def a_rule(**changes) -> dict:
    """A valid rule as a YAML mapping, with `changes` (None removes a key)."""
    entry = {
        "code": "T-NOTICE",
        "title": "Notices",
        "title_zh": "通知",
        "kinds": ["notice"],
        "retention": "D30",
        "action": "destroy",
        "basis": "ordinary business",
    }
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not None}


def write(folder: Path, name: str, *rules: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump({"rules": list(rules)}, allow_unicode=True), encoding="utf-8")
    return path


def load_error(folder: Path) -> str:
    with pytest.raises(ScheduleError) as caught:
        load(folder)
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.fixture(scope="module")
def builtin() -> Schedule:
    return load(builtin_folder())


# ---- the bureau's own schedule ---------------------------------------------------------


def test_the_builtin_schedule_is_the_repositorys_retention_rules_folder():
    assert builtin_folder() == REPO / "retention_rules"


def test_the_builtin_schedule_loads(builtin):
    assert len(builtin.rules) >= len(KINDS)
    assert all(rule.source.endswith("schedule.yaml") for rule in builtin.rules)


def test_the_builtin_schedule_gives_every_kind_in_every_seed_department_one_category(builtin):
    builtin.check_coverage(KINDS, SEED_DEPTS)
    for kind in KINDS:
        for dept in SEED_DEPTS:
            assert len(builtin.matching(kind, None, dept)) == 1


def test_the_builtin_schedule_gives_every_builtin_template_one_category(builtin):
    templates = builtin_templates()
    assert {t["name"] for t in templates} >= {
        "notice",
        "approval",
        "budget",
        "certificate-graduation",
        "certificate-teacher-qualification",
    }
    builtin.check_templates(
        [(t["name"], t["kind"], t["departments"]) for t in templates], SEED_DEPTS
    )


def test_a_builtin_templates_category_keeps_its_documents_as_long_as_the_template_says(builtin):
    for template in builtin_templates():
        for dept in template["departments"] or SEED_DEPTS:
            rule = builtin.match(template["kind"], template["name"], dept)
            assert rule.retention == template["retention"], (template["name"], dept, rule.code)


def test_the_general_offices_regulations_are_permanent_and_go_to_the_state_archives(builtin):
    rule = builtin.match("regulation", None, "BGS")
    assert (rule.retention, rule.action) == ("Y", "transfer")


def test_proposal_replies_are_permanent_for_the_lead_handler_and_d30_for_co_handlers(builtin):
    assert builtin.match("proposal-reply", None, "BGS").retention == "Y"
    assert builtin.match("proposal-reply", None, "JJK").retention == "D30"


def test_budgets_are_kept_thirty_years_and_personnel_appointments_permanently(builtin):
    assert builtin.match("budget", "budget", "JCK").retention == "D30"
    assert builtin.match("personnel", None, "RSK").retention == "Y"


def test_the_builtin_schedule_uses_every_action_and_never_destroys_a_permanent_record(builtin):
    assert {rule.action for rule in builtin.rules} == set(ACTIONS)
    assert all(rule.retention != "Y" for rule in builtin.rules if rule.action == "destroy")


def test_every_builtin_category_has_english_and_chinese_titles_and_a_one_line_basis(builtin):
    for rule in builtin.rules:
        assert rule.title.isascii() and rule.title.strip()
        assert any("\u4e00" <= ch <= "\u9fff" for ch in rule.title_zh)
        assert rule.basis.strip() and "\n" not in rule.basis


def test_the_retention_package_imports_none_of_the_outer_layers():
    code = (
        "import sys, archive.retention; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('generators', 'indexer', 'seals', 'bureau')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


# ---- loading and validating -------------------------------------------------------------


def test_a_schedule_may_start_with_a_comment_block_and_spread_over_files(tmp_path):
    (tmp_path / "a.yaml").write_text(
        "# The bureau's schedule\n# second line\n\nrules:\n"
        "  - code: T-A  # inline comment\n    title: A\n    title_zh: 甲\n"
        "    kinds: [notice]\n    retention: d10\n    action: Destroy\n    basis: x\n",
        encoding="utf-8",
    )
    write(tmp_path, "b.yaml", a_rule(code="T-B", kinds=["letter"]))
    schedule = load(tmp_path)
    assert [r.code for r in schedule.rules] == ["T-A", "T-B"]
    assert schedule.get("T-A").retention == "D10"
    assert schedule.get("T-A").action == "destroy"


def test_a_rule_without_lists_covers_any_kind_template_and_department(tmp_path):
    write(tmp_path, "s.yaml", a_rule(kinds=None))
    rule = load(tmp_path).rules[0]
    assert (rule.kinds, rule.templates, rule.depts) == ((), (), ())
    assert rule.matches("anything", None, "XYZ") and rule.matches("other", "budget", "BGS")


def test_files_other_than_yaml_are_ignored(tmp_path):
    write(tmp_path, "s.yaml", a_rule())
    (tmp_path / "README.md").write_text("# not a rule", encoding="utf-8")
    (tmp_path / "old.yaml.bak").write_text("rules: [oops", encoding="utf-8")
    assert [r.code for r in load(tmp_path).rules] == ["T-NOTICE"]


def test_a_yaml_syntax_error_names_the_file_and_the_line(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("rules:\n  - code: T-A\n    title: [unclosed\n", encoding="utf-8")
    message = load_error(tmp_path)
    assert str(path) in message and "line " in message


def test_a_key_given_twice_in_a_rule_is_refused_with_its_line(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "rules:\n  - code: T-A\n    title: A\n    title_zh: 甲\n    retention: D10\n"
        "    retention: Y\n    action: review\n    basis: x\n",
        encoding="utf-8",
    )
    message = load_error(tmp_path)
    assert str(path) in message and "line 6" in message and "retention" in message


def test_a_rule_that_is_not_a_mapping_is_named_by_its_position(tmp_path):
    path = write(tmp_path, "s.yaml", a_rule())
    path.write_text(path.read_text(encoding="utf-8") + "- just text\n", encoding="utf-8")
    message = load_error(tmp_path)
    assert str(path) in message and "rule #2" in message


@pytest.mark.parametrize(
    "content", ["", "rules: []\n", "- code: T-A\n", "rules: x\n", "other: 1\n"]
)
def test_a_file_without_a_list_of_rules_is_refused(tmp_path, content):
    path = tmp_path / "s.yaml"
    path.write_text(content, encoding="utf-8")
    assert str(path) in load_error(tmp_path)


def test_an_unknown_top_level_key_is_refused(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"rules": [a_rule()], "version": 2}), encoding="utf-8")
    message = load_error(tmp_path)
    assert str(path) in message and "version" in message


def test_an_unknown_key_in_a_rule_names_the_file_the_rule_and_the_key(tmp_path):
    path = write(tmp_path, "s.yaml", a_rule(period="D30"))
    message = load_error(tmp_path)
    assert str(path) in message and "T-NOTICE" in message and "'period'" in message


@pytest.mark.parametrize("key", ["title", "title_zh", "retention", "action", "basis"])
def test_a_rule_missing_a_required_key_names_the_file_the_rule_and_the_key(tmp_path, key):
    path = write(tmp_path, "s.yaml", a_rule(**{key: None}))
    message = load_error(tmp_path)
    assert str(path) in message and "T-NOTICE" in message and repr(key) in message


def test_a_rule_missing_its_code_is_named_by_its_position(tmp_path):
    path = write(tmp_path, "s.yaml", a_rule(code="T-A", kinds=["a"]), a_rule(code=None))
    message = load_error(tmp_path)
    assert str(path) in message and "rule #2" in message and "'code'" in message


@pytest.mark.parametrize("code", ["T A", "T_A", "-TA", "T--A", "X" * 33, "通知"])
def test_an_invalid_code_is_refused(tmp_path, code):
    path = write(tmp_path, "s.yaml", a_rule(code=code))
    message = load_error(tmp_path)
    assert str(path) in message and "invalid code" in message


def test_a_lower_case_code_is_read_in_upper_case(tmp_path):
    write(tmp_path, "s.yaml", a_rule(code="ws-gen-01"))
    assert load(tmp_path).rules[0].code == "WS-GEN-01"


def test_a_duplicate_code_in_one_file_is_refused(tmp_path):
    path = write(tmp_path, "s.yaml", a_rule(kinds=["a"]), a_rule(kinds=["b"]))
    message = load_error(tmp_path)
    assert str(path) in message and "T-NOTICE" in message and "duplicate" in message


def test_a_duplicate_code_across_files_names_both_files(tmp_path):
    first = write(tmp_path, "a.yaml", a_rule(kinds=["a"]))
    second = write(tmp_path, "b.yaml", a_rule(code="t-notice", kinds=["b"]))
    message = load_error(tmp_path)
    assert str(first) in message and str(second) in message and "T-NOTICE" in message


@pytest.mark.parametrize("retention", ["D20", "D5", "permanent", "", 30, True])
def test_an_invalid_retention_is_refused(tmp_path, retention):
    path = write(tmp_path, "s.yaml", a_rule(retention=retention))
    message = load_error(tmp_path)
    assert str(path) in message and "T-NOTICE" in message


@pytest.mark.parametrize("retention", ["y", "d30", " D10 "])
def test_a_retention_in_any_case_is_normalised(tmp_path, retention):
    write(tmp_path, "s.yaml", a_rule(retention=retention, action="review"))
    assert load(tmp_path).rules[0].retention == retention.strip().upper()


@pytest.mark.parametrize("action", ["delete", "keep", "", 1])
def test_an_invalid_action_is_refused(tmp_path, action):
    path = write(tmp_path, "s.yaml", a_rule(action=action))
    message = load_error(tmp_path)
    assert str(path) in message and "T-NOTICE" in message


def test_a_permanent_category_that_ends_in_destroy_is_refused(tmp_path):
    path = write(tmp_path, "s.yaml", a_rule(retention="Y", action="destroy"))
    message = load_error(tmp_path)
    assert str(path) in message and "T-NOTICE" in message and "destroy" in message


@pytest.mark.parametrize(
    ("retention", "action"), [("Y", "transfer"), ("Y", "review"), ("D10", "review")]
)
def test_permanent_categories_may_be_transferred_and_any_may_be_reviewed(
    tmp_path, retention, action
):
    write(tmp_path, "s.yaml", a_rule(retention=retention, action=action))
    assert load(tmp_path).rules[0].action == action


@pytest.mark.parametrize(
    "changes",
    [{"kinds": "notice"}, {"depts": [1]}, {"templates": [""]}, {"depts": ["B"]}],
)
def test_a_malformed_list_is_refused(tmp_path, changes):
    path = write(tmp_path, "s.yaml", a_rule(**changes))
    message = load_error(tmp_path)
    assert str(path) in message and "T-NOTICE" in message


def test_a_name_listed_twice_in_one_list_is_refused(tmp_path):
    path = write(tmp_path, "s.yaml", a_rule(kinds=["notice", "Notice"]))
    message = load_error(tmp_path)
    assert str(path) in message and "T-NOTICE" in message


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"kinds": ["notice"]}, {"kinds": ["Notice"]}),
        ({"kinds": ["notice"], "depts": ["BGS"]}, {"kinds": ["notice", "letter"]}),
        ({"kinds": ["notice"], "templates": ["notice"]}, {"kinds": ["notice"]}),
        ({"kinds": []}, {"kinds": ["letter"], "depts": ["JCK"]}),
        ({"depts": ["BGS", "JCK"]}, {"depts": ["jck"]}),
    ],
)
def test_two_rules_that_can_match_the_same_document_are_refused_naming_both(
    tmp_path, first, second
):
    path = write(tmp_path, "s.yaml", a_rule(code="T-A", **first), a_rule(code="T-B", **second))
    message = load_error(tmp_path)
    assert str(path) in message and "T-A" in message and "T-B" in message


def test_overlapping_rules_in_different_files_name_both_files(tmp_path):
    first = write(tmp_path, "a.yaml", a_rule(code="T-A"))
    second = write(tmp_path, "b.yaml", a_rule(code="T-B", kinds=None, depts=["BGS"]))
    message = load_error(tmp_path)
    assert all(part in message for part in (str(first), str(second), "T-A", "T-B"))


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"kinds": ["notice"]}, {"kinds": ["letter"]}),
        ({"depts": ["BGS"]}, {"depts": ["JCK"]}),
        ({"templates": ["notice"]}, {"templates": ["approval"]}),
    ],
)
def test_rules_that_differ_in_any_one_dimension_do_not_overlap(tmp_path, first, second):
    write(tmp_path, "s.yaml", a_rule(code="T-A", **first), a_rule(code="T-B", **second))
    assert len(load(tmp_path).rules) == 2


def test_an_empty_folder_is_refused(tmp_path):
    assert str(tmp_path) in load_error(tmp_path)


def test_a_missing_folder_is_refused(tmp_path):
    assert str(tmp_path / "nowhere") in load_error(tmp_path / "nowhere")


def test_a_schedule_error_is_bad_input():
    assert issubclass(ScheduleError, BadInput)


# ---- matching ----------------------------------------------------------------------------


@pytest.fixture
def schedule(tmp_path) -> Schedule:
    write(
        tmp_path,
        "s.yaml",
        a_rule(
            code="T-NOTICE-BGS", kinds=["notice"], depts=["BGS"], retention="Y", action="transfer"
        ),
        a_rule(code="T-NOTICE", kinds=["notice"], depts=["JCK", "JJK"]),
        a_rule(code="T-GRAD", kinds=["certificate"], templates=["certificate-graduation"]),
        a_rule(code="T-LETTER", kinds=["letter"], retention="D10"),
    )
    return load(tmp_path)


def test_a_document_gets_the_category_of_its_kind_and_department(schedule):
    assert schedule.match("notice", None, "BGS").code == "T-NOTICE-BGS"
    assert schedule.match("notice", "notice", "JJK").code == "T-NOTICE"


def test_kinds_and_departments_match_in_any_case(schedule):
    assert schedule.match(" Notice ", None, "bgs").code == "T-NOTICE-BGS"


def test_a_category_without_departments_covers_every_department(schedule):
    assert schedule.match("letter", None, "NEWDEPT").code == "T-LETTER"


def test_a_category_listing_templates_matches_only_documents_from_those_templates(schedule):
    assert schedule.match("certificate", "certificate-graduation", "ZCK").code == "T-GRAD"
    assert schedule.matching("certificate", None, "ZCK") == []
    assert schedule.matching("certificate", "certificate-teacher-qualification", "ZCK") == []


def test_a_document_without_a_category_is_told_to_give_one(schedule):
    with pytest.raises(BadInput, match="--category CODE"):
        schedule.match("notice", None, "RSK")


def test_a_category_is_found_by_its_code_in_any_case(schedule):
    assert schedule.get("t-letter").retention == "D10"


def test_an_unknown_category_code_names_the_known_ones(schedule):
    with pytest.raises(NotFound) as caught:
        schedule.get("T-NONE")
    assert "T-NONE" in str(caught.value) and "T-LETTER" in str(caught.value)


def test_a_template_without_a_category_is_named(schedule):
    with pytest.raises(ScheduleError) as caught:
        schedule.check_templates([("budget", "budget", ["JCK"])], ["BGS", "JCK"])
    assert "'budget'" in str(caught.value) and "JCK" in str(caught.value)


def test_a_template_for_any_department_needs_a_category_in_every_department(schedule):
    schedule.check_templates([("notice", "notice", ["BGS", "JJK"])], ["BGS", "JCK", "JJK", "RSK"])
    with pytest.raises(ScheduleError, match="RSK"):
        schedule.check_templates([("notice", "notice", [])], ["BGS", "JCK", "JJK", "RSK"])


def test_a_template_in_two_categories_names_both(schedule):
    twice = Schedule.of([*schedule.rules, Rule(**{**vars(schedule.get("T-GRAD")), "code": "T-X"})])
    with pytest.raises(ScheduleError) as caught:
        twice.check_templates([("certificate-graduation", "certificate", ["ZCK"])], ["ZCK"])
    assert "T-GRAD" in str(caught.value) and "T-X" in str(caught.value)


def test_coverage_lists_the_kinds_and_departments_without_a_category(schedule):
    schedule.check_coverage(["letter"], ["BGS", "JCK"])
    with pytest.raises(ScheduleError) as caught:
        schedule.check_coverage(["notice", "letter", "budget"], ["BGS", "RSK"])
    assert "notice/RSK" in str(caught.value) and "budget/BGS" in str(caught.value)


def test_a_rule_lists_itself_as_json_with_its_keys(schedule):
    assert schedule.get("T-NOTICE").to_json() == {
        "code": "T-NOTICE",
        "title": "Notices",
        "title_zh": "通知",
        "retention": "D30",
        "action": "destroy",
        "kinds": ["notice"],
        "templates": [],
        "depts": ["JCK", "JJK"],
        "basis": "ordinary business",
    }


# ---- due dates ---------------------------------------------------------------------------


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(9900, 12, 31)),
    st.sampled_from([("D10", 10), ("D30", 30), ("d10", 10)]),
)
def test_a_fixed_term_falls_due_on_1_january_after_the_documents_year_plus_the_period(
    doc_date, period
):
    retention, years = period
    due = due_date(doc_date, retention)
    assert due == date(doc_date.year + 1 + years, 1, 1)
    assert due > doc_date


@pytest.mark.parametrize(
    ("doc_date", "retention", "due"),
    [
        (date(2026, 12, 31), "D10", date(2037, 1, 1)),
        (date(2027, 1, 1), "D10", date(2038, 1, 1)),
        (date(2024, 2, 29), "D30", date(2055, 1, 1)),
    ],
)
def test_due_dates_at_year_boundaries_and_on_a_leap_day(doc_date, retention, due):
    assert due_date(doc_date, retention) == due


@given(st.dates())
def test_a_permanent_document_has_no_due_date(doc_date):
    assert due_date(doc_date, "Y") is None


def test_a_category_gives_its_documents_due_dates(schedule):
    assert schedule.get("T-LETTER").due(date(2026, 5, 1)) == date(2037, 1, 1)
    assert schedule.get("T-NOTICE-BGS").due(date(2026, 5, 1)) is None


def test_an_unknown_retention_has_no_due_date():
    with pytest.raises(BadInput):
        due_date(date(2026, 1, 1), "D20")


# ---- the digest --------------------------------------------------------------------------


def digest_of_rules(tmp_path, name: str, *rules: dict) -> str:
    write(tmp_path / name, "s.yaml", *rules)
    return load(tmp_path / name).digest


BASE = [
    a_rule(code="T-A", kinds=["notice", "letter"], depts=["BGS", "JCK"]),
    a_rule(code="T-B", kinds=["budget"], templates=["budget"], retention="Y", action="transfer"),
]


@pytest.mark.parametrize(
    "change",
    [
        {"code": "T-C"},
        {"title": "Notes"},
        {"title_zh": "通告"},
        {"kinds": ["notice"]},
        {"templates": ["notice"]},
        {"depts": ["BGS"]},
        {"retention": "D10"},
        {"action": "review"},
        {"basis": "another reason"},
    ],
)
def test_the_digest_changes_when_any_part_of_a_rule_changes(tmp_path, change):
    before = digest_of_rules(tmp_path, "before", *BASE)
    after = digest_of_rules(tmp_path, "after", {**BASE[0], **change}, BASE[1])
    assert before != after


def test_the_digest_ignores_comments_key_order_rule_order_and_list_order(tmp_path):
    before = digest_of_rules(tmp_path, "before", *BASE)
    folder = tmp_path / "after"
    folder.mkdir()
    reordered = [dict(reversed(list(rule.items()))) for rule in reversed(BASE)]
    reordered[1]["kinds"] = ["letter", "notice"]
    text = yaml.safe_dump({"rules": reordered}, sort_keys=False, allow_unicode=True)
    text = "# a comment\n" + text.replace("\n", "  # note\n", 1)
    (folder / "s.yaml").write_text(text, encoding="utf-8")
    assert load(folder).digest == before


def test_the_digest_ignores_how_rules_are_split_between_files(tmp_path):
    before = digest_of_rules(tmp_path, "before", *BASE)
    write(tmp_path / "after", "1.yaml", BASE[0])
    write(tmp_path / "after", "2.yaml", BASE[1])
    assert load(tmp_path / "after").digest == before


def test_the_builtin_schedule_has_the_same_digest_every_time_it_is_loaded(builtin):
    assert load(builtin_folder()).digest == builtin.digest
    assert len(builtin.digest) == 64
