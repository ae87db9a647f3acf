"""Whole numbers in addresses and forms, bounded by what the database's INTEGER columns hold."""

import re

from werkzeug.routing import IntegerConverter

#: The largest value of an INTEGER column (32-bit on PostgreSQL), so the largest id there is.
MAX_ID = 2**31 - 1

_ASCII_DIGITS = re.compile(r"[0-9]+")


def parse_id(text: str | None, maximum: int = MAX_ID) -> int | None:
    """A whole number written in ASCII digits, 0 to `maximum`; None for anything else.

    `str.isdigit` and `int` accept other scripts' digits ('١٢' is 12), and a number too
    large for the column makes the database fail: both are refused here.
    """
    text = (text or "").strip()
    if not _ASCII_DIGITS.fullmatch(text) or len(text) > 12:
        return None
    number = int(text)
    return number if number <= maximum else None


class IdConverter(IntegerConverter):
    """`<int:...>` in a route: ASCII digits only, and beyond `MAX_ID` the address is a 404.

    Registered as `int` before the blueprints, so every route's ids are bounded.
    """

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
