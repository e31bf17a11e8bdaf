"""Translations: complete, compiled, and in step with the code."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

REPO = Path(__file__).resolve().parents[2]
LANGUAGES = ("ar", "en")


def catalog(language, domain="django"):
    return polib.pofile(str(REPO / "locale" / language / "LC_MESSAGES" / f"{domain}.po"))


@pytest.mark.parametrize("domain", ["django", "djangojs"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated(language, domain):
    po = catalog(language, domain)

    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]

    assert untranslated == []
    assert fuzzy == []
    assert len(po) > 25


def test_arabic_translations_are_arabic():
    po = catalog("ar")

    def arabic(text):
        return any("\u0600" <= char <= "\u06ff" for char in text)

    latin_only = [
        entry.msgid
        for entry in po.translated_entries()
        if entry.msgid != "SY24"
        and not (arabic(entry.msgstr) or all(map(arabic, entry.msgstr_plural.values() or [""])))
    ]

    assert latin_only == []


@pytest.mark.parametrize("domain", ["django", "djangojs"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogs_match_the_po_files(language, domain):
    """The committed .mo files are what `make run` uses where gettext is missing."""
    po = catalog(language, domain)
    mo = polib.mofile(str(REPO / "locale" / language / "LC_MESSAGES" / f"{domain}.mo"))

    compiled = {entry.msgid: entry.msgstr for entry in mo if entry.msgid}
    written = {entry.msgid: entry.msgstr for entry in po.translated_entries()}

    assert compiled == written


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_po_files_are_up_to_date_with_code_and_templates(tmp_path):
    """Extract the messages afresh into a copy of the project and compare the msgids."""
    copy = tmp_path / "project"
    shutil.copytree(
        REPO,
        copy,
        ignore=shutil.ignore_patterns(".venv", ".git", "var", "node_modules", "__pycache__"),
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--locale",
            "ar",
            "--no-obsolete",
            "--verbosity",
            "0",
        ],
        cwd=copy,
        check=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_DEBUG": "1", "NEWSROOM_VAR_DIR": str(tmp_path / "v")},
    )
    fresh = polib.pofile(str(copy / "locale" / "ar" / "LC_MESSAGES" / "django.po"))

    new = sorted({entry.msgid for entry in fresh} - {entry.msgid for entry in catalog("ar")})
    gone = sorted({entry.msgid for entry in catalog("ar")} - {entry.msgid for entry in fresh})
    assert new == [], "Run `make messages` and translate the new strings."
    assert gone == [], "Run `make messages`: these strings are no longer used."
