"""Checks every journey runs on the pages it reaches: the page fits a phone, has no serious
accessibility violation, and every button on it does something and nothing breaks.

`page_checked(page)` runs the first two; `buttons_all_work(page, url)` presses every visible
button on a page, one per fresh load, and checks that each changed something (a request, a new
page, the page itself, a dialog), that no answer was a server error and no script failed.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import axe_playwright_python

AXE_JS = Path(axe_playwright_python.__file__).with_name("axe.min.js")
# WCAG 2.2 AA, as issue 20 sets the goal; these checks hold the serious ones from now on.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_IMPACTS = ("critical", "serious")
PHONE_WIDTH = 375
# axe's experimental WCAG rules, checked on the client's pages too (`all_impacts`); not
# css-orientation-lock, which needs the CSSOM preload (see axe_violations).
AXE_EXPERIMENTAL = [
    "label-content-name-mismatch",
    "p-as-heading",
    "table-fake-caption",
    "td-has-header",
]
# Django's own filter widget gives its help icon an aria-label without a role (upstream).
AXE_EXCLUDE = [".selector .help-tooltip"]

# Pressed in a journey only, never by the sweep: they end the persona's visit.
NOT_SWEPT = ("Log out", "Sign out")


def page_fits(page, *, width: int = PHONE_WIDTH) -> None:
    """No sideways scrolling at `width` pixels (the viewport is put back afterwards)."""
    before = page.viewport_size
    page.set_viewport_size({"width": width, "height": before["height"]})
    try:
        page.wait_for_timeout(50)  # one layout
        overflow = page.evaluate(
            """() => {
              const doc = document.documentElement;
              if (doc.scrollWidth <= window.innerWidth) return null;
              const wide = [...document.body.querySelectorAll('*')]
                .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
                .filter(el => getComputedStyle(el).position !== 'fixed')
                .slice(-3)
                .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                  + (el.className && typeof el.className === 'string'
                     ? '.' + el.className.trim().split(/\\s+/).join('.') : ''));
              return {scrollWidth: doc.scrollWidth, wide};
            }"""
        )
    finally:
        page.set_viewport_size(before)
    assert overflow is None, f"{page.url} scrolls sideways at {width} px: {overflow}"


def until(page, check, timeout_ms: int = 8000) -> None:
    """Wait for what the page posted to reach the database: `check()` true, or fail."""
    for _ in range(timeout_ms // 50):
        if check():
            return
        page.wait_for_timeout(50)
    assert check()


def axe_violations(page, *, all_impacts: bool = False) -> list[str]:
    """The page's serious and critical WCAG 2.2 AA violations, one line each; with
    `all_impacts`, the moderate and minor ones too (the client's pages allow none)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text() + "\n;undefined")  # not a <script>: the CSP holds
    # No CSSOM preload: for pages whose stylesheets import others, axe copies them into
    # <style> elements of its own, which the page's CSP rightly blocks (and reports as the
    # page's console errors). It serves one rule only, css-orientation-lock; Sitting's CSS
    # never locks the orientation.
    extra = {rule: {"enabled": True} for rule in AXE_EXPERIMENTAL} if all_impacts else {}
    result = page.evaluate(
        """([tags, exclude, rules]) => axe.run(
             {include: [document], exclude: exclude.map(s => [s])},
             {runOnly: {type: 'tag', values: tags}, rules, preload: false})""",
        [AXE_TAGS, AXE_EXCLUDE, extra],
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + ", ".join(node["target"][0] for node in v["nodes"][:3])
        for v in result["violations"]
        if all_impacts or v["impact"] in AXE_IMPACTS
    ]


def page_checked(page, *, width: int = PHONE_WIDTH, all_impacts: bool = False) -> None:
    page_fits(page, width=width)
    violations = axe_violations(page, all_impacts=all_impacts)
    assert not violations, f"{page.url}:\n" + "\n".join(violations)


@dataclass
class Press:
    label: str
    requests: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    in_flight: int = 0
    dialog: bool = False

    def listen(self, page) -> dict:
        def started(request):
            self.requests.append(request.url)
            self.in_flight += 1

        def ended(request):
            self.in_flight -= 1

        def answered(response):
            if response.status >= 500:
                self.failures.append(f"{response.status} {response.url}")

        def dialog(dialog):
            self.dialog = True
            dialog.accept()

        handlers = {
            "request": started,
            "requestfinished": ended,
            "requestfailed": ended,
            "response": answered,
            "pageerror": lambda error: self.failures.append(f"script error: {error}"),
            "dialog": dialog,
        }
        for event, handler in handlers.items():
            page.on(event, handler)
        return handlers

    def settle(self, page, *, timeout_ms: int = 10_000) -> None:
        """Until what the press set off has answered: quicker than Playwright's
        "networkidle", which always waits half a second more."""
        quiet = 0
        for _ in range(timeout_ms // 50):
            page.wait_for_timeout(50)
            quiet = quiet + 1 if self.in_flight <= 0 else 0
            if quiet >= 3:
                break
        page.wait_for_load_state("load")


BUTTONS_JS = """scope => {
  const root = scope ? document.querySelector(scope) : document.body;
  const visible = el => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  };
  return [...root.querySelectorAll(
      'button, input[type=submit], input[type=button], [role=button]')]
    .filter(el => visible(el) && !el.disabled && el.getAttribute('aria-disabled') !== 'true')
    .map((el, index) => { el.dataset.sweep = index; return el; })
    .map(el => (el.getAttribute('aria-label') || el.innerText || el.value || el.title || '')
      .trim().replace(/\\s+/g, ' '));
}"""


def _state(page) -> str:
    return (
        page.url
        + "\n"
        + page.evaluate(
            "() => document.body.innerHTML"
            " + [...document.querySelectorAll('input, textarea, select')]"
            ".map(el => el.value + el.checked).join()"
        )
    )


def buttons_all_work(page, url: str, *, scope: str = "", skip: tuple[str, ...] = ()) -> list[str]:
    """Press each visible, enabled button on `url` (inside `scope`, a CSS selector), each on
    a fresh load. Returns the labels pressed; fails on a button that did nothing, a server
    error or a script error. A button an earlier press removed (the booking was cancelled,
    the selection sent) counts as pressed by that earlier one."""
    page.goto(url)
    labels = page.evaluate(BUTTONS_JS, scope)
    pressed, problems = [], []
    for index, label in enumerate(labels):
        if not label or any(word in label for word in (*NOT_SWEPT, *skip)):
            continue
        page.goto(url)
        current = page.evaluate(BUTTONS_JS, scope)
        if index >= len(current) or current[index] != label:
            continue  # an earlier press changed what the page offers
        press = Press(label)
        handlers = press.listen(page)
        try:
            before = _state(page)
            page.locator(f'[data-sweep="{index}"]').click(timeout=5000)
            press.settle(page)
            changed = press.requests or press.dialog or _state(page) != before
        finally:
            for event, handler in handlers.items():
                page.remove_listener(event, handler)
        if press.failures:
            problems.append(f"“{label}” on {url}: {press.failures}")
        elif not changed:
            problems.append(f"“{label}” on {url} did nothing")
        pressed.append(label)
    assert not problems, "\n".join(problems)
    return pressed


def links_all_answer(page, url: str, *, scope: str = "") -> list[str]:
    """Every same-site link on `url` (inside `scope`) answers without an error for this
    persona: a link to a page they may not see is a link they should not be shown."""
    page.goto(url)
    hrefs = page.evaluate(
        """scope => [...(scope ? document.querySelector(scope) : document.body)
            .querySelectorAll('a[href]')].map(a => a.getAttribute('href'))""",
        scope,
    )
    origin = urlsplit(page.url)
    checked, problems, shapes = [], [], set()
    for href in dict.fromkeys(hrefs):
        absolute = urljoin(page.url, href)
        parts = urlsplit(absolute)
        if parts.scheme not in {"http", "https"} or parts.netloc != origin.netloc:
            continue
        if parts.path == origin.path and parts.query == origin.query:
            continue  # a fragment on this page
        # One link per shape (the same view for another row, another sort order).
        shape = (re.sub(r"\d+", "N", parts.path), tuple(sorted(parse_qs(parts.query))))
        if shape in shapes:
            continue
        shapes.add(shape)
        response = page.request.get(absolute, max_redirects=5)
        if response.status >= 400:
            problems.append(f"{href} answers {response.status}")
        checked.append(href)
    assert not problems, f"links on {url}:\n" + "\n".join(problems)
    return checked
