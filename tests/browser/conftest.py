"""Browser fixtures: Debian's Chromium through Playwright, a live server, axe-core, the keyboard."""

import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails, saying so
    expect = None

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
#: WCAG 2.0, 2.1 and 2.2 at levels A and AA: axe-core tags each rule with the version and
#: level that introduced its success criterion, so all five tags together are "WCAG 2.2 AA".
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
#: No page here has anywhere near this many focusable elements; more Tabs means a focus trap
#: or an element that cannot be reached by keyboard.
MAX_TABS = 200
#: WCAG 1.4.10 Reflow: every page is read at 320 CSS pixels wide without scrolling sideways.
REFLOW_WIDTH = 320
#: The width journeys run at; each page is also checked at REFLOW_WIDTH, then put back.
DESKTOP = {"width": 1280, "height": 900}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

_REPORTS = pytest.StashKey[dict]()


def _unavailable(reason: str) -> None:
    """Skip, or fail when CI has said a browser must be there (COOP_REQUIRE_BROWSER=1)."""
    if os.environ.get("COOP_REQUIRE_BROWSER") == "1":
        pytest.fail(f"COOP_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason=f"{reason}, so the browser tests are skipped")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so fixtures can tell whether the test failed."""
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, driven by Playwright; never a downloaded browser."""
    try:
        import axe_playwright_python  # noqa: F401 - checked here so a missing one skips cleanly
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        _unavailable(
            f"the Python package {error.name!r} is not installed (pip install -e '.[dev]')"
        )
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


#: SQL that changes or locks data; reading a page must send none of it.
_WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b|\bFOR UPDATE\b", re.IGNORECASE)


class GetWrites:
    """Records every write statement and email made while serving a GET or HEAD request."""

    def __init__(self):
        self.seen: list[str] = []

    def statement(self, _conn, _cursor, statement, *_args):
        from flask import has_request_context, request

        if has_request_context() and request.method in ("GET", "HEAD"):
            if _WRITES.search(statement):
                self.seen.append(f"GET {request.full_path}: {' '.join(statement.split())[:200]}")

    def email(self, _app, message):
        from flask import has_request_context, request

        if has_request_context() and request.method in ("GET", "HEAD"):
            self.seen.append(f"GET {request.full_path}: sent email {message.subject!r}")


@pytest.fixture
def live_server(app, request):
    """The suite's app served over HTTP on a free port, with CSRF protection switched on.

    Every browser journey also checks that no page it visited wrote to the database or sent
    an email while answering a GET: reading a page never writes.
    """
    from flask_mail import email_dispatched
    from sqlalchemy import event

    from coop.extensions import db

    csrf_before = app.config.get("WTF_CSRF_ENABLED", True)
    app.config["WTF_CSRF_ENABLED"] = True
    writes = GetWrites()
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", writes.statement)
    email_dispatched.connect(writes.email)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="coop-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        app.config["WTF_CSRF_ENABLED"] = csrf_before
        event.remove(engine, "before_cursor_execute", writes.statement)
        email_dispatched.disconnect(writes.email)
    assert writes.seen == [], "Pages wrote while being read:\n" + "\n".join(writes.seen)


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page as it is now, for the WCAG 2.2 A and AA rules only."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
    )
    return results.response["violations"]


def describe_violations(url: str, title: str, violations: list[dict]) -> str:
    """A readable list of violations: each rule's id, what it asks, and the elements that fail."""
    lines = [f"axe-core found {len(violations)} WCAG 2.2 A/AA violation(s) on {url} ({title!r}):"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation['help']} "
            f"<{violation.get('helpUrl', '')}>"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    {target}: {summary}")
    return "\n".join(lines)


#: How wide the page is, and the innermost elements that reach past `width`, for a failure message.
_TOO_WIDE = """
(width) => {
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 1 && ![...el.children].some(
        (child) => child.getBoundingClientRect().right > width + 1)) {
      const text = (el.innerText || el.value || '').trim().replace(/\\s+/g, ' ').slice(0, 50);
      wide.push(el.tagName.toLowerCase() + (el.className ? '.' + [...el.classList].join('.') : '')
        + ' "' + text + '" reaches ' + Math.round(box.right) + 'px');
    }
  }
  return { scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 8) };
}
"""


def reflow_problem(page, width: int = REFLOW_WIDTH) -> str | None:
    """Why the page, as the browser now shows it, scrolls sideways at `width`; None if not."""
    found = page.evaluate(_TOO_WIDE, width)
    if found["scrollWidth"] <= width:
        return None
    return (
        f"{page.url} ({page.title()!r}) is {found['scrollWidth']}px wide at {width} CSS pixels, "
        "so it scrolls sideways (WCAG 1.4.10 Reflow). Too wide: " + "; ".join(found["wide"])
    )


#: Where focus rests between the last element on a page and the first, as Tab goes round.
_PAGE_ITSELF = "(the page itself)"
#: What has focus, in words, for a failure message.
_DESCRIBE_FOCUS = f"""
() => {{
  const active = document.activeElement;
  if (!active || active === document.body) return '{_PAGE_ITSELF}';
  const label = active.getAttribute('aria-label')
    || (active.labels && active.labels.length ? active.labels[0].innerText : '')
    || active.innerText || active.value || '';
  return active.tagName.toLowerCase() + (active.id ? '#' + active.id : '')
    + ' "' + label.trim().replace(/\\s+/g, ' ').slice(0, 60) + '"';
}}
"""

_IS_FOCUSED = "(el) => el === document.activeElement"

#: Whether the focused element shows it has focus: GOV.UK Frontend draws focus with an outline
#: or a box-shadow, and for radios and checkboxes on the label's ::before box.
_FOCUS_VISIBLE = """
(el) => {
  const drawn = (style) => (style.boxShadow && style.boxShadow !== 'none')
    || (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
        && !/rgba\\(.*,\\s*0\\)|transparent/.test(style.outlineColor));
  if ((el.type === 'radio' || el.type === 'checkbox') && el.labels && el.labels.length) {
    return drawn(getComputedStyle(el.labels[0], '::before'));
  }
  return drawn(getComputedStyle(el));
}
"""


class KeyboardUser:
    """Someone using the site with the keyboard alone, who checks every page with axe-core.

    Every way of reaching a page here (opening an address, following a link, sending a form)
    runs axe-core on the page that loads; and the `keyboard_user` fixture fails a test that
    let any page load without being checked.
    """

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.unchecked: list[str] = []
        page.on("load", lambda loaded: self.unchecked.append(loaded.url))

    # --- Pages ---------------------------------------------------------------------------

    def check_accessibility(self) -> None:
        """Fail, listing each problem, if axe-core finds a WCAG 2.2 A or AA violation here, or
        if the page scrolls sideways at 320 CSS pixels (WCAG 1.4.10).

        The same page, as loaded, is narrowed to 320 pixels (as on a small phone, or zoomed to
        400%), measured and checked by axe-core again there, then widened back, so a page
        that answered a form is checked too and the journey carries on as it was.
        """
        page = self.page
        page.wait_for_load_state("load")
        violations = axe_violations(page)
        if violations:
            pytest.fail(describe_violations(page.url, page.title(), violations), pytrace=False)
        viewport = page.viewport_size
        page.set_viewport_size({"width": REFLOW_WIDTH, "height": viewport["height"]})
        try:
            problem = reflow_problem(page)
            if problem:
                pytest.fail(problem, pytrace=False)
            violations = axe_violations(page)
            if violations:
                pytest.fail(
                    f"At {REFLOW_WIDTH} CSS pixels wide: "
                    + describe_violations(page.url, page.title(), violations),
                    pytrace=False,
                )
        finally:
            page.set_viewport_size(viewport)
        self.unchecked.clear()

    def open(self, path: str) -> None:
        """Go to an address, as when typing it or opening a link from an email."""
        self.page.goto(self.base_url + path)
        self.check_accessibility()

    def first_tab_reaches_skip_link(self) -> None:
        """The first Tab on a fresh page lands on the skip link, and Enter moves to the content."""
        self.page.keyboard.press("Tab")
        skip = self.page.get_by_role("link", name="Skip to main content")
        expect(skip).to_be_focused()
        self._assert_focus_visible(skip)
        self.page.keyboard.press("Enter")
        expect(self.page.locator("main#main-content")).to_be_focused()

    # --- Moving focus --------------------------------------------------------------------

    def tab_to(self, target) -> None:
        """Press Tab until `target` (a Playwright locator) has focus, or fail after MAX_TABS.

        Focus moves on from wherever it is, as a person's would; a target behind it is reached
        by going round the whole page.
        """
        target.wait_for(state="attached")
        self._tab_until(lambda: target.evaluate(_IS_FOCUSED), str(target))
        self._assert_focus_visible(target)

    def _tab_until(self, reached, wanted: str) -> None:
        """Press Tab until `reached()` is true; no Tab at all if focus is already there."""
        if reached():
            return
        seen: list[str] = []
        for _ in range(MAX_TABS):
            self.page.keyboard.press("Tab")
            if reached():
                return
            seen.append(self.page.evaluate(_DESCRIBE_FOCUS))
            if seen.count(_PAGE_ITSELF) == 2:
                start = seen.index(_PAGE_ITSELF) + 1
                pytest.fail(
                    f"Tab went all the way round {self.page.url} without reaching {wanted}. "
                    f"The Tab order is: {', '.join(seen[start:-1])}",
                    pytrace=False,
                )
        shown = ", ".join(seen[:40]) + (" …" if len(seen) > 40 else "")
        pytest.fail(
            f"{MAX_TABS} presses of Tab on {self.page.url} never reached {wanted}. "
            f"Focus went to: {shown}",
            pytrace=False,
        )

    def _assert_focus_visible(self, target) -> None:
        if not target.evaluate(_FOCUS_VISIBLE):
            pytest.fail(f"{target} has keyboard focus but shows no focus indicator", pytrace=False)

    def type_into(self, field, text: str) -> None:
        """Tab to a text field (if not already in it), clear what it holds, and type `text`."""
        self.tab_to(field)
        self.page.keyboard.press("ControlOrMeta+A")
        self.page.keyboard.press("Backspace")
        if text:
            self.page.keyboard.type(text)
        expect(field).to_have_value(text)

    def tick(self, checkbox) -> None:
        """Tab to a checkbox and tick it with Space."""
        self.tab_to(checkbox)
        if not checkbox.is_checked():
            self.page.keyboard.press("Space")
        expect(checkbox).to_be_checked()

    def choose(self, radio) -> None:
        """Tab into the radio group holding `radio`, then use the arrow keys to select it.

        Tab enters a group once, on its selected radio (or its first, when none is selected);
        the arrow keys then move between the options, selecting each in turn.
        """
        name = radio.get_attribute("name")
        count = self.page.locator(f'input[type="radio"][name="{name}"]').count()
        self._tab_until(
            lambda: self.page.evaluate(
                "(name) => document.activeElement.type === 'radio'"
                " && document.activeElement.name === name",
                name,
            ),
            f"the radio group {name!r}",
        )
        for _ in range(count):
            if radio.evaluate(_IS_FOCUSED):
                break
            self.page.keyboard.press("ArrowDown")
        else:
            pytest.fail(f"The arrow keys never reached {radio} in its group", pytrace=False)
        self.page.keyboard.press("Space")
        expect(radio).to_be_checked()
        self._assert_focus_visible(radio)

    # --- Acting --------------------------------------------------------------------------

    def activate(self, target) -> None:
        """Tab to a link or button and press Enter, then check the page it leads to."""
        self.tab_to(target)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        self.check_accessibility()


@pytest.fixture
def keyboard_user(browser, live_server, request):
    """A fresh browser tab on the live server, used by keyboard alone and checked by axe-core."""
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    user = KeyboardUser(page, live_server)
    try:
        yield user
        reports = request.node.stash.get(_REPORTS, {})
        if "call" in reports and reports["call"].passed and user.unchecked:
            pytest.fail(
                "These pages loaded without an accessibility check: " + ", ".join(user.unchecked),
                pytrace=False,
            )
    finally:
        reports = request.node.stash.get(_REPORTS, {})
        if any(report.failed for report in reports.values()):
            ARTIFACTS.mkdir(exist_ok=True)
            stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
            try:
                page.screenshot(path=str(ARTIFACTS / f"{stem}.png"), full_page=True)
                (ARTIFACTS / f"{stem}.html").write_text(page.content(), encoding="utf-8")
            except Exception:  # noqa: BLE001 - a missing screenshot must not hide the failure
                pass
        context.close()


@pytest.fixture(autouse=True)
def _many_sign_ins(app, monkeypatch):
    """Journeys sign in more often than the sign-in rate limit allows a real person."""
    monkeypatch.setitem(app.config, "RATELIMIT_AUTH", "1000 per minute")
