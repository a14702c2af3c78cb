"""Scopes: every API route resolves to one, and a token without it gets Mastodon's 403."""
from __future__ import annotations

from models.actors import ApiToken
from tests.conftest import MootInstance
from web.api.scopes import (
    KNOWN_SCOPES, OPEN_PREFIXES, OPEN_ROUTES, OUT_OF_SCOPE, PREFIX_SCOPES, ROUTE_SCOPES, SELF_CHECKED_PREFIXES, allows,
    api_routes, required_scope,
)


def test_every_api_route_needs_a_known_scope() -> None:
    from server.app import create_app
    from server.settings import Settings

    app = create_app(Settings(base_url="http://127.0.0.1:1", listen="127.0.0.1:1", database_url="sqlite://:memory:"))
    routes = api_routes(app)
    assert len(routes) > 40
    for method, path in routes:
        needed = required_scope(method, path)
        open_route = (method, path) in OPEN_ROUTES or path.startswith(SELF_CHECKED_PREFIXES + OPEN_PREFIXES)
        assert (needed is None and open_route) or needed in KNOWN_SCOPES, (method, path, needed)
    # Writes never pass with a read scope, and the table names no route the router lacks.
    for method, path in routes:
        needed = required_scope(method, path)
        if method in ("POST", "PUT", "PATCH", "DELETE") and needed is not None:
            assert not allows(frozenset({"read"}), needed), (method, path, needed)
    for method, path in ROUTE_SCOPES:
        assert path.startswith("/api/") and method in ("GET", "POST", "PUT", "PATCH", "DELETE")
    assert all(prefix.startswith("/api/") for prefix, _, _ in PREFIX_SCOPES)
    assert required_scope("POST", "/api/v1/statuses") == "write:statuses"
    assert required_scope("GET", "/api/v1/timelines/home") == "read:statuses"
    assert required_scope("POST", "/api/moot/v1/admin/content_rules") == "admin:write"
    assert required_scope("GET", "/api/moot/v1/groups/{group_id}") == "read"


def test_scope_rules() -> None:
    assert allows(frozenset({"read"}), "read:statuses")
    assert not allows(frozenset({"read:accounts"}), "read:statuses")
    assert allows(frozenset({"follow"}), "write:follows") and not allows(frozenset({"follow"}), "write:statuses")
    assert allows(frozenset({"admin:read"}), "admin:read:accounts")
    assert not allows(frozenset({"read"}), "admin:read")
    assert allows(None, "admin:write")


async def test_a_read_token_cannot_post(moot: MootInstance) -> None:
    ada, full = await moot.user("ada")
    reader, _ = await moot.user("reader")
    row = await ApiToken.get(actor=ada)
    from federation.local_actors import create_token
    read_only = await create_token(ada)
    await ApiToken.filter(actor=ada).exclude(id=row.id).update(scopes="read")
    status, body = await moot.api("POST", "/api/v1/statuses", read_only, json={"status": "hello"})
    assert status == 403 and body == {"error": OUT_OF_SCOPE}
    status, me = await moot.api("GET", "/api/v1/accounts/verify_credentials", read_only)
    assert status == 200 and me["username"] == "ada"
    # A token from `moot token create` keeps every scope.
    status, _ = await moot.api("POST", "/api/v1/statuses", full, json={"status": "hello"})
    assert status == 200
    # Sub-scopes: read:accounts is not read:statuses; write:follows is not write:statuses.
    await ApiToken.filter(actor=ada).exclude(id=row.id).update(scopes="read:accounts write:follows")
    status, _ = await moot.api("GET", "/api/v1/accounts/verify_credentials", read_only)
    assert status == 200
    status, _ = await moot.api("POST", f"/api/v1/accounts/{reader.id}/follow", read_only)
    assert status == 200
    status, body = await moot.api("POST", "/api/v1/statuses", read_only, json={"status": "hello"})
    assert status == 403
    # Apps in browsers get CORS answers.
    async with moot.session.options(moot.base_url + "/api/v1/statuses", headers={
            "Origin": "https://elk.example", "Access-Control-Request-Method": "POST"}) as response:
        assert response.status == 204 and response.headers["Access-Control-Allow-Origin"] == "*"
