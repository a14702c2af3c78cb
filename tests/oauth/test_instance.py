"""/api/v1/instance and /api/v2/instance in Mastodon's shapes, with Moot's real limits."""
from __future__ import annotations

from federation.actions.statuses import MAX_STATUS_LENGTH
from models.polls import MAX_OPTIONS
from tests.conftest import MootInstance


async def test_instance_documents(moot: MootInstance) -> None:
    await moot.user("ada", is_admin=True)
    status, v2 = await moot.api("GET", "/api/v2/instance")
    assert status == 200
    assert v2["domain"] == moot.host and v2["version"].startswith("4.3.0 (compatible; Moot ")
    assert v2["configuration"]["statuses"]["max_characters"] == MAX_STATUS_LENGTH
    assert v2["configuration"]["polls"]["max_options"] == MAX_OPTIONS
    assert "image/png" in v2["configuration"]["media_attachments"]["supported_mime_types"]
    assert v2["usage"]["users"]["active_month"] == 1
    assert v2["contact"]["account"]["username"] == "ada"
    assert set(v2["registrations"]) >= {"enabled", "approval_required"}
    assert v2["configuration"]["urls"]["streaming"].startswith("ws://")
    status, v1 = await moot.api("GET", "/api/v1/instance")
    assert status == 200
    assert v1["uri"] == moot.host and v1["stats"]["user_count"] == 1 and isinstance(v1["registrations"], bool)
    assert v1["configuration"]["statuses"]["max_characters"] == MAX_STATUS_LENGTH
    assert v1["urls"]["streaming_api"].startswith("ws://")
