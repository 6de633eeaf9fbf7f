"""For bench/pages.sh: the number of SQL queries each benchmarked page costs, measured in-process."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment


class Command(BaseCommand):
    help = "Print 'QUERIES <path> <count> <status>' for each path, as the given session's user."

    def add_arguments(self, parser):
        parser.add_argument("session")
        parser.add_argument("paths", nargs="+")

    def handle(self, *args, session, paths, **options):
        setup_test_environment()
        client = Client()
        client.cookies["sessionid"] = session
        client.get(paths[0])  # warm per-process caches (content types, permissions)
        for path in paths:
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path, secure=True)
            if response.status_code != 200:
                raise CommandError(f"{path} answered {response.status_code}")
            self.stdout.write(f"QUERIES {path} {len(captured)}")
