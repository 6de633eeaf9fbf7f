import json
import sys

from django.core.management.base import BaseCommand, CommandError

from cases.models import JointCase
from cases.permissions import visible_cases
from portal.models import User
from portal.services import audit

from ...exchange import export_case


class Command(BaseCommand):
    help = (
        "Write a case in the exchange format (JSON, docs/exchange/case-v1.schema.json). "
        "Give the case by id or number and --as USERNAME: the case is exported as that person sees it "
        "(items internal to another bureau, and the other side's drafts, are left out)."
    )

    def add_arguments(self, parser):
        parser.add_argument("case", help="case id or case number")
        parser.add_argument("--as", dest="username", required=True, help="export as this user sees the case")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, case, username, output, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r}")
        found = _find(visible_cases(user), case)
        document = export_case(found, viewer=user)
        audit(actor=user, action="case.export", obj=found, case_id=found.pk, detail={"via": "command"})
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
            self.stderr.write(f"case {found.pk} written to {output}")
        else:
            sys.stdout.write(text)


def _find(queryset, key: str) -> JointCase:
    case = queryset.filter(pk=int(key)).first() if key.isdigit() else queryset.filter(number=key).first()
    if case is None:
        raise CommandError(f"no case {key!r} visible to that user or bureau")
    return case
