from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cases import demo


class Command(BaseCommand):
    help = "Load the demo bureaus, accounts, categories and joint case. Running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=demo.DEMO_PASSWORD, help="password of every demo account")
        parser.add_argument(
            "--force", action="store_true", help="load even with DEBUG off (accounts with a known password!)"
        )

    def handle(self, *args, password, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError("The demo accounts share a known password; with DEBUG off, pass --force.")
        report = demo.load(password=password)
        if report.created:
            self.stdout.write(self.style.SUCCESS("Demo data loaded: " + ", ".join(report.created)))
        else:
            self.stdout.write("The demo data is already present; nothing was changed.")
        self.stdout.write(f"Demo case: {report.case.number} {report.case.title} (/cases/{report.case.pk}/)\n")
        self.stdout.write(demo.logins_table(password))
