"""Browser tests: real Moot servers on loopback, driven by Debian's headless Chromium through playwright.

The browser is Debian's `chromium` package (installed by .ci/run); playwright brings only its driver.
Every request a page makes is checked: anything that is not to 127.0.0.1 is blocked and fails the test,
and so does any Content-Security-Policy violation (inline script or style) reported by the browser.

`Visitor.look(name)` is what a test calls on each main page: it runs axe-core (from the
`axe-playwright-python` wheel, which ships axe.min.js: nothing is fetched) in the light and the dark colour
scheme, and writes `screenshots/<name>-<desktop|360px>-<light|dark>.png` (full page) at the top of the
repository. Violations of impact "serious" or "critical" are collected per visitor and fail the test at its
end (`Visitor.check()`), listing every page at once: rule, impact, help text and the selectors of the nodes.
It also fails when an element marked `hidden` is displayed all the same (a stylesheet's `display` wins over
the attribute, so without JavaScript a button meant for scripts would show and do nothing).
`tab_to()` moves the focus with the keyboard only and fails when a focused element shows no focus indicator.

Without /usr/bin/chromium these tests are skipped, with one loud line at the end of the run saying how to
run them; when CI=true (as .ci/run sets) a missing browser fails them instead. MOOT_E2E_CHROMIUM names
another browser binary (tests/test_e2e_gate.py uses it to check both cases).
"""
from __future__ import annotations

import asyncio
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import (
    Browser, BrowserContext, ConsoleMessage, Locator, Page, Response, Route, async_playwright,
)

from tests.conftest import MootInstance

CHROMIUM = Path(os.environ.get("MOOT_E2E_CHROMIUM", "/usr/bin/chromium"))
IN_CI = os.environ.get("CI", "").strip().lower() in {"true", "1"}
HOW_TO_RUN = "install it with `apt-get install chromium` (.ci/run does); never download a browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
NARROW = {"width": 360, "height": 780}
LOOPBACK_HOSTS = ("127.0.0.1",)
TIMEOUT_MS = 10_000
TIME_ZONE = "Europe/Amsterdam"  # the browser's zone: pages show times in it unless a person chose another
COLOR_SCHEMES = ("light", "dark")
AXE = Axe()  # axe-core as shipped inside the axe-playwright-python wheel
AXE_FAILS_ON = ("serious", "critical")
AXE_OPTIONS: dict[str, Any] = {"resultTypes": ["violations"]}
# The dark scheme changes colours, not structure: there only the colour rules run again (half the time).
AXE_COLOUR_RULES = ["color-contrast", "link-in-text-block"]


_SKIPPED = pytest.StashKey[int]()  # how many browser tests were skipped, for the summary line


def _chromium_missing() -> bool:
    return not os.access(CHROMIUM, os.X_OK)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without the browser, skip the browser tests before their servers start (but not in CI: there the
    fixture below fails them, since a CI run that skips them proves nothing)."""
    if IN_CI or not _chromium_missing():
        return
    here = Path(__file__).parent
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing: {HOW_TO_RUN}")
    for item in items:
        if here in item.path.parents:
            item.add_marker(skip)
            config.stash[_SKIPPED] = config.stash.get(_SKIPPED, 0) + 1


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    skipped = config.stash.get(_SKIPPED, 0)
    if skipped:
        terminalreporter.write_sep(
            "!", f"{skipped} browser test{'s' if skipped != 1 else ''} in tests/e2e SKIPPED: {CHROMIUM} is missing; "
            f"to run them, {HOW_TO_RUN}",
            yellow=True, bold=True)


@pytest.fixture
def engine() -> str:
    """Browser tests run on SQLite only: they test pages, and the rest of the suite covers both engines."""
    return "sqlite"


@pytest.fixture
async def chromium() -> AsyncIterator[Browser]:
    if _chromium_missing():  # only with CI=true: otherwise these tests were skipped at collection
        pytest.fail(f"{CHROMIUM} is missing and CI=true: the browser tests need Debian's Chromium; {HOW_TO_RUN}.",
                    pytrace=False)
    playwright = await async_playwright().start()
    try:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()
    finally:
        await playwright.stop()


async def settle(page: Page) -> None:
    """Let transitions and animations finish (after a change of colour scheme or size), so that what axe and a
    screenshot see is the final state and not a colour half-way."""
    await page.evaluate("() => Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)))")


async def axe_violations(page: Page, rules: list[str] | None = None) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (all rules, or only `rules`), of impact "serious" or
    "critical" only."""
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(AXE.axe_script)
    options = {**AXE_OPTIONS, **({"runOnly": {"type": "rule", "values": rules}} if rules else {})}
    results = await page.evaluate("options => axe.run(document, options)", options)
    return [violation for violation in results["violations"] if violation.get("impact") in AXE_FAILS_ON]


def describe_violation(where: str, violation: dict[str, Any], max_nodes: int = 8) -> str:
    """`where: rule [impact] help` and one line per offending node: its selector and axe's first message."""
    lines = [f"{where}: {violation['id']} [{violation['impact']}] {violation['help']} ({violation.get('helpUrl', '')})"]
    for node in violation["nodes"][:max_nodes]:
        selector = " >> ".join(" ".join(part) if isinstance(part, list) else str(part) for part in node["target"])
        checks = node.get("any", []) + node.get("all", []) + node.get("none", [])
        message = checks[0]["message"] if checks else ""
        lines.append(f"    {selector}" + (f"  ({message})" if message else ""))
    if len(violation["nodes"]) > max_nodes:
        lines.append(f"    ... and {len(violation['nodes']) - max_nodes} more")
    return "\n".join(lines)


async def check_accessibility(page: Page, name: str) -> list[str]:
    """Run axe on the page in the light colour scheme, and its colour rules again in the dark one; one
    description per serious or critical violation (empty when there is none). The page is left in light."""
    problems = []
    try:
        for scheme in COLOR_SCHEMES:
            await page.emulate_media(color_scheme=scheme)
            await settle(page)
            violations = await axe_violations(page, None if scheme == "light" else AXE_COLOUR_RULES)
            problems += [describe_violation(f"{name} ({scheme})", violation) for violation in violations]
    finally:
        await page.emulate_media(color_scheme="light")
    return problems


FOCUS_INDICATOR = """() => {
    const element = document.activeElement;
    if (!element || element === document.body || element === document.documentElement) {
        return {element: null, visible: false};
    }
    const style = getComputedStyle(element);
    const transparent = color => /rgba\\([^)]*,\\s*0\\)$/.test(color) || color === "transparent";
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0
        && !transparent(style.outlineColor);
    const shadow = style.boxShadow !== "none" && style.boxShadow !== "";
    const label = (element.getAttribute("aria-label") || element.innerText || element.value
                   || element.getAttribute("name") || "").trim().replace(/\\s+/g, " ").slice(0, 60);
    return {element: `<${element.tagName.toLowerCase()}> ${JSON.stringify(label)}`, visible: outline || shadow,
            outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`, shadow: style.boxShadow};
}"""


async def focus_indicator(page: Page) -> dict[str, Any]:
    """What has the focus, and whether it shows it (an outline that is not transparent, or a box-shadow)."""
    result: dict[str, Any] = await page.evaluate(FOCUS_INDICATOR)
    return result


async def tab_to(page: Page, target: Locator, *, backwards: bool = False, max_presses: int = 80) -> int:
    """Press Tab (Shift+Tab when `backwards`) until one of the elements `target` matches has the focus; after
    every press the focused element must show a visible focus indicator. Returns the number of presses."""
    key = "Shift+Tab" if backwards else "Tab"
    seen = []
    for presses in range(1, max_presses + 1):
        await page.keyboard.press(key)
        focus = await focus_indicator(page)
        assert focus["element"] is not None, f"{key} #{presses} left the page before reaching {target}: {seen}"
        seen.append(focus["element"])
        assert focus["visible"], (f"{key} #{presses} focused {focus['element']} on {page.url} with no visible "
                                  f"focus indicator (outline {focus['outline']}, box-shadow {focus['shadow']})")
        if await target.evaluate_all("(elements) => elements.includes(document.activeElement)"):
            return presses
    raise AssertionError(f"{max_presses} presses of {key} on {page.url} never reached {target}; focus went to {seen}")


async def press_enter(page: Page) -> Response | None:
    """Press Enter on the focused element and wait for what it starts: a new page (a link, or a form without
    JavaScript) or a request from the page's script (a form that JavaScript sends). Returns the response to the
    first request, or None when nothing was requested."""
    requests: list[Any] = []

    def started(request: Any) -> None:
        requests.append(request)

    page.on("request", started)
    loaded = asyncio.ensure_future(page.wait_for_event("load"))
    try:
        await page.keyboard.press("Enter")
        for _ in range(50):  # up to a second for the request to start
            if requests or loaded.done():
                break
            await asyncio.sleep(0.02)
        if not requests:
            return None
        response = await requests[0].response()
        if requests[0].is_navigation_request():
            await loaded
        await page.wait_for_load_state()
        return response
    finally:
        page.remove_listener("request", started)
        if not loaded.done():
            loaded.cancel()


async def reveal(target: Locator) -> Locator:
    """Open the folded menus (closed <details>) that hide `target`, by clicking their summaries as a person
    would, outermost first; find `target` with include_hidden=True when it may be folded away."""
    for _ in range(5):
        folded = target.first.locator("xpath=ancestor::details[not(@open)]/summary")
        if not await folded.count():
            break
        await folded.first.click()
    return target


@dataclass
class Visitor:
    """One person in one browser context (own cookies), looking at one Moot server."""

    context: BrowserContext
    page: Page
    base_url: str
    javascript: bool = True
    left_loopback: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    accessibility: list[str] = field(default_factory=list)
    hidden_but_shown: list[str] = field(default_factory=list)
    pages_checked: list[str] = field(default_factory=list)
    twin: Page | None = None  # a JavaScript-enabled page for axe, when this visitor browses without JavaScript
    checked: bool = False  # check() ran (the test called it): the fixture does not repeat it

    async def open(self, path: str) -> Response:
        response = await self.page.goto(self.base_url + path)
        assert response is not None, path
        return response

    async def submit(self, button: Any, *, method: str = "POST") -> Response:
        """Click a submit button and return the response to the form's request (before any redirect)."""
        async with self.page.expect_response(lambda r: r.request.method == method
                                             and r.request.resource_type == "document") as info:
            await button.click()
        response = await info.value
        await self.page.wait_for_load_state()
        return response

    def field(self, label: str, within: str = "main") -> Locator:
        """The input labelled exactly `label` (a required field's label ends in a hidden "*")."""
        return self.page.locator(within).get_by_label(re.compile(rf"^\s*{re.escape(label)}(\s*\*)?\s*$"))

    def button(self, name: str, within: str = "main") -> Locator:
        return self.page.locator(within).get_by_role("button", name=name, exact=True)

    def header(self) -> Locator:
        """The site's header (the banner landmark)."""
        return self.page.get_by_role("banner")

    def in_header(self, role: Any, name: str) -> Locator:
        """A link or button of the header, also when it is folded into a menu (see `reveal`)."""
        return self.header().get_by_role(role, name=name, exact=True, include_hidden=True)

    async def sign_out(self) -> Response:
        return await self.submit(await reveal(self.in_header("button", "Sign out")))

    def path(self) -> str:
        parts = urlsplit(self.page.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    async def look(self, name: str, *, screenshots: bool = True) -> None:
        """A page of the flow: check it with axe, check that nothing marked `hidden` shows (a stylesheet's
        `display` beats the attribute: without JavaScript a button meant for scripts would show and do
        nothing), and take its screenshots, light and dark."""
        await self.check_accessibility(name)
        shown = await self.page.evaluate("""() => [...document.querySelectorAll("body [hidden]")]
            .filter(element => getComputedStyle(element).display !== "none")
            .map(element => element.outerHTML.slice(0, 120))""")
        self.hidden_but_shown += [f"{name}: {html}" for html in shown]
        if screenshots:
            await self.screenshots(name)

    async def check_accessibility(self, name: str) -> None:
        """axe-core on this page, light and dark; serious and critical violations fail the test at its end.
        Without JavaScript axe cannot run in this visitor's own page (its timers never fire), so the very HTML
        this visitor got is loaded into a JavaScript-enabled twin with the same cookies: the page is checked as
        it was served, and not requested a second time (which would change, say, the unread markers)."""
        self.pages_checked.append(name)
        page = self.page if self.javascript else await self._twin_of_page()
        self.accessibility += await check_accessibility(page, name)

    async def _twin_of_page(self) -> Page:
        url, html = self.page.url.split("#")[0], await self.page.content()
        served: list[str] = []

        async def route(route: Route) -> None:
            request = route.request
            if not served and request.is_navigation_request() and request.url.split("#")[0] == url:
                served.append(url)
                await route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
            else:
                await self.guard(route)

        if self.twin is None:
            assert self.context.browser is not None
            context = await self.context.browser.new_context(viewport=DESKTOP, locale="en-GB", timezone_id=TIME_ZONE,
                                                             service_workers="block")
            context.set_default_timeout(TIMEOUT_MS)
            self.twin = await context.new_page()
            self.twin.on("console", self.console)
        twin = self.twin
        await twin.context.unroute("**/*")
        await twin.context.route("**/*", route)
        await twin.context.clear_cookies()
        await twin.context.add_cookies(await self.context.cookies())  # type: ignore[arg-type]
        await twin.goto(url)
        assert served, f"the twin page did not load the copy of {url}"
        return twin

    async def screenshots(self, name: str) -> None:
        """`screenshots/<name>-<desktop|360px>-<light|dark>.png`: at 1280x800 and 360 px wide, full page, in
        the light and the dark colour scheme. At 360 px nothing may stick out sideways."""
        SCREENSHOTS.mkdir(exist_ok=True)
        # A full-page picture includes what is below the fold: load lazy images first.
        await self.page.evaluate("""() => Promise.all([...document.images].map(img => {
            img.loading = "eager"; return img.decode().catch(() => null); }))""")
        # From the top: a page opened at an #anchor is scrolled, and its sticky header would show mid-picture.
        await self.page.evaluate("() => window.scrollTo(0, 0)")
        overflow = 0
        try:
            for scheme in COLOR_SCHEMES:
                await self.page.emulate_media(color_scheme=scheme)
                await self.page.set_viewport_size(DESKTOP)
                await settle(self.page)
                await self.page.screenshot(path=str(SCREENSHOTS / f"{name}-desktop-{scheme}.png"), full_page=True)
                await self.page.set_viewport_size(NARROW)
                await settle(self.page)
                overflow = max(overflow, await self.page.evaluate(
                    "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"))
                await self.page.screenshot(path=str(SCREENSHOTS / f"{name}-360px-{scheme}.png"), full_page=True)
        finally:
            await self.page.emulate_media(color_scheme="light")
            await self.page.set_viewport_size(DESKTOP)
        assert overflow <= 0, f"{name} is {overflow}px wider than a 360 px screen"

    async def guard(self, route: Route) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlsplit(url).hostname in LOOPBACK_HOSTS:
            await route.continue_()
        else:
            self.left_loopback.append(url)
            await route.abort("blockedbyclient")

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)

    def check(self) -> None:
        """Fails on what was collected while browsing (one plain message, listing every page at once)."""
        self.checked = True
        problems = []
        if self.left_loopback:
            problems.append(f"the page tried to reach beyond loopback: {self.left_loopback}")
        if self.csp_violations:
            problems.append(f"Content-Security-Policy violations: {self.csp_violations}")
        if self.hidden_but_shown:
            problems.append("elements marked `hidden` are displayed, a stylesheet's `display` beating the attribute "
                            "(`[hidden] { display: none !important }` fixes it):\n  " + "\n  ".join(self.hidden_but_shown))
        if self.accessibility:
            problems.append(f"axe-core found {len(self.accessibility)} serious or critical violation(s) on the "
                            f"{len(self.pages_checked)} page(s) checked ({', '.join(self.pages_checked)}):\n"
                            + "\n".join(self.accessibility))
        if problems:
            raise AssertionError("\n".join(problems))


@pytest.fixture
async def visitors(chromium: Browser) -> AsyncIterator[Callable[..., Awaitable[Visitor]]]:
    """visitors(moot) opens a new browser context (a different person) on that server."""
    made: list[Visitor] = []

    async def make(moot: MootInstance, *, locale: str = "en-GB", javascript: bool = True) -> Visitor:
        context = await chromium.new_context(viewport=DESKTOP, locale=locale, timezone_id=TIME_ZONE,
                                             service_workers="block", java_script_enabled=javascript)
        context.set_default_timeout(TIMEOUT_MS)
        page = await context.new_page()
        visitor = Visitor(context=context, page=page, base_url=moot.base_url, javascript=javascript)
        await context.route("**/*", visitor.guard)
        page.on("console", visitor.console)
        made.append(visitor)
        return visitor

    yield make
    try:
        for visitor in made:
            if not visitor.checked:
                visitor.check()
    finally:
        for visitor in made:
            if visitor.twin is not None:
                await visitor.twin.context.close()
            await visitor.context.close()
