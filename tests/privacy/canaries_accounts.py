"""Account basics' canaries: the {token} routes (password reset, email confirmation) get real links of mia, a
member of the private group, and a made-up one. Those pages show a form and nothing of the group; the export
(/settings/account/export, no parameter) is each outsider's own, so the vault's posts by mia never appear in it."""
from __future__ import annotations

from models.account_tokens import EMAIL_CONFIRM, PASSWORD_RESET
from models.actors import LocalUser
from tests.privacy.activity_canaries import ActivityWorld, Canaries
from web.account_security import issue_token

CANARY = "Kanarie"  # tests/privacy/world.py's canary word (importing it here would be a cycle)


async def build(world: ActivityWorld) -> Canaries:
    world.moot.use()
    mia = await LocalUser.get(actor__local_name="mia")
    reset = await issue_token(mia, PASSWORD_RESET)
    confirm = await issue_token(mia, EMAIL_CONFIRM, email=f"{CANARY.lower()}-mia@example.test")
    return Canaries(strings=[f"{CANARY.lower()}-mia@example.test"], params={"token": [reset, confirm, "not-a-link"]})
