from django.core.management.base import BaseCommand

from portal.services import calendar_seed_from_package


class Command(BaseCommand):
    help = (
        "Add the years of the working-day calendar that the chinesecalendar package knows and the table "
        "lacks (also run after every migrate). Years already entered are never changed."
    )

    def handle(self, *args, **options):
        years = calendar_seed_from_package()
        if years:
            self.stdout.write(self.style.SUCCESS(f"Calendar years added: {', '.join(map(str, years))}"))
        else:
            self.stdout.write("The calendar already has every year the package knows; nothing was changed.")
