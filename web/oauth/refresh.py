"""grant_type=refresh_token (RFC 6749 section 6): a person's grant, renewed by the app that holds it.

Mastodon issues no refresh tokens (doorkeeper's `use_refresh_token` is off and its tokens never expire), so
Mastodon apps never send this grant; generic OAuth clients do. Moot's access tokens never expire either: a
refresh is for a client that wants a fresh pair. Redeeming rotates both tokens on the same grant (the old access
and refresh tokens stop working at once), keeps the person, page and app, and lets the scopes only narrow.
"""
from __future__ import annotations

from oauthlib.common import generate_token

from models.actors import ApiToken
from models.oauth import OAuthApplication
from web.api.scopes import hash_secret, parse_scopes
from web.oauth.grants import IssuedToken, OAuthError, check_scopes, now

MAX_TOKEN = 256


def _invalid() -> OAuthError:
    return OAuthError("invalid_grant", "The provided authorization grant is invalid, expired, revoked, does not "
                      "match the redirection URI used in the authorization request, or was issued to another client.")


async def refresh(application: OAuthApplication, refresh_token: str, scope: str | None) -> IssuedToken:
    """A new access token and refresh token for the grant `refresh_token` belongs to, within its scopes."""
    if not refresh_token or len(refresh_token) > MAX_TOKEN:
        raise _invalid()
    old_hash = hash_secret(refresh_token)
    row = await ApiToken.filter(refresh_token_hash=old_hash, application_id=application.id).first()
    if row is None:
        raise _invalid()
    granted = parse_scopes(row.scopes) if row.scopes is not None else None
    scopes = " ".join(check_scopes(scope, allowed=granted)) if scope else (row.scopes or "")
    token, new_refresh = generate_token(43), generate_token(43)
    # Conditional on the old refresh token: of two requests racing with it, only one wins.
    changed = await ApiToken.filter(id=row.id, refresh_token_hash=old_hash).update(
        token_hash=hash_secret(token), refresh_token_hash=hash_secret(new_refresh), scopes=scopes)
    if not changed:
        raise _invalid()
    return IssuedToken(token, scopes, now(), new_refresh)
