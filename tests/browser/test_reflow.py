"""The check every browser journey makes at 320 CSS pixels (WCAG 1.4.10 Reflow), and the
stacked-table pattern in coop.scss that lets wide tables pass it."""

from pathlib import Path

import pytest

from tests.browser.conftest import REFLOW_WIDTH, reflow_problem

CSS = Path(__file__).resolve().parents[2] / "coop" / "static" / "coop.css"
EMAIL = "ada.lovelace-byron.analytical-engine@friar-gate-community-day-centre.example.org"


def _table(stacked: bool) -> str:
    head = ["No.", "Name", "Postal address", "Email", "Shares (paid)", "Joined", "Left"]
    cells = [
        "1",
        "Asha Patel",
        "4 Abbey Street, Derby, DE22 3SQ",
        EMAIL,
        "1 (£1.00)",
        "5 August 2026",
        "—",
    ]
    label = (lambda text: f' data-label="{text}"') if stacked else (lambda _text: "")
    return (
        f'<table class="govuk-table{" coop-table--stack" if stacked else ""}">'
        '<caption class="govuk-table__caption">Register of members</caption>'
        '<thead class="govuk-table__head"><tr class="govuk-table__row">'
        + "".join(f'<th scope="col" class="govuk-table__header">{h}</th>' for h in head)
        + '</tr></thead><tbody class="govuk-table__body"><tr class="govuk-table__row">'
        + "".join(
            f'<td class="govuk-table__cell"{label(h)}>{c}</td>'
            for h, c in zip(head, cells, strict=True)
        )
        + "</tr></tbody></table>"
    )


@pytest.fixture
def narrow_page(browser):
    if not CSS.exists():
        pytest.fail(f"{CSS} is missing: run `make assets`", pytrace=False)
    context = browser.new_context(viewport={"width": REFLOW_WIDTH, "height": 800})
    page = context.new_page()
    yield page
    context.close()


def _show(page, body: str) -> None:
    page.set_content(
        '<!DOCTYPE html><html lang="en-GB" class="govuk-template"><head>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Reflow</title>'
        f'</head><body class="govuk-template__body"><div class="govuk-width-container"><main>{body}'
        "</main></div></body></html>"
    )
    page.add_style_tag(path=str(CSS))


def test_a_wide_table_is_caught_and_named(narrow_page):
    _show(narrow_page, _table(stacked=False))
    problem = reflow_problem(narrow_page)
    assert problem is not None
    assert f"at {REFLOW_WIDTH} CSS pixels, so it scrolls sideways" in problem
    assert "th.govuk-table__header" in problem or "td.govuk-table__cell" in problem


def test_a_stacked_table_reflows_with_each_cell_labelled_and_stays_a_table(narrow_page):
    _show(narrow_page, _table(stacked=True))
    assert reflow_problem(narrow_page) is None
    email = narrow_page.locator("td", has_text="ada.lovelace")
    label = email.evaluate("(td) => getComputedStyle(td, '::before').content")
    assert label == '"Email"'
    # Screen readers still meet a table, its column headers, and each cell with its label.
    assert narrow_page.get_by_role("table").count() == 1
    assert narrow_page.get_by_role("columnheader").count() == 7
    assert narrow_page.get_by_role("cell", name="Email " + EMAIL).count() == 1


def test_the_same_table_is_a_table_on_a_wide_screen(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        _show(page, _table(stacked=True))
        assert page.locator("thead").evaluate("(el) => getComputedStyle(el).display") == (
            "table-header-group"
        )
        label = page.locator("td").first.evaluate(
            "(td) => getComputedStyle(td, '::before').content"
        )
        assert label in ("none", "normal")
    finally:
        context.close()


def test_a_long_email_address_wraps_in_text(narrow_page):
    _show(
        narrow_page, f'<p class="govuk-body">We have sent an email to <strong>{EMAIL}</strong>.</p>'
    )
    assert reflow_problem(narrow_page) is None
