"""The OAuth 2 rules Mastodon apps rely on: registering apps, issuing and redeeming codes, tokens, revoking.

Secrets, codes and tokens are random (oauthlib's generator) and stored only as SHA-256 hashes; every
comparison of a secret is constant-time; the PKCE S256 check is oauthlib's.
"""
from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from oauthlib.common import generate_client_id, generate_token
from oauthlib.oauth2.rfc6749.grant_types.authorization_code import code_challenge_method_s256
from tortoise.transactions import in_transaction

from models.actors import Actor, ApiToken
from models.oauth import OAuthApplication, OAuthAppToken, OAuthAuthorizationCode
from web.api.scopes import KNOWN_SCOPES, hash_secret, parse_scopes

OOB = "urn:ietf:wg:oauth:2.0:oob"
CODE_LIFETIME = timedelta(minutes=10)
MAX_NAME = 200
MAX_WEBSITE = 2048
MAX_REDIRECT_URIS = 10
MAX_URI = 2048
# RFC 7636: a verifier is 43-128 characters of [A-Za-z0-9-._~]; the challenge, base64url of a SHA-256, 43.
VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43,128}$")
CLIENT_ID_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


class OAuthError(Exception):
    """An OAuth error in RFC 6749's terms: `error` is the code, `description` says why, `status` the HTTP status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def json(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def now() -> datetime:
    return datetime.now(timezone.utc)


def check_scopes(text: str | None, allowed: list[str] | None = None, default: str = "read") -> list[str]:
    """The scopes asked for (the default when none), each known and, given `allowed`, within it."""
    scopes = parse_scopes(text) or parse_scopes(default)
    for scope in scopes:
        if scope not in KNOWN_SCOPES:
            raise OAuthError("invalid_scope", f"the scope {scope!r} is not one this server knows")
        if allowed is not None and scope not in allowed:
            raise OAuthError("invalid_scope", f"the scope {scope!r} was not registered for this app")
    return scopes


def check_redirect_uri(uri: str) -> str:
    """An absolute URI without a fragment (any scheme: apps use their own, like `elk://`), or the oob URN."""
    uri = uri.strip()
    if uri == OOB:
        return uri
    if len(uri) > MAX_URI:
        raise OAuthError("invalid_redirect_uri", f"a redirect URI can be at most {MAX_URI} characters long")
    parts = urlsplit(uri)
    if not parts.scheme or parts.fragment or (not parts.netloc and not parts.path) or any(c.isspace() for c in uri):
        raise OAuthError("invalid_redirect_uri", f"{uri!r} is not an absolute URI without a fragment")
    if parts.scheme.lower() in ("javascript", "data", "vbscript", "file"):
        raise OAuthError("invalid_redirect_uri", f"{parts.scheme}: URIs cannot be redirect URIs")
    return uri


@dataclass
class NewApplication:
    application: OAuthApplication
    client_secret: str


async def register_application(name: str, redirect_uris: str | list[str], scopes: str | None,
                                website: str | None) -> NewApplication:
    name = (name or "").strip()
    if not name:
        raise OAuthError("invalid_client_metadata", "client_name is required", 422)
    if len(name) > MAX_NAME:
        raise OAuthError("invalid_client_metadata", f"client_name can be at most {MAX_NAME} characters long", 422)
    if isinstance(redirect_uris, str):
        redirect_uris = redirect_uris.split("\n")
    uris = [check_redirect_uri(u) for u in redirect_uris if u.strip()]
    if not uris:
        raise OAuthError("invalid_redirect_uri", "redirect_uris is required", 422)
    if len(uris) > MAX_REDIRECT_URIS:
        raise OAuthError("invalid_redirect_uri", f"at most {MAX_REDIRECT_URIS} redirect URIs", 422)
    try:
        scope_list = check_scopes(scopes)
    except OAuthError as exc:
        exc.status = 422
        raise
    website = (website or "").strip() or None
    if website is not None:
        parts = urlsplit(website)
        if len(website) > MAX_WEBSITE or parts.scheme not in ("http", "https") or not parts.netloc:
            raise OAuthError("invalid_client_metadata", "website must be an http(s) URL", 422)
    secret = generate_token(43)
    application = await OAuthApplication.create(
        name=name, website=website, redirect_uris="\n".join(dict.fromkeys(uris)), scopes=" ".join(scope_list),
        client_id=generate_client_id(43, CLIENT_ID_CHARS), client_secret_hash=hash_secret(secret),
    )
    return NewApplication(application, secret)


async def application_for(client_id: str | None) -> OAuthApplication | None:
    if not client_id or len(client_id) > 64:
        return None
    return await OAuthApplication.filter(client_id=client_id).first()


def secret_matches(application: OAuthApplication, secret: str | None) -> bool:
    return bool(secret) and hmac.compare_digest(application.client_secret_hash, hash_secret(secret or ""))


async def authenticate_client(client_id: str | None, secret: str | None, *, required: bool) -> OAuthApplication:
    """The app named by client_id; its secret must match when given, and be given when `required`."""
    application = await application_for(client_id)
    if application is None or (secret and not secret_matches(application, secret)) or (required and not secret):
        raise OAuthError("invalid_client", "Client authentication failed due to unknown client, no client "
                         "authentication included, or unsupported authentication method.", 401)
    return application


def redirect_allowed(application: OAuthApplication, redirect_uri: str | None) -> str:
    """The redirect URI to use: one the app registered (the only one when it names none)."""
    registered = application.redirect_uri_list
    if not redirect_uri and len(registered) == 1:
        return registered[0]
    if redirect_uri not in registered:
        raise OAuthError("invalid_redirect_uri", "The redirect uri included is not valid.")
    return redirect_uri


async def issue_code(application: OAuthApplication, user: Actor, actor: Actor, redirect_uri: str,
                     scopes: list[str], code_challenge: str | None) -> str:
    code = generate_token(43)
    await OAuthAuthorizationCode.create(
        code_hash=hash_secret(code), application=application, user=user, actor=actor, redirect_uri=redirect_uri,
        scopes=" ".join(scopes), code_challenge=code_challenge or None, expires_at=now() + CODE_LIFETIME,
    )
    return code


@dataclass
class IssuedToken:
    token: str
    scopes: str
    created_at: datetime
    # Only a person's grant has one (RFC 6749 6, web/oauth/refresh.py); an app's own token does not.
    refresh_token: str | None = None

    def json(self) -> dict[str, object]:
        body: dict[str, object] = {"access_token": self.token, "token_type": "Bearer", "scope": self.scopes,
                                   "created_at": int(self.created_at.timestamp())}
        if self.refresh_token:
            body["refresh_token"] = self.refresh_token
        return body


async def redeem_code(application: OAuthApplication, code: str, redirect_uri: str | None,
                      verifier: str | None, client_authenticated: bool) -> IssuedToken:
    """The token for a code: once only, within CODE_LIFETIME, same app and redirect URI, the PKCE verifier."""
    invalid = OAuthError("invalid_grant", "The provided authorization grant is invalid, expired, revoked, does not "
                         "match the redirection URI used in the authorization request, or was issued to another "
                         "client.")
    if not code or len(code) > 256:
        raise invalid
    row = await OAuthAuthorizationCode.filter(code_hash=hash_secret(code)).prefetch_related("actor").first()
    if row is None or row.application_id != application.id or row.used_at is not None or row.expires_at <= now():
        raise invalid
    if (redirect_uri or "") != row.redirect_uri:
        raise invalid
    if row.code_challenge:
        if not verifier or not VERIFIER.match(verifier) or not code_challenge_method_s256(verifier, row.code_challenge):
            raise invalid
    elif not client_authenticated:
        # A public client proves itself with PKCE; without a challenge it must send its secret.
        raise OAuthError("invalid_client", "client authentication is required", 401)
    token, refresh = generate_token(43), generate_token(43)
    async with in_transaction():
        # Single use, even when two requests race: only one of them marks the code used.
        if not await OAuthAuthorizationCode.filter(id=row.id, used_at=None).update(used_at=now()):
            raise invalid
        created = await ApiToken.create(
            token_hash=hash_secret(token), actor_id=row.actor_id, label=application.name[:100], scopes=row.scopes,
            application=application, granted_by_id=row.user_id, refresh_token_hash=hash_secret(refresh),
        )
    return IssuedToken(token, row.scopes, created.created_at, refresh)


async def app_token(application: OAuthApplication, scope: str | None) -> IssuedToken:
    scopes = check_scopes(scope, allowed=parse_scopes(application.scopes))
    token = generate_token(43)
    created = await OAuthAppToken.create(token_hash=hash_secret(token), application=application,
                                         scopes=" ".join(scopes))
    return IssuedToken(token, " ".join(scopes), created.created_at)


async def revoke_token(application: OAuthApplication, token: str) -> None:
    """Revokes a token the app holds (a person's grant or its own); unknown tokens are ignored (RFC 7009)."""
    digest = hash_secret(token or "")
    await ApiToken.filter(token_hash=digest, application=application).delete()
    # A refresh token names the same grant: revoking it revokes its access token too.
    await ApiToken.filter(refresh_token_hash=digest, application=application).delete()
    await OAuthAppToken.filter(token_hash=digest, application=application).delete()


async def revoke_application_for(user: Actor, application_id: int) -> int:
    """Revokes every token `user` granted to an app (for them or their pages), and the codes not yet
    exchanged; how many tokens went."""
    await OAuthAuthorizationCode.filter(user=user, application_id=application_id, used_at=None).delete()
    return await ApiToken.filter(granted_by=user, application_id=application_id).delete()
