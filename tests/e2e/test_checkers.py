"""The browser tests' own checkers catch what they claim to: axe-core's serious and critical violations in the
light and in the dark colour scheme (and only those), and a focused element with no visible focus indicator.
A page of plain HTML, no server: a checker that silently found nothing would make every other test look green.
"""
from __future__ import annotations

from typing import AsyncIterator

import pytest
from playwright.async_api import Browser, Page

from tests.e2e.conftest import DESKTOP, check_accessibility, tab_to

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Checkers</title>
<style>
  body { background: #fff; color: #111; }
  #faint { color: #111; }
  @media (prefers-color-scheme: dark) { body { background: #000; color: #eee; } #faint { color: #222; } a { color: #9cf; } }
  #hidden-focus:focus { outline: none; }
  #ringed:focus-visible { outline: 0; box-shadow: 0 0 0 3px #05f; }
</style></head>
<body><main>
  <h1>Checkers</h1>
  <p id="faint">Readable in light, nearly black on black in dark.</p>
  <a href="#a" id="ringed">A link with a ring</a>
  <button id="plain" type="button">A button with the browser's outline</button>
  <button id="hidden-focus" type="button">A button whose focus cannot be seen</button>
  <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="10" height="10">
</main></body></html>"""


@pytest.fixture
async def page(chromium: Browser) -> AsyncIterator[Page]:
    context = await chromium.new_context(viewport=DESKTOP)
    try:
        page = await context.new_page()
        await page.set_content(PAGE)
        yield page
    finally:
        await context.close()


async def test_axe_reports_serious_and_critical_violations_light_and_dark(page: Page) -> None:
    problems = await check_accessibility(page, "checkers")
    report = "\n".join(problems)
    assert len(problems) == 2, report
    contrast, image = sorted(problems)  # "checkers (dark): ..." sorts before "checkers (light): ..."
    assert image.startswith("checkers (light): image-alt [critical] Images must have alternative text"), image
    assert "    img" in image  # the offending node's selector
    assert contrast.startswith("checkers (dark): color-contrast [serious]"), contrast
    assert "#faint" in contrast and "contrast of" in contrast  # selector, and axe's message with the ratio
    # Moderate findings (a page without landmarks for all content, say) are not reported.
    assert "region" not in report
    # The page is left in the light scheme.
    assert await page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") is False


async def test_tab_to_requires_a_visible_focus_indicator(page: Page) -> None:
    assert await tab_to(page, page.get_by_role("button", name="A button with the browser's outline")) == 2
    with pytest.raises(AssertionError, match="no visible focus indicator"):
        await tab_to(page, page.get_by_role("button", name="A button whose focus cannot be seen"))
    # Backwards too, and a box-shadow counts as an indicator.
    assert await tab_to(page, page.get_by_role("link", name="A link with a ring"), backwards=True) == 2
