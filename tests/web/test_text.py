"""Every word the interface shows exists in both languages."""

from __future__ import annotations

import re
from pathlib import Path

from bureau.web import i18n

WEB = Path(i18n.__file__).parent
IN_TEMPLATES = re.compile(r"""\bt\(\s*['"]([\w.]+)['"]\s*[,)]""")  # not t('role.' ~ x)
IN_CODE = re.compile(
    r"""(?:\b(?:title|error|explanation|key)\s*=\s*|flash\(request,\s*|_error\(\d+,\s*)"""
    r"""['"]([\w.]+)['"](?:,\s*['"]([\w.]+)['"])?"""
)


def used_keys() -> set[str]:
    keys = set()
    for page in (WEB / "templates").rglob("*.html"):
        keys |= set(IN_TEMPLATES.findall(page.read_text(encoding="utf-8")))
    for module in WEB.rglob("*.py"):
        for found in IN_CODE.findall(module.read_text(encoding="utf-8")):
            keys |= {k for k in found if k}
    return keys


def test_every_key_used_is_defined():
    catalog = i18n.catalog()
    assert used_keys() - catalog.keys() == set()


def test_every_key_has_both_languages():
    for key, (zh, en) in i18n.catalog().items():
        assert zh.strip() and en.strip(), key


def test_the_scan_finds_keys_at_all():
    assert {"login.title", "error.csrf", "account.changed"} <= used_keys()
