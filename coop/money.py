"""Money is integer pence everywhere; this is the only place that formats it."""


def format_pence(pence: int) -> str:
    """Show an amount of pence as pounds, e.g. 1250 -> '£12.50', -5 -> '-£0.05'."""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(int(pence)), 100)
    return f"{sign}£{pounds:,}.{rest:02d}"
