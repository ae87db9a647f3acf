"""UK postcodes: checking their shape and writing them one standard way."""

import re

# The shape of a UK postcode once spaces are removed: an outward code (area letters, a
# district number, sometimes a letter), then a sector digit and two unit letters.
# Covers every format Royal Mail issues, and GIR 0AA.
_POSTCODE = re.compile(
    r"^(GIR0AA|"
    r"(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}|"
    r"[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
    r"[0-9][ABD-HJLNP-UW-Z]{2})$"
)


def normalise_postcode(raw: str | None) -> str | None:
    """Return a UK postcode in its standard form ("de13ab" -> "DE1 3AB"), or None if invalid."""
    compact = re.sub(r"\s+", "", raw or "").upper()
    if not _POSTCODE.match(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"
