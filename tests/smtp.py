"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the mail tests."""
from __future__ import annotations

import asyncio
import email
import email.policy
import logging
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

# aiosmtpd logs every connection at INFO from its own thread ("mail.log"): quiet for the tests.
logging.getLogger("mail.log").setLevel(logging.WARNING)

from aiohttp.test_utils import unused_port


class MailCatcher:
    """Collects every message delivered to it, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = unused_port()
        self._controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's handler hook
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    @property
    def settings(self) -> dict[str, Any]:
        """Overrides for moot_factory so an instance sends its mail here."""
        return {"smtp_host": "127.0.0.1", "smtp_port": self.port, "smtp_security": "none",
                "smtp_from": "Moot <noreply@127.0.0.1>"}

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if address in str(message["To"])]

    async def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        """Wait until at least `count` messages arrived (the SMTP server runs in its own thread)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.messages) < count and loop.time() < deadline:
            await asyncio.sleep(0.02)
        return self.messages

    def start(self) -> "MailCatcher":
        """Start (or restart, on the same port) the server: a stopped Controller cannot be started again."""
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
