"""The zh-hans catalogue is complete: every message in the code and templates is translated.

Messages are re-extracted from the source into a temporary copy of the catalogue (GNU gettext's
xgettext, installed by .ci/run), so a string added without a translation fails here.
"""

import os
import re
import shutil

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

CATALOGUE = settings.BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _problems(po: polib.POFile) -> list[str]:
    problems = []
    for entry in po:
        if entry.obsolete:
            continue
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.msgid!r}")
        if not all(translations):
            problems.append(f"untranslated: {entry.msgid!r}")
        wanted = sorted(set(PLACEHOLDER.findall(entry.msgid)))
        for text in translations:
            if text and sorted(set(PLACEHOLDER.findall(text))) != wanted:
                problems.append(f"placeholders differ: {entry.msgid!r} -> {text!r}")
    return problems


def test_committed_catalogue_has_no_untranslated_or_fuzzy_message():
    assert _problems(polib.pofile(str(CATALOGUE))) == []


SOURCE_DIRS = ["portal", "cases", "collaboration", "templates", "locale"]


def test_every_message_in_the_source_is_in_the_catalogue(tmp_path):
    if not shutil.which("xgettext"):
        if os.environ.get("PORTAL_REQUIRE_SERVICES") == "1":
            pytest.fail("GNU gettext (xgettext) is required to check the catalogue against the source")
        pytest.skip("GNU gettext (xgettext) is not installed")
    # makemessages writes into the locale folder it finds while walking, so walk a copy of the source.
    for name in SOURCE_DIRS:
        shutil.copytree(
            settings.BASE_DIR / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__")
        )
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        call_command("makemessages", locale=["zh_Hans"], no_obsolete=True, verbosity=0)
    finally:
        os.chdir(cwd)
    extracted = polib.pofile(str(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    assert len(extracted) > 100, "extraction found too few messages to be real"
    assert _problems(extracted) == []
