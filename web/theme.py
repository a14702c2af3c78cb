"""The instance's accent colour as a tiny stylesheet, /theme.css?v={hash}, readable in light and dark themes.

An admin picks any colour (admin settings). What the stylesheet gives is that colour adjusted, as little as
needed, to keep WCAG AA contrast (4.5:1, the level for normal text) against the theme's surfaces, plus the
text colour to use on it:

    :root{--accent:#2f54d1;--accent-contrast:#ffffff;--accent-chosen:#2f54d1}
    dark theme: the same variables, lightened for a dark background

The dark variant applies under `prefers-color-scheme: dark` unless the page says
<html data-theme="light">, and always under <html data-theme="dark">.
The URL carries a hash of the colour, so the file is cached for a year and a new colour is a new URL.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache

from aiohttp import web

from web import app_keys as keys

# The surfaces the accent must stand out on, as text and as a fill: a little beyond the greys of moot.css
# (--surface-2: #f0f0ed light, #242522 dark), so every background of either theme is covered: a lighter
# light surface or a darker dark one only raises the contrast.
LIGHT_SURFACE = "#ecece8"
DARK_SURFACE = "#2a2b28"
AA_CONTRAST = 4.5
WHITE, BLACK = "#ffffff", "#000000"
# Bump when the stylesheet's shape changes, so cached copies under the old URLs are not reused.
THEME_VERSION = "1"
LONG_CACHE = "public, max-age=31536000, immutable"


def _rgb(colour: str) -> tuple[float, float, float]:
    value = colour.lstrip("#")
    return int(value[0:2], 16) / 255, int(value[2:4], 16) / 255, int(value[4:6], 16) / 255


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, channel)) * 255):02x}" for channel in rgb)


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance."""
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4
    red, green, blue = (linear(channel) for channel in _rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    """WCAG 2 contrast ratio, from 1 to 21."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _mix(colour: str, toward: str, amount: float) -> str:
    return _hex(tuple(a + (b - a) * amount for a, b in zip(_rgb(colour), _rgb(toward))))  # type: ignore[arg-type]


def readable_on(colour: str, surface: str, minimum: float = AA_CONTRAST) -> str:
    """The colour, mixed toward black (on a light surface) or white (on a dark one) only as far as needed to
    reach `minimum` contrast against `surface`."""
    if contrast(colour, surface) >= minimum:
        return colour
    toward = BLACK if luminance(surface) > 0.5 else WHITE
    low, high = 0.0, 1.0
    for _ in range(20):  # bisection: the smallest mix that is readable
        middle = (low + high) / 2
        if contrast(_mix(colour, toward, middle), surface) >= minimum:
            high = middle
        else:
            low = middle
    result = _mix(colour, toward, high)
    return result if contrast(result, surface) >= minimum else toward


def text_on(fill: str) -> str:
    """White or black, whichever is easier to read on the fill."""
    return WHITE if contrast(WHITE, fill) >= contrast(BLACK, fill) else BLACK


def theme_css(accent: str) -> str:
    light = readable_on(accent, LIGHT_SURFACE)
    dark = readable_on(accent, DARK_SURFACE)
    light_vars = f"--accent:{light};--accent-contrast:{text_on(light)};--accent-chosen:{accent}"
    dark_vars = f"--accent:{dark};--accent-contrast:{text_on(dark)};--accent-chosen:{accent}"
    return (
        f":root{{{light_vars}}}\n"
        f"@media (prefers-color-scheme:dark){{:root:not([data-theme=light]){{{dark_vars}}}}}\n"
        f":root[data-theme=dark]{{{dark_vars}}}\n"
    )


@lru_cache(maxsize=16)
def theme_hash(accent: str) -> str:
    return hashlib.sha256(f"{THEME_VERSION}:{accent}".encode()).hexdigest()[:12]


def theme_css_url(accent: str) -> str:
    return f"/theme.css?v={theme_hash(accent)}"


async def theme_stylesheet(request: web.Request) -> web.Response:
    """GET /theme.css?v=...: cached for a year when `v` names the current colour; a stale or missing `v`
    gets the current colour, not to be kept (so no cache ever holds the wrong colour under a hashed URL)."""
    accent = (await request.app[keys.FEDERATION].instance_info.get()).accent
    current = request.query.get("v") == theme_hash(accent)
    return web.Response(text=theme_css(accent), content_type="text/css", charset="utf-8", headers={
        "Cache-Control": LONG_CACHE if current else "no-cache",
    })
