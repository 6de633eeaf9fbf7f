from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from cases import demo


class Command(BaseCommand):
    help = "Print the current one-time code of the demo accounts' authenticator (demo data only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo codes are for the quick start only (DEBUG on).")
        code = totp(bytes.fromhex(demo.DEMO_TOTP_KEY_HEX))
        self.stdout.write(f"{code:06d}")
