"""The unified social credit code (统一社会信用代码), GB 32100-2015."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_character(first17: str) -> str:
    total = sum(
        USCC_ALPHABET.index(char) * weight for char, weight in zip(first17, USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(value: str) -> str:
    """Upper case, no spaces, full-width characters folded to half-width."""
    folded = "".join(chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else c for c in value)
    return "".join(folded.split()).upper()


def validate_uscc(value: str) -> None:
    code = normalize_uscc(value)
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(count)d."),
            code="length",
            params={"count": len(code)},
        )
    bad = [c for c in code if c not in USCC_ALPHABET]
    if bad:
        raise ValidationError(
            _(
                "The character “%(char)s” cannot appear in a unified social credit code (I, O, S, V and Z are never used)."
            ),
            code="alphabet",
            params={"char": bad[0]},
        )
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _(
                "The check character is wrong: the code ends in “%(given)s” but its first 17 characters require “%(expected)s”. Please check the code for a typing error."
            ),
            code="checksum",
            params={"given": code[17], "expected": expected},
        )


ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def validate_id_number(value: str) -> None:
    """A resident identity card number (GB 11643-1999): 17 digits and a check character."""
    code = normalize_uscc(value)
    if len(code) != 18 or not code[:17].isdigit():
        raise ValidationError(
            _("An identity card number has 17 digits followed by a digit or X."), code="id_format"
        )
    expected = ID_CHECK[sum(int(c) * w for c, w in zip(code[:17], ID_WEIGHTS, strict=True)) % 11]
    if code[17] != expected:
        raise ValidationError(
            _("The identity card number's check character is wrong (expected “%(expected)s”)."),
            code="id_checksum",
            params={"expected": expected},
        )


def mask_id_number(value: str) -> str:
    if not value:
        return ""
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "*" * len(value)
