"""Issue 14 in a real browser: on an instance that keeps media in S3-compatible storage (moto's server on
loopback), a member posts an image with its alt text through the group composer; the image lands in the bucket
(nothing on disk) and the thread page shows it, streamed by Moot from the bucket.
"""
from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Awaitable, Callable, Iterator

import pytest
from PIL import Image

from federation import actions
from federation.groups.admin import GroupSettings, create_group
from models.accounts import MediaFile
from models.posts import Post
from server import keys
from tests.conftest import MootInstance
from tests.e2e.conftest import Visitor
from tests.e2e.people import give_passwords, sign_in
from tests.e2e.test_community_flow import open_composer
from tests.operations.s3server import Bucket, moto_server

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
ALT = "A blue watering can beside three pots of basil"


@pytest.fixture
def bucket() -> Iterator[Bucket]:
    with moto_server() as endpoint:
        yield Bucket(endpoint, f"moot-{uuid.uuid4().hex[:12]}")


def basil_png(directory: Path) -> Path:
    image = Image.new("RGB", (120, 80), (40, 90, 200))
    for x in range(20, 100, 30):
        for y in range(40, 70):
            image.putpixel((x + y % 5, y), (50, 150, 60))
    path = directory / "basil.png"
    image.save(path, format="PNG")
    return path


async def test_an_image_posted_in_the_browser_is_kept_in_the_bucket_and_shown(
        moot_factory: Callable[..., Awaitable[MootInstance]], visitors: Callable[..., Awaitable[Visitor]],
        bucket: Bucket, tmp_path: Path) -> None:
    moot = await moot_factory(**bucket.settings())
    await moot.user("siteadmin", is_admin=True)
    dora, _ = await moot.user("dora")
    await give_passwords(dora)
    garden = await create_group(moot.fed, "herbs", dora, GroupSettings(display_name="Herb Garden"))
    await actions.follow(moot.fed, dora, garden)

    browser = await visitors(moot)
    await sign_in(browser, "dora")
    await browser.open("/groups/herbs")
    await open_composer(browser, "Title")
    await browser.field("Title").fill("Basil on the balcony")
    await browser.field("Text").fill("Second sowing, doing well.")
    main = browser.page.locator("main")
    await main.get_by_label("Image 1", exact=True).set_input_files(basil_png(tmp_path))
    await main.get_by_label(re.compile("^Describe the image")).first.fill(ALT)
    response = await browser.submit(browser.button("Post"))
    assert response.status == 303 and browser.path().startswith("/threads/")

    post = await Post.get(name="Basil on the balcony")
    media = await MediaFile.get(post_id=post.id)
    assert media.description == ALT
    assert bucket.keys() == [f"media/{media.file_name}"]
    directory = Path(moot.app[keys.SETTINGS].data_dir) / "media"
    assert not directory.exists() or not any(directory.iterdir())
    image = main.get_by_role("img", name=ALT)
    await image.wait_for()
    assert await image.evaluate("img => img.complete && img.naturalWidth") == 120
    await browser.look("s3media-thread")
    browser.check()
