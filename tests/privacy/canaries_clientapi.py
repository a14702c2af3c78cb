"""Client API leftovers' canaries: GET /api/v1/media/{media_id} reads back one's own upload before it is
posted. mia (a member of the private group) uploads an image whose alt text carries the canary, meant for a
post in the vault: no outsider may read it (nor its alt text) by its id; a made-up id is a plain 404."""
from __future__ import annotations

import io

import aiohttp
from PIL import Image

from tests.privacy.activity_canaries import ActivityWorld, Canaries

CANARY = "Kanarie"  # tests/privacy/world.py's canary word (importing it here would be a cycle)


async def build(world: ActivityWorld) -> Canaries:
    moot = world.moot
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (30, 120, 60)).save(buffer, "PNG")
    form = aiohttp.FormData()
    form.add_field("file", buffer.getvalue(), filename="vault.png", content_type="image/png")
    alt = f"{CANARY} media for the vault"
    form.add_field("description", alt)
    async with moot.session.post(moot.base_url + "/api/v1/media", data=form,
                                 headers={"Authorization": f"Bearer {world.tokens['mia']}"}) as response:
        assert response.status == 200, await response.text()
        media = await response.json()
    moot.use()
    return Canaries(strings=[alt], params={"media_id": [media["id"], "99999999"]})
