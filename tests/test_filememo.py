"""Parsed configuration and schedules are reused only while their files are unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive import filememo


def test_an_unchanged_file_is_parsed_once(tmp_path: Path):
    source = tmp_path / "a.yaml"
    source.write_text("one")
    calls = []

    def parse():
        calls.append(1)
        return source.read_text()

    assert filememo.remembered("t", source, [source], parse) == "one"
    assert filememo.remembered("t", source, [source], parse) == "one"
    assert len(calls) == 1


def test_a_rewritten_file_is_parsed_again(tmp_path: Path):
    source = tmp_path / "a.yaml"
    source.write_text("one")
    filememo.remembered("t", source, [source], source.read_text)
    replacement = tmp_path / "b.yaml"
    replacement.write_text("two")
    replacement.replace(source)  # an atomic write: a new file, same size
    assert filememo.remembered("t", source, [source], source.read_text) == "two"


def test_an_edit_in_place_is_seen(tmp_path: Path):
    source = tmp_path / "a.yaml"
    source.write_text("one")
    filememo.remembered("t", source, [source], source.read_text)
    with source.open("a") as f:
        f.write(" more")
    assert filememo.remembered("t", source, [source], source.read_text) == "one more"


def test_a_failure_is_not_remembered(tmp_path: Path):
    source = tmp_path / "a.yaml"
    source.write_text("bad")
    outcomes = iter([ValueError("bad"), "good"])

    def parse():
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    with pytest.raises(ValueError):
        filememo.remembered("t", source, [source], parse)
    assert filememo.remembered("t", source, [source], parse) == "good"


def test_a_missing_file_is_never_remembered(tmp_path: Path):
    missing = tmp_path / "gone.yaml"
    assert filememo.remembered("t", missing, [missing], lambda: "x") == "x"
    assert filememo.remembered("t", missing, [missing], lambda: "y") == "y"
