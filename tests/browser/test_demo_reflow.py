"""Every page of the demo, as each kind of person reaches it by following links, reflows at
320 CSS pixels (WCAG 1.4.10): the journeys check the pages they visit, and this finds the
rest (provider pages, results, rules, the secretary's pages)."""

import re
from urllib.parse import urljoin, urlsplit

import pytest

from coop.members.demo import DEMO_PASSWORD
from tests.browser.conftest import REFLOW_WIDTH, reflow_problem

#: Links that are downloads, sign out, or leave the site.
_NOT_A_PAGE = re.compile(r"\.(csv|ics|json|pb)(\?|$)|/logout|/static/|^mailto:|^tel:|/healthz")
#: The most pages followed for one person, so a page of endless links cannot run forever.
MOST_PAGES = 60

PEOPLE = [
    None,  # signed out
    "asha@demo.coop",  # a budget holder
    "dev@demo.coop",  # a carer (a PA sees the same pages)
    "gym@demo.coop",  # a provider's staff
    "secretary@demo.coop",
    "ivy@demo.coop",  # an applicant
]


def _shape(path: str) -> str:
    """Pages of one kind (every listing, every session) are one shape: one of each is seen."""
    return re.sub(r"/\d+", "/N", urlsplit(path).path)


@pytest.fixture
def demo(runner):
    loaded = runner.invoke(args=["demo", "load"])
    assert loaded.exit_code == 0, loaded.output


@pytest.mark.parametrize("person", PEOPLE, ids=[p or "signed-out" for p in PEOPLE])
def test_every_demo_page_reflows_at_320_pixels(app, browser, live_server, demo, person):
    if app.config["BACKEND"] != "sqlite":
        pytest.skip(
            reason="a page's width does not depend on the database, so this runs on SQLite only"
        )
    context = browser.new_context(viewport={"width": REFLOW_WIDTH, "height": 800})
    page = context.new_page()
    try:
        if person:
            page.goto(live_server + "/login")
            page.get_by_label("Email address", exact=True).fill(person)
            page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Sign in", exact=True).click()
            page.wait_for_url(re.compile(r"/account$"))
        queue, shapes, problems = ["/"], set(), []
        while queue and len(shapes) < MOST_PAGES:
            path = queue.pop(0)
            if _shape(path) in shapes:
                continue
            shapes.add(_shape(path))
            page.goto(live_server + path)
            problem = reflow_problem(page)
            if problem:
                problems.append(problem)
            hrefs = page.eval_on_selector_all(
                "a[href]:not([download])", "links => links.map(a => a.getAttribute('href'))"
            )
            for href in hrefs:
                url = urljoin(live_server + path, href)
                if not url.startswith(live_server) or _NOT_A_PAGE.search(href):
                    continue
                parts = urlsplit(url)
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        assert len(shapes) > 5, f"only {sorted(shapes)} were reached"
        assert problems == [], "\n".join(problems)
    finally:
        context.close()
