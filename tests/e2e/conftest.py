"""Browser tests: real Moot servers on loopback, driven by Debian's headless Chromium through playwright.

The browser is Debian's `chromium` package (installed by .ci/run); playwright brings only its driver.
Every request a page makes is checked: anything that is not to 127.0.0.1 is blocked and fails the test,
and so does any Content-Security-Policy violation (inline script or style) reported by the browser.
Screenshots of the main pages land in `screenshots/` at the top of the repository.

Without /usr/bin/chromium these tests are skipped, with one loud line at the end of the run saying how to
run them; when CI=true (as .ci/run sets) a missing browser fails them instead. MOOT_E2E_CHROMIUM names
another browser binary (tests/test_e2e_gate.py uses it to check both cases).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable
from urllib.parse import urlsplit

import pytest
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


@dataclass
class Visitor:
    """One person in one browser context (own cookies), looking at one Moot server."""

    context: BrowserContext
    page: Page
    base_url: str
    left_loopback: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

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

    def path(self) -> str:
        parts = urlsplit(self.page.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    async def screenshots(self, name: str) -> None:
        """`screenshots/<name>-desktop.png` at 1280x800 and `<name>-360px.png` at 360 px wide (full page).
        At 360 px nothing may stick out sideways."""
        SCREENSHOTS.mkdir(exist_ok=True)
        # A full-page picture includes what is below the fold: load lazy images first.
        await self.page.evaluate("""() => Promise.all([...document.images].map(img => {
            img.loading = "eager"; return img.decode().catch(() => null); }))""")
        await self.page.set_viewport_size(DESKTOP)
        await self.page.screenshot(path=str(SCREENSHOTS / f"{name}-desktop.png"), full_page=True)
        await self.page.set_viewport_size(NARROW)
        overflow = await self.page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        await self.page.screenshot(path=str(SCREENSHOTS / f"{name}-360px.png"), full_page=True)
        await self.page.set_viewport_size(DESKTOP)
        assert overflow <= 0, f"{name} is {overflow}px wider than a 360 px screen"

    def check(self) -> None:
        assert not self.left_loopback, f"the page tried to reach beyond loopback: {self.left_loopback}"
        assert not self.csp_violations, f"Content-Security-Policy violations: {self.csp_violations}"


@pytest.fixture
async def visitors(chromium: Browser) -> AsyncIterator[Callable[..., Awaitable[Visitor]]]:
    """visitors(moot) opens a new browser context (a different person) on that server."""
    made: list[Visitor] = []

    async def make(moot: MootInstance, *, locale: str = "en-GB", javascript: bool = True) -> Visitor:
        context = await chromium.new_context(viewport=DESKTOP, locale=locale, service_workers="block",
                                             java_script_enabled=javascript)
        context.set_default_timeout(TIMEOUT_MS)
        page = await context.new_page()
        visitor = Visitor(context=context, page=page, base_url=moot.base_url)

        async def guard(route: Route) -> None:
            url = route.request.url
            if url.startswith(("data:", "blob:")) or urlsplit(url).hostname in LOOPBACK_HOSTS:
                await route.continue_()
            else:
                visitor.left_loopback.append(url)
                await route.abort("blockedbyclient")

        def console(message: ConsoleMessage) -> None:
            if message.type == "error" and "Content Security Policy" in message.text:
                visitor.csp_violations.append(message.text)

        await context.route("**/*", guard)
        page.on("console", console)
        made.append(visitor)
        return visitor

    yield make
    try:
        for visitor in made:
            visitor.check()
    finally:
        for visitor in made:
            await visitor.context.close()
