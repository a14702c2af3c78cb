"""Set-up shared by the moderation tests: an admin, a public group with remote members."""
from __future__ import annotations

from typing import Any

from models.actors import Actor
from tests.conftest import MootInstance
from tests.fakeremote import FakeActor, FakeRemote
from tests.groups.helpers import join, make_group


async def admin(moot: MootInstance) -> tuple[Actor, str]:
    return await moot.user("chief", is_admin=True)


async def group_with_member(moot: MootInstance, remote: FakeRemote, name: str = "bea") -> tuple[Actor, str, FakeActor]:
    group, owner, token, _ = await make_group(moot)
    member = remote.add_actor(name)
    await join(remote, member, group)
    await moot.drain()
    return group, token, member


async def set_domain(moot: MootInstance, token: str, domain: str, policy: str, **extra: Any) -> dict[str, Any]:
    status, body = await moot.api("POST", "/api/moot/v1/admin/domain_policies", token,
                                  json={"domain": domain, "policy": policy, **extra})
    assert status == 201, body
    return body
