"""manage.py verify_package FILE.zip: check an evidence package (or any file) against the seals."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from cases.evidence.verify import verify_upload
from cases.selectors import AllSeals


class Command(BaseCommand):
    help = (
        "Check an evidence package exported by the portal: every file against the manifest, the manifest "
        "against the seals in the database. Any other file is looked up among the sealed documents. "
        "Exits with status 1 when anything differs."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the package (ZIP) or file to check")
        parser.add_argument("--language", default="en", help="language of the report (en, zh-hans)")
        parser.add_argument("--quiet", action="store_true", help="print only the problems and the verdict")

    def handle(self, *args, file, language, quiet, **options):
        try:
            stream = open(file, "rb")  # noqa: SIM115 (closed below)
        except OSError as error:
            raise CommandError(str(error)) from error
        with stream, translation.override(language):
            report = verify_upload(stream, AllSeals())
            for finding in report.findings:
                if finding.ok and quiet:
                    continue
                line = f"{'ok  ' if finding.ok else 'FAIL'}  {finding.message}"
                self.stdout.write(line if finding.ok else self.style.ERROR(line))
            if report.sha256:
                self.stdout.write(f"sha256 {report.sha256}")
            if report.ok:
                self.stdout.write(self.style.SUCCESS("OK: intact and matching the seals."))
                return
            self.stdout.write(self.style.ERROR(f"DIFFERS: {len(report.problems)} problem(s)."))
        sys.exit(1)
