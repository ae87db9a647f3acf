"""Money is integer pence everywhere; this is the only place that formats it."""


def format_pence(pence: int) -> str:
    """Show an amount of pence as pounds, e.g. 1250 -> '£12.50', -5 -> '-£0.05'."""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(int(pence)), 100)
    return f"{sign}£{pounds:,}.{rest:02d}"


def parse_pounds(text: str | None) -> int | None:
    """Read an amount typed in pounds ('1,250', '£12.5', '12.50') as pence; None if it is not one.

    Amounts with more than two decimal places, negative amounts and anything that is not a
    number are refused rather than rounded, so nobody is charged a surprise.
    """
    import re

    cleaned = (text or "").strip().replace(",", "").replace(" ", "")
    if cleaned.startswith("£"):
        cleaned = cleaned[1:]
    match = re.fullmatch(r"(\d{1,9})(?:\.(\d{1,2}))?", cleaned)
    if not match:
        return None
    pounds, pence = match.groups()
    return int(pounds) * 100 + int((pence or "0").ljust(2, "0"))
