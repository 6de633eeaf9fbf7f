from django.core.management.base import BaseCommand, CommandError

from portal.audit import chain_pending, verify_chain


class Command(BaseCommand):
    help = "Recompute the audit trail's hash chain; exit non-zero and name the first broken record."

    def handle(self, *args, **options):
        chain_pending()
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"Audit chain BROKEN at record #{report.broken_seq}"
                f"{f' (id {report.broken_id})' if report.broken_id else ''}: {report.reason}. "
                f"{report.checked} records before it are intact."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.checked} records verified."))
