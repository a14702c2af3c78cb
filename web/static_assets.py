"""Static files (CSS, JavaScript, icons) under content-hashed URLs: `asset("moot.css")` gives
`/static/moot.css?v=<hash>`, which browsers may keep for a year, since a changed file gets a new URL."""
from __future__ import annotations

import hashlib
from pathlib import Path

from aiohttp import web

from web import app_keys as keys

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PREFIX = "/static/"
LONG_CACHE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, max-age=300"


def content_hashes(directory: Path = STATIC_DIR) -> dict[str, str]:
    """The first 12 hex digits of each file's SHA-256, by file name (read once, at start-up)."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        for path in directory.iterdir() if path.is_file() and not path.name.endswith(".md")
    }


def setup(app: web.Application) -> None:
    hashes = content_hashes()

    def asset(name: str) -> str:
        version = hashes.get(name)
        return f"{STATIC_PREFIX}{name}" + (f"?v={version}" if version else "")

    app[keys.TEMPLATES].globals["asset"] = asset
    app.router.add_static("/static", STATIC_DIR, name="static")
    app.middlewares.append(cache_static)


@web.middleware
async def cache_static(request: web.Request, handler: web.RequestHandler) -> web.StreamResponse:
    response = await handler(request)
    if request.path.startswith(STATIC_PREFIX) and response.status == 200:
        # A hashed URL never changes its content; an unhashed one may, after an upgrade.
        response.headers["Cache-Control"] = LONG_CACHE if "v" in request.query else SHORT_CACHE
    return response
