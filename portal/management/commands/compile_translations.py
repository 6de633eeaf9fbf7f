"""Compile the project's .po catalogues into .mo files without GNU gettext.

Django's `compilemessages` needs the `msgfmt` program; the quick start must work on a machine with only
Python, so this writes each .mo with polib (pure Python) next to its .po. Only the project's own
catalogues are compiled (LOCALE_PATHS and the locale folders of apps inside the project).
"""

from pathlib import Path

import polib
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand


def project_locale_dirs() -> list[Path]:
    base = Path(settings.BASE_DIR).resolve()
    folders = [Path(path) for path in settings.LOCALE_PATHS]
    for config in apps.get_app_configs():
        folder = Path(config.path).resolve() / "locale"
        if folder.is_relative_to(base) and ".venv" not in folder.parts:
            folders.append(folder)
    return [folder for folder in dict.fromkeys(folders) if folder.is_dir()]


class Command(BaseCommand):
    help = "Compile the project's .po files to .mo files (pure Python, no GNU gettext needed)."
    requires_system_checks = []

    def handle(self, *args, **options):
        compiled = 0
        for folder in project_locale_dirs():
            for po_path in sorted(folder.glob("*/LC_MESSAGES/*.po")):
                # polib leaves out fuzzy and untranslated entries, as msgfmt does without --use-fuzzy.
                polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
                compiled += 1
                if options["verbosity"] >= 1:
                    self.stdout.write(f"compiled {po_path.relative_to(settings.BASE_DIR)}")
        if options["verbosity"] >= 1 and not compiled:
            self.stdout.write("no catalogues found")
