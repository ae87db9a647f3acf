"""Reading what a page shows a person: its words, the error summary, a field's message."""

import html
import re


def page(response) -> str:
    return response.get_data(as_text=True)


def text(response) -> str:
    """The page's words, tags removed and spaces squeezed, for asserting sentences."""
    words = re.sub(r"<[^>]+>", " ", page(response))
    return re.sub(r"\s+", " ", html.unescape(words))


def error_summary(body: str) -> list[tuple[str, str]]:
    """(field id, message) for each link in the error summary at the top of the page."""
    summary = body.split("govuk-error-summary__list", 1)
    assert len(summary) == 2, "no error summary on the page"
    found = re.findall(r"<a href=\"#([^\"]+)\">([^<]+)</a>", summary[1].split("</ul>", 1)[0])
    return [(target, html.unescape(message)) for target, message in found]


def field_error(body: str, field_id: str) -> str:
    """The error message shown beside a field."""
    found = re.search(
        rf'id="{re.escape(field_id)}-error"[^>]*>\s*<span class="govuk-visually-hidden">'
        r"Error:</span>\s*([^<]+?)\s*</p>",
        body,
    )
    assert found, f"no error message beside {field_id}"
    return html.unescape(found[1])
