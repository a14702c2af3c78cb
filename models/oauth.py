"""OAuth 2 for Mastodon apps: registered applications, authorisation codes and app-only tokens.

Secrets, codes and tokens are stored only as SHA-256 hashes. The tokens people grant are ApiToken rows
(models/actors.py) that name their application and scopes.
"""
from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class OAuthApplication(Model):
    """An app registered through POST /api/v1/apps (Elk, Tusky, Mastodon.py...)."""

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=200)
    website = fields.CharField(max_length=2048, null=True)
    # Newline-separated, as Mastodon keeps them.
    redirect_uris = fields.TextField()
    # Space-separated.
    scopes = fields.CharField(max_length=500, default="read")
    client_id = fields.CharField(max_length=64, unique=True)
    client_secret_hash = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "oauth_application"

    @property
    def redirect_uri_list(self) -> list[str]:
        return [uri for uri in self.redirect_uris.split("\n") if uri]


class OAuthAuthorizationCode(Model):
    """A single-use code from the consent page, exchanged at POST /oauth/token within ten minutes."""

    id = fields.BigIntField(primary_key=True)
    code_hash = fields.CharField(max_length=64, unique=True)
    application: fields.ForeignKeyRelation[OAuthApplication] = fields.ForeignKeyField(
        "models.OAuthApplication", related_name="codes", on_delete=fields.CASCADE
    )
    # The person who pressed Authorise, and the identity the token acts as (them, or a page they administer).
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Actor", related_name="oauth_codes_granted", on_delete=fields.CASCADE
    )
    actor: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Actor", related_name="oauth_codes", on_delete=fields.CASCADE
    )
    redirect_uri = fields.CharField(max_length=2048)
    scopes = fields.CharField(max_length=500)
    # The PKCE S256 challenge, when the app sent one.
    code_challenge = fields.CharField(max_length=128, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "oauth_authorization_code"


class OAuthAppToken(Model):
    """A client_credentials token: it names the app only, so it reaches app-level endpoints and no account."""

    id = fields.BigIntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    application: fields.ForeignKeyRelation[OAuthApplication] = fields.ForeignKeyField(
        "models.OAuthApplication", related_name="app_tokens", on_delete=fields.CASCADE
    )
    scopes = fields.CharField(max_length=500)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "oauth_app_token"
