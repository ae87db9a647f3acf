"""Money is integer pence everywhere; this is the only place that formats it."""

#: The largest amount a money column holds, in pence: they are 32-bit INTEGER columns.
MAX_PENCE = 2**31 - 1


def format_pence(pence: int) -> str:
    """Show an amount of pence as pounds, e.g. 1250 -> '£12.50', -5 -> '-£0.05'."""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(int(pence)), 100)
    return f"{sign}£{pounds:,}.{rest:02d}"


def parse_pounds(text: str | None) -> int | None:
    """Read an amount typed in pounds ('1,250', '£12.5', '12.50') as pence; None if it is not one.

    Amounts with more than two decimal places, negative amounts and anything that is not a
    number are refused rather than rounded, so nobody is charged a surprise. Only ASCII
    digits count: '١٢' is not read as 12. An amount above `MAX_PENCE` is still read (so the
    form can say how much is allowed: see `too_much`).
    """
    import re

    cleaned = (text or "").strip().replace(",", "").replace(" ", "")
    if cleaned.startswith("£"):
        cleaned = cleaned[1:]
    match = re.fullmatch(r"([0-9]{1,9})(?:\.([0-9]{1,2}))?", cleaned)
    if not match:
        return None
    pounds, pence = match.groups()
    return int(pounds) * 100 + int((pence or "0").ljust(2, "0"))


def too_much(pence: int | None) -> bool:
    """Whether an amount read by `parse_pounds` is more than the money columns hold."""
    return pence is not None and pence > MAX_PENCE


#: What a money field says when an amount is more than the columns hold.
TOO_MUCH_MESSAGE = f"Enter an amount of {format_pence(MAX_PENCE)} or less"
