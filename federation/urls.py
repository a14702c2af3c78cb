"""Every local URL and id derives from the base URL here, so no other module formats them."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

ACTOR_PATHS = {"Person": "users", "Service": "pages", "Group": "groups"}
INSTANCE_ACTOR_NAME = "moot.instance"


@dataclass(frozen=True)
class LocalUrls:
    base_url: str

    def actor(self, actor_type: str, name: str) -> str:
        if actor_type == "Application":
            return f"{self.base_url}/actor"
        return f"{self.base_url}/{ACTOR_PATHS[actor_type]}/{name}"

    def profile(self, name: str) -> str:
        return f"{self.base_url}/@{name}"

    def shared_inbox(self) -> str:
        return f"{self.base_url}/inbox"

    def new_post(self) -> str:
        return f"{self.base_url}/posts/{uuid.uuid4().hex}"

    def new_activity(self) -> str:
        return f"{self.base_url}/activities/{uuid.uuid4().hex}"

    def tag(self, name: str) -> str:
        return f"{self.base_url}/tags/{name.lower()}"

    def is_local(self, url: str | None) -> bool:
        return bool(url) and (url == self.base_url or url.startswith(self.base_url + "/"))  # type: ignore[union-attr]
