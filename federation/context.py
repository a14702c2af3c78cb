"""What federation code needs from the running server, built once by server/ at start-up."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from federation.urls import LocalUrls

if TYPE_CHECKING:
    from federation.http import SafeHttpClient
    from federation.inbox.intake import InboxWriter
    from federation.keys import KeyStore
    from models.actors import Actor


@dataclass
class FederationContext:
    base_url: str
    host: str
    instance_name: str
    instance_description: str
    software_version: str
    allow_private_addresses: bool
    http: "SafeHttpClient"
    keys: "KeyStore"
    inbox_writer: "InboxWriter"
    delivery_concurrency: int = 32
    # Set by anything that creates queue rows, so an idle worker wakes at once instead of at its next poll.
    work_available: asyncio.Event = field(default_factory=asyncio.Event)
    instance_actor: "Actor | None" = None

    @property
    def urls(self) -> LocalUrls:
        return LocalUrls(self.base_url)

    @property
    def user_agent(self) -> str:
        return f"Moot/{self.software_version} (+{self.base_url})"

    def wake(self) -> None:
        self.work_available.set()
