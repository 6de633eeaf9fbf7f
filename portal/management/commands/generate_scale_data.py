import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from portal.scale_data import Generator, Sizes


class Command(BaseCommand):
    help = "Fill a dedicated benchmark database with realistic data at scale (flushes it first)."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=100_000)
        parser.add_argument("--bureaus", type=int, default=10)
        parser.add_argument("--users", type=int, default=1000)
        parser.add_argument("--requests-per-case", type=float, default=3.0)
        parser.add_argument("--documents-per-case", type=float, default=10.0)
        parser.add_argument("--notifications", type=int, default=200_000)
        parser.add_argument("--audit-events", type=int, default=200_000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--yes", action="store_true", help="confirm that this database may be flushed")

    def handle(self, *args, **options):
        if not options["yes"]:
            raise CommandError(
                f"This flushes the database {connection.settings_dict['NAME']!r} first; pass --yes."
            )
        started = time.monotonic()
        self.stdout.write(f"Flushing {connection.settings_dict['NAME']} …")
        call_command("flush", interactive=False, verbosity=0)
        sizes = Sizes(
            bureaus=options["bureaus"],
            users=options["users"],
            cases=options["cases"],
            requests_per_case=options["requests_per_case"],
            documents_per_case=options["documents_per_case"],
            notifications=options["notifications"],
            audit_events=options["audit_events"],
        )

        def report(line):
            self.stdout.write(f"[{time.monotonic() - started:7.1f}s] {line}")
            self.stdout.flush()

        Generator(sizes, options["seed"], report).run()
        if connection.vendor == "postgresql":
            report("ANALYZE …")
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        report("done")
