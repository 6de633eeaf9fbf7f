import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal.exceptions import WorkflowError
from portal.models import User

from ...services import case_import


class Command(BaseCommand):
    help = (
        "Import a case from an exchange-format JSON file, acting as --as USERNAME (an officer, leader or "
        "administrator of a participating bureau). Importing the same file again changes nothing; a file "
        "whose case was imported before with other content is reported as a conflict (exit status 2) and "
        "nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--as", dest="username", required=True)

    def handle(self, *args, file, username, **options):
        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user {username!r}")
        try:
            with open(file, encoding="utf-8") as handle:
                document = json.load(handle)
        except (OSError, ValueError) as error:
            raise CommandError(f"cannot read {file}: {error}") from error
        try:
            result = case_import(actor=actor, document=document)
        except ValidationError as error:
            raise CommandError("invalid document:\n  " + "\n  ".join(error.messages)) from error
        except (PermissionDenied, WorkflowError) as error:
            raise CommandError(str(getattr(error, "message", error))) from error
        if result.outcome == "conflict":
            raise CommandError(
                f"conflict: case {result.case.pk} was imported before with other content "
                f"({', '.join(result.differences)}); nothing was changed",
                returncode=2,
            )
        self.stdout.write(f"{result.outcome}: case {result.case.pk}")
