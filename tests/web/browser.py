"""A cookie-keeping HTTP client that fills in forms like a browser without JavaScript (CSRF token included)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import aiohttp

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Page:
    status: int
    url: str
    text: str


class FormClient:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def close(self) -> None:
        await self.session.close()

    async def get(self, path: str, **kwargs: Any) -> Page:
        async with self.session.get(self.base_url + path, **kwargs) as response:
            return Page(response.status, str(response.url), await response.text())

    async def submit(self, form_page: str, action: str, fields: dict[str, Any], *, csrf: bool = True) -> Page:
        """GET the page holding the form (for its CSRF token), then POST the form to `action`."""
        data = dict(fields)
        if csrf:
            page = await self.get(form_page)
            match = CSRF_INPUT.search(page.text)
            assert match, f"no CSRF token on {form_page}: {page.status} {page.text[-1500:]}"
            data["csrf_token"] = match.group(1)
        async with self.session.post(self.base_url + action, data=data) as response:
            return Page(response.status, str(response.url), await response.text())
