"""Actors: local and remote people, pages (Service) and the instance actor (Application)."""
from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

URL_LENGTH = 2048


class Actor(Model):
    id = fields.BigIntField(primary_key=True)
    uri = fields.CharField(max_length=URL_LENGTH, unique=True)
    type = fields.CharField(max_length=32)
    # Local actors have a unique local_name (users, pages and the instance actor share one namespace).
    local_name = fields.CharField(max_length=64, null=True, unique=True)
    # Local groups have their own namespace: a group may share its name with a user or a page.
    group_name = fields.CharField(max_length=64, null=True, unique=True)
    is_local = fields.BooleanField(default=False, db_index=True)
    username = fields.CharField(max_length=255, null=True)
    domain = fields.CharField(max_length=255, db_index=True)
    display_name = fields.TextField(null=True)
    summary = fields.TextField(default="")
    category = fields.CharField(max_length=100, null=True)
    inbox = fields.CharField(max_length=URL_LENGTH)
    shared_inbox = fields.CharField(max_length=URL_LENGTH, null=True)
    outbox = fields.CharField(max_length=URL_LENGTH, null=True)
    followers_url = fields.CharField(max_length=URL_LENGTH, null=True)
    following_url = fields.CharField(max_length=URL_LENGTH, null=True)
    featured_url = fields.CharField(max_length=URL_LENGTH, null=True)
    # Groups: the moderators collection (Lemmy's attributedTo) and whether only moderators may post.
    moderators_url = fields.CharField(max_length=URL_LENGTH, null=True)
    posting_restricted_to_mods = fields.BooleanField(default=False, db_default=False)
    url = fields.CharField(max_length=URL_LENGTH, null=True)
    icon_url = fields.CharField(max_length=URL_LENGTH, null=True)
    image_url = fields.CharField(max_length=URL_LENGTH, null=True)
    manually_approves = fields.BooleanField(default=False)
    discoverable = fields.BooleanField(default=True)
    indexable = fields.BooleanField(default=True)
    # Contact details and other profile fields: [{"name": ..., "value": ...}]
    profile_fields = fields.JSONField(default=list)
    public_key_id = fields.CharField(max_length=URL_LENGTH, null=True, db_index=True)
    public_key_pem = fields.TextField(null=True)
    private_key_pem = fields.TextField(null=True)
    published = fields.DatetimeField(null=True)
    # The remote followers collection's totalItems, read lazily for the new-account heuristic.
    followers_count = fields.IntField(null=True)
    fetched_at = fields.DatetimeField(null=True)
    # Rate-limits refetching a key after a failed verification (key rotation).
    key_refetched_at = fields.DatetimeField(null=True)
    deleted_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "actor"
        # (type, manually_approves): the audience's "posts of public groups" subquery reads only the groups.
        indexes = (("type", "manually_approves"),)

    @property
    def handle(self) -> str:
        return f"{self.username}@{self.domain}"

    @property
    def delivery_inbox(self) -> str:
        """The inbox to deliver public activities to: shared when the server offers one."""
        return self.shared_inbox or self.inbox

    def __str__(self) -> str:
        return self.uri


class LocalUser(Model):
    """Login data for a local person (the public side is its Actor)."""

    id = fields.BigIntField(primary_key=True)
    actor: fields.OneToOneRelation[Actor] = fields.OneToOneField(
        "models.Actor", related_name="account", on_delete=fields.CASCADE
    )
    password_hash = fields.TextField(null=True)
    is_admin = fields.BooleanField(default=False)
    email = fields.CharField(max_length=255, null=True)
    # A suspended account cannot sign in, and its sessions and tokens stop working.
    suspended_at = fields.DatetimeField(null=True)
    locale = fields.CharField(max_length=16, null=True)
    # An IANA time zone name ("Europe/Amsterdam") for the times on pages; null: the browser's, else UTC.
    time_zone = fields.CharField(max_length=64, null=True)
    # Posting defaults (Mastodon's source.privacy, .sensitive, .language): what a new post gets when the
    # composer or the app does not say. federation/people/posting_defaults.py checks and reads them.
    default_visibility = fields.CharField(max_length=16, default="public", db_default="public")
    default_sensitive = fields.BooleanField(default=False, db_default=False)
    default_language = fields.CharField(max_length=16, null=True)  # an ISO 639-1 code; null: none
    # Set at each sign-in with a password (admins see it).
    last_sign_in_at = fields.DatetimeField(null=True)
    # The server asks for a confirmed email and this one is not confirmed yet (a banner says so).
    email_unconfirmed = fields.BooleanField(default=False, db_default=False)
    # The person deleted the account: it cannot sign in, and its data goes at delete_after (an admin may cancel).
    deletion_requested_at = fields.DatetimeField(null=True)
    delete_after = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "local_user"


class PageRole(Model):
    """Who may act as a page: its owner and co-admins (local users)."""

    id = fields.BigIntField(primary_key=True)
    page: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="page_roles", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="managed_pages", on_delete=fields.CASCADE
    )
    role = fields.CharField(max_length=16, default="owner")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "page_role"
        unique_together = (("page", "user"),)


class ApiToken(Model):
    """A bearer token. Only its SHA-256 is stored, so a leaked database leaks no usable token."""

    id = fields.BigIntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="tokens", on_delete=fields.CASCADE
    )
    label = fields.CharField(max_length=100, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    # OAuth grants (web/oauth/): space-separated scopes (null means every scope, as for `moot token create`),
    # the app it was granted to and the person who granted it (who may have chosen a page they administer).
    scopes = fields.CharField(max_length=500, null=True)
    application: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.OAuthApplication", related_name="tokens", null=True, on_delete=fields.CASCADE
    )
    granted_by: fields.ForeignKeyNullableRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="granted_tokens", null=True, on_delete=fields.CASCADE
    )
    # The SHA-256 of the refresh token of an OAuth grant: redeeming it rotates both (web/oauth/refresh.py).
    refresh_token_hash = fields.CharField(max_length=64, null=True, db_index=True)

    class Meta:
        table = "api_token"
